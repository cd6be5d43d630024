"""CSL display="block"/"indent" on a bibliography layout's children: csl-block and csl-indent Spans
in the entry (a heading stands before the csl-left-margin label). Small styles of our own."""

from __future__ import annotations

from pathlib import Path

from publish.cite import Cluster, ClusterItem, render_clusters
from publish.cite.document import _entry_block
from publish.cite.markup import inlines_to_text

HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">\n'
    "<info><id>t</id><title>t</title><updated>2020-01-01T00:00:00+00:00</updated></info>\n"
    '<citation><layout><text variable="title"/></layout></citation>\n'
)
ITEMS = [
    {"id": "a", "type": "book", "title": "Tidal Flats", "author": [{"family": "Okafor", "given": "Ada"}],
     "issued": {"date-parts": [[1991]]}, "abstract": "A survey of the Wadden Sea."},
    {"id": "b", "type": "book", "title": "Salt Marshes", "author": [{"family": "Okafor", "given": "Ada"}],
     "issued": {"date-parts": [[1994]]}},
]


def _entries(tmp_path: Path, bibliography: str) -> list[list[tuple[str | None, str]]]:
    """Per entry: (class of each top-level Span, or None for other inlines, and its text)."""
    path = tmp_path / "t.csl"
    path.write_text(HEAD + bibliography + "</style>\n", encoding="utf-8")
    rendered = render_clusters(ITEMS, path, "en-US", [Cluster([ClusterItem("a"), ClusterItem("b")])])
    out = []
    for key, inlines in rendered.bibliography:
        para = _entry_block(key, inlines)["c"][1][0]["c"]
        out.append([
            (n["c"][0][1][0], inlines_to_text(n["c"][1])) if n["t"] == "Span" else (None, inlines_to_text([n]))
            for n in para
        ])
    return out


def test_display_indent_wraps_its_child_in_an_indented_block(tmp_path: Path) -> None:
    bib = ('<bibliography><layout><text variable="title" suffix=" "/><date variable="issued">'
           '<date-part name="year"/></date><text display="indent" variable="abstract"/></layout></bibliography>\n')
    first, second = _entries(tmp_path, bib)
    assert ("csl-indent", "A survey of the Wadden Sea.") in first
    assert all(cls is None for cls, _ in second)


def test_a_display_block_heading_stands_before_the_left_margin(tmp_path: Path) -> None:
    bib = ('<bibliography subsequent-author-substitute=""><layout>'
           '<group display="block"><names variable="author"><name/></names></group>'
           '<group display="left-margin"><date variable="issued"><date-part name="year"/></date></group>'
           '<group display="right-inline"><text variable="title"/></group></layout></bibliography>\n')
    first, second = _entries(tmp_path, bib)
    assert first == [("csl-block", "Ada Okafor"), ("csl-left-margin", "1991"), ("csl-right-inline", "Tidal Flats")]
    # the substituted (empty) heading leaves no empty block
    assert second == [("csl-left-margin", "1994"), ("csl-right-inline", "Salt Marshes")]
