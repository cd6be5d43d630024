"""The seed built as a reviewer's DOCX through the real command line, in every brand, and read back the way
a reviewer's tools read it: python-docx (Word's object model) and pandoc's own docx reader.

What must hold: the text, citations and reference list are the web page's (and the seed's own list,
character for character); sections are Word headings; the brand shows in the heading font and colour and
the page header; the document properties come from the manuscript; a rebuild is byte-identical; the
pipeline rebuilds the DOCX (and only it) when its templates change.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html

from publish.brand import load_brand
from publish.inlines import elements, meta_inlines, plain_text
from publish.pandoc import pandoc_path
from tests.conftest import ROOT, copy_project, run_publish

GOLDEN = ROOT / "tests" / "golden"
REFERENCES = (GOLDEN / "cbt-realness.references.txt").read_text(encoding="utf-8").splitlines()
CITATIONS = (GOLDEN / "cbt-realness.citations.txt").read_text(encoding="utf-8").splitlines()
TEXT = (GOLDEN / "cbt-realness.text.txt").read_text(encoding="utf-8").splitlines()
TITLE = "CBT Therapy and Realness: Why Authenticity Is Essential for Healing"
STEM = "cbt-realness"


def norm(s: str) -> str:
    return " ".join(s.split())


def docx_seed_project(dest: Path) -> Path:
    """The one place these tests get their project: the seed manuscript and the two shipped brands, by the
    suite's shared copy (tests/fixtures/project once the hermetic fixtures land), templates from the
    checkout."""
    return copy_project(dest)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = docx_seed_project(tmp_path_factory.mktemp("docx"))
    run_publish(project, "--format", "html", "--format", "docx")
    return project


def brand_names(project: Path) -> list[str]:
    return sorted(p.parent.name for p in (project / "styles" / "brands").glob("*/_brand.yml"))


def read(source: Path | io.BytesIO):
    import docx

    return docx.Document(str(source) if isinstance(source, Path) else source)


def html_entries(page: Path) -> list[str]:
    """The web page's reference list, without its back-links (navigation, not reference)."""
    root = lxml_html.parse(str(page)).getroot()
    found = []
    for entry in root.xpath('//*[@id="refs"]/*[contains(@class, "csl-entry")]'):
        for back in entry.xpath('.//*[@class="backrefs"]'):
            back.drop_tree()
        found.append(norm(entry.text_content()))
    return found


def test_every_brand_gets_a_docx(built: Path) -> None:
    names = brand_names(built)
    assert len(names) >= 2
    for name in names:
        assert (built / "build" / name / f"{STEM}.docx").is_file()


@pytest.mark.parametrize("brand", ["default", "riverside"])
def test_text_citations_and_references_are_the_pages(built: Path, brand: str) -> None:
    d = read(built / "build" / brand / f"{STEM}.docx")
    entries = [norm(p.text) for p in d.paragraphs if p.style.style_id == "Bibliography"]
    assert entries == html_entries(built / "build" / brand / f"{STEM}.html") == REFERENCES
    paragraphs = [norm(p.text) for p in d.paragraphs]
    for line in TEXT:  # headings and paragraphs, the citations as APA 7 writes them
        assert norm(line) in paragraphs, line
    page = lxml_html.parse(str(built / "build" / brand / f"{STEM}.html")).getroot()
    page_citations = [norm(c.text_content()) for c in page.xpath('//span[@class="citation"]')]
    assert page_citations == CITATIONS
    body, at = "\n".join(paragraphs), 0
    for citation in page_citations:  # each one, in the page's order
        at = body.index(citation, at) + len(citation)
    headings = [(p.style.style_id, norm(p.text)) for p in d.paragraphs if p.style.style_id.startswith("Heading")]
    page_headings = [norm(h.text_content()) for h in page.xpath("//article//h2[not(ancestor::nav)]")]
    assert [t for _s, t in headings] == page_headings
    assert {s for s, _t in headings} == {"Heading1"}


@pytest.mark.parametrize("brand", ["default", "riverside"])
def test_brand_and_metadata(built: Path, brand: str) -> None:
    want = load_brand(built / "styles" / "brands" / brand)
    d = read(built / "build" / brand / f"{STEM}.docx")
    heading = d.styles["Heading 1"].font
    assert heading.name == want.heading_family
    assert "#" + str(heading.color.rgb).lower() == want.colors["heading"].lower()
    assert d.styles["Normal"].font.name is None  # inherits the document defaults: the base family
    assert [norm(p.text) for p in d.sections[0].header.paragraphs if p.text.strip()] == [want.full_name]
    props = d.core_properties
    assert (props.title, props.language, props.author) == (TITLE, "en-US", "Clinic Editorial Team")
    assert props.created.date().isoformat() == "2025-01-15"
    assert d.paragraphs[0].style.style_id == "Title" and d.paragraphs[0].text == TITLE
    track = d.settings.element.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}trackRevisions")
    assert track is not None  # the reviewer's edits come back as tracked changes
    assert d.styles["Bibliography"].paragraph_format.first_line_indent < 0  # APA's hanging indent
    size = d.sections[0].page_width.mm, d.sections[0].page_height.mm
    assert size == pytest.approx({"a4": (210, 297), "letter": (215.9, 279.4)}[want.paper], abs=0.1)


def test_brands_differ_where_they_should(built: Path) -> None:
    a, b = (read(built / "build" / n / f"{STEM}.docx") for n in ("default", "riverside"))
    assert [p.text for p in a.paragraphs] == [p.text for p in b.paragraphs]
    assert a.styles["Heading 1"].font.name != b.styles["Heading 1"].font.name
    assert a.styles["Heading 1"].font.color.rgb != b.styles["Heading 1"].font.color.rgb
    assert a.sections[0].header.paragraphs[0].text != b.sections[0].header.paragraphs[0].text


