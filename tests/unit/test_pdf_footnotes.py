"""formats/pdf_footnotes.py: pandoc Notes become in-place footnote spans for the PDF (no WeasyPrint here)."""

from __future__ import annotations

import copy
import json

import pypandoc

from publish.formats.pdf_footnotes import FOOTNOTE_CLASS, has_notes, page_footnotes


def _ast(text: str) -> dict:
    return json.loads(pypandoc.convert_text(text, "json", format="markdown"))


def test_each_note_becomes_a_span_where_it_is_called() -> None:
    ast = _ast("Text.[^1] More.\n\n[^1]: First para.\n\n    Second para.\n\n    - an item\n")
    before = copy.deepcopy(ast)
    out = page_footnotes(ast)
    assert ast == before  # the document's own AST is left as it was
    assert not has_notes(out["blocks"])
    para = out["blocks"][0]["c"]
    spans = [n for n in para if n["t"] == "Span"]
    assert len(spans) == 1 and spans[0]["c"][0] == ["", [FOOTNOTE_CLASS], []]
    assert para.index(spans[0]) == 1  # right after "Text.", where the note was called
    html = pypandoc.convert_text(json.dumps(out), "html5", format="json")
    assert '<span class="footnote">First para.<br />\nSecond para.<br />\nan item</span>' in html
    assert "footnotes" not in html.replace('class="footnote"', "")


def test_a_document_without_notes_is_unchanged() -> None:
    ast = _ast("No notes here.")
    assert page_footnotes(ast) == ast and not has_notes(ast["blocks"])
