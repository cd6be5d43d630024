"""CSL rules of our layer over citeproc-py, each found through the CSL test suite: one test per rule,
on small styles and items of our own (not the suite's fixtures)."""

from __future__ import annotations

from pathlib import Path

from publish.cite import Cluster, ClusterItem, render_clusters
from publish.cite.engine import prepare_reference
from publish.cite.markup import inlines_to_text
from publish.cite.patches import _capitalize_first_text, format_last_page, initialize_given, title_case

HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0"{attrs}>\n'
    "<info><id>t</id><title>t</title><updated>2020-01-01T00:00:00+00:00</updated></info>\n"
)


def _style(tmp_path: Path, body: str, attrs: str = "") -> Path:
    path = tmp_path / "t.csl"
    path.write_text(HEAD.format(attrs=attrs) + body + "</style>\n", encoding="utf-8")
    return path


def _cite(tmp_path: Path, body: str, items: list[dict], clusters: list[list[str]], attrs: str = "") -> list[str]:
    rendered = render_clusters(
        items, _style(tmp_path, body, attrs), "en-US", [Cluster([ClusterItem(k) for k in c]) for c in clusters]
    )
    return [inlines_to_text(c) for c in rendered.citations]


def test_capitalize_first_sees_a_non_breaking_space_as_a_word_end() -> None:
    assert _capitalize_first_text("o\u00a0A.") == "O\u00a0A."
    assert _capitalize_first_text("arXiv preprint") == "arXiv preprint"


def test_title_case_leaves_a_letter_after_a_number_and_hyphen() -> None:
    assert str(title_case("07-x test")) == "07-x Test"
    assert str(title_case("a well-known result")) == "A Well-Known Result"


def test_without_page_range_format_ranges_print_as_given() -> None:
    assert format_last_page("110", "5", None) == "5"
    assert format_last_page("110", "5", "expanded") == "115"
    assert format_last_page("1496", "504", "chicago-16") == "504"


def test_an_open_date_range_keeps_its_open_end(tmp_path: Path) -> None:
    ref = prepare_reference({"id": "a", "type": "book", "issued": {"date-parts": [[1987], [0]]}}, "r0")
    assert ref["issued"]["date-parts"] == [[1987], [0]]
    body = (
        '<citation><layout><date variable="issued" prefix="(" suffix=")"><date-part name="year"/></date>'
        "</layout></citation>\n"
    )
    items = [{"id": "a", "type": "book", "issued": {"date-parts": [[1987], [0]]}}]
    assert _cite(tmp_path, body, items, [["a"]]) == ["(1987–)"]


def test_two_capitals_of_a_transliteration_initialise_together() -> None:
    assert initialize_given("DZhambyn", ".", True) == "Dz."
    assert initialize_given("ME", ".", True) == "M."
    assert initialize_given("Mary Ellen", ".", True) == "M.E."


def test_lowercase_particles_in_given_names_stay_words() -> None:
    assert initialize_given("John Bertrand de Cusance Morant", ". ", True) == "J. B. de C. M."
    assert initialize_given("J. B. de C. M.", ".", True) == "J.B. de C.M."
    assert initialize_given("Jean-Pierre", ".", True) == "J.-P."


def test_an_institution_takes_the_family_name_part_formatting(tmp_path: Path) -> None:
    body = ('<citation><layout><names variable="author"><name><name-part name="family" text-case="uppercase"/>'
            '</name></names></layout></citation>\n')
    items = [{"id": "a", "type": "book", "author": [{"literal": "São Paulo (Estado)"}]}]
    assert _cite(tmp_path, body, items, [["a"]]) == ["SÃO PAULO (ESTADO)"]


GIVEN_BODY = (
    '<citation disambiguate-add-givenname="true" givenname-disambiguation-rule="{rule}"><layout delimiter="; ">'
    '<names variable="author"><name form="short" initialize-with=". "/></names></layout></citation>\n'
)


def test_global_given_name_rule_tells_particles_apart(tmp_path: Path) -> None:
    items = [
        {"id": "a", "type": "book", "author": [{"family": "dos Santos", "given": "Ana"}]},
        {"id": "b", "type": "book", "author": [{"family": "Santos", "given": "Bruno"}]},
    ]
    out = _cite(tmp_path, GIVEN_BODY.format(rule="primary-name"), items, [["a", "b"]])
    assert out == ["dos Santos; Santos"]


def test_global_given_name_rule_ignores_the_spacing_of_initials(tmp_path: Path) -> None:
    items = [
        {"id": "a", "type": "book", "title": "One", "author": [{"family": "Doe", "given": "J. J."}]},
        {"id": "b", "type": "book", "title": "Two", "author": [{"family": "Doe", "given": "J.J."}]},
        {"id": "c", "type": "book", "title": "Three", "author": [{"family": "Roe", "given": "Al"}]},
        {"id": "d", "type": "book", "title": "Four", "author": [{"family": "Roe", "given": "Bo"}]},
    ]
    out = _cite(tmp_path, GIVEN_BODY.format(rule="all-names"), items, [["a", "b", "c", "d"]])
    assert out == ["Doe; Doe; A. Roe; B. Roe"]


def test_name_sort_keys_compare_names_not_the_and_term(tmp_path: Path) -> None:
    body = (
        '<macro name="a"><names variable="author"><name and="text" delimiter=", "/></names></macro>'
        '<citation><sort><key macro="a"/></sort><layout delimiter="; "><text variable="title"/></layout></citation>\n'
    )
    items = [
        {"id": "k", "type": "book", "title": "K", "author": [{"family": "Baines"}, {"family": "Kay"}]},
        {"id": "b", "type": "book", "title": "B",
         "author": [{"family": "Baines"}, {"family": "Benedettini"}, {"family": "Zed"}]},
    ]
    assert _cite(tmp_path, body, items, [["k", "b"]]) == ["B; K"]


