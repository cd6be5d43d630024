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
