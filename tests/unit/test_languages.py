"""Language tags and a brand's texts in several languages: BCP 47 lookup, the first language as the
fallback (with a warning naming brand, field and language), bad tags refused at their key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from publish.brand import load_brand
from publish.config import parse_settings, split_front_matter
from publish.errors import PublishError
from publish.languages import candidates, endonym, is_known, is_rtl, lookup
from tests.projects import BRANDS, brand_folder


def test_lookup_follows_rfc_4647() -> None:
    assert candidates("zh-Hans-CN") == ["zh-hans-cn", "zh-hans", "zh"]
    assert lookup("es-MX", ["en", "es"]) == "es"
    assert lookup("es", ["en", "es-ES"]) == "es-ES"  # the same language in another region stands in
    assert lookup("zh-Hans-CN", ["en", "zh-Hant", "zh-Hans"]) == "zh-Hans"
    assert lookup("EN-gb", ["en"]) == "en"
    assert lookup("fr-CA", ["en", "es"]) is None


def test_languages_come_from_cldr() -> None:
    assert all(is_known(t) for t in ("es-MX", "de-DE", "zh-Hans", "ar", "he", "en-US", "es-419"))
    assert not any(is_known(t) for t in ("xx", "qq-ZZ", "english", "e"))
    assert [endonym(t) for t in ("es", "de-DE", "ar")] == ["Español", "Deutsch", "العربية"]
    assert is_rtl("ar") and is_rtl("he-IL") and not is_rtl("es") and not is_rtl("zh-Hans")


def test_shipped_brands_speak_english_and_spanish() -> None:
    for name in ("default", "riverside"):
        brand = load_brand(BRANDS / name)
        es, en = brand.in_language("es-MX"), brand.in_language("en-US")
        assert es.full_name != en.full_name and es.logo_alt != en.logo_alt
        assert es.details["disclaimer"] != en.details["disclaimer"]
        assert brand.full_name == en.full_name  # the first language, when nothing is asked
        assert brand.untranslated("es-MX") == [] and brand.untranslated("en") == []
    river = load_brand(BRANDS / "riverside").in_language("es")
    assert river.details["crisis"].startswith("Si está en crisis")
    assert river.short_name == "Riverside (ejemplo)"


def test_a_missing_language_falls_back_to_the_first_with_a_warning() -> None:
    brand = load_brand(BRANDS / "riverside")
    de = brand.in_language("de-AT")
    assert de.details["crisis"] == brand.details["crisis"] and de.details["crisis"].startswith("If you are")
    warnings = brand.untranslated("de-AT")
    fields = sorted(w.message.split(" for ")[1].split(":")[0] for w in warnings)
    assert fields == ["defaults.publish.address", "defaults.publish.crisis", "defaults.publish.disclaimer",
                      "defaults.publish.hours", "logo.images.main.alt", "meta.name.full", "meta.name.short"]
    crisis = next(w for w in warnings if "crisis" in w.message)
    assert "brand 'riverside'" in crisis.message and "de-AT" in crisis.message
    text = (BRANDS / "riverside" / "_brand.yml").read_text().splitlines()
    assert text[crisis.line - 1].strip() == "crisis:" and crisis.file.endswith("_brand.yml")


def test_plain_strings_are_one_language(tmp_path: Path) -> None:
    folder = brand_folder(tmp_path, "clinic")
    data = yaml.safe_load((folder / "_brand.yml").read_text())
    data["meta"]["name"] = "Plain Clinic"
    data["defaults"]["publish"]["crisis"] = "Call 911."
    (folder / "_brand.yml").write_text(yaml.safe_dump(data, allow_unicode=True))
    brand = load_brand(folder).in_language("es")
    assert brand.full_name == "Plain Clinic" and brand.details["crisis"] == "Call 911."
    assert brand.details["hours"].startswith("De lunes")


@pytest.mark.parametrize(("where", "value", "expected"), [
    ("crisis", {"en": "Call.", "xx": "?"}, "defaults.publish.crisis names 'xx', which is not a language CLDR knows"),
    ("crisis", {"en": "Call.", "es": ""}, "defaults.publish.crisis has no text for 'es'"),
    ("name", {"en": "A", "zz": "B"}, "meta.name names 'zz', which is not a language CLDR knows"),
])
def test_bad_translations_are_refused_at_their_key(tmp_path: Path, where: str, value: object, expected: str) -> None:
    folder = brand_folder(tmp_path, "clinic")
    data = yaml.safe_load((folder / "_brand.yml").read_text())
    if where == "name":
        data["meta"]["name"] = value
    else:
        data["defaults"]["publish"][where] = value
    (folder / "_brand.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    with pytest.raises(PublishError) as exc:
        load_brand(folder)
    line = exc.value.format()
    assert expected in line and "_brand.yml:" in line and len(line.splitlines()) == 1, line


def test_an_unknown_language_tag_is_an_error() -> None:
    text = "---\ntitle: T\nlang: xx-YY\n---\n\nBody.\n"
    data, _ = split_front_matter(text, Path("m.md"))
    with pytest.raises(PublishError) as exc:
        parse_settings(data, text, Path("m.md"))
    assert exc.value.format().startswith("m.md:3:1: error: lang 'xx-YY' is not a language CLDR knows")


def test_the_cover_draws_a_chinese_title_in_a_face_that_has_it() -> None:
    from publish.formats.epub_cover import _family_for

    brand = load_brand(BRANDS / "default")
    assert _family_for(brand, brand.heading_family, "睡个好觉") == "Noto Sans SC"
    assert _family_for(brand, brand.heading_family, "Dormir bien") == brand.heading_family
    assert _family_for(brand, brand.heading_family, "睡 ש") == brand.heading_family  # no face has both


def test_the_cover_shapes_arabic_and_hebrew_right_to_left() -> None:
    """The cover's outlines come from HarfBuzz: Arabic in its joined forms, both scripts in drawing order
    (right to left: a word's last letter is drawn first, at the left)."""
    from publish.formats.epub_cover import _Text

    brand = load_brand(BRANDS / "default")
    arabic = _Text(brand, "Noto Sans Arabic", 700).face
    hebrew = _Text(brand, "Noto Sans Hebrew", 700).face
    assert arabic is not None and hebrew is not None
    names = [name for name, *_ in arabic.run("النوم")]
    assert names[0] == arabic.glyph("م") and names[-1] == arabic.glyph("ا")  # last letter first, at the left
    assert {n.rsplit(".", 1)[-1] for n in names} >= {"init", "medi", "fina"}  # joined, not isolated forms
    assert [name for name, *_ in hebrew.run("טוב")] == [hebrew.glyph(ch) for ch in "בוט"]
