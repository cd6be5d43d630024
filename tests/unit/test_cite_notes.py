"""Note styles: citations as footnotes (pandoc's placement), positions from real note numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pypandoc

from publish.cite import Cluster, ClusterItem, cite_document, render_clusters
from publish.cite.markup import inlines_to_text
from publish.cite.notes import cites_with_notes

NOTE_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="{cls}" version="1.0">
<info><id>t</id><title>t</title><updated>2020-01-01T00:00:00+00:00</updated></info>
<citation><layout suffix="." delimiter="; "><choose>
  <if position="ibid-with-locator"><text term="ibid"/><text variable="locator" prefix=", "/></if>
  <else-if position="ibid"><text term="ibid"/></else-if>
  <else-if position="near-note"><text variable="title"/><text value=" (near)"/></else-if>
  <else-if position="subsequent"><text variable="title"/>
    <text variable="first-reference-note-number" prefix=", n. "/></else-if>
  <else><names variable="author"><name/></names><text variable="title" prefix=", "/></else>
</choose></layout></citation>
</style>
"""
REFS = [
    {"id": "a", "type": "book", "title": "Life of Doe", "author": [{"family": "Doe", "given": "John"}]},
    {"id": "b", "type": "book", "title": "Life of Roe", "author": [{"family": "Roe", "given": "Jane"}]},
]


def _cite(tmp_path: Path, markdown: str, cls: str = "note") -> dict:
    style = tmp_path / "n.csl"
    style.write_text(NOTE_STYLE.format(cls=cls), encoding="utf-8")
    ast = json.loads(pypandoc.convert_text(markdown, "json", format="markdown"))
    return cite_document(ast, REFS, style, "en-US").ast


