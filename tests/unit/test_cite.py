"""The citation layer's public API: seed fidelity, AST conventions, and located errors."""

from __future__ import annotations

import json
from pathlib import Path

import pypandoc
import pytest

from publish.cite import CiteResult, cite_document, load_references, resolve_style
from publish.cite.markup import inlines_to_text
from publish.errors import PublishError
from tests.citations.compare import marked
from tests.projects import SEED, SEED_REFERENCES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "citations" / "fixtures"


def md_ast(text: str) -> dict:
    return json.loads(pypandoc.convert_text(text, "json", format="markdown"))


def cites(node: object) -> list[dict]:
    out: list[dict] = []
    if isinstance(node, dict):
        if node.get("t") == "Cite":
            return [node]
        out += cites(node.get("c"))
    elif isinstance(node, list):
        for child in node:
            out += cites(child)
    return out


def cite_texts(result: CiteResult) -> list[str]:
    return [inlines_to_text(c["c"][1]) for c in cites(result.ast["blocks"])]


def find_div(node: object, ident: str) -> dict | None:
    if isinstance(node, dict):
        if node.get("t") == "Div" and node["c"][0][0] == ident:
            return node
        return find_div(node.get("c"), ident)
    if isinstance(node, list):
        for child in node:
            found = find_div(child, ident)
            if found:
                return found
    return None


def entries(result: CiteResult) -> list[str]:
    refs = find_div(result.ast["blocks"], "refs")
    assert refs is not None
    return [marked(e["c"][1][0]["c"]) for e in refs["c"][1]]


@pytest.fixture(scope="module")
def seed_refs() -> list[dict]:
    return load_references(FIXTURES / "seed-references.json")


def render(markdown: str, refs: list[dict], style: str = "apa", lang: str | None = "en-US") -> CiteResult:
    return cite_document(
        md_ast(markdown),
        refs,
        resolve_style(style, ROOT),
        lang,
        source_text=markdown,
        source_path=Path("doc.md"),
    )


# -- seed fidelity ----------------------------------------------------------------------------------


def test_seed_bibliography_equals_the_source_list_with_apa_italics(seed_refs: list[dict]) -> None:
    result = render(SEED.read_text(), seed_refs)
    expected = (FIXTURES / "seed-expected.txt").read_text().splitlines()
    assert entries(result) == expected
    source = ROOT.parent / "shared" / "manuscript-source" / "cbt-therapy-and-realness.txt"
    if source.exists():
        tail = source.read_text().rstrip("\n").splitlines()[-11:]
        plain = [e.replace("<i>", "").replace("</i>", "") for e in entries(result)]
        assert plain == tail


def test_seed_citations(seed_refs: list[dict]) -> None:
    result = render("A [@rogers1961]. B [@elliott2011]. C [@andersson2014; @carlbring2018].", seed_refs)
    assert cite_texts(result) == [
        "(Rogers, 1961)",
        "(Elliott et al., 2011)",
        "(Andersson et al., 2014; Carlbring et al., 2018)",
    ]
    assert result.cited_ids == ["rogers1961", "elliott2011", "andersson2014", "carlbring2018"]


def test_fixture_project_cites_to_the_seed_list() -> None:
    """The project the e2e tests build cites to the same list (its references.json read from the project)."""
    result = render(SEED.read_text(), load_references(SEED_REFERENCES))
    assert entries(result) == (FIXTURES / "seed-expected.txt").read_text().splitlines()


# -- AST conventions ----------------------------------------------------------------------------------


def test_cite_node_is_kept_and_items_link_to_entries(seed_refs: list[dict]) -> None:
    result = render("See [@rogers1961; @beck2011].", seed_refs)
    (cite,) = cites(result.ast["blocks"])
    assert [c["citationId"] for c in cite["c"][0]] == ["rogers1961", "beck2011"]
    links = [n for n in cite["c"][1] if n["t"] == "Link"]
    assert [link["c"][2][0] for link in links] == ["#ref-beck2011", "#ref-rogers1961"]
    assert [link["c"][0][0] for link in links] == ["cite-beck2011-1", "cite-rogers1961-1"]