def test_quotes_typographic_in_data_and_affixes_as_written_in_the_style(tmp_path: Path) -> None:
    body = '<citation><layout><text variable="title" suffix=\' "x"\'/></layout></citation>\n'
    items = [{"id": "a", "type": "book", "title": 'Say "hi" it\'s'}]
    assert _cite(tmp_path, body, items, [["a"]]) == ['Say “hi” it’s "x"']


def test_author_only_prints_the_names_alone(tmp_path: Path) -> None:
    body = ('<citation><layout><group delimiter=" "><names variable="author"><name form="short"/></names>'
            '<date variable="issued"><date-part name="year"/></date></group></layout></citation>\n')
    items = [{"id": "a", "type": "book", "author": [{"family": "Kant"}], "issued": {"date-parts": [[1781]]}}]
    style = _style(tmp_path, body)
    only = render_clusters(items, style, "en-US", [Cluster([ClusterItem("a", author_only=True)])])
    without = render_clusters(items, style, "en-US", [Cluster([ClusterItem("a", suppress_author=True)])])
    assert inlines_to_text(only.citations[0]) == "Kant"
    assert inlines_to_text(without.citations[0]) == "1781"


YEAR_BODY = (
    '<citation disambiguate-add-year-suffix="true" {collapse}><layout delimiter="; "><group delimiter=" ">'
    '<names variable="author"><name form="short"/></names>'
    '<date variable="issued"><date-part name="year"/></date></group></layout></citation>\n'
    '<bibliography><sort><key variable="title"/></sort><layout><group delimiter=". ">'
    '<names variable="author"><name/></names><date variable="issued"><date-part name="year"/></date>'
    '<text variable="title"/></group></layout></bibliography>\n'
)


def _smiths(n: int) -> list[dict]:
    return [
        {"id": f"s{k}", "type": "book", "title": f"Title {chr(ord('A') + k)}",
         "author": [{"family": "Smith", "given": "Ann"}], "issued": {"date-parts": [[2000]]}}
        for k in range(n)
    ]


def test_implicit_year_suffix_follows_the_first_year_in_bibliography_order(tmp_path: Path) -> None:
    """No cs:text for year-suffix in the style: CSL appends the letter to the first rendered year. The
    letters follow the bibliography's order (by title here), not the order of citing."""
    items = _smiths(2)
    style = _style(tmp_path, YEAR_BODY.format(collapse=""))
    rendered = render_clusters(items, style, "en-US", [Cluster([ClusterItem("s1")]), Cluster([ClusterItem("s0")])])
    assert [inlines_to_text(c) for c in rendered.citations] == ["Smith 2000b", "Smith 2000a"]
    assert [inlines_to_text(e) for _, e in rendered.bibliography] == [
        "Ann Smith. 2000a. Title A", "Ann Smith. 2000b. Title B"
    ]


def test_year_suffix_collapse_prints_letters_and_ranges(tmp_path: Path) -> None:
    items = [*_smiths(5), {"id": "t", "type": "book", "title": "Z", "author": [{"family": "Smith", "given": "Ann"}],
                           "issued": {"date-parts": [[2001]]}}]
    ids = ["s0", "s1", "s2", "s3", "s4", "t"]
    ranged = YEAR_BODY.format(collapse='collapse="year-suffix-ranged" cite-group-delimiter=", "')
    assert _cite(tmp_path, ranged, items, [ids, ["s0", "s2", "s3", "s4", "t"]]) == [
        "Smith 2000a–e, 2001", "Smith 2000a, c–e, 2001"
    ]
    plain = YEAR_BODY.format(collapse='collapse="year-suffix" year-suffix-delimiter=","')
    # in an in-text style the years of one author are joined by cite-group-delimiter's default ", "
    assert _cite(tmp_path, plain, items, [["s0", "s1", "t"]]) == ["Smith 2000a,b, 2001"]


def test_collapsed_year_groups_take_the_after_collapse_delimiter_and_skip_empty_cites(tmp_path: Path) -> None:
    body = (
        '<citation collapse="year" after-collapse-delimiter="; "><layout delimiter=", "><group delimiter=" ">'
        '<names variable="author"><name form="short"/></names>'
        '<date variable="issued"><date-part name="year"/></date></group></layout></citation>\n'
    )
    items = [
        {"id": "a", "type": "book", "author": [{"family": "Wiens"}], "issued": {"date-parts": [[1989]]}},
        {"id": "b", "type": "book", "author": [{"family": "Wiens"}], "issued": {"date-parts": [[1990]]}},
        {"id": "c", "type": "book", "author": [{"family": "Wiens"}]},  # nothing but the suppressed names
        {"id": "d", "type": "book", "author": [{"family": "Wong"}], "issued": {"date-parts": [[1999]]}},
    ]
    assert _cite(tmp_path, body, items, [["a", "b", "c", "d"]]) == ["Wiens 1989, 1990; Wong 1999"]


def test_a_doi_prints_exactly_as_given(tmp_path: Path) -> None:
    body = ('<citation><layout><text variable="title" suffix=". "/><text variable="DOI" prefix="https://doi.org/"/>'
            "</layout></citation>\n")
    doi = "10.1002/(SICI)1097::AID-X>3.0.CO;2-Y"
    rendered = render_clusters([{"id": "a", "type": "book", "title": "T", "DOI": doi}], _style(tmp_path, body),
                               "en-US", [Cluster([ClusterItem("a")])])
    links = [n for n in rendered.citations[0] if n["t"] == "Link"]
    assert inlines_to_text(links) == "https://doi.org/" + doi
    assert links[0]["c"][2][0] == "https://doi.org/" + doi


