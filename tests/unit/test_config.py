"""Front matter: parsed into Settings, every bad value reported with its line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from publish.config import parse_settings, split_front_matter
from publish.errors import PublishError

P = Path("/proj/manuscript/a.md")


def settings(text: str):
    data, _ = split_front_matter(text, P)
    return parse_settings(data, text, P)


def test_standard_keys() -> None:
    s, warnings = settings(
        "---\ntitle: T\nauthor: [A, B]\ndate: 2025-01-15\nlang: de-DE\ndescription: D\n"
        "keywords: [x, y]\nbibliography: refs.json\ncsl: ieee\n---\n\nBody\n"
    )
    assert (s.title, s.authors, s.date, s.lang) == ("T", ("A", "B"), dt.date(2025, 1, 15), "de-DE")
    assert s.keywords == ("x", "y") and s.csl == "ieee"
    assert s.bibliography == Path("/proj/manuscript/refs.json")  # relative to the manuscript
    assert s.short_title == "T" and warnings == []


def test_defaults() -> None:
    s, _ = settings("---\ntitle: T\n---\nBody\n")
    assert s.lang == "en-US" and s.csl is None and s.bibliography is None and s.date is None


def test_malformed_yaml_names_the_line() -> None:
    with pytest.raises(PublishError) as err:
        settings("---\ntitle: T\nauthor: [A, B\ndate: 2025-01-15\n---\nBody\n")
    assert err.value.file == str(P) and err.value.line is not None and err.value.line >= 3
    assert "front matter" in err.value.message


def test_unclosed_front_matter() -> None:
    with pytest.raises(PublishError, match="not closed"):
        settings("---\ntitle: T\n\nBody\n")


def test_bad_date_names_its_line() -> None:
    with pytest.raises(PublishError) as err:
        settings("---\ntitle: T\ndate: next tuesday\n---\nBody\n")
    assert err.value.line == 3 and "YYYY-MM-DD" in (err.value.hint or "")


def test_missing_title() -> None:
    with pytest.raises(PublishError, match="no title"):
        settings("---\ndate: 2025-01-01\n---\nBody\n")


def test_typo_in_key_warns_with_suggestion() -> None:
    _, warnings = settings("---\ntitle: T\nbibliograpy: r.json\n---\nBody\n")
    assert len(warnings) == 1 and "bibliography" in (warnings[0].hint or "") and warnings[0].line == 3


def test_bad_lang() -> None:
    with pytest.raises(PublishError, match="language tag"):
        settings("---\ntitle: T\nlang: english please\n---\nBody\n")


def test_front_matter_not_a_mapping() -> None:
    with pytest.raises(PublishError, match="mapping"):
        settings("---\n- a\n- b\n---\nBody\n")
