"""A finding: what a validator said about one output, then where in the project it comes from.

Validators report on the built files; authors fix the manuscript. A :class:`Raw` finding is what a validator
said (kept in the cache, by the output's content); :func:`publish.check.locate.locate` turns it into a
:class:`Finding` with a project file and line. :func:`fold` makes one line of the same finding seen at three
widths and in two brands, with a count, so a fault written once is read once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

ERROR, WARNING = "error", "warning"


class Raw(NamedTuple):
    """A validator's finding on one output, as plain data (JSON in the cache)."""

    tool: str  # axe, nu, epubcheck, ace, pdf, docx, publish
    rule: str  # the validator's own rule id
    severity: str  # error or warning
    message: str
    output: str  # project-relative output file
    format: str
    brand: str
    context: str = ""  # e.g. "375 px"
    element: str = ""  # a selector or a place inside the output, for findings that cannot be located
    where: Mapping[str, Any] | None = None  # what locate needs: the element's tag, text, region, ...
    hint: str = ""

    def to_json(self) -> list[Any]:
        return [self.tool, self.rule, self.severity, self.message, self.output, self.format, self.brand,
                self.context, self.element, dict(self.where) if self.where else None, self.hint]

    @classmethod
    def from_json(cls, data: list[Any]) -> Raw:
        return cls(*data)


class Finding(NamedTuple):
    """A located finding: the project file (manuscript, template, stylesheet or brand file) and line, or only
    the output when nothing in the project can be named."""

    severity: str
    rule: str  # "axe image-alt"
    message: str
    hint: str
    file: str  # project-relative; the output itself when not located
    line: int | None
    col: int | None
    outputs: tuple[str, ...]
    formats: tuple[str, ...]
    brands: tuple[str, ...]
    contexts: tuple[str, ...]
    element: str  # only for findings not located in a source file
    count: int = 1
    reason: str = ""  # an acknowledgement's reason

    @property
    def located(self) -> bool:
        return self.line is not None

    def place(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def scope(self) -> str:
        """``html, default, 375 px`` for one occurrence; the union and a count for a folded one."""
        parts = [", ".join(self.formats), ", ".join(self.brands)]
        widths = [c for c in self.contexts if c]
        if widths:
            px = [w.removesuffix(" px") for w in widths]
            parts.append("/".join(px) + " px" if all(w.endswith(" px") for w in widths) else ", ".join(widths))
        text = ", ".join(p for p in parts if p)
        if self.count > 1:
            text += f"; {self.count} times"
        return text

    def line_text(self, strict: bool = False) -> str:
        """The one line: ``file:line:col: error: [tool rule] message (scope); hint``."""
        kind = ERROR if strict and self.severity == WARNING else self.severity
        if self.reason:
            kind = "note"
        text = f"{self.place()}: {kind}: [{self.rule}] {self.message} ({self.scope()})"
        if not self.located and self.element:
            text += f" at {self.element}"
        if self.reason:
            text += f"; acknowledged: {self.reason}"
        elif self.hint:
            text += f"; {self.hint}"
        return text


def _sorted_union(values: Iterable[str], order: Iterable[str] = ()) -> tuple[str, ...]:
    rank = {v: i for i, v in enumerate(order)}
    return tuple(sorted(set(values), key=lambda v: (rank.get(v, len(rank)), _natural(v))))


def _natural(value: str) -> tuple[Any, ...]:
    head = value.split(" ", 1)[0]
    return (0, int(head), value) if head.isdigit() else (1, 0, value)


#: Rule ids that name one fault in different validators' words: folded into one line.
SAME_FAULT = {"svg-img-alt": "image-alt", "role-img-alt": "image-alt", "figure-alt": "image-alt",
              "td-has-header": "table-header"}


def fault(rule: str) -> str:
    """The fault a rule names, whichever validator's rule it is."""
    rid = rule_id(rule)
    return SAME_FAULT.get(rid, rid)


def rule_id(rule: str) -> str:
    """``axe heading-order`` -> ``heading-order``: the fault, whichever validator found it."""
    return rule.split(" ", 1)[-1]


def rule_tools(rule: str) -> list[str]:
    return rule.split(" ", 1)[0].split("/")


def fold(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (place, fault): widths, brands, formats, outputs and the validators that found it merged,
    occurrences counted, an error if any of them is one. A skipped heading that axe, Ace and the Nu checker
    all report is one line. A finding that is not located folds by its element, so a fault of the template
    seen in every page is one line, not one per page."""
    groups: dict[tuple[Any, ...], list[Finding]] = {}
    for f in findings:
        key = (f.file, f.line, f.col, fault(f.rule)) if f.located else \
            (_handout(f), f.formats, f.rule, f.message, f.element)
        groups.setdefault(key, []).append(f)
    out = []
    for group in groups.values():
        best = next((f for f in group if f.hint), group[0])
        tools = list(dict.fromkeys(t for f in group for t in rule_tools(f.rule)))
        out.append(best._replace(
            severity=ERROR if any(f.severity == ERROR for f in group) else WARNING,
            rule="/".join(tools) + " " + rule_id(best.rule),
            outputs=_sorted_union(o for f in group for o in f.outputs),
            formats=_sorted_union((x for f in group for x in f.formats), ("html", "epub", "pdf", "docx")),
            brands=_sorted_union(b for f in group for b in f.brands),
            contexts=_sorted_union(c for f in group for c in f.contexts),
            count=sum(f.count for f in group),
        ))
    return sorted(out, key=sort_key)


def _handout(f: Finding) -> str:
    """An output's handout: its file name's stem, the same in every brand and edition."""
    return f.file.rpartition("/")[2].split(".", 1)[0]


def sort_key(f: Finding) -> tuple[Any, ...]:
    return (f.file, f.line or 0, f.col or 0, f.rule, f.message)


def exit_status(findings: Iterable[Finding], strict: bool) -> int:
    """1 when an error is found (a warning too, with ``strict``); acknowledged findings never count."""
    for f in findings:
        if f.reason:
            continue
        if f.severity == ERROR or (strict and f.severity == WARNING):
            return 1
    return 0
