"""Where a finding comes from: the manuscript line, the template or stylesheet, or the brand file.

A positions pass over the manuscript's own text, not source positions kept by pandoc: publish reads pandoc's
``markdown``, whose reader keeps none (``+sourcepos`` exists only for the commonmark readers, and reading the
manuscript a second time with another reader would place findings by a parse that is not the one built).
What a validator names is an element of the output; every element of a handout's body was written in the
manuscript in a way that can be found again: an image by its target (``](chart.png``), a link by its target,
a heading by its words on a ``#`` line, a table by its first cell, anything else by its first words. The
``nth`` of several equal elements picks the nth equal place. What lies outside the body was written by a
template (found by its class or id in the brand's templates first, then the format's, then ``base/``), and
a colour that fails contrast was written in the brand (its stylesheet override, else ``_brand.yml``).
What none of these finds stays with the output file and the element.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .findings import Finding, Raw

Place = tuple[str, int, int]  # project-relative file, line, column


class Source(NamedTuple):
    """What locate needs of one output: its manuscript (path and text) and its brand's folder."""

    manuscript: str  # project-relative .md ("" for a brand's index page)
    text: str
    brand_folder: Path
    templates: tuple[Path, ...]  # the format's search path: brand/templates, templates/<format>, base
    main_template: str  # the template that makes the page, by name


def line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _words(text: str) -> list[str]:
    return _norm(text).split()


def find_words(text: str, words: Sequence[str], nth: int = 0, start: int = 0) -> int | None:
    """Offset of the nth place where ``words`` stand in order, with only markup and spaces between them
    (``*very* important`` is found as "very important"); fewer words are tried when markup (a link's target)
    stands between them."""
    words = list(words)
    least = min(len(words), 2)  # one word of several would be found anywhere
    for n in dict.fromkeys((min(len(words), 6), 3, 2, 1)):
        if n < max(least, 1) or n > len(words):
            continue
        pattern = r"(?<!\w)" + r"[\W_]+".join(re.escape(w) for w in words[:n]) + r"(?!\w)"
        hits = [m.start() for m in re.finditer(pattern, text[start:], re.I)]
        if hits:
            return start + hits[min(nth, len(hits) - 1)]
    return None


_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*(?:\{[^}]*\})?[ \t]*#*[ \t]*$")


def heading_at(text: str, heading: str, nth: int = 0) -> int | None:
    """Offset of the nth ATX or setext heading whose words are ``heading``'s."""
    want = _norm(heading)
    lines = text.split("\n")
    offset, hits = 0, []
    for i, line in enumerate(lines):
        m = _ATX.match(line)
        if m and _norm(m.group(2)) == want:
            hits.append(offset + line.index(m.group(1)))
        elif (i + 1 < len(lines) and line.strip() and re.fullmatch(r" {0,3}(=+|-+)[ \t]*", lines[i + 1])
              and _norm(re.sub(r"\{[^}]*\}\s*$", "", line)) == want):
            hits.append(offset + len(line) - len(line.lstrip()))
        offset += len(line) + 1
    return hits[min(nth, len(hits) - 1)] if hits else None


def _target_at(text: str, target: str, nth: int, opener: str) -> int | None:
    """Offset of the nth inline ``[..](target`` (its ``opener``: ``![`` or ``[``), or of raw HTML's
    ``src="target"``/``href="target"``, in source order."""
    if not target:
        return None
    places = []
    for m in re.finditer(r"\]\(\s*<?" + re.escape(target), text):
        at = text.rfind(opener, 0, m.start())
        if opener == "[":  # a link's bracket, not an image's: skip back over "![...]"
            while at > 0 and text[at - 1] == "!":
                at = text.rfind("[", 0, at - 1)
        if at >= 0 and (opener != "[" or at == 0 or text[at - 1] != "!"):
            places.append(at)
    for m in re.finditer(r"""<(img|a|source|object)\b[^>]*?(?:src|href|data)\s*=\s*["']?""" + re.escape(target),
                         text, re.I):
        places.append(m.start())
    for m in re.finditer(r"^ {0,3}\[[^\]]+\]:\s*<?" + re.escape(target), text, re.M):  # a reference definition
        places.append(m.start())
    places.sort()
    return places[min(nth, len(places) - 1)] if places else None


def _body_start(text: str) -> int:
    """Where the Markdown starts: after the front matter, whose values would otherwise match words."""
    if text.startswith("---\n"):
        end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.M)
        if end:
            return 4 + end.end()
    return 0