def _notes(ast: dict) -> list[str]:
    """The text of each footnote, in reading order (made ones and the document's own)."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("t") == "Note":
                out.append(" ".join(inlines_to_text(b["c"]) for b in node["c"] if b["t"] in ("Para", "Plain")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(ast["blocks"])
    return out


def test_a_citation_becomes_a_footnote_after_the_following_punctuation(tmp_path: Path) -> None:
    ast = _cite(tmp_path, "A claim [@a]. Another [@b], and more.\n")
    para = ast["blocks"][0]["c"]
    kinds = [(n["t"], n.get("c") if n["t"] == "Str" else None) for n in para]
    assert kinds[:4] == [("Str", "A"), ("Space", None), ("Str", "claim."), ("Cite", None)]
    assert para[3]["c"][1][0]["t"] == "Note"  # the Cite keeps its identity and holds the Note
    assert ("Str", "Another,") in kinds
    assert _notes(ast) == ["John Doe, Life of Doe.", "Jane Roe, Life of Roe."]


def test_citations_inside_footnotes_render_in_place(tmp_path: Path) -> None:
    ast = _cite(tmp_path, "Text.[^1]\n\n[^1]: See [@a].\n")
    assert _notes(ast) == ["See John Doe, Life of Doe."]
    assert json.dumps(ast).count('"Note"') == 1  # no footnote inside the footnote


def test_positions_come_from_note_numbers(tmp_path: Path) -> None:
    """Notes 1 (a), 2 (the document's own), 3 (b), 4 (a: subsequent, first in note 1), 5 (a again: ibid),
    6 (a with a locator), then b seven notes after its last cite and a near one."""
    md = ("One [@a]. Two.[^x] Three [@b]. Four [@a]. Five [@a]. Six [@a, 12].\n\n"
          "Seven [@b]. Eight [@a].\n\n[^x]: A note of the author's own.\n")
    notes = _notes(_cite(tmp_path, md))
    assert notes == [
        "John Doe, Life of Doe.",
        "A note of the author’s own.",
        "Jane Roe, Life of Roe.",
        "Life of Doe (near).",
        "Ibid.",
        "Ibid., 12.",
        "Life of Roe (near).",
        "Life of Doe (near).",
    ]


def test_a_cite_far_from_the_last_one_names_its_first_note(tmp_path: Path) -> None:
    md = "B [@b]. " + " ".join(f"A{k} [@a, {k}]." for k in range(1, 7)) + " B again [@b].\n"
    notes = _notes(_cite(tmp_path, md))
    assert notes[0] == "Jane Roe, Life of Roe." and notes[2] == "Ibid., 2."
    assert notes[-1] == "Life of Roe, n. 1."  # note 8, seven notes after note 1: not near


def test_note_numbers_count_the_documents_own_footnotes(tmp_path: Path) -> None:
    ast = json.loads(pypandoc.convert_text("A.[^1] B [@a].\n\n[^1]: C [@b].\n", "json", format="markdown"))
    numbered = [(n["c"][0][0]["citationId"], note, inside) for n, note, inside in cites_with_notes(ast["blocks"], True)]
    assert numbered == [("b", 1, True), ("a", 2, False)]
    in_text = [(note, inside) for _, note, inside in cites_with_notes(ast["blocks"], False)]
    assert in_text == [(1, True), (0, False)]


def test_in_text_styles_make_no_footnotes(tmp_path: Path) -> None:
    ast = _cite(tmp_path, "A claim [@a].\n", cls="in-text")
    assert _notes(ast) == []
    assert "Doe" in inlines_to_text(ast["blocks"][0]["c"])


def test_pandocs_html_writer_makes_linked_footnotes_of_them(tmp_path: Path) -> None:
    ast = _cite(tmp_path, "A claim [@a]. Text.[^1]\n\n[^1]: See [@b].\n")
    html = pypandoc.convert_text(json.dumps(ast), "html", format="json")
    assert html.count('class="footnote-ref"') == 2 and html.count('role="doc-backlink"') == 2
    assert 'claim.<span class="citation" data-cites="a"><a href="#fn1"' in html
    assert "John Doe, Life of Doe" in html.split('id="fn1"')[1].split("</li>")[0]


def test_ibid_after_the_layouts_opening_parenthesis_starts_a_sentence(tmp_path: Path) -> None:
    style = tmp_path / "paren.csl"
    style.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">\n'
        "<info><id>t</id><title>t</title><updated>2020-01-01T00:00:00+00:00</updated></info>\n"
        '<citation><layout prefix="(" suffix=")"><choose><if position="ibid"><text term="ibid"/></if>'
        '<else><text variable="title"/><group delimiter=" " prefix=", "><text value="n"/>'
        '<text variable="first-reference-note-number"/></group></else></choose></layout></citation>\n'
        "</style>\n",
        encoding="utf-8",
    )
    items = [{"id": "a", "type": "book", "title": "Harbour Walls"}, {"id": "b", "type": "book", "title": "Dykes"}]
    clusters = [Cluster([ClusterItem(k)], note_number=n) for k, n in (("a", 1), ("a", 2), ("b", 3), ("a", 4))]
    rendered = render_clusters(items, style, "en-US", clusters)
    # a first cite has no first-reference-note-number: the group around it goes
    assert [inlines_to_text(c) for c in rendered.citations] == [
        "(Harbour Walls)", "(Ibid.)", "(Dykes)", "(Harbour Walls, n 1)"
    ]


def test_a_note_citation_opening_with_a_term_capitalises_it(tmp_path: Path) -> None:
    def cite(cls: str) -> str:
        style = tmp_path / f"{cls}.csl"
        style.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<style xmlns="http://purl.org/net/xbiblio/csl" class="{cls}" version="1.0">\n'
            "<info><id>t</id><title>t</title><updated>2020-01-01T00:00:00+00:00</updated></info>\n"
            '<citation><layout><group delimiter=" "><text term="in"/><text variable="container-title"/>'
            "</group></layout></citation>\n</style>\n",
            encoding="utf-8",
        )
        items = [{"id": "a", "type": "chapter", "container-title": "Coastal Essays"}]
        return inlines_to_text(render_clusters(items, style, "en-US", [Cluster([ClusterItem("a")], 1)]).citations[0])

    assert cite("note") == "In Coastal Essays"
    assert cite("in-text") == "in Coastal Essays"
