"""The CSL processor test suite, run through our citation layer (and through raw citeproc-py).

    python tests/citations/csl_suite.py              # pass counts by fixture prefix, ours and raw
    python tests/citations/csl_suite.py --show name  # expected and actual output of matching fixtures
    python tests/citations/csl_suite.py --write-known  # rewrite the known-failures list from this run

The fixtures are ``../shared/csl-test-suite/humans/*.txt`` (see its SOURCES.md; ``PUBLISH_CSL_SUITE``
points elsewhere). Each is rendered with :func:`publish.cite.render_clusters`, the one entry point that
takes CSL-JSON items, a style, a locale and citation clusters, and compared with the fixture's RESULT
after the normalisation the suite's own runners (citeproc-js's, pandoc's citeproc's) apply: whitespace
at the ends of each line and entry, entity spelling, and citeproc-js's HTML for italics, bold, small caps,
superscript, subscript and underline (``<em>``/``<i>``, ``font-style:normal`` inside italics ...) read as
the formatting it shows. Nothing else is forgiven.

Clusters are read as pandoc's citeproc reads them: ``CITATIONS`` (a later cluster with the same
``citationID`` replaces an earlier one; ``noteIndex`` is the note number), else ``CITATION-ITEMS``, else
one cluster of every item in bibliography order, as citeproc-js's runner takes them from its registry
(citation mode), or one per item (bibliography mode). Items without
an id or a type get their index and "book", as citeproc-py's own runner gives them. In citation mode with
``CITATIONS`` the expected lines lose citeproc-js's ``..[0]``/``>>[0]`` markers.

Known failures are listed, one fixture a line with its reason, in ``csl-suite-known-failures.txt``;
``tests/unit/test_cite_suite.py`` fails on a failure not listed and on a listed fixture that passes.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import signal
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from publish.cite import Cluster, ClusterItem, render_clusters  # noqa: E402
from publish.cite.document import _entry_block  # noqa: E402

SUITE = Path(os.environ.get("PUBLISH_CSL_SUITE", ROOT.parent / "shared" / "csl-test-suite" / "humans"))
KNOWN_FAILURES = HERE / "csl-suite-known-failures.txt"
SECTION_RE = re.compile(r">>=+ *([A-Z-]+) *=+>>\n(.*?)\n?<<=+ *\1 *=+<<", re.S)
CITATION_NUMBER_RE = re.compile(r"^(?:\.\.|>>)\[\d+\]\s?")
TIMEOUT = 20  # seconds per fixture: a hang is a failure, not a stuck run


# ---------------------------------------------------------------------------------------------------
# Fixtures


@dataclass
class Fixture:
    name: str
    mode: str
    csl: str
    items: list[dict]
    result: str
    clusters: list[Cluster]
    with_citations: bool  # CITATIONS given (the expected lines carry ..[n] markers)
    all_items: bool = False  # no clusters given: one cluster of every item (citation mode)

    @property
    def prefix(self) -> str:
        return self.name.split("_", 1)[0]


def fixture_paths(suite: Path = SUITE) -> list[Path]:
    return sorted(suite.glob("*.txt"))


def _cluster_item(raw: dict) -> ClusterItem:
    locator = raw.get("locator")
    return ClusterItem(
        id=str(raw["id"]),
        locator=str(locator) if locator not in (None, "") else None,
        label=raw.get("label") or None,
        prefix=str(raw.get("prefix") or ""),
        suffix=str(raw.get("suffix") or ""),
        suppress_author=bool(raw.get("suppress-author")),
        author_only=bool(raw.get("author-only")),
    )


def load_fixture(path: Path) -> Fixture:
    text = path.read_text(encoding="utf-8-sig")
    sections = {m.group(1).lower(): m.group(2) for m in SECTION_RE.finditer(text)}
    mode = sections.get("mode", "").strip()
    items = json.loads(sections["input"])
    for k, item in enumerate(items):  # as citeproc-py's runner reads fixtures that leave them out
        item.setdefault("id", k)
        item.setdefault("type", "book")
    clusters: list[Cluster] = []
    with_citations = False
    all_items = False
    if "citations" in sections:
        with_citations = True
        raw = json.loads(sections["citations"])
        kept: list[dict] = []
        for k, entry in enumerate(raw):
            citation = entry[0] if isinstance(entry, list) else entry
            cid = citation.get("citationID")
            later = [e[0] if isinstance(e, list) else e for e in raw[k + 1 :]]
            if cid is not None and any(c.get("citationID") == cid for c in later):
                continue
            kept.append(citation)
        notes: dict[str, int] = {}
        last = raw[-1] if raw and isinstance(raw[-1], list) and len(raw[-1]) == 3 else None
        if last is not None:
            # citeproc-js's processCitationCluster(citation, citationsPre, citationsPost): the document
            # is then pre + [citation] + post, in that order and with those note numbers (a citation
            # in neither list has left the document)
            by_id = {c.get("citationID"): c for c in kept}
            order = [*last[1], [last[0].get("citationID"), None], *last[2]]
            kept = [by_id[cid] for cid, _ in order if cid in by_id]
            notes = {str(cid): int(n or 0) for cid, n in order if n is not None}
        for citation in kept:
            note = notes.get(str(citation.get("citationID")))
            if note is None:
                note = int((citation.get("properties") or {}).get("noteIndex") or 0)
            clusters.append(Cluster([_cluster_item(i) for i in citation["citationItems"]], note_number=note))
    elif "citation-items" in sections:
        clusters = [Cluster([_cluster_item(i) for i in group]) for group in json.loads(sections["citation-items"])]
    elif mode == "citation":
        clusters = [Cluster([ClusterItem(id=str(it["id"])) for it in items])]
        all_items = True
    else:
        clusters = [Cluster([ClusterItem(id=str(it["id"]))]) for it in items]
    return Fixture(
        name=path.stem,
        mode=mode,
        csl=sections.get("csl", ""),
        items=items,
        result=sections.get("result", ""),
        clusters=clusters,
        with_citations=with_citations,
        all_items=all_items,
    )


# ---------------------------------------------------------------------------------------------------
# Normalisation: citeproc-js's HTML read as formatted runs


_STYLE_FLAGS = {
    ("font-style", "italic"): ("i", True),
    ("font-style", "oblique"): ("i", True),
    ("font-style", "normal"): ("i", False),
    ("font-weight", "bold"): ("b", True),
    ("font-weight", "normal"): ("b", False),
    ("font-weight", "light"): ("b", False),
    ("font-variant", "small-caps"): ("sc", True),
    ("font-variant", "normal"): ("sc", False),
    ("vertical-align", "sup"): ("sup", True),
    ("vertical-align", "super"): ("sup", True),
    ("vertical-align", "sub"): ("sub", True),
    ("vertical-align", "baseline"): ("sup", False),
    ("text-decoration", "underline"): ("u", True),
    ("text-decoration", "none"): ("u", False),
}
_TAG_FLAGS = {"i": ("i", True), "em": ("i", True), "b": ("b", True), "strong": ("b", True),
              "sup": ("sup", True), "sub": ("sub", True), "u": ("u", True)}
_ORDER = ("b", "i", "sc", "u", "sup", "sub")
_BLOCK_CLASSES = ("csl-left-margin", "csl-right-inline", "csl-block", "csl-indent")


class _Canon(HTMLParser):
    """HTML -> a canonical string: one tag set per run of text; csl-* divs kept; layout space dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, list[tuple[str, bool]]]] = []
        self.flags: dict[str, bool] = {}
        self.out: list[tuple[str, frozenset[str]] | str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        changes: list[tuple[str, bool]] = []
        attr = dict(attrs)
        if tag in _TAG_FLAGS:
            changes.append(_TAG_FLAGS[tag])
        if tag == "span" and attr.get("style"):
            for decl in (attr["style"] or "").split(";"):
                prop, _, value = decl.partition(":")
                flag = _STYLE_FLAGS.get((prop.strip().lower(), value.strip().lower()))
                if flag:
                    changes.append(flag)
        if tag == "div":
            classes = (attr.get("class") or "").split()
            block = next((c for c in classes if c in _BLOCK_CLASSES), None)
            self.out.append(f"<{block}>" if block else "<div>")
            self.stack.append(("div", []))
            return
        if tag == "br":
            self.out.append("<br>")
            return
        saved = [(name, self.flags.get(name, False)) for name, _ in changes]
        for name, on in changes:
            self.flags[name] = on
        self.stack.append((tag, saved))

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":
            return
        while self.stack:
            open_tag, saved = self.stack.pop()
            if open_tag == "div":
                self.out.append("</div>")
            for name, before in reversed(saved):
                self.flags[name] = before
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        fmt = frozenset(k for k, v in self.flags.items() if v)
        for ch in data:
            self.out.append((ch, fmt))

    def result(self) -> str:
        # whitespace at the ends of a div (citeproc-js's indentation of its own HTML) is layout
        tokens = list(self.out)
        text: list[str] = []
        run_fmt: frozenset[str] = frozenset()
        run: list[str] = []

        def flush() -> None:
            if run:
                body = html.escape("".join(run), quote=False)
                tags = [t for t in _ORDER if t in run_fmt]
                text.append("".join(f"<{t}>" for t in tags) + body + "".join(f"</{t}>" for t in reversed(tags)))
                run.clear()

        for tok in tokens:
            if isinstance(tok, str):
                flush()
                text.append(tok)
                continue
            ch, fmt = tok
            if fmt != run_fmt:
                flush()
                run_fmt = fmt
            run.append(ch)
        flush()
        joined = "".join(text)
        return re.sub(r"\s*(</?(?:div|csl-[a-z-]+)>|<br>)\s*", r"\1", joined).strip()


def canonical(fragment: str) -> str:
    parser = _Canon()
    parser.feed(fragment)
    parser.close()
    return parser.result()


def canonical_result(text: str, fixture: Fixture) -> str:
    if fixture.mode == "citation":
        lines = text.split("\n")
        if fixture.with_citations:
            lines = [CITATION_NUMBER_RE.sub("", line) for line in lines]
        return "\n".join(canonical(line) for line in lines)
    return canonical(text)


# ---------------------------------------------------------------------------------------------------
# Our layer: pandoc inlines -> citeproc-js's HTML conventions


_INLINE_TAGS = {"Emph": ("<i>", "</i>"), "Strong": ("<b>", "</b>"),
                "SmallCaps": ('<span style="font-variant:small-caps;">', "</span>"),
                "Superscript": ("<sup>", "</sup>"), "Subscript": ("<sub>", "</sub>"),
                "Underline": ('<span style="text-decoration:underline;">', "</span>")}


def inlines_html(inlines: list[dict]) -> str:
    out: list[str] = []
    for node in inlines:
        t = node["t"]
        if t == "Str":
            out.append(html.escape(node["c"], quote=False))
        elif t in ("Space", "SoftBreak"):
            out.append(" ")
        elif t == "LineBreak":
            out.append("<br/>")
        elif t in _INLINE_TAGS:
            op, cl = _INLINE_TAGS[t]
            out.append(op + inlines_html(node["c"]) + cl)
        elif t == "Span":
            inner = inlines_html(node["c"][1])
            block = next((c for c in node["c"][0][1] if c in _BLOCK_CLASSES), None)
            out.append(f'<div class="{block}">{inner}</div>' if block else inner)
        elif t == "Link":
            out.append(inlines_html(node["c"][1]))
        elif t == "Quoted":
            q = ("\u201c", "\u201d") if node["c"][0]["t"] == "DoubleQuote" else ("\u2018", "\u2019")
            out.append(q[0] + inlines_html(node["c"][1]) + q[1])
        elif t == "Note":
            out.append("")
        elif t == "Code":
            out.append(html.escape(node["c"][1], quote=False))
    return "".join(out)


def _bibliography_html(entries: list[str]) -> str:
    body = "".join(f'<div class="csl-entry">{e}</div>' for e in entries)
    return f'<div class="csl-bib-body">{body}</div>'


def render_ours(fixture: Fixture, style_path: Path) -> str:
    clusters = fixture.clusters
    if fixture.all_items:
        # citeproc-js's runner cites every item in its registry's order, which is the bibliography's
        order = [key for key, _ in render_clusters(fixture.items, style_path, None, clusters).bibliography]
        rank = {key: k for k, key in enumerate(order)}
        items = sorted(clusters[0].items, key=lambda it: rank.get(it.id, len(rank)))
        clusters = [Cluster(items)]
    rendered = render_clusters(fixture.items, style_path, None, clusters)
    if fixture.mode == "citation":
        return "\n".join(inlines_html(c) for c in rendered.citations)
    entries = []
    for key, inlines in rendered.bibliography:
        block = _entry_block(key, inlines)
        entries.append(inlines_html(block["c"][1][0]["c"]))
    return _bibliography_html(entries)


def render_raw(fixture: Fixture, style_path: Path) -> str:
    """citeproc-py 0.11.1 as released (none of our fixes are installed outside the citation step)."""
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        Locator,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    style = CitationStylesStyle(str(style_path), validate=False)
    source = CiteProcJSON(fixture.items)
    bib = CitationStylesBibliography(style, source, formatter.html)
    citations = []
    for cluster in fixture.clusters:
        cites = []
        for it in cluster.items:
            kwargs: dict = {}
            if it.locator:
                kwargs["locator"] = Locator(it.label or "page", it.locator)
            if it.prefix:
                kwargs["prefix"] = it.prefix
            if it.suffix:
                kwargs["suffix"] = it.suffix
            cites.append(CitationItem(it.id, **kwargs))
        citation = Citation(cites)
        bib.register(citation)
        citations.append(citation)
    if style.has_bibliography():
        bib.sort()
    texts = [str(bib.cite(c, lambda _item: None)) for c in citations]
    if fixture.mode == "citation":
        return "\n".join(texts)
    return _bibliography_html([str(e) for e in bib.bibliography()])


# ---------------------------------------------------------------------------------------------------
# Running


class _Timeout(Exception):
    pass


def _alarm(_signum: int, _frame: object) -> None:
    raise _Timeout


@dataclass
class Outcome:
    name: str
    ours: bool
    raw: bool | None
    expected: str
    actual: str


def run_fixture(fixture: Fixture, style_path: Path, engine: str) -> tuple[bool, str]:
    render = render_ours if engine == "ours" else render_raw
    use_alarm = hasattr(signal, "SIGALRM")
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(TIMEOUT)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            actual = render(fixture, style_path)
    except _Timeout:
        return False, "[timed out]"
    except Exception as exc:  # a crash is a failure of that fixture, not of the run
        return False, f"[{type(exc).__name__}: {exc}]"
    finally:
        if use_alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    expected = canonical_result(fixture.result, fixture)
    got = canonical_result(actual, fixture)
    return got == expected, got


def run(names: list[str] | None = None, raw: bool = True, suite: Path = SUITE) -> Iterator[Outcome]:
    """One Outcome per fixture (all, or those whose name contains one of ``names``)."""
    with tempfile.TemporaryDirectory() as tmp:
        for path in fixture_paths(suite):
            if names and not any(n.lower() in path.stem.lower() for n in names):
                continue
            try:
                fixture = load_fixture(path)
            except (KeyError, ValueError, TypeError) as exc:  # a fixture we cannot read fails, loudly
                yield Outcome(path.stem, False, False if raw else None, "", f"[unreadable: {exc!r}]")
                continue
            style_path = Path(tmp) / f"{fixture.name}.csl"
            style_path.write_text(fixture.csl, encoding="utf-8")
            ours, actual = run_fixture(fixture, style_path, "ours")
            raw_ok = run_fixture(fixture, style_path, "raw")[0] if raw else None
            yield Outcome(fixture.name, ours, raw_ok, canonical_result(fixture.result, fixture), actual)


def read_known_failures(path: Path = KNOWN_FAILURES) -> dict[str, str]:
    """Fixture name -> reason, from the committed list (``name  # reason``; blank lines and comments)."""
    known: dict[str, str] = {}
    if not path.exists():
        return known
    for line in path.read_text(encoding="utf-8").splitlines():
        body, _, reason = line.partition("#")
        name = body.strip()
        if name:
            known[name] = reason.strip()
    return known


def write_known_failures(failures: list[str], previous: dict[str, str], path: Path = KNOWN_FAILURES) -> None:
    header = (
        "# CSL test-suite fixtures our citation layer is known to fail (tests/citations/csl_suite.py).\n"
        "# One a line: fixture name, then after '#' why (the class of error, or where the fixture departs\n"
        "# from CSL 1.0.2). tests/unit/test_cite_suite.py fails when a fixture not listed fails and when a\n"
        "# listed one passes: remove it then, so the figure only goes up.\n"
    )
    lines = [f"{name}  # {previous.get(name) or 'not yet analysed'}" for name in sorted(failures)]
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")


def table(outcomes: list[Outcome]) -> str:
    by_prefix: dict[str, Counter[str]] = {}
    for o in outcomes:
        c = by_prefix.setdefault(o.name.split("_", 1)[0], Counter())
        c["total"] += 1
        c["ours"] += o.ours
        c["raw"] += bool(o.raw)
    rows = [f"{'prefix':<15} {'fixtures':>8} {'ours':>6} {'raw':>6}"]
    for prefix in sorted(by_prefix):
        c = by_prefix[prefix]
        rows.append(f"{prefix:<15} {c['total']:>8} {c['ours']:>6} {c['raw']:>6}")
    total = len(outcomes)
    ours = sum(o.ours for o in outcomes)
    raw = sum(bool(o.raw) for o in outcomes)
    rows.append(f"{'(all)':<15} {total:>8} {ours:>6} {raw:>6}")
    rows.append(f"ours {ours}/{total} ({100 * ours / max(total, 1):.1f}%), raw citeproc-py {raw}/{total}")
    broken = [o.name for o in outcomes if o.raw and not o.ours]
    rows.append(f"raw passes, ours fails: {len(broken)}" + (f" ({', '.join(broken)})" if broken else ""))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only fixtures whose name contains one of these")
    parser.add_argument("--show", action="store_true", help="print expected and actual of failures")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw citeproc-py column")
    parser.add_argument("--write-known", action="store_true", help="rewrite the known-failures list")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    outcomes = []
    for o in run(args.names or None, raw=not args.no_raw):
        outcomes.append(o)
        if args.show and not o.ours:
            print(f"--- {o.name}\n  expected {o.expected!r}\n  ours     {o.actual!r}")
    print(table(outcomes))
    print(f"{time.perf_counter() - start:.1f} s")
    known = read_known_failures()
    failed = sorted(o.name for o in outcomes if not o.ours)
    if args.write_known:
        write_known_failures(failed, known)
        return 0
    if not args.names:
        unexpected = sorted(set(failed) - set(known))
        fixed = sorted(set(known) - set(failed))
        if unexpected:
            print("unexpected failures: " + ", ".join(unexpected))
        if fixed:
            print("listed as failing but passed (remove them from the list): " + ", ".join(fixed))
        return 1 if unexpected or fixed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