def test_variables_a_substitute_used_are_empty_afterwards_numbers_and_labels_too(tmp_path: Path) -> None:
    """An anonymous book's title (with its edition) stands in for the author: no second edition."""
    body = (
        '<macro name="title"><group delimiter=" "><text variable="title"/><group prefix="(" suffix=")" delimiter=" ">'
        '<number variable="edition" form="ordinal"/><label variable="edition" form="short"/></group></group></macro>'
        '<citation><layout><group delimiter=". "><names variable="author"><substitute><text macro="title"/>'
        '</substitute></names><text macro="title"/><text variable="publisher"/></group></layout></citation>\n'
    )
    items = [{"id": "a", "type": "book", "title": "Beowulf", "edition": "2", "publisher": "Norton"}]
    assert _cite(tmp_path, body, items, [["a"]]) == ["Beowulf (2nd ed.). Norton"]


def test_hyphenated_name_and_number_variables_print(tmp_path: Path) -> None:
    """container-author, collection-editor and number-of-volumes are found under their CSL names."""
    body = (
        '<citation><layout delimiter="; "><group delimiter=", "><names variable="container-author"><name/></names>'
        '<names variable="collection-editor"><name/></names>'
        '<group delimiter=" "><label variable="number-of-volumes" form="short"/>'
        '<number variable="number-of-volumes"/></group></group></layout></citation>\n'
    )
    items = [{"id": "a", "type": "book", "container-author": [{"family": "Kant", "given": "Immanuel"}],
              "collection-editor": [{"family": "Adickes", "given": "Erich"}], "number-of-volumes": "3"}]
    assert _cite(tmp_path, body, items, [["a"]]) == ["Immanuel Kant, Erich Adickes, vols. 3"]


def test_abbreviated_given_names_keep_their_letters() -> None:
    """A part ending in a period is an abbreviation: "Ph." stays "Ph", "Ts." stays "Ts"; a whole word
    (also all caps) gives its first letter; initials are joined by the mark alone."""
    assert initialize_given("Ph. M.E.", ". ", True) == "Ph. M. E."
    assert initialize_given("Ph.M.E.", "", True) == "PhME"
    assert initialize_given("ME", ".", True) == "M."
    assert initialize_given("ME.", ".", True) == "ME."
    assert initialize_given("Ts.", ". ", True) == "Ts."
    assert initialize_given("M E.", "", True, initialize=False) == "ME"
    assert initialize_given("John M.E.", " ", True, initialize=False) == "John M E"


def test_name_count_adds_up_all_the_variables(tmp_path: Path) -> None:
    body = '<citation><layout><names variable="author editor"><name form="count"/></names></layout></citation>\n'
    items = [{"id": "a", "type": "book", "author": [{"family": "A"}, {"family": "B"}, {"family": "C"}],
              "editor": [{"family": "D"}, {"family": "E"}]}]
    assert _cite(tmp_path, body, items, [["a"]]) == ["5"]


def test_italics_inside_italics_print_upright() -> None:
    from publish.cite import markup as mk

    text = mk.ITALIC[0] + "My " + mk.ITALIC[0] + "Amazing" + mk.ITALIC[1] + " Title" + mk.ITALIC[1]
    assert mk.to_inlines(text) == [
        {"t": "Emph", "c": [{"t": "Str", "c": "My"}, {"t": "Space"}]},
        {"t": "Str", "c": "Amazing"},
        {"t": "Emph", "c": [{"t": "Space"}, {"t": "Str", "c": "Title"}]},
    ]
    bold = mk.ITALIC[0] + "a " + mk.BOLD[0] + mk.NORMAL[0] + "b" + mk.NORMAL[1] + mk.BOLD[1] + mk.ITALIC[1]
    assert mk.to_inlines(bold) == [
        {"t": "Emph", "c": [{"t": "Str", "c": "a"}, {"t": "Space"}]},
        {"t": "Strong", "c": [{"t": "Str", "c": "b"}]},
    ]


def test_added_names_are_kept_when_they_tell_some_items_apart(tmp_path: Path) -> None:
    """Two identical author lists and one with another second author: the second name separates the
    third item from the others, so all three show it, though the first two stay alike."""
    body = (
        '<citation et-al-min="3" et-al-use-first="1" disambiguate-add-names="true"><layout delimiter="; ">'
        '<names variable="author"><name form="short" delimiter=", "/></names></layout></citation>\n'
    )
    people = [["Smith", "Brown", "Jones"], ["Smith", "Brown", "Jones"], ["Smith", "Benson", "Jones"]]
    items = [{"id": f"i{k}", "type": "book", "title": f"T{k}", "author": [{"family": f} for f in names]}
             for k, names in enumerate(people)]
    assert _cite(tmp_path, body, items, [["i0", "i1", "i2"]]) == [
        "Smith, Brown, et al.; Smith, Brown, et al.; Smith, Benson, et al."
    ]


def test_a_sorted_citation_groups_cites_by_the_same_names(tmp_path: Path) -> None:
    body = (
        '<citation cite-group-delimiter=", "><sort><key variable="issued"/></sort>'
        '<layout delimiter="; "><group delimiter=" "><names variable="author"><name form="short"/></names>'
        '<date variable="issued"><date-part name="year"/></date></group></layout></citation>\n'
    )
    items = [
        {"id": "b", "type": "book", "author": [{"family": "Banda"}], "issued": {"date-parts": [[1999]]}},
        {"id": "a0", "type": "book", "author": [{"family": "Aalto"}], "issued": {"date-parts": [[1998]]}},
        {"id": "a1", "type": "book", "author": [{"family": "Aalto"}], "issued": {"date-parts": [[2001]]}},
    ]
    assert _cite(tmp_path, body, items, [["b", "a0", "a1"]]) == ["Aalto 1998, Aalto 2001; Banda 1999"]
    unsorted = body.replace('<sort><key variable="issued"/></sort>', "")
    assert _cite(tmp_path, unsorted, items, [["a0", "b", "a1"]]) == ["Aalto 1998; Banda 1999; Aalto 2001"]


