"""Footnotes at the foot of the page in the PDF: pandoc ``Note``s become WeasyPrint footnotes.

pandoc's HTML writer gathers notes into an endnotes section, which is right for a web page and wrong
for paper: a note-style citation ("¹ Carl R. Rogers, *On Becoming a Person* …") belongs on the page
that cites it. CSS Paged Media (GCPM) moves an element with ``float: footnote`` to the page's footnote
area and leaves a numbered call where it stood, so the PDF gets the note's text *in place*, as a
``<span class="footnote">`` (print.css.j2 styles it). This covers the manuscript's own footnotes and
the ones a note style makes (:mod:`publish.cite.notes`) alike.

A span holds inlines only: a note's paragraphs are joined with line breaks and other blocks give
their text (lists item by item), which is what a page-bottom note can show.
"""

from __future__ import annotations

import copy
from typing import Any

from ..document import Document

FOOTNOTE_CLASS = "footnote"


def _block_inlines(blocks: list[dict]) -> list[dict]:
    """The inlines of a note's blocks, one line per paragraph."""
    lines: list[list[dict]] = []
    for block in blocks:
        t, c = block.get("t"), block.get("c")
        if t in ("Para", "Plain"):
            lines.append(c)
        elif t == "LineBlock":
            lines.extend(c)
        elif t in ("BlockQuote", "Div", "Figure"):
            inner = c if t == "BlockQuote" else c[-1]
            lines.append(_block_inlines(inner))
        elif t in ("BulletList", "OrderedList"):
            items = c if t == "BulletList" else c[1]
            lines.extend(_block_inlines(item) for item in items)
        elif t == "CodeBlock":
            lines.append([{"t": "Code", "c": c}])
        elif t == "Header":
            lines.append(c[2])
    out: list[dict] = []
    for line in (x for x in lines if x):
        if out:
            out.append({"t": "LineBreak"})
        out.extend(line)
    return out


def _walk(node: Any) -> Any:
    if isinstance(node, list):
        return [_walk(child) for child in node]
    if not isinstance(node, dict):
        return node
    if node.get("t") == "Note":
        inlines = _walk(_block_inlines(node["c"]))
        return {"t": "Span", "c": [["", [FOOTNOTE_CLASS], []], inlines]}
    if "c" in node:
        return {**node, "c": _walk(node["c"])}
    return node


def page_footnotes(ast: dict) -> dict:
    """The AST with every Note as an in-place footnote span (a new AST; ``ast`` is not changed)."""
    return {**ast, "blocks": _walk(ast.get("blocks", []))}


def has_notes(node: Any) -> bool:
    if isinstance(node, list):
        return any(has_notes(child) for child in node)
    if isinstance(node, dict):
        return node.get("t") == "Note" or has_notes(node.get("c"))
    return False


def with_page_footnotes(doc: Document) -> Document:
    """The document as the PDF prints it: the same one when it has no notes."""
    if not has_notes(doc.ast.get("blocks", [])):
        return doc
    printed = copy.copy(doc)  # shallow: only the AST differs (its body HTML is cached under its digest)
    printed.ast = page_footnotes(doc.ast)
    return printed


__all__ = ["FOOTNOTE_CLASS", "page_footnotes", "with_page_footnotes"]
