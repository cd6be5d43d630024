"""Incremental citing: a kept result is used exactly when the citations are what they were, and what it
gives is byte for byte what citing from scratch gives, for every kind of edit."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pypandoc
import pytest

from publish.cite import CiteMemo, cite_document, incremental, load_references, resolve_style
from publish.cite.engine import Processor
from tests.projects import SEED_REFERENCES, copy_project

ROOT = Path(__file__).resolve().parents[2]

# Two items by the same author in the same year: which of them is cited decides the year suffixes.
TWINS = [
    {"id": "twin-a", "type": "article-journal", "title": "First of two", "author": [{"family": "Twin", "given": "Ann"}],
     "issued": {"date-parts": [[2020]]}, "container-title": "Journal", "page": "1-10"},
    {"id": "twin-b", "type": "article-journal", "title": "Second of two",
     "author": [{"family": "Twin", "given": "Ann"}], "issued": {"date-parts": [[2020]]}, "container-title": "Journal"},
]

TEXT = """---
title: Incremental
reference-section-title: References
---

Opening words without a citation.

Realness matters [@rogers1961; @elliott2011, p. 4]. As @kolden2011 [ch. 2] shows, it holds [see @twin-a].

A second thought [-@beck2011] with a note.[^1]

Closing [@safran2000, pp. 3-9 and elsewhere; @neff2003].

