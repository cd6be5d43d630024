"""The EPUB's own pieces, without pandoc: AST reshaping, cover, package finishing, zip, stylesheet."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from publish.brand import load_brand
from publish.formats.epub import EpubFormat
from publish.formats.epub_ast import shape
from publish.formats.epub_cover import cover_alt, cover_svg
from publish.formats.epub_package import PackageInfo, finish, write_zip
from publish.labels import labels
from publish.project import Project
from tests.conftest import copy_project
from tests.projects import BRANDS


def s(text: str) -> list[dict]:
    out: list[dict] = []
    for i, w in enumerate(text.split()):
        out += [{"t": "Space"}] if i else []
        out.append({"t": "Str", "c": w})
    return out


def header(level: int, ident: str, text: str) -> dict:
    return {"t": "Header", "c": [level, [ident, [], []], s(text)]}


def cite(key: str) -> dict:
    link = {"t": "Link", "c": [["", [], []], s(key), [f"#ref-{key}", ""]]}
    return {"t": "Cite", "c": [[{"citationId": key}], [link]]}


def entry(key: str) -> dict:
    return {"t": "Div", "c": [[f"ref-{key}", ["csl-entry"], []], [{"t": "Para", "c": s(f"Entry {key}.")}]]}


def cited_ast() -> dict:
    refs = {"t": "Div", "c": [["refs", ["references", "csl-bib-body"], []], [entry("a"), entry("b")]]}
    bib = {"t": "Div", "c": [["bibliography", ["section", "bibliography"], [["role", "doc-bibliography"]]],
                             [header(2, "references", "References"), refs]]}
    return {"meta": {}, "blocks": [
        {"t": "Para", "c": [*s("Intro"), {"t": "Space"}, cite("a")]},
        header(2, "one", "Section One"),
        {"t": "Para", "c": [cite("a"), {"t": "Space"}, cite("b"), {"t": "Space"}, cite("a")]},
        bib,
    ]}


def walk(node, kind):
    if isinstance(node, dict):
        if node.get("t") == kind:
            yield node
        for v in node.values():
            yield from walk(v, kind)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v, kind)


def test_shape_makes_chapters_and_two_way_links() -> None:
    ast = cited_ast()
    before = copy.deepcopy(ast)
    book = shape(ast, title="A Title", short_title="Short", words=labels("en-US"), section_title=None)
    assert ast == before  # the Document's AST is not touched
    headers = [(h["c"][0], h["c"][1][0]) for h in book.blocks if h["t"] == "Header"]
    assert headers == [(1, "a-title"), (2, "one"), (1, "references")]
    assert ["epub:type", "bibliography"] in book.blocks[-2]["c"][1][2]
    assert book.bibliography and book.bib_id == "references"
    assert book.citations == {"a": ["cite-a-1", "cite-a-2", "cite-a-3"], "b": ["cite-b-1"]}
    entries = {d["c"][0][0]: d for d in walk(book.blocks, "Div") if "csl-entry" in d["c"][0][1]}
    backs = [link for link in walk(entries["ref-a"], "Link")]
    assert [b["c"][2][0] for b in backs] == ["#cite-a-1", "#cite-a-2", "#cite-a-3"]
    names = [dict(b["c"][0][2])["aria-label"] for b in backs]
    assert names == ["Back to “Short”", "Back to “Section One”", "Back to “Section One (2)”"]
    assert all(b["c"][1] == [] and dict(b["c"][0][2])["role"] == "doc-backlink" for b in backs)


def test_shape_without_bibliography_and_with_chapters() -> None:
    ast = {"meta": {}, "blocks": [header(1, "ch", "Chapter"), {"t": "Para", "c": s("Text")}]}
    book = shape(ast, title="T", short_title="T", words=labels("de"), section_title="Quellen")
    assert book.blocks == ast["blocks"] and not book.bibliography and book.images == 0


def test_shape_names_an_untitled_bibliography_in_the_document_language() -> None:
    refs = {"t": "Div", "c": [["refs", ["references"], []], [entry("a")]]}
    ast = {"meta": {}, "blocks": [{"t": "Para", "c": [cite("a")]}, refs]}
    book = shape(ast, title="T", short_title="T", words=labels("de-DE"), section_title=None)
    head = book.blocks[-2]
    assert head["t"] == "Header" and head["c"][1][0] == "bibliography" and head["c"][2] == s("Literatur")
    link = next(walk(book.blocks[-1], "Link"))
    assert dict(link["c"][0][2])["aria-label"] == "Zurück zu „T“"


@pytest.fixture(scope="module")
def brands():
    return {b: load_brand(BRANDS / b) for b in ("default", "riverside")}


def test_cover_is_deterministic_branded_svg(brands) -> None:
    for brand in brands.values():
        one = cover_svg("A Long Title That Must Wrap Onto More Than One Line", brand)
        assert one == cover_svg("A Long Title That Must Wrap Onto More Than One Line", brand)
        root = etree.fromstring(one)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert brand.colors["primary"] in one.decode()
        assert root.findtext("{http://www.w3.org/2000/svg}title") == cover_alt(
            "A Long Title That Must Wrap Onto More Than One Line", brand)
        assert b"<text" not in one  # drawn from the brand's font files
        assert len(root.findall(".//{http://www.w3.org/2000/svg}svg")) == 1  # the logo


def test_cover_without_fonts_or_logo_still_draws(brands) -> None:
    bare = dataclasses.replace(brands["default"], fonts=(), logo=None)
    svg = cover_svg("Title & <More>", bare).decode()
    etree.fromstring(svg.encode())
    assert "<text" in svg and "Title &amp; &lt;More&gt;" in svg


def _zip(files: dict[str, bytes]) -> bytes:
    return write_zip(files, dt.date(1970, 1, 1))


def test_zip_is_an_epub_container_and_reproducible() -> None:
    files = {"META-INF/container.xml": b"<c/>", "mimetype": b"application/epub+zip", "EPUB/a.xhtml": b"<a/>"}
    data = _zip(files)
    assert data == _zip(files)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == ["mimetype", "META-INF/container.xml", "EPUB/a.xhtml"]
    assert infos[0].compress_type == zipfile.ZIP_STORED and not infos[0].extra
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}  # zip cannot say 1970


PAGE = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en">
<head><title>{name}</title></head><body epub:type="{kind}">{body}</body></html>"""


