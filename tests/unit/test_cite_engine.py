"""One test per citeproc-py gap closed in publish.cite (each fails with the unpatched engine)."""

from __future__ import annotations

import json
from pathlib import Path

import pypandoc
import pytest

from publish.cite import cite_document, resolve_style
from publish.cite.markup import AstFormatter, fix_seams, to_inlines
from publish.cite.patches import format_last_page, initialize_given, title_case
from tests.citations.compare import marked

ROOT = Path(__file__).resolve().parents[2]


def render(items: list[dict], groups: list[list[str]], style: str = "apa") -> tuple[list[str], list[str]]:
    """(citations, entries) as marked text."""
    text = "\n\n".join("[" + "; ".join(f"@{k}" for k in g) + "]" for g in groups)
    ast = json.loads(pypandoc.convert_text(text, "json", format="markdown"))
    result = cite_document(ast, items, resolve_style(style, ROOT), "en-US")
    cites: list[str] = []
    entries: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("t") == "Cite":
                cites.append(marked(node["c"][1]))
                return
            if node.get("t") == "Div" and "csl-entry" in node["c"][0][1]:
                entries.append(marked(node["c"][1][0]["c"]))
                return
            walk(node.get("c"))
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(result.ast["blocks"])
    return cites, entries


def article(ident: str, family: str, year: int, title: str = "A title", **extra: object) -> dict:
    return {
        "id": ident,
        "type": "article-journal",
        "title": title,
        "container-title": "Journal",
        "author": [{"family": family, "given": "John"}],
        "issued": {"date-parts": [[year]]},
        **extra,
    }


def test_disambiguation_year_suffix() -> None:
    items = [article("a", "Smith", 2016, "First"), article("b", "Smith", 2016, "Second")]
    cites, entries = render(items, [["a"], ["b"], ["a", "b"]])
    assert cites == ["(Smith, 2016a)", "(Smith, 2016b)", "(Smith, 2016a, 2016b)"]
    assert entries[0].startswith("Smith, J. (2016a).") and entries[1].startswith("Smith, J. (2016b).")


def test_disambiguation_add_givenname() -> None:
    items = [
        article("a", "Smith", 2016),
        {**article("b", "Smith", 2016, "Other"), "author": [{"family": "Smith", "given": "Anna"}]},
    ]
    cites, _ = render(items, [["a"], ["b"]])
    assert cites == ["(J. Smith, 2016)", "(A. Smith, 2016)"]


def test_disambiguation_add_names() -> None:
    two = [
        {"family": "Smith", "given": "J."},
        {"family": "Jones", "given": "A."},
        {"family": "Brown", "given": "B."},
    ]
    other = [
        {"family": "Smith", "given": "J."},
        {"family": "Green", "given": "C."},
        {"family": "Black", "given": "D."},
    ]
    items = [{**article("a", "Smith", 2016), "author": two}, {**article("b", "Smith", 2016), "author": other}]
    cites, _ = render(items, [["a"], ["b"]])
    assert cites == ["(Smith, Jones, et al., 2016)", "(Smith, Green, et al., 2016)"]


def test_disambiguate_condition() -> None:
    style = ROOT / "tests" / "citations" / "fixtures" / "disambiguate-condition.csl"
    items = [article("a", "Smith", 2016, "Alpha"), article("b", "Smith", 2016, "Beta")]
    cites, _ = render(items, [["a"], ["b"]], style=str(style.relative_to(ROOT)))
    assert cites == ["(Smith, Alpha)", "(Smith, Beta)"]


def test_role_labels_are_title_cased() -> None:
    chapter = {
        "id": "c",
        "type": "chapter",
        "title": "Ch",
        "container-title": "Book",
        "publisher": "P",
        "author": [{"family": "Doe", "given": "J."}],
        "issued": {"date-parts": [[2000]]},
        "editor": [{"family": "Lee", "given": "A."}, {"family": "Kim", "given": "B."}],
    }
    _, entries = render([chapter], [["c"]])
    assert "(Eds.)" in entries[0]


def test_punctuation_moves_inside_quotes_for_en_us() -> None:
    _, entries = render(
        [article("a", "Smith", 2016, "Empathy", volume="4")], [["a"]], style="chicago-author-date"
    )
    assert "“Empathy.”" in entries[0]


def test_initialize_false_keeps_names_but_normalises_initials() -> None:
    assert initialize_given("John R", ". ", True, initialize=False) == "John R."
    assert initialize_given("J.R.R.", ". ", True, initialize=False) == "J. R. R."


def test_substituted_title_or_editor_not_printed_twice() -> None:
    book = {
        "id": "e",
        "type": "book",
        "title": "Edited",
        "publisher": "P",
        "issued": {"date-parts": [[2010]]},
        "editor": [{"family": "Adams", "given": "Carol"}],
    }
    _, entries = render([book], [["e"]], style="chicago-author-date")
    assert entries == ["Adams, Carol, ed. 2010. <i>Edited</i>. P."]
    page = {"id": "w", "type": "webpage", "title": "Untitled page", "issued": {"date-parts": [[2020]]}}
    _, entries = render([page], [["w"]])
    assert entries[0].count("Untitled page") == 1