def test_pandoc_reads_it_back(built: Path) -> None:
    """pandoc's docx reader sees the title as metadata, the sections as level-1 headings, and the references."""
    path = built / "build" / "riverside" / f"{STEM}.docx"
    out = subprocess.run([pandoc_path(), "-f", "docx", "-t", "json", str(path)], capture_output=True, check=True).stdout
    ast = json.loads(out)
    assert plain_text(meta_inlines(ast["meta"], "title")) == TITLE
    levels = [e["c"][0] for e in elements(ast["blocks"]) if e.get("t") == "Header"]
    assert levels and set(levels) == {1}
    paragraphs = [norm(plain_text(e["c"])) for e in elements(ast["blocks"]) if e.get("t") == "Para"]
    for entry in REFERENCES:
        assert entry in paragraphs, entry


def test_rebuild_is_byte_identical_and_keyed_on_its_templates(built: Path, tmp_path: Path) -> None:
    project = docx_seed_project(tmp_path / "again")
    run_publish(project, "--format", "docx", "--format", "html", "-j", "1")
    for name in brand_names(project):
        first = (built / "build" / name / f"{STEM}.docx").read_bytes()
        assert (project / "build" / name / f"{STEM}.docx").read_bytes() == first
    (project / "build" / "default" / f"{STEM}.docx").unlink()
    run_publish(project, "--format", "docx", "--format", "html", "-j", "2")
    assert (project / "build" / "default" / f"{STEM}.docx").read_bytes() == \
        (built / "build" / "default" / f"{STEM}.docx").read_bytes()

    before = (project / "build" / "riverside" / f"{STEM}.docx").read_bytes()
    styles = project / "styles" / "templates" / "docx" / "styles.yml"
    styles.write_text(styles.read_text(encoding="utf-8").replace(
        "Heading1: {font: heading, color: heading}", "Heading1: {font: heading, color: link}"), encoding="utf-8")
    proc = run_publish(project, "--format", "docx", "--format", "html")
    assert f"docx riverside/{STEM}" in proc.stdout and f"html riverside/{STEM}" not in proc.stdout
    after = read(project / "build" / "riverside" / f"{STEM}.docx")
    assert "#" + str(after.styles["Heading 1"].font.color.rgb).lower() == \
        load_brand(project / "styles" / "brands" / "riverside").colors["link"]
    assert after.styles["Heading 1"].font.color.rgb != read(io.BytesIO(before)).styles["Heading 1"].font.color.rgb


def test_a_mistake_in_styles_yml_is_one_line(tmp_path: Path) -> None:
    project = docx_seed_project(tmp_path / "p")
    styles = project / "styles" / "templates" / "docx" / "styles.yml"
    text = styles.read_text(encoding="utf-8")
    styles.write_text(text.replace("Hyperlink: {color: link}", "Hyperlink: {color: lnk}"), encoding="utf-8")
    proc = run_publish(project, "--format", "docx", check=False)
    assert proc.returncode == 1
    line = 1 + next(i for i, t in enumerate(text.splitlines()) if t.startswith("  Hyperlink:"))
    errors = [t for t in (proc.stdout + proc.stderr).splitlines() if "error:" in t]
    col = 1 + text.splitlines()[line - 1].rindex("link")
    assert errors and all(f"styles.yml:{line}:{col}: error: styles.Hyperlink.color 'lnk' is not a brand colour" in e
                          for e in errors), errors
    assert errors[0].endswith("did you mean link?")


def test_kitchen_sink(tmp_path: Path) -> None:
    """Every construct the other formats test: footnotes (with a citation), a table, an image, maths and
    headings from level one (then nothing is shifted)."""
    import shutil
    import zipfile

    project = copy_project(tmp_path / "sink", manuscripts=["references.json"])
    shutil.copy(ROOT / "tests" / "e2e" / "fixtures" / "kitchen-sink.md", project / "manuscript" / "sink.md")
    (project / "manuscript" / "img").mkdir()
    shutil.copy(project / "styles" / "brands" / "riverside" / "logo.svg", project / "manuscript" / "img" / "pic.svg")
    run_publish(project, "--brand", "riverside", "--format", "docx")
    path = project / "build" / "riverside" / "sink.docx"
    d = read(path)
    headings = [(p.style.style_id, p.text) for p in d.paragraphs if p.style.style_id.startswith("Heading")]
    assert headings[:3] == [("Heading1", "A level-one heading"), ("Heading2", "Lists and quotes"),
                            ("Heading2", "Tables, code and maths")]
    assert headings[3:] == [("Heading3", "A level-three heading"), ("Heading2", "Works cited")]  # as on the page
    assert d.paragraphs[0].style.style_id == "Title" and d.core_properties.language == "en-GB"
    assert [[c.text for c in row.cells] for row in d.tables[0].rows] == [
        ["Symptom", "Weeks"], ["Anxiety", "4"], ["Low mood", "6"]]
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        notes = norm("".join(etree_text(zf.read("word/footnotes.xml"))))
        document = zf.read("word/document.xml").decode("utf-8")
    assert any(n.startswith("word/media/") for n in names)  # the figure, embedded
    assert "Rogers (1961, p. 12)" in notes
    assert "<m:oMath" in document  # maths as Word equations


def etree_text(xml: bytes) -> list[str]:
    from lxml import etree

    return [t.text or "" for t in etree.fromstring(xml).iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t")]
