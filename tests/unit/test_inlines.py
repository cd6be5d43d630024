"""Metadata written in Markdown: plain text for metadata, escaped HTML for headings."""

from __future__ import annotations

from pathlib import Path

from publish.inlines import html, meta_inlines, plain_text
from publish.manuscript import load_manuscript


def test_markdown_title_is_plain_text_in_settings_and_html_in_headings(tmp_path: Path) -> None:
    ms = tmp_path / "m.md"
    ms.write_text("---\ntitle: 'Sink: *all* of \"it\" & <b>more</b>'\n---\n\nBody\n", encoding="utf-8")
    m = load_manuscript(ms)
    assert m.settings.title == "Sink: all of \u201cit\u201d & <b>more</b>"
    assert m.settings.short_title == m.settings.title
    heading = html(meta_inlines(m.ast["meta"], "title"))
    assert str(heading) == "Sink: <em>all</em> of \u201cit\u201d &amp; &lt;b&gt;more&lt;/b&gt;"


def test_plain_text_of_formatting() -> None:
    inl = [{"t": "Strong", "c": [{"t": "Str", "c": "a"}]}, {"t": "Space"},
           {"t": "Code", "c": [["", [], []], "x<y"]}, {"t": "Note", "c": []}]
    assert plain_text(inl) == "a x<y"
    assert str(html(inl)) == "<strong>a</strong> <code>x&lt;y</code>"


def test_meta_inlines_kinds() -> None:
    assert meta_inlines({"a": {"t": "MetaString", "c": "s"}}, "a") == [{"t": "Str", "c": "s"}]
    assert meta_inlines({}, "a") == []


def _recursive(node: object) -> list[dict]:
    """The walk ``elements`` replaced (nested generators), as the reference for its order."""
    out: list[dict] = []
    if isinstance(node, dict):
        out.append(node)
        for value in node.values():
            out.extend(_recursive(value))
    elif isinstance(node, list):
        for child in node:
            out.extend(_recursive(child))
    return out


def _sample_ast() -> dict:
    from publish.pandoc import markdown_to_ast

    text = ("---\ntitle: T\nextra:\n  c: [a, b]\n  t: x\n---\n\n# One {#one}\n\nSome *emph [link](a.html)* and"
            " a note.[^1] See [@doe, p. 3; @roe].\n\n> quoted ![an image](i.png)\n\n- item `code`\n- two\n\n"
            "| a | b |\n|---|---|\n| 1 | **2** |\n\n[^1]: The note, with [@doe].\n")
    return markdown_to_ast(text)


def test_elements_walks_every_element_in_document_order() -> None:
    from publish.inlines import elements

    ast = _sample_ast()
    for node in (ast["blocks"], ast["meta"], ast):
        assert [id(e) for e in elements(node)] == [id(e) for e in _recursive(node)]


def test_containers_are_elements_without_text_leaves_and_prune_stops_descent() -> None:
    from publish.inlines import TEXT_LEAVES, containers, elements

    ast = _sample_ast()
    want = [id(e) for e in elements(ast) if not (isinstance(e.get("t"), str) and e["t"] in TEXT_LEAVES)]
    assert [id(e) for e in containers(ast)] == want

    def is_note(e: dict) -> bool:
        return e.get("t") == "Note"

    pruned = list(elements(ast["blocks"], is_note))
    notes = [e for e in pruned if is_note(e)]
    assert notes  # yielded, but nothing inside them
    inside = {id(x) for n in notes for x in _recursive(n["c"])}
    assert not inside & {id(e) for e in pruned}


def test_elements_walks_what_the_caller_changed() -> None:
    from publish.inlines import elements

    ast = {"blocks": [{"t": "Para", "c": [{"t": "Str", "c": "old"}]}]}
    seen = []
    for e in elements(ast["blocks"]):
        seen.append(e.get("c") if e.get("t") == "Str" else e.get("t"))
        if e.get("t") == "Para":
            e["c"] = [{"t": "Str", "c": "new"}]
    assert seen == ["Para", "new"]
