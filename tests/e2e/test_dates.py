"""Dates in the reader's language and the review record, in every format (and only ISO 8601 in metadata)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import copy_project, require_cmd, run_publish

HANDOUT = """---
title: Dormir bien
lang: es-ES
date: 2025-01-15
reviewed: 2025-01-10
next-review: 2025-06-30
reviewed-by: Dra. Ana Ruiz
version: "2.10"
owner: Responsable de educación al paciente
description: Consejos para dormir.
---

## Consejos

Acuéstese a la misma hora cada noche.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = copy_project(tmp_path_factory.mktemp("dates") / "p", manuscripts=[])
    (p / "manuscript" / "dormir.md").write_text(HANDOUT)
    proc = run_publish(p, "--brand", "default", "--edition", "standard")
    assert "its next review was due on 2025-06-30" in proc.stderr  # today is past it
    return p / "build" / "default"


def test_web_page(built: Path) -> None:
    page = (built / "dormir.html").read_text()
    assert '<time datetime="2025-01-15">15 de enero de 2025</time>' in page
    footer = page[page.index('<footer class="site-footer"'):]
    assert ("Última revisión: 10 de enero de 2025 · revisado por Dra. Ana Ruiz · próxima revisión: 30 de junio "
            "de 2025 · versión 2.10 · responsable: Responsable de educación al paciente") in footer
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert ld["datePublished"] == "2025-01-15" and ld["lastReviewed"] == "2025-01-10" and ld["version"] == "2.10"


def test_pdf(built: Path) -> None:
    text = subprocess.run([require_cmd("pdftotext"), str(built / "dormir.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "15 de enero de 2025" in flat and "próxima revisión: 30 de junio de 2025" in flat
    assert "Última revisión: 10 ene 2025 · próxima revisión: 30 jun 2025" in flat  # the page footer
    info = subprocess.run([require_cmd("pdfinfo"), str(built / "dormir.pdf")], capture_output=True, text=True,
                          check=True).stdout
    assert "2025" in info


def test_epub_title_page_and_iso_metadata(built: Path) -> None:
    with zipfile.ZipFile(built / "dormir.epub") as z:
        names = z.namelist()
        opf = next(z.read(n).decode() for n in names if n.endswith(".opf"))
        pages = " ".join(z.read(n).decode() for n in names if n.endswith(".xhtml"))
    assert re.search(r"<dc:date[^>]*>2025-01-15<", opf)
    assert "15 de enero de 2025" in pages and "revisado por Dra. Ana Ruiz" in pages


def test_index_marks_an_overdue_review_only_against_the_declared_day(built: Path) -> None:
    index = (built / "index.html").read_text()
    assert "Próxima revisión: 30 de junio de 2025" in index and "review-overdue" not in index
    project = built.parent.parent
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600")  # 2026-01-01
    subprocess.run([sys.executable, "-m", "publish.cli", "build", "--brand", "default", "--format", "html"],
                   cwd=project, env=env, check=True, capture_output=True)
    index = (built / "index.html").read_text()
    assert "review-overdue" in index and "revisión vencida" in index


def test_date_format_pattern(tmp_path: Path) -> None:
    p = copy_project(tmp_path / "p", manuscripts=[])
    (p / "manuscript" / "a.md").write_text(HANDOUT.replace("lang: es-ES", "lang: de-DE\ndate-format: short"))
    run_publish(p, "--brand", "default", "--format", "html")
    assert '<time datetime="2025-01-15">15.01.25</time>' in (p / "build" / "default" / "a.html").read_text()


def test_docx_carries_the_review_record(tmp_path: Path) -> None:
    p = copy_project(tmp_path / "p", manuscripts=[])
    (p / "manuscript" / "dormir.md").write_text(HANDOUT)
    run_publish(p, "--brand", "default", "--format", "docx")
    text = subprocess.run([sys.executable, "-c", "import pypandoc, sys; print(pypandoc.convert_file(sys.argv[1], "
                           "'plain', format='docx', extra_args=['--wrap=none']))", str(p / "build" / "default" /
                                                                                       "dormir.docx")],
                          capture_output=True, text=True, check=True).stdout
    assert "Última revisión: 10 de enero de 2025 · revisado por Dra. Ana Ruiz" in text


REVIEW = ("reviewed: 2025-01-10\nnext-review: 2026-01-10\nreviewed-by: Patient Information Group\nversion: 2.10\n"
          "owner: Lead Psychologist\n")


@pytest.mark.parametrize("brand", ["default", "riverside"])
def test_pdf_footer_on_every_page_and_the_record_on_the_last_in_both_editions(tmp_path: Path, brand: str) -> None:
    """The review dates in the footer line of every page, beside the page number and neither wrapped (in
    large print the number moves right to leave the line room), and the whole record on the last page."""
    p = copy_project(tmp_path / "p")
    seed = p / "manuscript" / "cbt-realness.md"
    seed.write_text(seed.read_text().replace("lang: en-US\n", "lang: en-US\n" + REVIEW, 1))
    run_publish(p, "--brand", brand, "--format", "pdf")
    footer = "Last reviewed Jan 10, 2025 · next review due Jan 10, 2026"
    record = ("Last reviewed January 10, 2025 · reviewed by Patient Information Group · next review due January 10, "
              "2026 · version 2.10 · responsible: Lead Psychologist")
    for name in ("cbt-realness.pdf", "cbt-realness.large-print.pdf"):
        path = p / "build" / brand / name
        text = subprocess.run([require_cmd("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        pages = text.split("\f")[:-1]
        assert len(pages) > 2
        for n, page in enumerate(pages, 1):
            lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
            assert any(line.startswith(footer) and line.endswith(f"Page {n} of {len(pages)}") for line in lines), \
                (name, n, lines[-3:])
        assert record in " ".join(pages[-1].split()) and record not in " ".join(pages[-2].split())