def test_bibliography_structure_and_title(seed_refs: list[dict]) -> None:
    text = "---\nreference-section-title: References\n---\n\nSee [@elliott2011].\n"
    result = render(text, seed_refs)
    wrapper = result.ast["blocks"][-1]
    assert wrapper["c"][0] == ["bibliography", ["section", "bibliography"], [["role", "doc-bibliography"]]]
    header, refs = wrapper["c"][1]
    assert header["t"] == "Header" and header["c"][0] == 2
    assert header["c"][1] == ["references", ["unnumbered"], []]
    assert inlines_to_text(header["c"][2]) == "References"
    assert refs["c"][0][0] == "refs" and refs["c"][0][1][:2] == ["references", "csl-bib-body"]
    assert "hanging-indent" in refs["c"][0][1]
    (entry,) = refs["c"][1]
    assert entry["c"][0][:2] == ["ref-elliott2011", ["csl-entry"]]
    para = entry["c"][1][0]
    assert para["t"] == "Para"
    link = [n for n in para["c"] if n["t"] == "Link"][-1]
    assert link["c"][1] == [{"t": "Str", "c": "https://doi.org/10.1037/a0022187"}]
    assert link["c"][2][0] == "https://doi.org/10.1037/a0022187"


def test_bibliography_goes_into_existing_refs_div(seed_refs: list[dict]) -> None:
    text = "See [@beck2011].\n\n::: {#refs}\n:::\n\n# Appendix\n\nMore.\n"
    result = render(text, seed_refs)
    kinds = [b["t"] for b in result.ast["blocks"]]
    assert kinds == ["Para", "Div", "Header", "Para"]
    assert result.ast["blocks"][1]["c"][0][0] == "bibliography"


def test_html_writer_gives_section_and_citation_span(seed_refs: list[dict]) -> None:
    result = render("See [@beck2011].", seed_refs)
    html = pypandoc.convert_text(json.dumps(result.ast), "html5", format="json")
    assert '<span class="citation" data-cites="beck2011">' in html
    assert '<section id="bibliography" class="bibliography" role="doc-bibliography">' in html
    assert 'id="ref-beck2011" class="csl-entry" role="listitem"' in html


def test_numeric_style_splits_label_and_text(seed_refs: list[dict]) -> None:
    result = render("See [@beck2011; @rogers1961].", seed_refs, style="ieee")
    refs = find_div(result.ast["blocks"], "refs")
    assert refs is not None
    para = refs["c"][1][0]["c"][1][0]["c"]
    assert [n["c"][0][1] for n in para] == [["csl-left-margin"], ["csl-right-inline"]]
    assert inlines_to_text(para[0]["c"][1]) == "[1]"
    assert cite_texts(result) == ["[1], [2]"]


def test_author_in_text_suppress_author_locators_prefix_suffix(seed_refs: list[dict]) -> None:
    text = (
        "@rogers1961 says. @watson2010 [p. 4] says [-@rogers1961]. "
        "[see @rogers1961, p. 33 and more; @elliott2011 chap. 3] "
        "[@elliott2011, 33, 35-37, and nowhere else] [@watson2010 and nowhere else] [@beck2011, pp. 33-35]"
    )
    assert cite_texts(render(text, seed_refs)) == [
        "Rogers (1961)",
        "Watson & Greenberg (2010, p. 4)",
        "(1961)",
        "(see Rogers, 1961, p. 33 and more; Elliott et al., 2011, Chapter 3)",
        "(Elliott et al., 2011, pp. 33, 35–37, and nowhere else)",
        "(Watson & Greenberg, 2010 and nowhere else)",
        "(Beck, 2011, pp. 33–35)",
    ]


def test_nocite_all_and_footnotes(seed_refs: list[dict]) -> None:
    text = "---\nnocite: '@*'\n---\n\nText.[^1]\n\n[^1]: In a note [@neff2003].\n"
    result = render(text, seed_refs, style="chicago-notes-bibliography")
    assert len(find_div(result.ast["blocks"], "refs")["c"][1]) == len(seed_refs)  # type: ignore[index]
    assert result.cited_ids[0] == "neff2003"
    assert len(result.cited_ids) == len(seed_refs)


def test_nocite_list(seed_refs: list[dict]) -> None:
    result = render("---\nnocite: |\n  @beck2011, @neff2003\n---\n\nNo citations.\n", seed_refs)
    refs = find_div(result.ast["blocks"], "refs")
    assert refs is not None and [e["c"][0][0] for e in refs["c"][1]] == ["ref-beck2011", "ref-neff2003"]


def test_locale_follows_lang_with_fallback(seed_refs: list[dict]) -> None:
    result = render("[@watson2010]", seed_refs, lang="de-AT")
    assert "(Hrsg.)" in entries(result)[0]
    result = render("[@watson2010]", seed_refs, lang="xx-YY")
    assert "(Ed.)" in entries(result)[0]