[^1]: In a note, @greenberg2005 agrees [@rogers1961].
"""


def md_ast(text: str) -> dict:
    return json.loads(pypandoc.convert_text(text, "json", format="markdown"))


def references() -> list[dict]:
    return load_references(SEED_REFERENCES, []) + copy.deepcopy(TWINS)


def dump(result: object) -> str:
    return json.dumps([result.ast, [str(w) for w in result.warnings], result.cited_ids],  # type: ignore[attr-defined]
                      sort_keys=True)


def cite(text: str, refs: list[dict], style: str, lang: str | None, memo: CiteMemo | None) -> tuple[str, int]:
    """The cited document and how many engine processors citing it made."""
    before = Processor.made
    result = cite_document(md_ast(text), refs, resolve_style(style, ROOT), lang, memo=memo)
    return dump(result), Processor.made - before


def _swap_paragraphs(text: str) -> str:
    a = "Realness matters [@rogers1961; @elliott2011, p. 4]. As @kolden2011 [ch. 2] shows, it holds [see @twin-a]."
    b = "Closing [@safran2000, pp. 3-9 and elsewhere; @neff2003]."
    return text.replace(a, "@@A@@").replace(b, a).replace("@@A@@", b)


def _retitle(refs: list[dict], key: str) -> list[dict]:
    refs = copy.deepcopy(refs)
    next(r for r in refs if r["id"] == key)["title"] = "A new title"
    return refs


Edit = Callable[[str, list[dict], str, str | None], tuple[str, list[dict], str, str | None]]

TEXT_ONLY: dict[str, Edit] = {
    "a word changed": lambda t, r, s, lang: (t.replace("Opening words", "Other words"), r, s, lang),
    "a paragraph added": lambda t, r, s, lang: (t + "\nA new paragraph, no citation.\n", r, s, lang),
    "an uncited item changed": lambda t, r, s, lang: (t, _retitle(r, "watson2010"), s, lang),
}
CITATION_EDITS: dict[str, Edit] = {
    "a citation added (year suffixes appear)": lambda t, r, s, lang: (
        t.replace("Opening words", "Opening words [@twin-b]"), r, s, lang),
    "a citation removed": lambda t, r, s, lang: (t.replace(" [see @twin-a]", ""), r, s, lang),
    "citations reordered": lambda t, r, s, lang: (_swap_paragraphs(t), r, s, lang),
    "a locator changed": lambda t, r, s, lang: (t.replace("p. 4", "p. 5"), r, s, lang),
    "a prefix changed": lambda t, r, s, lang: (t.replace("see @twin-a", "compare @twin-a"), r, s, lang),
    "a mode changed": lambda t, r, s, lang: (t.replace("[-@beck2011]", "[@beck2011]"), r, s, lang),
    "a footnote added before a citation": lambda t, r, s, lang: (
        t.replace("Opening words", "Opening words.[^0]") + "\n[^0]: A plain note.\n", r, s, lang),
    "a cited item changed": lambda t, r, s, lang: (t, _retitle(r, "rogers1961"), s, lang),
    "the style changed": lambda t, r, s, lang: (t, r, "chicago-author-date", lang),
    "the locale changed": lambda t, r, s, lang: (t, r, s, "de-DE"),
}


@pytest.mark.parametrize("style", ["apa", "chicago-notes-bibliography"])
@pytest.mark.parametrize("name", list(TEXT_ONLY))
def test_a_text_only_edit_runs_no_engine_and_equals_a_fresh_cite(tmp_path: Path, style: str, name: str) -> None:
    memo = CiteMemo(tmp_path / "memo.pickle")
    refs = references()
    first, made = cite(TEXT, refs, style, "en-US", memo)
    assert made == 1
    text, refs2, style2, lang2 = TEXT_ONLY[name](TEXT, refs, style, "en-US")
    kept, made = cite(text, refs2, style2, lang2, memo)
    assert made == 0
    fresh, _ = cite(text, refs2, style2, lang2, None)
    assert kept == fresh
    assert (kept == first) == (text == TEXT)


@pytest.mark.parametrize("style", ["apa", "chicago-notes-bibliography"])
@pytest.mark.parametrize("name", list(CITATION_EDITS))
def test_a_citation_edit_cites_again_and_equals_a_fresh_cite(tmp_path: Path, style: str, name: str) -> None:
    memo = CiteMemo(tmp_path / "memo.pickle")
    refs = references()
    first, _ = cite(TEXT, refs, style, "en-US", memo)
    text, refs2, style2, lang2 = CITATION_EDITS[name](TEXT, refs, style, "en-US")
    kept, made = cite(text, refs2, style2, lang2, memo)
    assert made == 1
    fresh, _ = cite(text, refs2, style2, lang2, None)
    assert kept == fresh
    assert kept != first
    # and back: the memo now holds the edited document's result, the original is cited again
    again, made = cite(TEXT, refs, style, "en-US", memo)
    assert made == 1
    assert again == first


def test_an_added_citation_changes_year_suffixes_everywhere(tmp_path: Path) -> None:
    memo = CiteMemo(tmp_path / "memo.pickle")
    refs = references()
    cite(TEXT, refs, "apa", "en-US", memo)
    added, _ = cite(TEXT.replace("Opening words", "Opening words [@twin-b]"), refs, "apa", "en-US", memo)
    assert "2020a" in added and "2020b" in added


def test_the_kept_result_survives_the_process(tmp_path: Path) -> None:
    """A new build (another process: nothing in memory) reads the memo from the build state."""
    path = tmp_path / "memo.pickle"
    refs = references()
    first, _ = cite(TEXT, refs, "apa", "en-US", CiteMemo(path))
    assert path.is_file()
    CiteMemo.forget_all()
    kept, made = cite(TEXT.replace("Opening", "Other"), refs, "apa", "en-US", CiteMemo(path))
    assert made == 0
    assert kept == cite(TEXT.replace("Opening", "Other"), refs, "apa", "en-US", None)[0]


def test_changing_the_returned_document_leaves_the_memo_alone(tmp_path: Path) -> None:
    memo = CiteMemo(tmp_path / "memo.pickle")
    refs = references()
    style = resolve_style("apa", ROOT)
    result = cite_document(md_ast(TEXT), refs, style, "en-US", memo=memo)
    expected = dump(result)

    def scribble(node: object) -> None:
        if isinstance(node, dict):
            if node.get("t") == "Str":
                node["c"] = "x"
            for v in node.values():
                scribble(v)
        elif isinstance(node, list):
            for v in node:
                scribble(v)

    scribble(result.ast)
    assert dump(cite_document(md_ast(TEXT), refs, style, "en-US", memo=memo)) == expected


def test_a_broken_or_foreign_memo_file_is_cited_afresh(tmp_path: Path) -> None:
    path = tmp_path / "memo.pickle"
    refs = references()
    path.write_bytes(b"not a pickle")
    kept, made = cite(TEXT, refs, "apa", "en-US", CiteMemo(path))
    assert made == 1
    assert kept == cite(TEXT, refs, "apa", "en-US", None)[0]


def test_another_version_of_the_citation_layer_cites_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    memo = CiteMemo(tmp_path / "memo.pickle")
    refs = references()
    cite(TEXT, refs, "apa", "en-US", memo)
    monkeypatch.setattr(incremental, "code_version", lambda: "another layer")
    assert cite(TEXT, refs, "apa", "en-US", memo)[1] == 1


def test_a_memo_without_a_path_is_its_own() -> None:
    refs = references()
    first = CiteMemo()
    cite(TEXT, refs, "apa", "en-US", first)
    assert cite(TEXT, refs, "apa", "en-US", first)[1] == 0
    assert cite(TEXT, refs, "apa", "en-US", CiteMemo())[1] == 1


def test_a_read_only_memo_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "memo.pickle"
    cite(TEXT, references(), "apa", "en-US", CiteMemo(path, write=False))
    assert not path.exists()


def test_copy_tree_copies_every_list_and_dict() -> None:
    tree = {"blocks": [{"t": "Para", "c": [{"t": "Str", "c": "a"}]}], "meta": {"k": ("t", [1])}}
    out = incremental.copy_tree(tree)
    assert out == tree
    out["blocks"][0]["c"][0]["c"] = "b"
    out["meta"]["k"][1].append(2)
    assert tree == {"blocks": [{"t": "Para", "c": [{"t": "Str", "c": "a"}]}], "meta": {"k": ("t", [1])}}


def test_the_cite_step_of_a_build_reuses_its_citations(tmp_path: Path) -> None:
    """Two builds' cite steps (the runner's own function), the second after a text edit: no engine, and
    the cited document is the one a build without the memo writes."""
    from publish.run import cite_step

    project = copy_project(tmp_path / "p")
    source = next(p for p in (project / "manuscript").glob("*.md")).relative_to(project).as_posix()
    cite_step(str(project), source)
    md = project / source
    md.write_text(md.read_text(encoding="utf-8").replace("Walking into therapy", "Stepping into therapy"),
                  encoding="utf-8")
    CiteMemo.forget_all()
    before = Processor.made
    edited = cite_step(str(project), source)
    assert Processor.made == before
    memo_file = project / "build" / ".publish" / "cites" / f"{Path(source).stem}.pickle"
    assert memo_file.is_file()
    memo_file.unlink()
    CiteMemo.forget_all()
    fresh = cite_step(str(project), source)
    assert Processor.made == before + 1
    assert edited.blob == fresh.blob
    memo_file.unlink()  # a dry run's cite step keeps nothing
    cite_step(str(project), source, False)
    assert not memo_file.exists()
