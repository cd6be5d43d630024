"""The printable handout, read back with pypdf and poppler: both brands, both editions.

Reuses the session's seed build (tests.conftest.seed_build); renders in-process only where a test needs
WeasyPrint's log or a changed setting. Poppler tools are required under CI=true (tests/tools.sh).
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, copy_project, require_cmd, run_publish

pytestmark = pytest.mark.e2e

GOLDEN = ROOT / "tests" / "golden"
REFERENCES = (GOLDEN / "cbt-realness.references.txt").read_text(encoding="utf-8").splitlines()
TEXT = (GOLDEN / "cbt-realness.text.txt").read_text(encoding="utf-8").splitlines()
TITLE = "CBT Therapy and Realness: Why Authenticity Is Essential for Healing"
SHORT_TITLE = "CBT Therapy and Realness"
STEM = "cbt-realness"
BRANDS = {
    # brand: (clinic name, pdfinfo's paper size, body font family)
    "default": ("Publish Health Library", "(A4)", "Source-Sans-3"),
    "riverside": ("Riverside Therapy Clinic (sample brand)", "(letter)", "Atkinson-Hyperlegible"),
}
EDITIONS = {"standard": "", "large-print": ".large-print"}
CASES = [(b, e) for b in BRANDS for e in EDITIONS]
HYPHENS = "\\-\u00ad\u2010"  # for a regex character class


def pdf_path(build: Path, brand: str, edition: str) -> Path:
    return build / brand / f"{STEM}{EDITIONS[edition]}.pdf"


def tool(name: str, *args: str) -> str:
    return subprocess.run([require_cmd(name), *args], capture_output=True, text=True, check=True).stdout


def pdfinfo(path: Path) -> dict[str, str]:
    out = tool("pdfinfo", str(path))
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def canonical(text: str) -> str:
    """Text without whitespace or hyphens: line breaks and hyphenation may fall anywhere."""
    return re.sub(rf"[\s{HYPHENS}]+", "", text)


def norm(text: str) -> str:
    return " ".join(text.split())


def seed_document(build: Path) -> Any:
    """The cited document the pipeline kept (its paths relative to the project), placed in the project."""
    return pickle.loads((build / ".publish" / "docs" / f"{STEM}.pickle").read_bytes()).located(build.parent.resolve())


# --- pdfinfo: pages, title, paper, tagged, PDF/UA ----------------------------------------------------------

@pytest.mark.parametrize(("brand", "edition"), CASES)
def test_pdfinfo(seed_build: Path, brand: str, edition: str) -> None:
    path = pdf_path(seed_build, brand, edition)
    info = pdfinfo(path)
    pages = int(info["Pages"])
    assert (2 <= pages <= 8) if edition == "standard" else (4 <= pages <= 16)
    assert info["Title"] == TITLE
    assert info["Page size"].endswith(BRANDS[brand][1])
    assert info["Tagged"] == "yes"
    assert info["PDF version"] == "1.7"
    meta = tool("pdfinfo", "-meta", str(path))
    assert 'pdfuaid:part="1"' in meta


def test_large_print_is_longer(seed_build: Path) -> None:
    for brand in BRANDS:
        standard = int(pdfinfo(pdf_path(seed_build, brand, "standard"))["Pages"])
        large = int(pdfinfo(pdf_path(seed_build, brand, "large-print"))["Pages"])
        assert large > standard


# --- pdftotext: text, furniture, references ----------------------------------------------------------------

def body_text(path: Path) -> str:
    """pdftotext -layout of the page area only: running header and footer cropped off."""
    info = pdfinfo(path)
    width, height = (float(x) for x in re.findall(r"[\d.]+", info["Page size"])[:2])
    top, bottom = 62, 52  # points: inside the 24 mm top and 20 mm bottom margins, clear of the furniture
    return tool("pdftotext", "-layout", "-x", "0", "-y", str(top), "-W", str(int(width)),
                "-H", str(int(height - top - bottom)), str(path), "-")


@pytest.mark.parametrize(("brand", "edition"), CASES)
def test_every_heading_and_paragraph(seed_build: Path, brand: str, edition: str) -> None:
    text = canonical(body_text(pdf_path(seed_build, brand, edition)))
    for line in [TITLE, *TEXT]:
        assert canonical(line) in text, line


@pytest.mark.parametrize(("brand", "edition"), CASES)
def test_page_furniture(seed_build: Path, brand: str, edition: str) -> None:
    path = pdf_path(seed_build, brand, edition)
    pages = int(pdfinfo(path)["Pages"])
    clinic = BRANDS[brand][0]
    for n in range(1, pages + 1):
        page = norm(tool("pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"))
        assert f"Page {n} of {pages}" in page
        if n == 1:  # the letterhead, no running header
            assert page.startswith(clinic), page[:120]
            assert "@" in page.split(TITLE.split(":")[0])[0]  # the contact line precedes the title
            assert not page.startswith(SHORT_TITLE)
        else:  # the running header: short title and clinic name
            assert page.startswith(f"{SHORT_TITLE} {clinic}"), page[:120]


def reference_entries(path: Path) -> list[str]:
    """The bibliography as printed: entries found by their hanging indent, lines joined as a reader would.

    Page header and footer are cropped off; a line ending in a hyphen, a dash or a slash (a real hyphen,
    a page range, a URL) continues without a space. Hyphenation is off in the bibliography.
    """
    lines = body_text(path).replace("\f", "\n").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "References")
    body: list[str] = []
    for line in lines[start + 1:]:
        stripped = line.strip()
        if stripped.startswith(("In a crisis", "Publish Health Library", "Riverside Therapy Clinic")):
            break  # the closing block
        if stripped:
            body.append(line.rstrip())
    indent = min(len(line) - len(line.lstrip()) for line in body)
    entries: list[str] = []
    for line in body:
        stripped = line.strip()
        if len(line) - len(line.lstrip()) <= indent + 1:
            entries.append(stripped)
        else:
            assert entries, f"continuation line before the first entry: {line!r}"
            glue = "" if entries[-1].endswith(("-", "–", "/")) else " "
            entries[-1] += glue + stripped
    return [norm(e) for e in entries]


@pytest.mark.parametrize(("brand", "edition"), CASES)
def test_references_equal_golden(seed_build: Path, brand: str, edition: str) -> None:
    assert reference_entries(pdf_path(seed_build, brand, edition)) == REFERENCES


@pytest.mark.parametrize("brand", BRANDS)
def test_dois_are_links_printed_in_full(seed_build: Path, brand: str) -> None:
    from pypdf import PdfReader

    dois = sorted({m for line in REFERENCES for m in re.findall(r"https://doi\.org/\S+", line)})
    assert len(dois) >= 6
    for edition in EDITIONS:
        reader = PdfReader(str(pdf_path(seed_build, brand, edition)))
        uris = {
            annot.get_object()["/A"]["/URI"]
            for page in reader.pages for annot in page.get("/Annots", [])
            if annot.get_object().get("/A", {}).get("/URI")
        }
        assert set(dois) <= uris


# --- fonts, metadata, bookmarks, sizes ------------------------------------------------------------------------

@pytest.mark.parametrize(("brand", "edition"), CASES)
def test_fonts_embedded_and_subset(seed_build: Path, brand: str, edition: str) -> None:
    rows = tool("pdffonts", str(pdf_path(seed_build, brand, edition))).splitlines()[2:]
    assert rows
    for row in rows:
        name = row.split()[0]
        emb, sub, uni = row.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert re.match(r"^[A-Z]{6}\+", name), row
        assert BRANDS[brand][2] in name, f"a fallback font was used: {row}"


@pytest.mark.parametrize(("brand", "edition"), CASES)
def test_metadata_and_bookmarks(seed_build: Path, brand: str, edition: str) -> None:
    from pypdf import PdfReader

    from publish.formats.base import toc

    reader = PdfReader(str(pdf_path(seed_build, brand, edition)))
    meta = reader.metadata
    doc = seed_document(seed_build)
    assert meta.title == TITLE
    assert meta.author == "Clinic Editorial Team"
    assert meta.subject == doc.settings.description
    assert meta["/Keywords"] == ", ".join(doc.settings.keywords)
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20250115"
    assert reader.trailer["/Root"]["/Lang"] == "en-US"
    assert bool(reader.trailer["/Root"]["/MarkInfo"]["/Marked"])

    def titles(outline: list[Any]) -> list[str]:
        out: list[str] = []
        for item in outline:
            out.extend(titles(item) if isinstance(item, list) else [item.title])
        return out

    assert titles(reader.outline) == [TITLE, *(entry.text for entry in toc(doc))]


def body_font_size(path: Path) -> float:
    """The font size (pt) that most characters are set in."""
    from collections import Counter

    from pypdf import PdfReader

    sizes: Counter[float] = Counter()

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        scale = (tm[3] ** 2 + tm[2] ** 2) ** 0.5 * (cm[3] ** 2 + cm[2] ** 2) ** 0.5
        if text.strip():
            sizes[round(size * scale, 1)] += len(text.strip())

    for page in PdfReader(str(path)).pages:
        page.extract_text(visitor_text=visit)
    return sizes.most_common(1)[0][0]


@pytest.mark.parametrize("brand", BRANDS)
def test_body_type_size(seed_build: Path, brand: str) -> None:
    assert 11 <= body_font_size(pdf_path(seed_build, brand, "standard")) < 13
    assert body_font_size(pdf_path(seed_build, brand, "large-print")) >= 18


# --- WeasyPrint's log, QR code, rebuilds -------------------------------------------------------------------

def _pdf_format(build: Path) -> Any:
    from publish.formats.pdf import PdfFormat
    from publish.project import Project

    return PdfFormat(Project(build.parent))


def _brand(build: Path, name: str) -> Any:
    from publish.brand import load_brand

    return load_brand(build.parent / "styles" / "brands" / name)


def test_no_weasyprint_warnings(seed_build: Path) -> None:
    """Our stylesheets and templates must not make WeasyPrint warn (its own tests' assert_no_logs)."""
    fmt, doc = _pdf_format(seed_build), seed_document(seed_build)
    for brand in BRANDS:
        for large in (False, True):
            records: list[logging.LogRecord] = []
            fmt.pdf_bytes(doc, _brand(seed_build, brand), large_print=large, log=records)
            assert [r.getMessage() for r in records] == [], (brand, large)


def test_qr_code_on_last_page(seed_build: Path) -> None:
    from pypdf import PdfReader

    fmt, doc = _pdf_format(seed_build), seed_document(seed_build)
    doc = dataclasses.replace(doc, settings=dataclasses.replace(doc.settings, base_url="https://library.example.org"))
    url = "https://library.example.org/riverside/cbt-realness.html"
    stats: dict[str, Any] = {}
    data = fmt.pdf_bytes(doc, _brand(seed_build, "riverside"), stats=stats)
    out = seed_build.parent / "qr.pdf"
    out.write_bytes(data)
    last = norm(tool("pdftotext", "-f", str(stats["pages"]), "-l", str(stats["pages"]), str(out), "-"))
    assert "Scan to read online" in last and canonical(url) in canonical(last)
    reader = PdfReader(str(out))
    alts = [str(o.get_object().get("/Alt")) for o in _struct_elements(reader) if o.get_object().get("/Alt")]
    assert f"QR code linking to the web version of this handout at {url}" in alts
    # No base-url, no QR code.
    assert "Scan to read online" not in tool("pdftotext", str(pdf_path(seed_build, "riverside", "standard")), "-")


def _struct_elements(reader: Any) -> list[Any]:
    found: list[Any] = []
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop().get_object()
        found.append(node)
        kids = node.get("/K")
        if kids is None:
            continue
        kids = kids if isinstance(kids, list) else [kids]
        stack.extend(k for k in kids if hasattr(k.get_object(), "get"))
    return found


def test_rebuild_is_byte_identical(seed_build: Path, tmp_path: Path) -> None:
    """A second clean build, in another folder, gives the same bytes for every PDF."""
    project = copy_project(tmp_path / "again")
    run_publish(project, "--format", "pdf")
    for brand in BRANDS:
        for edition in EDITIONS:
            first, second = pdf_path(seed_build, brand, edition), pdf_path(project / "build", brand, edition)
            assert first.read_bytes() == second.read_bytes(), f"{first.name} ({brand}) differs between builds"


# --- the sandbox ---------------------------------------------------------------------------------------------

SANDBOX_CASES = {
    "remote": ("![x](https://example.com/a.png)", "https://example.com/a.png"),
    "outside": ("![x](../../etc/passwd.png)", "passwd.png"),
    "missing": ("![x](images/missing.png)", "missing.png"),
    "raw-html-remote": ('<img src="https://example.com/b.png" alt="b">', "https://example.com/b.png"),
}


@pytest.mark.parametrize("case", SANDBOX_CASES)
def test_refused_resource_fails_the_build(tmp_path: Path, case: str) -> None:
    markdown, named = SANDBOX_CASES[case]
    project = copy_project(tmp_path / "p", manuscripts=[])
    (project / "manuscript" / "t.md").write_text(
        f"---\ntitle: T\nlang: en\n---\n\nSome text.\n\n{markdown}\n", encoding="utf-8")
    proc = run_publish(project, "--format", "pdf", "--brand", "default", check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and named in errors[0], proc.stderr
    assert not list((project / "build").glob("*/*.pdf"))


def _with_image(doc: Any, url: str) -> Any:
    image = {"t": "Image", "c": [["", [], []], [{"t": "Str", "c": "x"}], [url, ""]]}
    ast = dict(doc.ast)
    ast["blocks"] = [{"t": "Para", "c": [image]}, *doc.ast["blocks"]]
    return dataclasses.replace(doc, ast=ast)


def test_pdf_layer_refuses_before_any_request(seed_build: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even if an image reaches the renderer, the fetcher refuses it without opening a socket."""
    from publish.errors import PublishError

    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the PDF renderer tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    fmt, doc = _pdf_format(seed_build), seed_document(seed_build)
    brand = _brand(seed_build, "default")
    for url, named in [("https://example.com/a.png", "remote resource refused: https://example.com/a.png"),
                       ("file:///etc/hostname", "file outside the project refused: /etc/hostname"),
                       ("images/missing.png", "missing resource: manuscript/images/missing.png")]:
        with pytest.raises(PublishError) as info:
            fmt.pdf_bytes(_with_image(doc, url), brand)
        assert named in info.value.format()