def test_straight_apostrophes_become_typographic() -> None:
    _, entries = render([article("a", "O'Neil", 2016, "A therapist's view")], [["a"]])
    assert "O’Neil" in entries[0] and "therapist’s" in entries[0]


def test_hyphenated_given_names() -> None:
    assert initialize_given("Jean-Pierre", ". ", True) == "J.-P."
    assert initialize_given("Pierre-luc", ". ", True) == "P."
    assert initialize_given("Jean-Pierre", "", True) == "J-P"
    assert initialize_given("Jean-Pierre", ". ", False) == "J. P."


def test_date_parts_are_delimited() -> None:
    item = article("a", "Smith", 2016, volume="4", page="1-2")
    item["issued"] = {"date-parts": [[2016, 4, 2]]}
    _, entries = render([item], [["a"]], style="nlm-citation-sequence")
    assert "2016 Apr 2;" in entries[0]


def test_doubled_punctuation_collapses() -> None:
    text = fix_seams("Smith et al." + "." + " Is it?" + ".", False)
    assert text == "Smith et al. Is it?"
    assert fix_seams("Wait\u2026.", False) == "Wait\u2026."


def test_items_without_author_sort_by_title() -> None:
    items = [
        article("z", "Zeta", 2000, "Zz"),
        {"id": "n", "type": "webpage", "title": "Middle page", "issued": {"date-parts": [[2001]]}},
        article("a", "Alpha", 2000),
    ]
    _, entries = render(items, [["z"], ["n"], ["a"]])
    assert [e.split(" ")[0] for e in entries] == ["Alpha,", "<i>Middle", "Zeta,"]


def test_html_in_urls_and_italic_text_is_plain_text() -> None:
    inlines = to_inlines(str(AstFormatter.Italic("a <b> & c")) + " \ue010https://x.org/?a=1&b=<2>\ue011")
    assert inlines[0] == {
        "t": "Emph",
        "c": [
            {"t": "Str", "c": "a"},
            {"t": "Space"},
            {"t": "Str", "c": "<b>"},
            {"t": "Space"},
            {"t": "Str", "c": "&"},
            {"t": "Space"},
            {"t": "Str", "c": "c"},
        ],
    }
    assert inlines[-1]["c"][2] == ["https://x.org/?a=1&b=<2>", ""]


@pytest.mark.parametrize(
    ("first", "last", "fmt", "out"),
    [
        ("1", "11", "minimal", "11"),
        ("321", "328", "minimal", "8"),
        ("1234", "1256", "minimal-two", "56"),
        ("e6", "e6", "minimal", "6"),
        ("321", "28", "expanded", "328"),
        ("101", "108", "chicago", "8"),
    ],
)
def test_page_ranges(first: str, last: str, fmt: str, out: str) -> None:
    assert format_last_page(first, last, fmt) == out


def test_title_case_keeps_mixed_case_and_stop_words() -> None:
    assert (
        str(title_case("deepTarget: end-to-end learning of the PLOS ONE data"))
        == "deepTarget: End-to-End Learning of the PLOS ONE Data"
    )


def test_zero_month_and_day_do_not_crash(tmp_path) -> None:
    """Found by hypothesis: date-parts [[0, 0, 1], [1]] crashed citeproc-py's date-range rendering."""
    import json

    from publish.cite import cite_document, load_references, resolve_style
    from publish.manuscript import load_manuscript

    (tmp_path / "r.json").write_text(json.dumps([
        {"id": "a", "type": "webpage", "title": "A", "issued": {"date-parts": [[0, 0, 1], [1]]}},
        {"id": "b", "type": "webpage", "title": "B", "issued": {"date-parts": [[2020, 0, 0]]}},
    ]))
    (tmp_path / "m.md").write_text("---\ntitle: T\nnocite: '@*'\n---\n\nText.\n")
    ms = load_manuscript(tmp_path / "m.md")
    result = cite_document(ms.ast, load_references(tmp_path / "r.json"), resolve_style("apa", tmp_path), "en-US")
    assert "2020" in json.dumps(result.ast)


def test_macro_lookup_is_cached_and_equal_to_xpath() -> None:
    """get_macro is memoised per parsed style (a speed fix); it must find exactly what the XPath finds."""
    from citeproc import CitationStylesStyle

    from publish.cite import patches, resolve_style

    style = CitationStylesStyle(str(resolve_style("apa", Path("."))), validate=False)
    root = style.root
    with patches.engine_fixes():
        for macro in root.xpath_search("cs:macro"):
            name = macro.get("name")
            first = root.get_macro(name)
            assert first is root.get_macro(name)
            assert first.get("name") == name and first.getparent() is root