def test_finish_titles_roles_landmarks_and_metadata() -> None:
    opf = ('<package><metadata>\n    <meta property="schema:accessibilityFeature">alternativeText</meta>'
           '\n  </metadata><manifest>\n<item id="c" href="text/ch001.xhtml" media-type="application/xhtml+xml" '
           'properties="svg" />\n</manifest></package>')
    nav = PAGE.format(name="nav", kind="frontmatter", body='<nav epub:type="toc" id="toc"></nav>')
    files = {
        "EPUB/content.opf": opf.encode(),
        "EPUB/nav.xhtml": nav.encode(),
        "EPUB/text/ch001.xhtml": PAGE.format(name="ch001.xhtml", kind="bodymatter",
                                             body="<section id='x'><h1>Intro &amp; More</h1></section>").encode(),
        "EPUB/text/ch002.xhtml": PAGE.format(
            name="ch002.xhtml", kind="backmatter",
            body='<section id="refs-h" class="level1" epub:type="bibliography"><h1>Sources</h1></section>').encode(),
    }
    out = finish(files, PackageInfo(cover_alt="Cover", certified_by="Clinic", summary="Summary."))
    ch1, ch2 = out["EPUB/text/ch001.xhtml"].decode(), out["EPUB/text/ch002.xhtml"].decode()
    assert "<title>Intro &amp; More</title>" in ch1
    assert "<title>Sources</title>" in ch2 and 'role="doc-bibliography"' in ch2
    nav_out = out["EPUB/nav.xhtml"].decode()
    assert 'href="text/ch001.xhtml" epub:type="bodymatter"' in nav_out
    assert 'href="text/ch002.xhtml#refs-h" epub:type="bibliography">Sources<' in nav_out
    assert 'epub:type="cover"' not in nav_out
    opf_out = out["EPUB/content.opf"].decode()
    assert "alternativeText" not in opf_out and 'properties="svg"' not in opf_out  # true to the content
    assert '<meta property="schema:accessMode">textual</meta>' in opf_out and "visual" not in opf_out
    assert '<meta property="a11y:certifiedBy">Clinic</meta>' in opf_out
    etree.fromstring(out["EPUB/content.opf"])


def test_stylesheet_writes_brand_values_out(brands, tmp_path: Path) -> None:
    fmt = EpubFormat(Project(copy_project(tmp_path, manuscripts=[])))
    for brand in brands.values():
        css = fmt.stylesheet(brand)
        assert brand.colors["primary"] in css and brand.colors["link"] in css
        assert "var(--" not in css and not re.search(r"\d(px|pt)\b", css)
        assert css.count("@font-face") == len(brand.fonts)
