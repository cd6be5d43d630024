"""Differential fidelity against pandoc's citeproc and citeproc-js (see harness.py for the method)."""

from __future__ import annotations

import os

import pytest

from tests.citations import harness


@pytest.fixture(scope="module")
def corpus() -> tuple[list[dict], list[list[str]]]:
    if not harness.CORPUS.exists():
        pytest.skip(f"{harness.CORPUS} is not here")
    if not harness.have_citeproc_js():
        message = "citeproc-js is missing: run `npm ci --prefix tests/citations`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return harness.load_corpus()


@pytest.mark.slow
@pytest.mark.parametrize(("style", "entries_target", "citations_target"), harness.TARGETS)
def test_style_meets_fidelity_target(
    corpus: tuple[list[dict], list[list[str]]], style: str, entries_target: int, citations_target: int
) -> None:
    items, citations = corpus
    result = harness.run_style(style, items, citations)
    worst = "\n".join(
        f"{kind}\n  ours   {mine}\n  pandoc {p}\n  js     {j}" for kind, mine, p, j in result.mismatches[:5]
    )
    assert result.entries_pct >= entries_target, f"{style}: entries {result.entries_pct:.1f}%\n{worst}"
    assert result.citations_pct >= citations_target, (
        f"{style}: citations {result.citations_pct:.1f}%\n{worst}"
    )
