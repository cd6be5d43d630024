"""Bibliography files -> CSL-JSON items, with located errors.

Every problem a user can make in a bibliography file (syntax errors, duplicate or missing ids) is
reported as a :class:`PublishError` pointing at the file, line and column, because "citeproc failed" is
useless when the file has 500 entries.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from publish.errors import PublishError, Warning_, line_col_of_offset

_BIB_SUFFIXES = (".bib", ".bibtex", ".biblatex")


def load_references(path: Path, warnings: list[Warning_] | None = None) -> list[dict]:
    """CSL-JSON, CSL-YAML or BibTeX/BibLaTeX -> CSL-JSON items (see the package docstring). Problems that
    do not stop the build (a BibTeX organisation split into people) are appended to ``warnings``."""
    path = Path(path)
    if not path.is_file():
        raise PublishError(
            "bibliography file not found",
            file=path,
            hint="check the 'bibliography' setting; paths are relative to the document",
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = line_col_of_offset(exc.object.decode("utf-8", "replace"), exc.start)
        raise PublishError("bibliography is not UTF-8", file=path, line=line, col=col) from None
    except OSError as exc:
        raise PublishError(f"cannot read bibliography: {exc.strerror}", file=path) from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        items, places = _load_json(text, path)
    elif suffix in (".yaml", ".yml"):
        items, places = _load_yaml(text, path)
    elif suffix in _BIB_SUFFIXES:
        items, places = _load_bib(text, path)
        if warnings is not None:
            warnings.extend(corporate_names(text, path))
    else:
        raise PublishError(
            f"unknown bibliography format {path.suffix!r}",
            file=path,
            hint="use .json (CSL-JSON), .yaml (CSL-YAML) or .bib (BibTeX/BibLaTeX)",
        )
    return _validate(items, places, path)


def _load_json(text: str, path: Path) -> tuple[list[Any], list[int | None]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PublishError(f"invalid JSON: {exc.msg}", file=path, line=exc.lineno, col=exc.colno) from None
    if isinstance(data, dict) and isinstance(data.get("references"), list):
        data = data["references"]
    if not isinstance(data, list):
        raise PublishError("CSL-JSON bibliography must be a list of items", file=path, line=1, col=1)
    return data, _json_item_lines(text, len(data))


def _json_item_lines(text: str, count: int) -> list[int | None]:
    """Line of each top-level item of a JSON array (for error messages)."""
    decoder = json.JSONDecoder()
    lines: list[int | None] = []
    pos = text.find("[")
    if pos < 0:
        return [None] * count
    pos += 1
    ws = re.compile(r"[\s,]*")
    while len(lines) < count:
        pos = ws.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= len(text) or text[pos] == "]":
            break
        lines.append(line_col_of_offset(text, pos)[0])
        try:
            _, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
    return lines + [None] * (count - len(lines))


def _load_yaml(text: str, path: Path) -> tuple[list[Any], list[int | None]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise PublishError(
            f"invalid YAML: {exc.problem or exc.context}", file=path, line=line, col=col
        ) from None
    except yaml.YAMLError as exc:
        raise PublishError(f"invalid YAML: {exc}", file=path) from None
    items_node = node
    if isinstance(data, dict) and isinstance(data.get("references"), list):
        data = data["references"]
        for key_node, value_node in node.value:  # type: ignore[union-attr]
            if key_node.value == "references":
                items_node = value_node
    if not isinstance(data, list):
        raise PublishError(
            "CSL-YAML bibliography must be a list of items (or have a 'references' list)",
            file=path,
            line=1,
            col=1,
        )
    lines = (
        [n.start_mark.line + 1 for n in items_node.value] if isinstance(items_node, yaml.SequenceNode) else []
    )
    data = [_yaml_to_csl(item) for item in data]
    return data, lines + [None] * (len(data) - len(lines))


def _yaml_to_csl(item: Any) -> Any:
    """YAML turns ``issued: 2011`` into an int and dates into ``date`` objects; make them CSL-JSON."""
    if not isinstance(item, dict):
        return item
    out = {}
    for key, value in item.items():
        key = str(key)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        if key in ("issued", "accessed", "original-date", "event-date", "submitted", "available-date"):
            value = _date_value(value)
        elif key == "id" and value is not None:
            value = str(value)
        out[key] = value
    return out


def _date_value(value: Any) -> Any:
    if isinstance(value, (int, str)):
        m = re.match(r"^(-?\d{1,4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$", str(value).strip())
        if m:
            return {"date-parts": [[int(g) for g in m.groups() if g]]}
        return {"literal": str(value)}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        # pandoc's CSL-YAML: issued: [{year: 2011, month: 3}]
        parts = [[d[k] for k in ("year", "month", "day") if k in d] for d in value]
        return {"date-parts": parts}
    return value


def _load_bib(text: str, path: Path) -> tuple[list[Any], list[int | None]]:
    import pypandoc

    fmt = "biblatex" if path.suffix.lower() == ".biblatex" or "@online" in text.lower() else "bibtex"
    fmt = "biblatex"
    try:
        out = pypandoc.convert_text(text, "csljson", format=fmt)
    except RuntimeError as exc:
        message = str(exc)
        m = re.search(r"\(line (\d+), column (\d+)\):\s*(.*?)(?:\n|$)(.*)", message, re.S)
        if m:
            detail = m.group(3).strip() or "syntax error"
            line, col = int(m.group(1)), int(m.group(2))
            key = _entry_at(text, line)
            where = f" in entry '{key}'" if key else ""
            raise PublishError(
                f"invalid BibTeX{where}: {detail}",
                file=path,
                line=line,
                col=col,
                hint="check that entry's braces, quotes and the commas between its fields",
            ) from None
        raise PublishError(f"invalid BibTeX: {message.strip().splitlines()[-1]}", file=path) from None
    except OSError as exc:
        raise PublishError(f"cannot run pandoc to read BibTeX: {exc}", file=path) from None
    data = json.loads(out) if out.strip() else []
    lines: list[int | None] = []
    for item in data:
        m = re.search(r"@\w+\s*[{(]\s*" + re.escape(str(item.get("id", ""))) + r"\s*,", text)
        lines.append(line_col_of_offset(text, m.start())[0] if m else None)
        if item.get("type") == "":
            item["type"] = "document"
    return data, lines


def _validate(items: list[Any], lines: list[int | None], path: Path) -> list[dict]:
    seen: dict[str, int | None] = {}
    out: list[dict] = []
    for n, item in enumerate(items):
        line = lines[n] if n < len(lines) else None
        if not isinstance(item, dict):
            raise PublishError(f"bibliography item {n + 1} is not an object", file=path, line=line)
        ident = item.get("id")
        if ident is None or str(ident).strip() == "":
            title = item.get("title")
            what = f" (title {str(title)[:60]!r})" if title else ""
            raise PublishError(
                f"bibliography item {n + 1}{what} has no id",
                file=path,
                line=line,
                hint="every item needs a unique 'id' to be cited as @id",
            )
        ident = str(ident)
        if ident in seen:
            first = seen[ident]
            where = f"line {first}" if first else "an earlier item"
            raise PublishError(
                f"duplicate bibliography id {ident!r}: also at {where}",
                file=path,
                line=line,
                hint="ids must be unique; rename one of them",
            )
        seen[ident] = line
        item = dict(item)
        item["id"] = ident
        if not item.get("type"):
            item["type"] = "document"
        out.append(item)
    return out


_ENTRY = re.compile(r"@(\w+)\s*[{(]\s*([^,\s]+)\s*,")
_NAME_FIELD = re.compile(r"\b(author|editor|translator)\s*=\s*([{\"])", re.I)
#: Words a person's name does not have and an organisation's usually does ("Centers for Disease Control").
_ORGANISATION_WORDS = {"for", "of", "the", "on", "in", "at", "to", "und", "für", "de", "del", "des", "du", "la"}


def _entry_at(text: str, line: int) -> str | None:
    """The key of the BibTeX entry that a line belongs to (the last one opened at or before it)."""
    offset = sum(len(x) + 1 for x in text.split("\n")[: max(line - 1, 0)])
    found = None
    for m in _ENTRY.finditer(text):
        if m.start() > offset:
            break
        found = m.group(2)
    return found


def _field_value(text: str, start: int, opener: str) -> tuple[str, int] | None:
    """A braced or quoted field value starting just after its opener; returns it and where it ends
    (braces nest inside both, as in BibTeX)."""
    depth = 1 if opener == "{" else 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if opener == "{" and depth == 0:
                return text[start:i], i
        elif ch == '"' and opener == '"' and depth == 0:
            return text[start:i], i
    return None


def _top_level_parts(value: str) -> list[str]:
    """A name list split at ' and ' outside braces, as BibTeX splits it."""
    parts, depth, current, i = [], 0, [], 0
    while i < len(value):
        ch = value[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if depth == 0 and value[i:i + 5].lower() == " and ":
            parts.append("".join(current))
            current, i = [], i + 5
            continue
        current.append(ch)
        i += 1
    parts.append("".join(current))
    return [" ".join(p.split()) for p in parts]


def corporate_names(text: str, path: Path) -> list[Warning_]:
    """BibTeX splits a name list at every " and " outside braces, so ``author = {Centers for Disease Control
    and Prevention}`` becomes two people, "Centers for Disease Control" and "Prevention". Warn where a name
    so split reads like an organisation (it has a word like "for" or "of", or it is one word among
    several), and give the fix: double braces keep it one name."""
    found = []
    for m in _NAME_FIELD.finditer(text):
        got = _field_value(text, m.end(), m.group(2))
        if got is None:
            continue
        value = got[0]
        if value.startswith("{") and value.endswith("}"):
            continue  # {{...}}: one name, as written
        parts = _top_level_parts(value)
        if len(parts) < 2 or any("," in p for p in parts):
            continue  # "Last, First and Last, First": people
        bare = [part for part in parts if not (part.startswith("{") and part.endswith("}"))]
        organisation = any({w.lower() for w in part.split()} & _ORGANISATION_WORDS for part in bare) or \
            any(len(part.split()) == 1 for part in bare)
        if organisation:
            line, col = line_col_of_offset(text, m.start())
            key = _entry_at(text, line)
            field = m.group(1).lower()
            found.append(Warning_(
                f"{field} {' '.join(value.split())!r}{f' of entry {key!r}' if key else ''} is read as "
                f"{len(parts)} names ({'; '.join(parts)}): BibTeX splits names at 'and'",
                file=str(path), line=line, col=col,
                hint=f"for an organisation write {field} = {{{{{' '.join(value.split())}}}}}"))
    return found