def test_a_group_whose_variables_are_all_empty_prints_nothing_through_choose_and_macros(tmp_path: Path) -> None:
    """APA's thesis description: "Publication" (a value chosen by cs:choose) beside an empty number is
    dropped with its group; a macro is a group of its own ("In " before an empty container title goes);
    what a macro prints ("Anon.") is content to the group around it."""
    body = (
        '<macro name="number"><group delimiter=" "><choose><if type="thesis"><text value="Publication"/></if>'
        '</choose><text variable="number"/></group></macro>'
        '<macro name="container"><text term="in" suffix=" "/><text variable="container-title"/></macro>'
        '<macro name="anon"><choose><if variable="author" match="none"><text term="anonymous" form="short"/>'
        '</if></choose></macro>'
        '<citation><layout delimiter="; "><group delimiter=", "><text variable="title"/>'
        '<text macro="number" prefix="(" suffix=")"/><text macro="container"/></group>'
        '<group delimiter=" " prefix=" [" suffix="]"><names variable="author"/><text macro="anon"/>'
        '<date variable="issued"><date-part name="year"/></date></group></layout></citation>\n'
    )
    items = [{"id": "a", "type": "thesis", "title": "A thesis"},
             {"id": "b", "type": "thesis", "title": "B", "number": "123", "container-title": "C"}]
    assert _cite(tmp_path, body, items, [["a"], ["b"]]) == ["A thesis [anon.]", "B, (Publication 123), in C [anon.]"]


def test_punctuation_meeting_at_a_join_merges_as_in_citeproc_js() -> None:
    from publish.cite.markup import fix_seams

    cases = {"semicolon;: x": "semicolon; x", "colon:. x": "colon: x", "wow!: x": "wow! x",
             "colon:! x": "colon! x", "et al.: x": "et al.: x", "comma,. x": "comma,. x", "a.. b": "a. b"}
    assert {k: fix_seams(k, False) for k in cases} == cases


def test_uppercase_keeps_nocase_spans_and_stop_words_open_compounds() -> None:
    from citeproc.string import MixedString, NoCase, String

    from publish.cite.patches import _case

    class Cased:
        def __init__(self, case: str) -> None:
            self.attrib = {"text-case": case}

        def get(self, key: str, default: object = None) -> object:
            return self.attrib.get(key, default)

    text = MixedString([String("a "), NoCase("Smith"), String(" pencil")])
    assert str(_case(Cased("uppercase"), text, "en")) == "A Smith PENCIL"
    assert str(title_case("employee pro-environmental behavior")) == "Employee Pro-Environmental Behavior"
    assert str(title_case("out-of-fashion ideas")) == "Out-of-Fashion Ideas"


def test_a_suffix_written_into_the_given_name_is_a_suffix() -> None:
    from publish.cite.engine import split_given_suffix

    plain, comma = {"family": "Doe", "given": "John, III"}, {"family": "Doe", "given": "John,! Jr."}
    split_given_suffix(plain)
    split_given_suffix(comma)
    assert plain == {"family": "Doe", "given": "John", "suffix": "III"}
    assert comma == {"family": "Doe", "given": "John", "suffix": "Jr.", "comma-suffix": True}


def test_particles_join_without_a_space_after_an_apostrophe_and_quotes_keep_a_family_whole(
    tmp_path: Path,
) -> None:
    from publish.cite.engine import split_particle

    body = '<citation><layout delimiter="; "><names variable="author"><name/></names></layout></citation>\n'
    items = [{"id": "a", "type": "book", "author": [{"family": "Jones", "given": "John",
                                                     "non-dropping-particle": "d’"}]}]
    assert _cite(tmp_path, body, items, [["a"]]) == ["John d’Jones"]
    quoted = {"family": "\u201cvan Happel\u201d", "given": "Eduard"}
    split_particle(quoted)
    assert quoted == {"family": "van Happel", "given": "Eduard"}


def test_ibid_is_capitalised_where_a_sentence_starts(tmp_path: Path) -> None:
    body = ('<citation><layout><choose><if position="ibid"><text term="ibid"/></if>'
            '<else><text variable="title"/></else></choose></layout></citation>\n')
    style = _style(tmp_path, body).read_text()
    path = tmp_path / "note.csl"
    path.write_text(style.replace('class="in-text"', 'class="note"'), encoding="utf-8")
    items = [{"id": "a", "type": "book", "title": "Book A"}]
    clusters = [Cluster([ClusterItem("a")], 1), Cluster([ClusterItem("a", prefix="See ")], 2),
                Cluster([ClusterItem("a", prefix="As said before. ")], 3), Cluster([ClusterItem("a")], 4)]
    out = [inlines_to_text(c) for c in render_clusters(items, path, "en-US", clusters).citations]
    assert out == ["Book A", "See ibid.", "As said before. Ibid.", "Ibid."]


def test_chicago_page_ranges_print_four_digits_in_full_when_three_change() -> None:
    assert format_last_page("1496", "1504", "chicago") == "1504"
    assert format_last_page("2787", "2816", "chicago-15") == "2816"
    assert format_last_page("1536", "1538", "chicago") == "38"
    assert format_last_page("1496", "1504", "chicago-16") == "504"


def test_superscript_characters_print_as_superscript_letters() -> None:
    from publish.cite import markup as mk

    assert mk.to_inlines("1ʳᵉ éd.") == [
        {"t": "Str", "c": "1"}, {"t": "Superscript", "c": [{"t": "Str", "c": "re"}]}, {"t": "Space"},
        {"t": "Str", "c": "éd."},
    ]
    assert mk.to_inlines("No superscript here") == mk.str_inlines("No superscript here")


