"""The reviewer's DOCX, rendered in-process from a tiny project made here and read back with python-docx.

Each test builds its own project in tmp_path: two brands written below (they differ in every value the
DOCX takes from a brand), a manuscript with two heading levels and citations, and styles/templates
copied from the checkout (the format's own templates, not the user's files).
"""

from __future__ import annotations

import io
import json
import shutil
import textwrap
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from publish.brand import load_brand
from publish.document import Document, cite_manuscript
from publish.errors import PublishError
from publish.formats import docx as docx_format
from publish.formats.docx import DocxFormat
from publish.formats.html import bibliography_texts
from publish.inlines import elements, plain_text
from publish.manuscript import load_manuscript
from publish.project import Project

ROOT = Path(__file__).resolve().parents[2]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

BRANDS = {
    "alpha": {
        "full": "Alpha & Omega Clinic <North>",
        "yml": """\
            meta:
              name:
                full: "Alpha & Omega Clinic <North>"
                short: Alpha
            color:
              foreground: "#1f2328"
              background: "#ffffff"
              primary: "#2f5d8a"
            typography:
              base:
                family: Georgia
              headings:
                family: Verdana
                color: primary
            """,
        "base": "Georgia", "heading": "Verdana", "heading_color": "2F5D8A", "fg": "1F2328", "primary": "2F5D8A",
    },
    "beta": {
        "full": "Beta Health Centre",
        "yml": """\
            meta:
              name: Beta Health Centre
            color:
              palette:
                wine: "#7a1f3d"
              foreground: "#2b2118"
              background: "#fbf7ef"
              primary: "#1d5c4a"
            typography:
              base:
                family: Tahoma
              headings:
                family: Palatino Linotype
                color: wine
            """,
        "base": "Tahoma", "heading": "Palatino Linotype", "heading_color": "7A1F3D", "fg": "2B2118",
        "primary": "1D5C4A",
    },
}

REFERENCES = [
    {"id": "smith2020", "type": "book", "title": "Feeling and thinking", "publisher": "Example Press",
     "author": [{"family": "Smith", "given": "Ann"}], "issued": {"date-parts": [[2020]]}},
    {"id": "jones2019", "type": "article-journal", "title": "Honest therapy", "container-title": "Journal of Care",
     "volume": "4", "page": "1-9", "author": [{"family": "Jones", "given": "Bo"}, {"family": "Lee", "given": "Cy"}],
     "issued": {"date-parts": [[2019]]}, "DOI": "10.1000/xyz"},
]

MANUSCRIPT = """\
---
title: "Being *Real* in Therapy"
author:
  - Ann Editor
  - Bo Writer
date: 2024-03-02
lang: de-DE
description: A short handout.
bibliography: references.json
csl: apa
reference-section-title: Literatur
---

Opening words, as others put it [@smith2020].

## First section

Text with two sources [@jones2019; @smith2020].

### A subsection

More text.

## Second section

Closing words [@jones2019, p. 4].
"""


