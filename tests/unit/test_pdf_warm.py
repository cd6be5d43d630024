"""A warm process's PDFs (the print stylesheet parsed once, its fonts configured once) are byte-identical to
what ``publish build`` makes in a fresh process, edit after edit, in both editions and both brands; a font
replaced under the same name, and a stylesheet WeasyPrint warns about, are parsed again."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from publish.brand import load_brand
from publish.formats import pdf_warm
from publish.formats.pdf import LARGE_PRINT_SUFFIX, PdfFormat
from publish.project import Project
from publish.run import cite_step, render_step
from tests.conftest import copy_project, run_publish
from tests.projects import SEED

ANCHOR = "Walking into therapy can feel intimidating."
EDITIONS = ("", LARGE_PRINT_SUFFIX)


def edit(project: Path, n: int) -> None:
    source = project / "manuscript" / SEED.name
    text = SEED.read_text(encoding="utf-8")
    assert ANCHOR in text
    source.write_text(text.replace(ANCHOR, f"{ANCHOR} Edit number {n}.", 1), encoding="utf-8")


def cold(project: Path, brand: str) -> dict[str, bytes]:
    """The PDFs of ``publish build`` in a fresh process, by edition."""
    shutil.rmtree(project / "build", ignore_errors=True)
    run_publish(project, "-q", "--brand", brand, "--format", "pdf")
    return {e: (project / "build" / brand / PdfFormat.filename(SEED.stem, e)).read_bytes() for e in EDITIONS}


def warm(project: Path, brand: str) -> dict[str, bytes]:
    """The PDFs rendered here, as a serve worker renders them (the whole cited document handed over)."""
    cited = cite_step(str(project), f"manuscript/{SEED.name}")
    checked = load_brand(project / "styles" / "brands" / brand)
    return {e: render_step(str(project), cited.doc, checked, "pdf", e, ())[
        f"build/{brand}/{PdfFormat.filename(SEED.stem, e)}"] for e in EDITIONS}


def test_warm_renders_are_the_bytes_of_a_fresh_build(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", manuscripts=["cbt-realness.md", "references.json"])
    pdf_warm.forget()
    for brand in ("default", "riverside"):
        for n in range(3):
            edit(project, n)
            expected = cold(project, brand)
            before = pdf_warm.reused
            assert warm(project, brand) == expected, f"{brand}, edit {n}"
            # the first render of each edition parses its stylesheet; every later one reuses it
            assert pdf_warm.reused - before == (0 if n == 0 else len(EDITIONS))


def test_a_font_replaced_under_the_same_name_is_read_again(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", manuscripts=["cbt-realness.md", "references.json"])
    edit(project, 0)
    pdf_warm.forget()
    first = warm(project, "default")
    assert warm(project, "default") == first
    fonts = project / "styles" / "brands"
    target = fonts / "default" / "fonts" / "source-sans-3-latin-400-normal.ttf"
    shutil.copyfile(fonts / "riverside" / "fonts" / "atkinson-hyperlegible-latin-400-normal.ttf", target)
    before = pdf_warm.reused
    replaced = warm(project, "default")
    assert pdf_warm.reused == before  # both editions name that face: both stylesheets are parsed again
    assert replaced[""] != first[""]
    assert replaced == cold(project, "default")


def test_a_stylesheet_weasyprint_warns_about_is_not_kept(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", manuscripts=["cbt-realness.md", "references.json"])
    edit(project, 0)
    template = project / "styles" / "templates" / "pdf" / "print.css.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\nbody { publish-no-such-property: 1; }\n",
                        encoding="utf-8")
    pdf_warm.forget()
    renderer = PdfFormat(Project(project))
    cited = cite_step(str(project), f"manuscript/{SEED.name}")
    doc = cited.doc.located(project.resolve())
    brand = load_brand(project / "styles" / "brands" / "default")
    before = pdf_warm.reused
    for _ in range(2):
        log: list[logging.LogRecord] = []
        renderer.pdf_bytes(doc, brand, log=log)
        assert any("publish-no-such-property" in r.getMessage() for r in log), "the warning, every time"
    assert pdf_warm.reused == before