def _people(*names: tuple[str, str]) -> list[dict]:
    return [{"family": f, "given": g} for f, g in names]


def test_add_givenname_expands_only_the_names_that_differ(tmp_path: Path) -> None:
    """By-cite: names are added until the cites differ, then only the name whose given name differs is
    expanded (one name at a time), for every cite of the alike group."""
    body = (
        '<citation et-al-min="3" et-al-use-first="1" disambiguate-add-names="true"'
        ' disambiguate-add-givenname="true"><layout delimiter="; "><group delimiter=" ">'
        '<names variable="author"><name initialize-with=". " and="symbol" delimiter=", "'
        ' delimiter-precedes-last="never" form="short"/></names>'
        '<date variable="issued" prefix="(" suffix=")"><date-part name="year"/></date></group>'
        "</layout></citation>\n"
    )
    year = {"issued": {"date-parts": [[1980]]}, "type": "book"}
    items = [
        {"id": "a", "author": _people(("Smith", "John"), ("Brown", "John"), ("Jones", "John")), **year},
        {"id": "b", "author": _people(("Smith", "John"), ("Benson", "John"), ("Jones", "John")), **year},
        {"id": "c", "author": _people(("Smith", "John"), ("Brown", "John"), ("Jones", "Arthur")), **year},
    ]
    assert _cite(tmp_path, body, items, [["a"], ["b"], ["c"]]) == [
        "Smith, Brown & J. Jones (1980)",
        "Smith, Benson, et al. (1980)",
        "Smith, Brown & A. Jones (1980)",
    ]


def test_add_givenname_level_two_drops_initials_in_the_long_form(tmp_path: Path) -> None:
    body = (
        '<citation disambiguate-add-givenname="true"><layout delimiter="; ">'
        '<names variable="author"><name initialize-with=" "/></names></layout></citation>\n'
    )
    items = [
        {"id": "a", "type": "book", "author": _people(("Doe", "John"))},
        {"id": "b", "type": "book", "author": _people(("Doe", "Jack"))},
    ]
    assert _cite(tmp_path, body, items, [["a"], ["b"]]) == ["John Doe", "Jack Doe"]


def test_note_lines_and_zotero_field_names_are_variables() -> None:
    from publish.cite.fields import complete

    ref = complete({
        "id": "a",
        "type": "chapter",
        "journalAbbreviation": "J Abbr",
        "note": "original-date: 1867-05\ncontainer-title: Book: a title\nA real note\nbogus-key: x",
        "container-title": "Kept",
    })
    assert ref["container-title-short"] == "J Abbr" and "journalAbbreviation" not in ref
    assert ref["original-date"] == {"date-parts": [[1867, 5]]}
    assert ref["container-title"] == "Kept"  # the item's own value wins
    assert ref["note"] == "A real note\nbogus-key: x"


def test_citation_label_is_the_trigraph_with_its_year_suffix(tmp_path: Path) -> None:
    from publish.cite.fields import citation_label

    year = {"issued": {"date-parts": [[1998]]}}
    assert citation_label({"author": _people(("Asthma", "A")), **year}) == "Asth98"
    assert citation_label({"author": _people(("Brown", "A"), ("Chan", "B")), **year}) == "BrCh98"
    assert citation_label({"author": _people(("Asthma", "A"), ("Brown", "B"), ("Cold", "C"), ("D", "D"))}) == "AsBC"
    body = (
        '<citation disambiguate-add-year-suffix="true"><layout delimiter="; ">'
        '<text variable="citation-label"/></layout></citation>\n'
    )
    items = [
        {"id": "a", "type": "book", "title": "One", "author": _people(("Asthma", "A")), **year},
        {"id": "b", "type": "book", "title": "Two", "author": _people(("Asthma", "A")), **year},
        {"id": "c", "type": "book", "citation-label": "Mine", "author": _people(("Cold", "C")), **year},
    ]
    assert _cite(tmp_path, body, items, [["a", "b", "c"]]) == ["Asth98a; Asth98b; Mine"]


def test_title_case_capitalises_a_last_stop_word_and_keeps_particles_lowercase() -> None:
    assert str(title_case("research for")) == "Research For"
    assert str(title_case("a life of john von doe till now")) == "A Life of John von Doe till Now"
    assert str(title_case("the service de police")) == "The Service de Police"


def test_rich_text_flip_flops_bold_and_small_caps_and_nodecor_undoes_all(tmp_path: Path) -> None:
    from tests.citations.compare import marked  # formatting as tags; spaces at a tag's edges dropped

    body = (
        '<citation><layout delimiter="|"><group delimiter=" ">'
        '<text variable="title" font-variant="small-caps"/><text variable="publisher" font-weight="bold"/>'
        "</group></layout></citation>\n"
    )
    items = [
        {"id": "a", "type": "book", "title": 'His <span style="font-variant:small-caps;">Anon</span> Life',
         "publisher": "x"},
        {"id": "b", "type": "book", "title": 'Lessard <span class="nodecor">v.</span> Schmidt',
         "publisher": "y"},
        {"id": "c", "type": "book", "title": "One TwoF</i> Three", "publisher": "<b>z</b> w"},
    ]
    rendered = render_clusters(
        items, _style(tmp_path, body), "en-US", [Cluster([ClusterItem(k)]) for k in ("a", "b", "c")]
    )
    out = [marked(c) for c in rendered.citations]
    assert out[0] == "<sc>His</sc>Anon<sc>Life</sc> <b>x</b>"
    assert out[1] == "<sc>Lessard</sc>v.<sc>Schmidt</sc> <b>y</b>"
    assert out[2] == "<sc>One TwoF</i> Three</sc> z<b>w</b>"  # the stray tag is text (pandoc escapes it)


