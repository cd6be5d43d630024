"""APA in Spanish writes "y" where the English edition writes "&" (cite/adaptations.py): a rule of the
style family and the language, not of one style file."""

from __future__ import annotations

from pathlib import Path

from publish.cite import resolve_style
from publish.cite.adaptations import adapted

APA = resolve_style("apa", Path("."))


def test_apa_in_spanish_asks_for_the_word_and_no_comma_before_it() -> None:
    data = APA.read_bytes()
    spanish = adapted(data, "es-MX")
    assert b'and="symbol"' in data and b'and="symbol"' not in spanish
    assert spanish.count(b'and="text"') == data.count(b'and="symbol"') + data.count(b'and="text"')
    assert b'delimiter-precedes-last="always"' in data and b'delimiter-precedes-last="always"' not in spanish


def test_other_languages_and_styles_are_left_as_written(tmp_path: Path) -> None:
    data = APA.read_bytes()
    assert adapted(data, "de-DE") is data and adapted(data, "en-US") is data and adapted(data, None) is data
    other = data.replace(b"<id>http://www.zotero.org/styles/apa</id>", b"<id>http://example.org/styles/harvard</id>")
    assert adapted(other, "es-ES") is other
    assert adapted(b"<not xml", "es-ES") == b"<not xml"
