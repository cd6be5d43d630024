"""`toc: true` gives the printable handout a contents list: every heading with the page it starts on
(WeasyPrint's target-counter), in both editions and both brands' papers, tagged (a list of links, no
text outside the structure tree), with the PDF's bookmarks unchanged. Without it the PDF has none, and
`toc: false` takes the web page's away."""

from __future__ import annotations

import logging
import pickle
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest

from tests.conftest import copy_project, require_cmd, run_publish

pytestmark = pytest.mark.e2e

STEM = "cbt-realness"
TITLE = "CBT Therapy and Realness: Why Authenticity Is Essential for Healing"
EXTRA = "\n### Questions to ask your therapist\n\nAsk what realness means to them, and how they repair a rupture.\n"
PDFS = [(brand, edition) for brand in ("default", "riverside") for edition in ("", ".large-print")]


def _set(text: str, line: str) -> str:
    return text.replace("\nlang: en-US\n", f"\nlang: en-US\n{line}\n", 1)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("contents"))
    seed = project / "manuscript" / f"{STEM}.md"
    seed.write_text(_set(seed.read_text(encoding="utf-8"), "toc: true") + EXTRA, encoding="utf-8")
    run_publish(project, "--format", "pdf", "--format", "html")
    return project


def _doc(project: Path) -> Any:
    return pickle.loads((project / "build" / ".publish" / "docs" / f"{STEM}.pickle").read_bytes()).located(
        project.resolve())


def _headings(project: Path) -> list[tuple[int, str]]:
    from publish.formats.base import toc

    return [(e.level, e.text) for e in toc(_doc(project))]


def _pages(path: Path) -> list[str]:
    pdftotext = require_cmd("pdftotext")
    import subprocess

    text = subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def _flat(text: str) -> str:
    return re.sub(r"[\s\-\u00ad\u2010]+", "", text)


@pytest.mark.parametrize(("brand", "edition"), PDFS)
def test_contents_lists_every_heading_with_the_page_it_starts_on(built: Path, brand: str, edition: str) -> None:
    pages = _pages(built / "build" / brand / f"{STEM}{edition}.pdf")
    headings = [text for _level, text in _headings(built)]
    assert "Questions to ask your therapist" in headings and headings[-1] == "References"
    first = pages[0].splitlines()
    start = next(i for i, line in enumerate(first) if line.strip() == "Contents")
    entries, end = [], start + 1
    for end, line in enumerate(first[start + 1:], start + 1):  # noqa: B007 (end is the list's last line)
        if not line.strip():
            if entries:
                break
            continue
        m = re.fullmatch(r"\s*(\S.*?\S)\s+(\d+)\s*", line)
        assert m, line
        entries.append((m[1], int(m[2])))
    assert [title for title, _page in entries] == headings
    body = ["\n".join(first[:start] + first[end:]), *pages[1:]]  # page 1 without its contents list
    for title, page in entries:
        found = next(n for n, text in enumerate(body, 1) if _flat(title) in _flat(text))
        assert found == page, (title, page, found)
    assert max(p for _t, p in entries) > 1 + (edition == ".large-print")  # the handout really spans pages


def _struct(node: Any, out: list[Any]) -> None:
    node = node.get_object()
    if isinstance(node, pypdf.generic.DictionaryObject):
        out.append(node)
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pypdf.generic.ArrayObject) else [kids]:
            if isinstance(kid, (pypdf.generic.IndirectObject, pypdf.generic.DictionaryObject)):
                _struct(kid, out)


def _kinds(node: Any) -> list[str]:
    found: list[Any] = []
    _struct(node, found)
    return [str(n.get("/S")) for n in found if "/S" in n]


@pytest.mark.parametrize(("brand", "edition"), PDFS)
def test_contents_is_tagged_and_nothing_is_drawn_outside_the_tags(built: Path, brand: str, edition: str) -> None:
    """PDF/UA: the contents is a list (L, one LI per heading, each with its Link), every piece of text on
    every page is marked content (in the structure tree or an artifact), the bookmarks are still the
    handout's headings (the contents' own heading is none), and pdfinfo still finds PDF/UA-1."""
    import subprocess

    path = built / "build" / brand / f"{STEM}{edition}.pdf"
    reader = pypdf.PdfReader(path)
    elements: list[Any] = []
    _struct(reader.trailer["/Root"]["/StructTreeRoot"], elements)
    lists = [e for e in elements if str(e.get("/S")) == "/L"]
    contents = lists[0]  # the first list of the handout
    items = [k.get_object() for k in contents["/K"]]
    assert len(items) == len(_headings(built)) and {str(i["/S"]) for i in items} == {"/LI"}
    assert all("/Link" in _kinds(item) for item in items)
    for page in reader.pages:
        depth, loose = 0, 0
        for _operands, op in pypdf.generic.ContentStream(page.get_contents(), reader).operations:
            if op in (b"BDC", b"BMC"):
                depth += 1
            elif op == b"EMC":
                depth -= 1
            elif op in (b"Tj", b"TJ", b"'", b'"') and depth == 0:
                loose += 1
        assert loose == 0 and depth == 0

    def titles(outline: list[Any]) -> list[str]:
        out: list[str] = []
        for item in outline:
            out.extend(titles(item) if isinstance(item, list) else [item.title])
        return out

    assert titles(reader.outline) == [TITLE, *(text for _level, text in _headings(built))]
    info = subprocess.run([require_cmd("pdfinfo"), "-meta", str(path)], capture_output=True, text=True,
                          check=True).stdout
    assert 'pdfuaid:part="1"' in info


def test_weasyprint_says_nothing_about_it(built: Path) -> None:
    from publish.brand import load_brand
    from publish.formats.pdf import PdfFormat
    from publish.project import Project

    fmt, doc = PdfFormat(Project(built)), _doc(built)
    for brand in ("default", "riverside"):
        for large in (False, True):
            records: list[logging.LogRecord] = []
            fmt.pdf_bytes(doc, load_brand(built / "styles" / "brands" / brand), large_print=large, log=records)
            assert [r.getMessage() for r in records] == [], (brand, large)


def test_the_web_page_keeps_its_contents_and_toc_false_takes_it_away(built: Path, tmp_path: Path) -> None:
    page = (built / "build" / "default" / f"{STEM}.html").read_text(encoding="utf-8")
    assert '<nav class="toc"' in page and "Questions to ask your therapist</a>" in page
    project = copy_project(tmp_path / "p")
    seed = project / "manuscript" / f"{STEM}.md"
    text = seed.read_text(encoding="utf-8")
    run_publish(project, "--format", "pdf", "--format", "html", "--brand", "default", "--edition", "standard")
    assert '<nav class="toc"' in (project / "build" / "default" / f"{STEM}.html").read_text(encoding="utf-8")
    assert "Contents" not in _pages(project / "build" / "default" / f"{STEM}.pdf")[0]  # not asked for
    seed.write_text(_set(text, "toc: false"), encoding="utf-8")
    run_publish(project, "--format", "pdf", "--format", "html", "--brand", "default", "--edition", "standard")
    assert '<nav class="toc"' not in (project / "build" / "default" / f"{STEM}.html").read_text(encoding="utf-8")
    assert "Contents" not in _pages(project / "build" / "default" / f"{STEM}.pdf")[0]