def test_names_added_to_tell_cites_apart_are_added_in_the_entries_too(tmp_path: Path) -> None:
    names = '<names variable="author"><name et-al-min="3" et-al-use-first="1" delimiter=", "/></names>'
    body = (
        '<citation disambiguate-add-names="true"><layout delimiter="; ">'
        f'<names variable="author"><name form="short" et-al-min="3" et-al-use-first="1" delimiter=", "/></names>'
        f"</layout></citation>\n<bibliography><layout>{names}</layout></bibliography>\n"
    )
    items = [
        {"id": "a", "type": "book", "author": _people(("Choi", "E"), ("Bahadori", "M"), ("Song", "L"))},
        {"id": "b", "type": "book", "author": _people(("Choi", "E"), ("Bahadori", "M"), ("Kulas", "J"))},
    ]
    rendered = render_clusters(items, _style(tmp_path, body), "en-US", [Cluster([ClusterItem("a"), ClusterItem("b")])])
    assert [inlines_to_text(c) for c in rendered.citations] == ["Choi, Bahadori, Song; Choi, Bahadori, Kulas"]
    entries = sorted(inlines_to_text(e) for _, e in rendered.bibliography)
    assert entries == ["E Choi, M Bahadori, J Kulas", "E Choi, M Bahadori, L Song"]


def test_et_al_needs_use_first_written_where_the_name_inherits_from(tmp_path: Path) -> None:
    """A cs:citation's et-al-use-first does not reach the bibliography; use-first 0 prints no names."""
    body = (
        '<citation et-al-use-first="2"><layout><names variable="author"><name et-al-min="3" delimiter=", "/>'
        '</names></layout></citation>\n<bibliography><layout><group delimiter=" // ">'
        '<names variable="author"><name et-al-min="3" delimiter=", "/></names>'
        '<names variable="author"><name et-al-min="2" et-al-use-first="0"/></names>'
        "</group></layout></bibliography>\n"
    )
    items = [{"id": "a", "type": "book", "author": _people(("Doe", "John"), ("Roe", "Jane"), ("Snoakes", "R"))}]
    rendered = render_clusters(items, _style(tmp_path, body), "en-US", [Cluster([ClusterItem("a")])])
    assert [inlines_to_text(c) for c in rendered.citations] == ["John Doe, Jane Roe, et al."]
    assert [inlines_to_text(e) for _, e in rendered.bibliography] == ["John Doe, Jane Roe, R Snoakes"]


def test_after_inverted_name_delimiter_is_not_put_after_an_institution(tmp_path: Path) -> None:
    body = (
        '<citation><layout><names variable="author"><name and="symbol" name-as-sort-order="all"'
        ' delimiter=", " delimiter-precedes-last="after-inverted-name" initialize-with=". "/></names>'
        "</layout></citation>\n"
    )
    items = [
        {"id": "a", "type": "report", "author": [{"literal": "Productivity Commission"}, {"literal": "Treasury"}]},
        {"id": "b", "type": "book", "author": _people(("Weinstock", "R"), ("Silva", "J"))},
    ]
    assert _cite(tmp_path, body, items, [["a"], ["b"]]) == [
        "Productivity Commission & Treasury",
        "Weinstock, R., & Silva, J.",
    ]


def test_title_case_capitalises_the_last_word_after_a_hyphen_too() -> None:
    assert str(title_case("remembering, repeating and working-through")) == "Remembering, Repeating and Working-Through"
    assert str(title_case("working-through the past")) == "Working-through the Past"


def test_primary_name_rule_judges_each_name_against_the_others(tmp_path: Path) -> None:
    """Initials tell A. O. Horvath from the S. Horvaths; only the two S. Horvaths need full given names."""
    body = (
        '<citation disambiguate-add-givenname="true" givenname-disambiguation-rule="primary-name">'
        '<layout delimiter="; "><names variable="author"><name form="short" initialize-with=". "/></names>'
        "</layout></citation>\n"
    )
    items = [
        {"id": "a", "type": "book", "title": "A", "author": _people(("Horvath", "Adam O."))},
        {"id": "b", "type": "book", "title": "B", "author": _people(("Horvath", "Steve"))},
        {"id": "c", "type": "book", "title": "C", "author": _people(("Horvath", "S."))},
        {"id": "d", "type": "book", "title": "D", "author": _people(("Bedi", "Robinder"))},
    ]
    assert _cite(tmp_path, body, items, [["a", "b", "c", "d"]]) == [
        "A. O. Horvath; Steve Horvath; S. Horvath; Bedi"
    ]


def test_given_names_expanded_to_tell_cites_apart_are_expanded_in_the_entries_too(tmp_path: Path) -> None:
    body = (
        '<citation disambiguate-add-givenname="true" givenname-disambiguation-rule="primary-name">'
        '<layout delimiter="; "><names variable="author"><name form="short" initialize-with=". "/></names>'
        '</layout></citation>\n<bibliography><layout><names variable="author">'
        '<name name-as-sort-order="all" initialize-with=". "/></names></layout></bibliography>\n'
    )
    items = [
        {"id": "a", "type": "book", "title": "A", "author": _people(("Abadi", "Martin"))},
        {"id": "b", "type": "book", "title": "B", "author": _people(("Abadi", "Martín"))},
        {"id": "c", "type": "book", "title": "C", "author": _people(("Bedi", "Robinder"))},
    ]
    rendered = render_clusters(items, _style(tmp_path, body), "en-US", [Cluster([ClusterItem(k) for k in "abc"])])
    assert [inlines_to_text(c) for c in rendered.citations] == ["Martin Abadi; Martín Abadi; Bedi"]
    assert sorted(inlines_to_text(e) for _, e in rendered.bibliography) == [
        "Abadi, Martin", "Abadi, Martín", "Bedi, R.",
    ]