def make_project(tmp_path: Path, manuscript: str = MANUSCRIPT) -> Project:
    """A project of our own: the brands above, one manuscript and the checkout's templates."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "styles" / "templates", root / "styles" / "templates")
    for name, brand in BRANDS.items():
        folder = root / "styles" / "brands" / name
        folder.mkdir(parents=True)
        (folder / "_brand.yml").write_text(textwrap.dedent(brand["yml"]), encoding="utf-8")
    (root / "manuscript").mkdir()
    (root / "manuscript" / "handout.md").write_text(manuscript, encoding="utf-8")
    (root / "manuscript" / "references.json").write_text(json.dumps(REFERENCES), encoding="utf-8")
    return Project(root)


def cited(project: Project) -> Document:
    return cite_manuscript(project, load_manuscript(project.manuscripts / "handout.md"))


def render(project: Project, brand: str, doc: Document | None = None) -> bytes:
    files = DocxFormat(project).render(doc or cited(project), load_brand(project.brands / brand), "")
    assert list(files) == [project.output(brand, "handout", "docx")]
    return next(iter(files.values()))


def read(data: bytes):
    import docx

    return docx.Document(io.BytesIO(data))


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path)


def test_class_declares_what_the_registry_reads(project: Project) -> None:
    assert (DocxFormat.name, DocxFormat.ext, DocxFormat.editions, DocxFormat.heavy) == ("docx", "docx", ("",), False)
    assert DocxFormat.labels == ("word_document",) and DocxFormat.rank > 10
    assert DocxFormat.filename("handout") == "handout.docx" and not DocxFormat.heavy


def test_title_and_headings_use_word_styles(project: Project) -> None:
    d = read(render(project, "alpha"))
    styled = [(p.style.style_id, p.text) for p in d.paragraphs]
    assert styled[0] == ("Title", "Being Real in Therapy")
    assert [p.style.style_id for p in d.paragraphs if p.text == "Ann Editor"] == ["Author"]
    headings = [(s, t) for s, t in styled if s.startswith("Heading")]
    # the manuscript's sections (##) are Word's top level; the reference section is one of them
    assert headings == [("Heading1", "First section"), ("Heading2", "A subsection"),
                        ("Heading1", "Second section"), ("Heading1", "Literatur")]
    assert d.styles["Heading 1"].name == "Heading 1" and d.styles["Heading 2"].name == "Heading 2"


def test_citations_and_bibliography_are_the_cited_documents(project: Project) -> None:
    doc = cited(project)
    d = read(render(project, "alpha", doc))
    entries = [p.text for p in d.paragraphs if p.style.style_id == "Bibliography"]
    assert entries == bibliography_texts(doc)
    assert len(entries) == 2 and entries[0].startswith("Jones, B., & Lee, C. (2019).")
    body = "\n".join(p.text for p in d.paragraphs)
    citations = [plain_text(c["c"][1]) for c in elements(doc.ast["blocks"]) if c.get("t") == "Cite"]
    assert citations == ["(Smith, 2020)", "(Jones & Lee, 2019; Smith, 2020)", "(Jones & Lee, 2019, S. 4)"]
    at = 0
    for citation in citations:  # each where the cited document has it, in order
        at = body.index(citation, at) + len(citation)
    assert "[@" not in body and "smith2020" not in body


def test_references_hang_when_the_citation_style_says_so(project: Project) -> None:
    entries = read(render(project, "alpha")).styles["Bibliography"].paragraph_format
    assert (entries.left_indent.inches, entries.first_line_indent.inches) == pytest.approx((0.5, -0.5))  # APA
    ieee = project.manuscripts / "handout.md"
    ieee.write_text(ieee.read_text(encoding="utf-8").replace("csl: apa", "csl: ieee"), encoding="utf-8")
    doc = cited(project)
    assert "hanging-indent" not in json.dumps(doc.ast)
    entries = read(render(project, "alpha", doc)).styles["Bibliography"].paragraph_format
    assert entries.left_indent is None and entries.first_line_indent is None


@pytest.mark.parametrize("name", BRANDS)
def test_brand_sets_fonts_colours_and_header(project: Project, name: str) -> None:
    want = BRANDS[name]
    d = read(render(project, name))
    for style in ("Heading 1", "Heading 2", "Title"):
        font = d.styles[style].font
        assert (font.name, str(font.color.rgb)) == (want["heading"], want["heading_color"]), style
        assert font.color.theme_color is None  # a theme colour would win over the brand's in Word
    styles = etree.fromstring(zipfile.ZipFile(io.BytesIO(render(project, name))).read("word/styles.xml"))
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert defaults.find(f"{W}rFonts").get(f"{W}ascii") == want["base"]
    assert defaults.find(f"{W}color").get(f"{W}val") == want["fg"]
    # run properties stay in the schema's order (Word refuses a file otherwise)
    order = docx_format.RPR_ORDER
    for rpr in styles.iter(f"{W}rPr"):
        names = [etree.QName(c).localname for c in rpr if isinstance(c.tag, str)]
        assert names == sorted(names, key=order.index), names
    header = d.sections[0].header
    assert not header.is_linked_to_previous
    assert [p.text for p in header.paragraphs if p.text] == [want["full"]]
    run = next(r for p in header.paragraphs for r in p.runs if r.text)
    assert str(run.font.color.rgb) == want["primary"]


def test_page_is_the_brands_paper(project: Project) -> None:
    section = read(render(project, "alpha")).sections[0]  # no paper given: a4, as the PDF
    assert (section.page_width.mm, section.page_height.mm) == pytest.approx((210, 297), abs=0.1)
    yml = project.brands / "alpha" / "_brand.yml"
    yml.write_text(yml.read_text(encoding="utf-8") + "defaults:\n  publish:\n    paper: letter\n", encoding="utf-8")
    section = read(render(project, "alpha")).sections[0]
    assert (section.page_width.inches, section.page_height.inches) == pytest.approx((8.5, 11))
    assert section.left_margin.inches == pytest.approx(1) and section.header_distance.inches == pytest.approx(0.5)


def test_two_brands_differ_only_where_the_brand_decides(project: Project) -> None:
    doc = cited(project)
    a, b = read(render(project, "alpha", doc)), read(render(project, "beta", doc))
    assert [p.text for p in a.paragraphs] == [p.text for p in b.paragraphs]
    assert a.styles["Heading 1"].font.name != b.styles["Heading 1"].font.name
    assert a.styles["Heading 1"].font.color.rgb != b.styles["Heading 1"].font.color.rgb


def test_metadata_from_the_document(project: Project) -> None:
    data = render(project, "alpha")
    props = read(data).core_properties
    assert props.title == "Being Real in Therapy"
    assert props.author == "Ann Editor; Bo Writer"
    assert props.language == "de-DE"
    assert props.comments == "A short handout."
    assert props.created.isoformat() == "2024-03-02T00:00:00+00:00" == props.modified.isoformat()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        styles = etree.fromstring(zf.read("word/styles.xml"))
        custom = zf.read("docProps/custom.xml").decode()
    assert styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang").get(f"{W}val") == "de-DE"
    # build settings are not document properties
    assert "references.json" not in custom and "apa" not in custom


def test_track_changes_is_on_and_can_be_turned_off(project: Project) -> None:
    def tracked() -> bool:
        with zipfile.ZipFile(io.BytesIO(render(project, "alpha"))) as zf:
            settings = etree.fromstring(zf.read("word/settings.xml"))
        return settings.find(f"{W}trackRevisions") is not None

    assert tracked()
    path = project.templates / "docx" / "styles.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("track-changes: true", "track-changes: false"),
                    encoding="utf-8")
    assert not tracked()


def test_no_date_means_the_epoch_not_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    project = make_project(tmp_path, MANUSCRIPT.replace("date: 2024-03-02\n", ""))
    data = render(project, "alpha")
    d = read(data)
    assert d.core_properties.created.isoformat() == "1980-01-01T00:00:00+00:00"
    assert not [p for p in d.paragraphs if p.style.style_id == "Date"]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(86400 * 365 * 20))
    assert read(render(project, "alpha")).core_properties.created.year == 1989


def test_rebuild_is_byte_identical(project: Project) -> None:
    first = render(project, "beta")
    docx_format.reference_docx.cache_clear()
    second = render(project, "beta")
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        names = [i.filename for i in zf.infolist()]
        assert len(names) == len(set(names))
        assert {i.date_time[:3] for i in zf.infolist()} <= {(2024, 3, 2), (1980, 1, 1)}


def test_reference_document_cache_is_keyed_by_content(project: Project) -> None:
    fmt = DocxFormat(project)
    brand = load_brand(project.brands / "alpha")
    docx_format.reference_docx.cache_clear()
    one = docx_format.reference_docx(fmt.reference_spec(brand))
    assert docx_format.reference_docx(fmt.reference_spec(load_brand(project.brands / "alpha"))) is one
    info = docx_format.reference_docx.cache_info()
    assert (info.hits, info.misses) == (1, 1) and info.maxsize is not None
    yml = project.brands / "alpha" / "_brand.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("#2f5d8a", "#2f5d8b"), encoding="utf-8")
    edited = docx_format.reference_docx(fmt.reference_spec(load_brand(project.brands / "alpha")))
    assert edited != one


def test_generic_family_keeps_pandocs_font(project: Project) -> None:
    yml = project.brands / "alpha" / "_brand.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("family: Georgia", "family: sans-serif"), encoding="utf-8")
    d = read(render(project, "alpha"))
    assert d.styles["Normal"].font.name is None
    assert d.styles["Heading 1"].font.name == "Verdana"


def test_a_brand_overrides_the_header_template(project: Project) -> None:
    own = project.brands / "beta" / "templates"
    own.mkdir()
    text = (project.templates / "docx" / "header.xml.j2").read_text(encoding="utf-8")
    (own / "header.xml.j2").write_text(text.replace("{{ clinic.name }}", "Draft for review: {{ clinic.name }}"),
                                       encoding="utf-8")
    header = read(render(project, "beta")).sections[0].header
    assert [p.text for p in header.paragraphs if p.text] == ["Draft for review: Beta Health Centre"]


def test_a_broken_header_template_is_one_error(project: Project) -> None:
    path = project.templates / "docx" / "header.xml.j2"
    path.write_text(path.read_text(encoding="utf-8").replace("</w:hdr>", ""), encoding="utf-8")
    with pytest.raises(PublishError) as err:
        render(project, "alpha")
    assert "not well-formed XML" in str(err.value) and "header.xml.j2" in str(err.value)


@pytest.mark.parametrize(("old", "new", "message", "hint"), [
    ("Heading1: {font: heading, color: heading}", "Heading1: {font: heading, color: headng}",
     "styles.Heading1.color 'headng' is not a brand colour", "heading"),
    ("Heading2: {font: heading", "Heading2: {font: heading_", "styles.Heading2.font 'heading_' is not a brand font",
     "heading"),
    ("Hyperlink: {color: link}", "Hyperlnk: {color: link}", "no style 'Hyperlnk'", "Hyperlink"),
    ("Title: {font: heading, color: heading}", "Title: {face: heading}", "takes font: and color:", "font"),
    ("styles:", "styles: [", "malformed styles.yml", "YAML"),
    ("track-changes: true", "track-changes: yes please", "track-changes must be true or false", "true"),
    ("styles:", "stiles:", "unknown key 'stiles'", "styles"),
    ("Hyperlink: {color: link}", "Hyperlink: {color: background}", "styles.Hyperlink.color 'background' (#FFFFFF) "
     "on white paper is 1.00:1, needs at least 4.5:1", "darker"),
])
def test_mistakes_in_styles_yml_name_their_line(project: Project, old: str, new: str, message: str,
                                                 hint: str) -> None:
    path = project.templates / "docx" / "styles.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PublishError) as err:
        render(project, "alpha")
    assert message in str(err.value)
    assert err.value.file is not None and Path(str(err.value.file)).name == "styles.yml"
    assert err.value.line is not None and err.value.col is not None
    if new != "styles: [":  # YAML's own error is where the parser noticed it
        assert err.value.line == 1 + text.splitlines().index(next(t for t in text.splitlines() if old in t))
    assert hint in (err.value.hint or "")


def test_headings_inside_a_quote_count_for_the_shift(tmp_path: Path) -> None:
    """A level-one heading anywhere (here in a block quote) means nothing is shifted: none is lost."""
    project = make_project(tmp_path, MANUSCRIPT.replace("More text.", "> # Quoted heading\n>\n> Quoted text."))
    d = read(render(project, "alpha"))
    assert [p.text for p in d.paragraphs if p.style.style_id == "Heading1"] == ["Quoted heading"]
    assert "First section" in [p.text for p in d.paragraphs if p.style.style_id == "Heading2"]
