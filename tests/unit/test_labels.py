"""The words around a manuscript follow its language; projects and brands can change them."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.errors import PublishError
from publish.formats.pdf import page_counter_css
from publish.labels import defaults, labels


def test_every_language_has_every_label() -> None:
    tables = defaults()
    assert {"en", "de", "fr", "es", "it", "nl", "pt"} <= set(tables)
    for lang, words in tables.items():
        assert set(words) == set(tables["en"]), lang


def test_region_falls_back_to_language_then_english() -> None:
    assert labels("de-AT").contents == "Inhalt" and labels("de-AT").fallback is None
    sv = labels("sv-SE")
    assert sv.contents == "Contents" and sv.fallback == "en"
    assert labels("fr").format("page_of", page=2, pages=5) == "Page 2 sur 5"


def test_labels_file_on_the_search_path_overrides(tmp_path: Path) -> None:
    base, brand = tmp_path / "base", tmp_path / "brand"
    base.mkdir()
    brand.mkdir()
    (base / "labels.yml").write_text("en: {kicker: Health information}\nsv: {contents: Innehåll}\n")
    (brand / "labels.yml").write_text("en: {kicker: Clinic leaflet}\n")
    assert labels("en", (brand, base)).kicker == "Clinic leaflet"
    assert labels("en", (base,)).kicker == "Health information"
    sv = labels("sv", (base,))
    assert sv.contents == "Innehåll" and sv.in_a_crisis == "In a crisis"


def test_unknown_label_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "labels.yml").write_text("en: {kikcer: x}\n")
    with pytest.raises(PublishError, match="unknown label 'kikcer'"):
        labels("en", (tmp_path,))


def test_page_counter_in_css() -> None:
    assert page_counter_css("Seite {page} von {pages}") == '"Seite " counter(page) " von " counter(pages)'
    assert page_counter_css('{page}/{pages} "x"') == 'counter(page) "/" counter(pages) " \\"x\\""'