def test_months_13_to_24_are_seasons_and_a_word_raw_date_is_literal(tmp_path: Path) -> None:
    from publish.cite.fields import season_date

    assert season_date({"date-parts": [[1965, 21]]}) == {"date-parts": [[1965]], "season": 1}
    assert season_date({"date-parts": [[1965, 17, 1]]}) == {"date-parts": [[1965]], "season": 1}
    assert season_date({"date-parts": [[1965, 60, 1]]}) == {"date-parts": [[1965]]}
    assert season_date({"date-parts": [[1965, 5, 1]]}) == {"date-parts": [[1965, 5, 1]]}
    assert season_date({"raw": "Bogus Date"}) == {"literal": "Bogus Date"}
    assert season_date({"raw": "1999-05"}) == {"raw": "1999-05"}
    body = (
        '<citation><layout delimiter="; "><date variable="issued" form="text" date-parts="year-month"/>'
        "</layout></citation>\n"
    )
    items = [
        {"id": "a", "type": "book", "issued": {"date-parts": [[1999, 24]]}},
        {"id": "b", "type": "book", "issued": {"raw": "Bogus Date"}},
    ]
    assert _cite(tmp_path, body, items, [["a", "b"]]) == ["Winter 1999; Bogus Date"]


def test_only_numbers_with_the_same_prefix_are_ranges() -> None:
    from publish.cite.numbers import format_numbers, is_plural

    expand = lambda a, b: format_last_page(a, b, "expanded")  # noqa: E731
    assert format_numbers("N110 - N5", "–", expand) == "N110–N115"
    assert format_numbers("N110 - 5, 110-N6, N110-P5", "–", expand) == "N110-5, 110-N6, N110-P5"
    assert format_numbers("100 - 103", "–") == "100–103"
    assert format_numbers("i-ix", "–") == "i–ix"
    assert format_numbers("Michaelson-Morely", "–") == "Michaelson-Morely"
    assert format_numbers("327\\-30", "–") == "327-30"
    assert format_numbers("n11564-n11568", "–", lambda a, b: format_last_page(a, b, "chicago-16")) == "n11564–68"
    assert is_plural("1-2") and is_plural("i–ix") and is_plural("213 and 235") and is_plural("3, 5")
    assert not is_plural("3-B") and not is_plural("327\\-30") and not is_plural("Michaelson-Morely")


def test_the_same_locator_again_is_ibid_not_ibid_with_locator(tmp_path: Path) -> None:
    body = (
        '<citation><layout delimiter="; "><choose><if position="first"><text variable="title"/>'
        '<text variable="locator" prefix=" p. "/></if><else-if position="ibid-with-locator">'
        '<text value="ibid-with-locator"/></else-if><else-if position="ibid"><text value="ibid"/></else-if>'
        '<else><text value="subsequent"/></else></choose></layout></citation>\n'
    )
    items = [{"id": "a", "type": "book", "title": "A"}]
    clusters = [
        Cluster([ClusterItem("a", locator="34", label="page")]),
        Cluster([ClusterItem("a", locator="34", label="page")]),
        Cluster([ClusterItem("a", locator="35", label="page")]),
    ]
    rendered = render_clusters(items, _style(tmp_path, body), "en-US", clusters)
    assert [inlines_to_text(c) for c in rendered.citations] == ["A p. 34", "ibid", "ibid-with-locator"]


def test_no_layout_delimiter_before_a_prefix_that_opens_with_punctuation(tmp_path: Path) -> None:
    body = '<citation><layout delimiter="; "><text variable="title"/></layout></citation>\n'
    items = [{"id": "a", "type": "book", "title": "Book A"}, {"id": "b", "type": "book", "title": "Book B"}]
    clusters = [
        Cluster([ClusterItem("a"), ClusterItem("b", prefix=", cited in ")]),
        Cluster([ClusterItem("a", suffix=" is one source,"), ClusterItem("b", prefix=" and ")]),
        Cluster([ClusterItem("a"), ClusterItem("b")]),
    ]
    rendered = render_clusters(items, _style(tmp_path, body), "en-US", clusters)
    assert [inlines_to_text(c) for c in rendered.citations] == [
        "Book A, cited in Book B",
        "Book A is one source, and Book B",
        "Book A; Book B",
    ]


def test_name_labels_are_not_part_of_sort_keys_or_of_the_names_a_substitute_replaces(tmp_path: Path) -> None:
    body = (
        '<citation><layout><text variable="title"/></layout></citation>\n'
        '<macro name="author"><names variable="author"><name name-as-sort-order="first"/>'
        '<label form="short" prefix=" "/><substitute><names variable="editor"/></substitute></names></macro>\n'
        '<bibliography subsequent-author-substitute="---"><sort><key macro="author"/><key variable="title"/>'
        '</sort><layout><group delimiter=". "><text macro="author"/><text variable="title"/></group></layout>'
        "</bibliography>\n"
    )
    items = [
        {"id": "a", "type": "book", "title": "Hello 1", "editor": _people(("Doe", "John"))},
        {"id": "b", "type": "book", "title": "Hello 2", "author": _people(("Doe", "John Barbitol"))},
        {"id": "c", "type": "book", "title": "Hello 4", "author": _people(("Doe", "John"))},
    ]
    rendered = render_clusters(items, _style(tmp_path, body), "en-US", [Cluster([ClusterItem(k) for k in "abc"])])
    assert [inlines_to_text(e) for _, e in rendered.bibliography] == [
        "Doe, John ed. Hello 1",
        "---. Hello 4",  # the same names in another role: substituted, the label with them
        "Doe, John Barbitol. Hello 2",
    ]


