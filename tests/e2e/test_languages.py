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
