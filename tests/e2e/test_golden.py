"""Golden test: the built article equals the committed, normalised one (`make golden` refreshes it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden.normalise import GOLDEN, article_html, golden_name


@pytest.mark.parametrize("brand", ["default", "riverside"])
def test_article_matches_golden(seed_build: Path, brand: str) -> None:
    page = seed_build / brand / "cbt-realness.html"
    expected = GOLDEN / golden_name(page)
    assert expected.exists(), "no golden file yet: run `make golden`"
    assert article_html(page) == expected.read_text(encoding="utf-8"), "output changed: review, then `make golden`"
