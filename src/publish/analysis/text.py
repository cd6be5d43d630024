"""The body text a patient reads, as plain-text units, taken from a cited document's AST.

Reading-level formulas are meant for running prose, so what is not read as prose is left out:
citations (their rendered text sits inside ``Cite``), the reference list (the Div with id ``refs``
and the bibliography section around it), headings, code, maths and raw markup, URLs and e-mail
addresses, images (alternative text is not read in the flow) and figure and table captions. The
brand's own text (footer, disclaimer) never reaches here: it lives in templates, not in the AST.

Each unit is one paragraph, list item, table cell or footnote: the formulas count sentences by their
end marks, and a list item without a full stop is still a sentence to its reader.
"""

from __future__ import annotations

import re
from typing import Any

from ..inlines import QUOTES

#: Blocks that are not prose for a reader.
_SKIP_BLOCKS = {"Header", "CodeBlock", "RawBlock", "HorizontalRule"}
#: Inlines whose text is not prose, or is not read in the flow.
_SKIP_INLINES = {"Cite", "Code", "Math", "RawInline", "Image"}
_BIBLIOGRAPHY_CLASSES = {"references", "bibliography", "csl-bib-body"}
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)\S+$|^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)
_SPACE_BEFORE_MARK = re.compile(r"\s+([.,;:!?)\]])")
_OPEN_EMPTY = re.compile(r"\(\s*\)")


def body_units(ast: dict[str, Any]) -> list[str]:
    """The document's prose, one string per paragraph-like unit, in reading order."""
    units: list[str] = []
    _blocks(ast.get("blocks", []), units)
    return units


def _is_bibliography(attr: list[Any]) -> bool:
    ident, classes, pairs = attr
    return (ident in ("refs", "bibliography") or bool(_BIBLIOGRAPHY_CLASSES & set(classes))
            or ("role", "doc-bibliography") in [tuple(p) for p in pairs])


def _blocks(blocks: list[dict[str, Any]], units: list[str]) -> None:
    for block in blocks:
        t, c = block.get("t"), block.get("c")
        if t in _SKIP_BLOCKS:
            continue
        if t in ("Para", "Plain"):
            _unit(c, units)
        elif t == "LineBlock":
            for line in c:
                _unit(line, units)
        elif t == "BlockQuote":
            _blocks(c, units)
        elif t == "Div":
            if not _is_bibliography(c[0]):
                _blocks(c[1], units)
        elif t == "BulletList":
            for item in c:
                _blocks(item, units)
        elif t == "OrderedList":
            for item in c[1]:
                _blocks(item, units)
        elif t == "DefinitionList":
            for term, definitions in c:
                _unit(term, units)
                for definition in definitions:
                    _blocks(definition, units)
        elif t == "Figure":
            _blocks(c[2], units)  # the caption (c[1]) is left out
        elif t == "Table":
            _table(c, units)


def _table(c: list[Any], units: list[str]) -> None:
    # Table attr caption colspecs head bodies foot: the caption is left out, every cell is a unit.
    head, bodies, foot = c[3], c[4], c[5]
    rows = list(head[1])
    for body in bodies:
        rows += body[2] + body[3]
    rows += foot[1]
    for row in rows:
        for cell in row[1]:
            _blocks(cell[4], units)


def _unit(inlines: list[dict[str, Any]], units: list[str]) -> None:
    notes: list[list[dict[str, Any]]] = []
    text = _inline_text(inlines, notes)
    text = _OPEN_EMPTY.sub("", text)
    text = _SPACE_BEFORE_MARK.sub(r"\1", " ".join(text.split()))
    if any(ch.isalnum() for ch in text):
        units.append(text)
    for note in notes:
        _blocks(note, units)


def _inline_text(inlines: list[dict[str, Any]], notes: list[list[dict[str, Any]]]) -> str:
    out: list[str] = []
    for node in inlines:
        t, c = node.get("t"), node.get("c")
        if t in _SKIP_INLINES:
            continue
        if t == "Str":
            out.append("" if _URL.match(c.strip("<>()[],;.")) else c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t == "Quoted":
            opening, closing = QUOTES.get(c[0]["t"], ("", ""))
            out.append(opening + _inline_text(c[1], notes) + closing)
        elif t == "Link":
            # an autolink's text is its address: left out like any other URL
            text = _inline_text(c[1], notes)
            out.append("" if "uri" in c[0][1] or "email" in c[0][1] or _URL.match(text.strip()) else text)
        elif t == "Note":
            notes.append(c)
        elif t == "Span":
            out.append(_inline_text(c[1], notes))
        elif t in ("Emph", "Strong", "Underline", "Strikeout", "SmallCaps", "Superscript", "Subscript"):
            out.append(_inline_text(c, notes))
    return "".join(out)
