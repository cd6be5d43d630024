"""Collapse delimiters and grouping of our layer over citeproc-py (found through the CSL test suite):
small styles and items of our own, not the suite's fixtures."""

from __future__ import annotations

from pathlib import Path

from publish.cite import Cluster, ClusterItem, render_clusters
from publish.cite.markup import inlines_to_text

HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<style xmlns="http://purl.org/net/xbiblio/csl" class="{cls}" version="1.0">\n'
    "<info><id>t</id><title>t</title><updated>2020-01-01T00:00:00+00:00</updated></info>\n"
)


def _cite(tmp_path: Path, citation: str, items: list[dict], cluster: list[str], cls: str = "in-text") -> str:
    path = tmp_path / "t.csl"
    path.write_text(HEAD.format(cls=cls) + citation + "</style>\n", encoding="utf-8")
    rendered = render_clusters(items, path, "en-US", [Cluster([ClusterItem(k) for k in cluster])])
    return inlines_to_text(rendered.citations[0])


def _book(key: str, family: str, year: int) -> dict:
    return {"id": key, "type": "book", "title": key, "author": [{"family": family, "given": "A"}],
            "issued": {"date-parts": [[year]]}}


AUTHOR_YEAR = (
    '<group delimiter=" "><names variable="author"><name form="short"/></names>'
    '<date variable="issued"><date-part name="year"/></date></group>'
)


def _citation(attrs: str, sort: bool = False, layout_delim: str = "; ") -> str:
    keys = '<sort><key variable="issued"/></sort>' if sort else ""
    return (f'<citation disambiguate-add-year-suffix="true" {attrs}>{keys}'
            f'<layout prefix="(" suffix=")" delimiter="{layout_delim}">{AUTHOR_YEAR}</layout></citation>\n')


def test_cite_group_delimiter_defaults_to_comma_in_an_in_text_style(tmp_path: Path) -> None:
    items = [_book("a", "Lindqvist", 1991), _book("b", "Lindqvist", 1994), _book("c", "Okafor", 1990)]
    out = _cite(tmp_path, _citation('collapse="year"', sort=True), items, ["a", "b", "c"])
    assert out == "(Okafor 1990; Lindqvist 1991, 1994)"


def test_a_note_style_keeps_the_layout_delimiter_between_collapsed_years(tmp_path: Path) -> None:
    items = [_book("a", "Lindqvist", 1991), _book("b", "Lindqvist", 1991), _book("c", "Lindqvist", 1991)]
    out = _cite(tmp_path, _citation('collapse="year"'), items, ["a", "b", "c"], cls="note")
    assert out == "(Lindqvist 1991a; 1991b; 1991c)"
    out = _cite(tmp_path, _citation('collapse="year"'), items, ["a", "b", "c"])
    assert out == "(Lindqvist 1991a, 1991b, 1991c)"


def test_after_collapse_delimiter_in_a_note_style_follows_collapsed_groups_only(tmp_path: Path) -> None:
    items = [_book("a", "Lindqvist", 1991), _book("b", "Lindqvist", 1994), _book("c", "Okafor", 1990),
             _book("d", "Brandt", 1980)]
    citation = _citation('collapse="year" after-collapse-delimiter="; "', layout_delim=", ")
    assert _cite(tmp_path, citation, items, ["a", "b", "c", "d"], cls="note") == (
        "(Lindqvist 1991, 1994; Okafor 1990, Brandt 1980)"
    )
    assert _cite(tmp_path, citation, items, ["a", "b", "c", "d"]) == (
        "(Lindqvist 1991, 1994; Okafor 1990; Brandt 1980)"
    )


def test_year_suffixes_collapse_when_no_cite_renders_names(tmp_path: Path) -> None:
    citation = ('<citation disambiguate-add-year-suffix="true" collapse="year-suffix" year-suffix-delimiter=",">'
                '<layout prefix="[" suffix="]" delimiter="; "><date variable="issued"><date-part name="year"/>'
                "</date></layout></citation>\n")
    items = [_book("a", "Lindqvist", 1991), _book("b", "Lindqvist", 1991), _book("c", "Lindqvist", 1993)]
    assert _cite(tmp_path, citation, items, ["a", "b", "c"]) == "[1991a,b, 1993]"


def test_the_accessed_date_tells_no_cites_apart(tmp_path: Path) -> None:
    citation = ('<citation disambiguate-add-year-suffix="true"><layout prefix="(" suffix=")" delimiter="; ">'
                '<group delimiter=" "><names variable="author"><name form="short"/></names>'
                '<date variable="issued"><date-part name="year"/></date></group>'
                '<date variable="accessed" prefix=" [" suffix="]"><date-part name="year"/></date>'
                "</layout></citation>\n")
    items = [{**_book(k, "Lindqvist", 2004), "accessed": {"date-parts": [[y]]}} for k, y in (("a", 2019), ("b", 2021))]
    assert _cite(tmp_path, citation, items, ["a", "b"]) == "(Lindqvist 2004a [2019]; Lindqvist 2004b [2021])"


def test_works_the_et_al_subsequent_form_cannot_tell_apart_get_year_suffixes(tmp_path: Path) -> None:
    citation = ('<citation disambiguate-add-year-suffix="true" et-al-min="3" et-al-use-first="3" '
                'et-al-subsequent-min="1" et-al-subsequent-use-first="1"><layout prefix="(" suffix=")" '
                'delimiter="; "><group delimiter=" "><names variable="author"><name form="short"/></names>'
                '<date variable="issued"><date-part name="year"/></date></group></layout></citation>\n')
    people = [{"family": f, "given": "A"} for f in ("Ngata", "Holm", "Ruiz")]
    items = [
        {"id": "a", "type": "book", "title": "a", "author": people, "issued": {"date-parts": [[2011]]}},
        {"id": "b", "type": "book", "title": "b", "author": [people[0], people[2]],
         "issued": {"date-parts": [[2011]]}},
        _book("c", "Ngata", 2012),
    ]
    assert _cite(tmp_path, citation, items, ["a", "b", "c"]) == (
        "(Ngata, Holm, Ruiz 2011a; Ngata, Ruiz 2011b; Ngata 2012)"
    )
