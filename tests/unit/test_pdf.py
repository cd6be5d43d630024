"""The handout's pieces without a full render: the sandbox fetcher, editions, stylesheet, QR code."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from publish.brand import load_brand
from publish.formats.pdf import PdfFormat, qr_code, sandbox_fetcher
from publish.project import Project
from tests.conftest import copy_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = copy_project(tmp_path_factory.mktemp("pdf-unit"), manuscripts=[])
    (root / "manuscript" / "pic.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')
    (root / "build").mkdir()
    (root / "build" / "secret.svg").write_text("<svg/>")
    return Project(root)


@pytest.fixture(scope="module")
def brand(project: Project) -> Any:
    return load_brand(project.brands / "default")


@pytest.fixture
def fetcher(project: Project, brand: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the fetcher opened a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    return sandbox_fetcher(project.root, brand.folder, project.build)


def refused(fetcher: Any, url: str) -> str:
    from weasyprint.urls import FatalURLFetchingError

    with pytest.raises(FatalURLFetchingError) as info:
        fetcher.fetch(url)
    return str(info.value)


@pytest.mark.parametrize("url", ["https://example.com/a.png", "http://127.0.0.1:9/x.png", "ftp://example.com/a",
                                 "HTTPS://EXAMPLE.COM/A.PNG", "//example.com/a.png"])
def test_remote_refused_before_any_request(fetcher: Any, url: str) -> None:
    assert refused(fetcher, url).startswith("remote resource refused: ")


def test_files_outside_project_or_in_build_refused(fetcher: Any, project: Project) -> None:
    assert refused(fetcher, "file:///etc/passwd") == "file outside the project refused: /etc/passwd"
    escape = (project.manuscripts / "../../etc/passwd.png").as_uri()
    assert "file outside the project refused" in refused(fetcher, escape)
    assert "file outside the project refused" in refused(fetcher, (project.build / "secret.svg").as_uri())


def test_missing_file_named_relative_to_project(fetcher: Any, project: Project) -> None:
    url = (project.manuscripts / "images" / "missing.png").as_uri()
    assert refused(fetcher, url) == "missing resource: manuscript/images/missing.png"


def test_allowed(fetcher: Any, project: Project, brand: Any) -> None:
    for url in [(project.manuscripts / "pic.svg").as_uri(), brand.logo.as_uri(), "data:text/plain,hello"]:
        response = fetcher.fetch(url)
        try:
            assert response.read()
        finally:
            response.close()


def test_editions_and_targets(project: Project, brand: Any) -> None:
    fmt = PdfFormat(project)
    assert PdfFormat.editions == ("", "large-print") and PdfFormat.heavy
    assert [fmt.output("a", brand, e) for e in PdfFormat.editions] == [project.build / "default" / "a.pdf",
                                                                        project.build / "default" / "a.large-print.pdf"]


def test_print_css_per_edition(project: Project) -> None:
    fmt = PdfFormat(project)
    for name, paper in (("default", "a4"), ("riverside", "letter")):
        b = load_brand(project.brands / name)
        standard, large = fmt.print_css(b), fmt.print_css(b, large_print=True)
        assert f"size: {paper};" in standard and f"size: {paper};" in large
        assert "font-size: 11.5pt;" in standard and "font-size: 18pt;" in large
        assert b.css_variables() in standard
        assert 'content: "Page " counter(page) " of " counter(pages);' in standard
        assert "</" not in standard + large


def test_qr_code(brand: Any) -> None:
    qr = qr_code("https://example.org/default/a.html", brand)
    assert qr["src"].startswith("data:image/svg+xml")
    assert qr["alt"] == "QR code linking to the web version of this handout at https://example.org/default/a.html"
    assert qr == qr_code("https://example.org/default/a.html", brand)  # deterministic


def test_template_escapes_document_values(project: Project, brand: Any, tmp_path: Path) -> None:
    from publish.document import Document
    from publish.manuscript import load_manuscript

    src = project.manuscripts / "esc.md"
    src.write_text("---\ntitle: 'A <b>bold</b> & risky title'\nlang: en\n---\n\nText.\n", encoding="utf-8")
    ms = load_manuscript(src)
    doc = Document(ms.stem, ms.path, ms.settings, ms.ast)
    html = PdfFormat(project).html(doc, brand)
    assert "<title>A &lt;b&gt;bold&lt;/b&gt; &amp; risky title</title>" in html
    assert '<html lang="en" dir="ltr">' in html


def test_a_written_body_and_headings_make_the_same_handout(tmp_path: Path) -> None:
    """What the PDF worker is handed (formats.pdf.print_document) renders byte for byte what the whole
    cited document renders, while carrying only the headings of its blocks."""
    from publish.document import cite_manuscript
    from publish.formats.base import toc
    from publish.formats.pdf import print_document
    from publish.manuscript import load_manuscript
    from tests.projects import SEED

    seed = Project(copy_project(tmp_path, manuscripts=[p.name for p in SEED.parent.iterdir()]))
    doc = cite_manuscript(seed, load_manuscript(seed.manuscripts / SEED.name))
    brand = load_brand(seed.brands / "default")
    reduced = print_document(doc)
    assert all(b["t"] == "Header" for b in reduced.ast["blocks"]) and len(reduced.ast["blocks"]) == len(toc(doc))
    assert toc(reduced) == toc(doc) and reduced.ast["meta"] == doc.ast["meta"]
    handout = PdfFormat(seed)
    assert handout.html(reduced, brand) == handout.html(doc, brand)
    assert handout.pdf_bytes(reduced, brand) == handout.pdf_bytes(doc, brand)


def test_collects_less_often_while_rendering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The render runs at formats.pdf.RENDER_GC_THRESHOLDS, the process's own thresholds are back after it
    (a serve worker keeps running), and the PDF is byte for byte what the default thresholds make."""
    import gc

    import weasyprint

    from publish.document import cite_manuscript
    from publish.formats import pdf
    from publish.manuscript import load_manuscript
    from tests.projects import SEED

    seed = Project(copy_project(tmp_path, manuscripts=[p.name for p in SEED.parent.iterdir()]))
    doc = cite_manuscript(seed, load_manuscript(seed.manuscripts / SEED.name))
    brand = load_brand(seed.brands / "default")
    handout = PdfFormat(seed)
    seen: list[tuple[int, ...]] = []
    original = weasyprint.HTML.render

    def render(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_threshold())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "render", render)
    before = gc.get_threshold()
    fewer = handout.pdf_bytes(doc, brand)
    assert seen == [pdf.RENDER_GC_THRESHOLDS] and gc.get_threshold() == before
    monkeypatch.setattr(pdf, "RENDER_GC_THRESHOLDS", before)
    assert handout.pdf_bytes(doc, brand) == fewer and seen[-1] == before
