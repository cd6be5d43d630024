"""The render memo (cite/memo.py) changes no output: every CSL suite fixture and the harness corpus in
an author-date, a numeric and a note style render the same with it and without it."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pypandoc
import pytest

from publish.cite import cite_document, resolve_style
from publish.cite.engine import Processor
from publish.cite.memo import RenderMemo
from tests.citations import csl_suite, harness

ROOT = Path(__file__).resolve().parents[2]


def _both(render):  # type: ignore[no-untyped-def]
    try:
        RenderMemo.enabled = False
        plain = render()
    finally:
        RenderMemo.enabled = True
    return plain, render()


@pytest.mark.slow
def test_the_csl_suite_renders_the_same_with_and_without_the_memo() -> None:
    paths = csl_suite.fixture_paths()
    if not paths:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the CSL test suite is not at {csl_suite.SUITE}")
        pytest.skip(f"the CSL test suite is not at {csl_suite.SUITE}")
    differ = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            try:
                fixture = csl_suite.load_fixture(path)
            except (KeyError, ValueError, TypeError):
                continue
            style = Path(tmp) / f"{fixture.name}.csl"
            style.write_text(fixture.csl, encoding="utf-8")
            plain, kept = _both(lambda f=fixture, s=style: csl_suite.run_fixture(f, s, "ours"))
            if plain != kept:
                differ.append(fixture.name)
    assert not differ, f"the memo changes {len(differ)} fixtures: {', '.join(differ[:10])}"


@pytest.mark.slow
@pytest.mark.parametrize("style", ["apa", "ieee", "chicago-shortened-notes-bibliography-subsequent-ibid"])
def test_the_harness_corpus_renders_the_same_with_and_without_the_memo(style: str) -> None:
    items, citations = harness.load_corpus()
    keys = [it["id"] for it in items]
    # every item once, the hard cases, then the same items again with locators, prefixes and modes
    again = [f"[see @{{{k}}}, p. {n + 3}]" if n % 3 == 0 else f"@{{{k}}} [ch. 2]" if n % 3 == 1 else
             f"[-@{{{k}}}; @{{{keys[(n * 7) % len(keys)]}}}]" for n, k in enumerate(keys[:90])]
    text = harness.markdown_for(citations) + "\n\n" + "\n\n".join(again) + "\n"
    ast = json.loads(pypandoc.convert_text(text, "json", format="markdown"))
    path = resolve_style(style, ROOT)
    plain, kept = _both(lambda: json.dumps(cite_document(ast, items, path, "en-US").ast, sort_keys=True))
    assert plain == kept


def test_a_document_citing_few_items_renders_each_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the memo: 40 citations of 2 items in an author-date style are 2 renders (and 2 more
    for disambiguation's first look), not 40."""
    made: list[Processor] = []
    original = Processor.__init__

    def init(self: Processor, *args: object) -> None:
        original(self, *args)  # type: ignore[arg-type]
        made.append(self)

    monkeypatch.setattr(Processor, "__init__", init)
    items = [{"id": key, "type": "book", "title": key.upper(), "author": [{"family": name}],
              "issued": {"date-parts": [[year]]}} for key, name, year in (("a", "Ames", 2001), ("b", "Bell", 2002))]
    text = "\n\n".join("[@a] and [@b]." for _ in range(20))
    cite_document(json.loads(pypandoc.convert_text(text, "json", format="markdown")), items,
                  resolve_style("apa", ROOT), "en-US")
    memo = made[-1].memo
    assert memo.misses <= 4
    assert memo.hits >= 38