def manuscript_place(text: str, where: Mapping[str, Any]) -> int | None:
    """The offset in the manuscript where the element ``where`` describes was written, or None."""
    tag, nth = where.get("tag", ""), int(where.get("nth") or 0)
    start = _body_start(text)
    body = text[start:]
    at: int | None = None
    if tag == "img":
        at = _target_at(body, where.get("src", ""), nth, "![")
    elif tag == "a":
        at = _target_at(body, where.get("href", ""), nth, "[")
    elif re.fullmatch(r"h[1-6]", tag or ""):
        at = heading_at(body, where.get("text", ""), nth)
    elif tag == "table" and where.get("cell"):
        at = find_words(body, _words(where["cell"]), nth)
        if at is not None:  # the table's first line: the start of the block its first cell is in
            blank = body.rfind("\n\n", 0, at)
            at = blank + 2 if blank >= 0 else 0
    if at is None and tag in ("svg", "math", "object", "iframe", "video", "audio", "canvas"):
        hits = [m.start() for m in re.finditer(rf"<{tag}\b", body, re.I)]  # raw HTML: the nth such tag
        at = hits[min(nth, len(hits) - 1)] if hits else None
    if at is None and where.get("text"):
        at = find_words(body, _words(where["text"]), nth)
    if at is None and where.get("alt"):
        at = find_words(body, _words(where["alt"]), nth)
    return None if at is None else start + at


def key_offset(text: str, key: str) -> int | None:
    """The front matter's ``key:`` (the title, the language), for findings about what it set."""
    end = _body_start(text)
    m = re.search(rf"^{re.escape(key)}\s*:", text[:end], re.M)
    return m.start() if m else None


def _in_files(files: Sequence[Path], needle: re.Pattern[str], root: Path) -> Place | None:
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        m = needle.search(text)
        if m:
            return (_rel(path, root), *line_col(text, m.start()))
    return None


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _template_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in paths:
        if folder.is_dir():
            files += sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    return files


def template_place(src: Source, where: Mapping[str, Any], root: Path) -> Place | None:
    """The template that wrote an element outside the body: found by its id or first class, in the order the
    templates are looked up (a brand's override first)."""
    files = _template_files(src.templates)
    needles = []
    if where.get("id"):
        needles.append(re.compile(r"""\bid\s*=\s*["']""" + re.escape(where["id"]) + r"""["']"""))
    for cls in str(where.get("cls", "")).split():
        needles.append(re.compile(r"""\bclass\s*=\s*["'][^"']*(?<![\w-])""" + re.escape(cls) + r"""(?![\w-])"""))
    for needle in needles:
        found = _in_files(files, needle, root)
        if found:
            return found
    main = next((p for p in files if p.name == src.main_template), None)
    return (_rel(main, root), 1, 1) if main else None


def colour_place(src: Source, colours: Sequence[str], root: Path) -> Place | None:
    """Where the brand writes a colour of a contrast failure: its own stylesheets and templates first (a tint
    set there), then ``_brand.yml``; the background is looked for before the text colour."""
    folder = src.brand_folder
    own = [p for p in _template_files([folder / "templates"])]
    brand_file = [folder / "_brand.yml"]
    for files in (own, brand_file):
        for colour in colours:
            if not colour:
                continue
            hexes = _spellings(colour)
            needle = re.compile("|".join(re.escape(h) for h in hexes), re.I)
            found = _in_files(files, needle, root)
            if found:
                return found
    return None


def _spellings(colour: str) -> list[str]:
    """``#aabbcc`` and, when it has one, its short form ``#abc``: a brand may write either."""
    c = colour.lower()
    out = [c]
    if re.fullmatch(r"#([0-9a-f])\1([0-9a-f])\2([0-9a-f])\3", c):
        out.append("#" + c[1] + c[3] + c[5])
    return out


def locate(raw: Raw, src: Source | None, root: Path) -> Finding:
    """The finding with its place: manuscript, template, brand file, or (failing all) the output."""
    where = raw.where or {}
    place: Place | None = None
    if src is not None:
        region = where.get("region", "")
        if where.get("colours"):
            place = colour_place(src, where["colours"], root)
        if place is None and src.manuscript and region == "body":
            at = manuscript_place(src.text, where)
            if at is not None:
                place = (src.manuscript, *line_col(src.text, at))
        if place is None and src.manuscript and (region == "title" or region.startswith("key:")):
            at = key_offset(src.text, region[4:] if region.startswith("key:") else "title")
            if at is not None:
                place = (src.manuscript, *line_col(src.text, at))
        if place is None and region == "template":
            place = template_place(src, where, root)
    file, line, col = place if place else (raw.output, None, None)
    return Finding(raw.severity, f"{raw.tool} {raw.rule}", raw.message, raw.hint, file, line, col,
                   (raw.output,), (raw.format,), (raw.brand,), (raw.context,) if raw.context else (),
                   raw.element if place is None else "")