def test_style_is_parsed_once(seed_refs: list[dict], monkeypatch: pytest.MonkeyPatch) -> None:
    from publish.cite import styles

    render("[@beck2011]", seed_refs)
    calls = []
    original = styles.CitationStylesStyle
    monkeypatch.setattr(styles, "CitationStylesStyle", lambda *a, **k: calls.append(a) or original(*a, **k))
    render("[@beck2011]", seed_refs)
    assert calls == []


def test_html_special_characters_are_text_not_markup() -> None:
    refs = [
        {
            "id": "x",
            "type": "article-journal",
            "title": "A <b>bold</b> & <i>risky</i> <T> title",
            "author": [{"family": "Doe", "given": "J."}],
            "issued": {"date-parts": [[2001]]},
            "container-title": "J & K",
            "URL": "https://example.org/?a=1&b=<2>",
        }
    ]
    result = render("[@x]", refs)
    (entry,) = entries(result)
    assert "A <b>bold</b> & <i>risky</i> <T> title" in entry
    html = pypandoc.convert_text(json.dumps(result.ast), "html5", format="json")
    assert (
        "&lt;T&gt;" in html
        and "J &amp; K" in html
        and 'href="https://example.org/?a=1&amp;b=&lt;2&gt;"' in html
    )


# -- errors --------------------------------------------------------------------------------------------


def test_unknown_key_is_located_with_did_you_mean(seed_refs: list[dict]) -> None:
    text = "Line one.\n\nSee [@rogers1916] here.\n"
    with pytest.raises(PublishError) as err:
        render(text, seed_refs)
    e = err.value
    assert (e.file, e.line, e.col) == ("doc.md", 3, 6)
    assert "rogers1916" in e.message and "rogers1961" in (e.hint or "")


def test_unknown_style_has_did_you_mean() -> None:
    with pytest.raises(PublishError) as err:
        resolve_style("apa-7", ROOT)
    assert "apa" in (err.value.hint or "")
    assert resolve_style(None, ROOT).name == "apa.csl"
    assert resolve_style("nlm-citation-sequence", ROOT).name == "nlm-citation-sequence.csl"


def test_invalid_csl_files(tmp_path: Path) -> None:
    (tmp_path / "broken.csl").write_text('<?xml version="1.0"?>\n<style>\n  <citation>\n</style>\n')
    with pytest.raises(PublishError) as err:
        resolve_style("broken.csl", tmp_path)
    assert err.value.line == 4 and err.value.file.endswith("broken.csl")
    (tmp_path / "html.csl").write_text("<html>\n<body/></html>\n")
    with pytest.raises(PublishError) as err:
        resolve_style("html.csl", tmp_path)
    assert "not a CSL style" in err.value.message and err.value.line == 1
    with pytest.raises(PublishError):
        resolve_style("missing.csl", tmp_path)


def test_load_references_formats(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text("references:\n- id: a\n  type: book\n  title: T\n  issued: 2001\n")
    (tmp_path / "r.bib").write_text(
        "@book{b,\n  title = {Hello},\n  author = {Doe, John},\n  year = 2001\n}\n"
    )
    assert load_references(tmp_path / "r.yaml")[0]["issued"] == {"date-parts": [[2001]]}
    bib = load_references(tmp_path / "r.bib")
    assert bib[0]["id"] == "b" and bib[0]["author"] == [{"family": "Doe", "given": "John"}]


@pytest.mark.parametrize(
    ("name", "content", "line", "col", "words"),
    [
        ("bad.json", '[\n  {"id": "a",}\n]\n', 2, 14, "invalid JSON"),
        ("bad.yaml", "- id: a\n  title: [x\n- id: b\n", 3, 5, "invalid YAML"),
        (
            "bad.bib",
            "@book{a,\n  title = {x},\n  author = {Doe\n}\n\n@book{b, title={y}}\n",
            6,
            1,
            "invalid BibTeX",
        ),
        ("dup.json", '[\n{"id": "a"},\n{"id": "b"},\n{"id": "a"}\n]\n', 4, None, "duplicate"),
        ("noid.json", '[\n{"id": "a"},\n{"title": "Nameless"}\n]\n', 3, None, "has no id"),
        ("dup.yaml", "- id: a\n- id: a\n", 2, None, "line 1"),
    ],
)
def test_load_references_errors_are_located(
    tmp_path: Path, name: str, content: str, line: int, col: int | None, words: str
) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(PublishError) as err:
        load_references(tmp_path / name)
    e = err.value
    assert e.file.endswith(name) and e.line == line and words in e.format()
    if col is not None:
        assert e.col == col


def test_missing_bibliography_file(tmp_path: Path) -> None:
    with pytest.raises(PublishError) as err:
        load_references(tmp_path / "nope.json")
    assert "not found" in err.value.message
