"""One handout in the reader's language, built as a user would: the brand's texts, the terms, the editions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run_publish
from tests.projects import copy_languages

FRENCH = """---
title: Bien dormir
lang: fr-FR
---

Couchez-vous à la même heure chaque soir.
"""


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The handout and its editions as web pages, in both fixture brands."""
    project = copy_languages(tmp_path_factory.mktemp("languages") / "p")
    run_publish(project, "--format", "html")
    return project / "build"


def _footer(page: str) -> str:
    return page[page.index('<footer class="site-footer"'):]


def test_brand_text_in_the_readers_language(web: Path) -> None:
    es = (web / "riverside" / "sleep.es.html").read_text()
    en = (web / "riverside" / "sleep.html").read_text()
    assert '<span class="brand-name">Clínica de Terapia Riverside (marca de ejemplo)</span>' in es
    assert 'alt="Logotipo de la Clínica de Terapia Riverside' in es
    assert "Si está en crisis o piensa en hacerse daño" in _footer(es)
    assert "De lunes a jueves de 8:00 a 19:00" in _footer(es) and "Marca de ejemplo para demostración" in _footer(es)
    assert "If you are in crisis" in _footer(en) and "Si está" not in en
    assert "Biblioteca de Salud Publish" in (web / "default" / "sleep.es.html").read_text()


def test_a_language_the_brand_lacks_warns_and_strict_fails(tmp_path: Path) -> None:
    project = copy_languages(tmp_path / "p", [])
    (project / "manuscript" / "dormir.md").write_text(FRENCH)
    proc = run_publish(project, "--format", "html", "--brand", "riverside")
    warnings = [line for line in proc.stderr.splitlines() if "warning: brand 'riverside' has no fr-FR text" in line]
    assert len(warnings) == 7, proc.stderr  # once each, not once per format
    assert any(re.search(r"_brand\.yml:\d+:\d+: warning: .* for defaults\.publish\.crisis: its 'en' text is used",
                         line) for line in warnings)
    strict = run_publish(project, "--format", "html", "--brand", "riverside", "--strict", check=False)
    assert strict.returncode == 1
    assert sum("error: brand 'riverside' has no fr-FR text" in line for line in strict.stderr.splitlines()) == 7
    assert "Traceback" not in strict.stderr


def test_an_unknown_language_is_one_line_and_exit_1(tmp_path: Path) -> None:
    project = copy_languages(tmp_path / "p", [])
    (project / "manuscript" / "x.md").write_text(FRENCH.replace("fr-FR", "xx-YY"))
    proc = run_publish(project, "--format", "html", check=False)
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert [e.replace(str(project) + "/", "") for e in errors] == [
        "manuscript/x.md:3:1: error: lang 'xx-YY' is not a language CLDR knows; use a BCP 47 tag of a real language "
        "such as en-US, es, de-DE, ar or zh-Hans"], proc.stderr


def _text(fragment: str) -> str:
    import html

    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def _entries(page: str) -> list[str]:
    """The bibliography's entries as plain text, back-links removed."""
    bib = re.sub(r'<a [^>]*class="backref"[^>]*>.*?</a>', "", page[page.index('id="refs"'):], flags=re.S)
    return [_text(e) for e in re.findall(r'class="csl-entry"[^>]*>(.*?)</div>', bib, re.S)]


def _terms(page: str) -> list[str]:
    """What the locale decides on a page: its printed date, its citations, the references' heading and
    entries, as plain text."""
    date = re.search(r"<time [^>]*>(.*?)</time>", page).group(1)
    cites = [_text(c) for c in re.findall(r'<span class="citation"[^>]*>(.*?)</span>', page, re.S)]
    heading = _text(re.search(r"<h2[^>]*>(.*?)</h2>", page[page.index('id="bibliography"'):], re.S).group(1))
    return [f"date: {date}", *(f"cite: {c}" for c in cites), f"heading: {heading}",
            *(f"entry: {e}" for e in _entries(page))]


GOLDEN_TERMS = Path(__file__).resolve().parents[1] / "golden" / "sleep.terms.txt"


def test_dates_and_citation_terms_match_the_golden_file(web: Path) -> None:
    """Hand-checked ground truth (not rewritten by make golden): Spanish APA says "En ... (Ed.)", "pp.",
    "6.ª ed." (its ª written as a superscript a) and "et al."; German "Hrsg.", "Aufl.", "S."; Chinese and
    Arabic their locales' terms."""
    got = []
    for lang in ("es", "de", "zh-Hans", "ar"):
        got += [f"[{lang}]", *_terms((web / "default" / f"sleep.{lang}.html").read_text())]
    assert "\n".join(got) + "\n" == GOLDEN_TERMS.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["es", "de"])
def test_bibliography_equals_pandoc_citeproc(web: Path, lang: str) -> None:
    """pandoc's own citeproc, same style and locale, as the reference: the entries are the same text."""
    import pypandoc

    from publish.cite import resolve_style

    source = web.parent / "manuscript" / f"sleep.{lang}.md"
    style = resolve_style("apa", source.parent)
    theirs = pypandoc.convert_file(str(source), "html", extra_args=["--citeproc", "--csl", str(style), "--wrap=none"],
                                   cworkdir=str(source.parent))
    ours = (web / "default" / f"sleep.{lang}.html").read_text()
    # one known difference, the engine's: CSL's ordinal ".ª" is written as a superscript a (pandoc keeps ª)
    ours = ours.replace("<sup>a</sup>", "ª")
    assert _entries(ours) == _entries(theirs) and len(_entries(ours)) == 3


def test_the_and_term_follows_the_locale(tmp_path: Path) -> None:
    """apa.csl asks for the symbol (and="symbol": "&" in every language, in pandoc's citeproc too); a style
    that asks for the word gets the locale's: "y", "und"."""
    project = copy_languages(tmp_path / "p", ["sleep.es.md", "sleep.de.md"])
    for name in ("sleep.es.md", "sleep.de.md"):
        path = project / "manuscript" / name
        path.write_text(path.read_text().replace("csl: apa", "csl: apa-no-ampersand"))
    run_publish(project, "--format", "html", "--brand", "default")
    es = _terms((project / "build" / "default" / "sleep.es.html").read_text())
    de = _terms((project / "build" / "default" / "sleep.de.html").read_text())
    assert "cite: (Elliott et al., 2011; Safran y Muran, 2000)" in es
    assert "cite: (Elliott et al., 2011; Safran und Muran, 2000)" in de