def test_single_quotes_in_a_field_are_quotes_and_flip_with_nesting(tmp_path: Path) -> None:
    from publish.cite.markup import QUOTE, quotes_to_markers

    assert quotes_to_markers("Life's 'Little' Surprises") == f"Life's {QUOTE[0]}Little{QUOTE[1]} Surprises"
    assert quotes_to_markers("'Nobody Knows You're a Dog': As") == f"{QUOTE[0]}Nobody Knows You're a Dog{QUOTE[1]}: As"
    assert quotes_to_markers("the teachers' day; rock 'n' roll") == "the teachers' day; rock 'n' roll"
    body = '<citation><layout><text variable="title" quotes="true"/></layout></citation>\n'
    items = [{"id": "a", "type": "book", "title": "My “‘Amazing’ and Bogus” Title"}]
    assert _cite(tmp_path, body, items, [["a"]]) == ["“My ‘“Amazing” and Bogus’ Title”"]


def test_a_hyphenated_particle_is_a_particle_and_a_trailing_nbsp_is_the_space(tmp_path: Path) -> None:
    ref = prepare_reference({"id": "a", "type": "book", "author": [{"family": "al-One", "given": "Alan"}]}, "r0")
    assert ref["author"][0]["non-dropping-particle"] == "al-" and ref["author"][0]["family"] == "One"
    body = (
        '<citation><layout delimiter="; "><names variable="author"><name name-as-sort-order="all"/></names>'
        '</layout></citation>\n<bibliography><layout><names variable="author"><name>'
        '<name-part name="given" suffix="\u00a0"/></name></names></layout></bibliography>\n'
    )
    items = [{"id": "a", "type": "book", "author": [{"family": "al-One", "given": "Alan"}]}]
    rendered = render_clusters(items, _style(tmp_path, body), "en-US", [Cluster([ClusterItem("a")])])
    assert [inlines_to_text(c) for c in rendered.citations] == ["One, Alan al-"]
    assert [inlines_to_text(e) for _, e in rendered.bibliography] == ["Alan\u00a0al-One"]


def test_an_orphan_straight_quote_stays_and_small_caps_keep_their_case_in_title_case(tmp_path: Path) -> None:
    from publish.cite.markup import smart_text

    assert smart_text('Nation of "Positive Obligations " of State') == 'Nation of "Positive Obligations " of State'
    assert smart_text('a "real" one') == "a \u201creal\u201d one"
    body = '<citation><layout delimiter="|"><text variable="title" text-case="title"/></layout></citation>\n'
    items = [
        {"id": "a", "type": "book", "title": "my <sc>small caps phrase</sc> in a title"},
        {"id": "b", "type": "book", "title": "levels of CO<sub>two</sub> in air"},
    ]
    # (plain text: the subscript joins its word)
    assert _cite(tmp_path, body, items, [["a", "b"]]) == ["My small caps phrase in a Title|Levels of COtwo in Air"]


def test_quotes_and_punctuation_do_not_order_sort_keys() -> None:
    from publish.cite.patches import sort_text

    keys = ["Simple “title” here C", "“Simple title here B”", "Simple title, here A"]
    assert sorted(keys, key=sort_text) == ["Simple title, here A", "“Simple title here B”", "Simple “title” here C"]
    assert sort_text("Smith, J.") < sort_text("Smithson, A.")


def test_cjk_names_print_family_first_without_a_space(tmp_path: Path) -> None:
    body = '<citation><layout delimiter="; "><names variable="author"><name/></names></layout></citation>\n'
    items = [
        {"id": "a", "type": "book", "author": [{"family": "我妻", "given": "栄"}]},
        {"id": "b", "type": "book", "author": [{"family": "Doe", "given": "John"}]},
    ]
    assert _cite(tmp_path, body, items, [["a", "b"]]) == ["我妻栄; John Doe"]


def test_numbers_joined_by_an_ampersand_use_the_locale_symbol() -> None:
    from publish.cite.numbers import format_numbers

    assert format_numbers("213 & 235", "–", ampersand="AMPERSAND") == "213 AMPERSAND 235"


def test_a_number_variables_range_prints_an_en_dash_through_cs_text(tmp_path: Path) -> None:
    body = ('<citation><layout delimiter="; "><text variable="volume" prefix="v. "/>'
            '<text variable="issue" prefix=", n. "/></layout></citation>\n')
    items = [{"id": "a", "type": "article-journal", "volume": "12", "issue": "5-6"},
             {"id": "b", "type": "article-journal", "volume": "7", "issue": "3-B"}]
    assert _cite(tmp_path, body, items, [["a", "b"]]) == ["v. 12, n. 5–6; v. 7, n. 3-B"]
    # a style's own page-range-delimiter is the range delimiter here too
    hyphen = '<locale><terms><term name="page-range-delimiter">-</term></terms></locale>\n' + body
    assert _cite(tmp_path, hyphen, items, [["a"]]) == ["v. 12, n. 5-6"]


def test_disambiguate_conditions_come_true_one_at_a_time(tmp_path: Path) -> None:
    """Works told apart by the first disambiguate test (the title) print only it; those it cannot tell
    apart print the next one too (the edition)."""
    body = ('<citation><layout delimiter="; "><group delimiter=", "><names variable="author"><name/></names>'
            '<choose><if disambiguate="true"><text variable="title"/></if></choose>'
            '<choose><if disambiguate="true"><group delimiter=" "><text value="ed."/>'
            '<number variable="edition"/></group></if></choose></group></layout></citation>\n')
    who = [{"family": "Achebe", "given": "Chinua"}]
    items = [{"id": k, "type": "book", "author": who, "title": t, "edition": e}
             for k, t, e in (("a", "Essays", "1"), ("b", "Poems", "2"), ("c", "Stories", "3"), ("d", "Stories", "4"))]
    assert _cite(tmp_path, body, items, [["a", "b", "c", "d"]]) == [
        "Chinua Achebe, Essays; Chinua Achebe, Poems; Chinua Achebe, Stories, ed. 3; Chinua Achebe, Stories, ed. 4"
    ]
