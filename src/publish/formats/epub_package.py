"""Finishing pandoc's EPUB where pandoc cannot express something, and writing it byte for byte the same.

pandoc writes a good EPUB 3; what it cannot say is fixed here, in the unzipped package:

* each content file's <title> is its chapter's heading (pandoc writes the file name);
* the bibliography chapter carries ``role="doc-bibliography"`` next to pandoc's ``epub:type``;
* the cover page is an <img> with alternative text and ``role="doc-cover"``;
* the navigation's landmarks list cover, title page, toc, bodymatter and bibliography;
* the package's accessibility metadata is read from the finished pages (pandoc always claims
  alternativeText): visual and alternativeText only for images that are there and described;
* the zip: ``mimetype`` first and stored, then every file in pandoc's order with one fixed timestamp
  and fixed attributes, so two builds of the same input are identical.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from html import escape, unescape

OPF = "EPUB/content.opf"
NAV = "EPUB/nav.xhtml"
TEXT = "EPUB/text/"
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"


@dataclass
class PackageInfo:
    """What the finishing step needs to know about the book."""

    cover_alt: str
    certified_by: str
    summary: str
    toc_label: str = "Table of Contents"
    landmark_labels: dict[str, str] = field(default_factory=dict)
    dir: str = ""  # "rtl" for a right-to-left language: every page says so (pandoc's nav and chapters do not)


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()}


def write_zip(files: dict[str, bytes], date: dt.date) -> bytes:
    """An EPUB container: ``mimetype`` first, stored; the rest deflated; every entry stamped ``date``."""
    stamp = (max(date.year, 1980), date.month, date.day, 0, 0, 0)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        names = ["mimetype", *(n for n in files if n != "mimetype")]
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                zf.writestr(info, b"application/epub+zip")
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, files[name], compresslevel=9)
    return buf.getvalue()


def _text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def _first_heading(xhtml: str) -> str | None:
    m = re.search(r"<h([1-6])\b[^>]*>(.*?)</h\1>", xhtml, re.S)
    return _text(m.group(2)) if m else None


def _set_title(xhtml: str, title: str) -> str:
    return re.sub(r"<title>.*?</title>", lambda _m: f"<title>{escape(title, quote=False)}</title>", xhtml,
                  count=1, flags=re.S)


def _chapters(files: dict[str, bytes]) -> list[str]:
    return [n for n in files if n.startswith(TEXT) and re.match(r"ch\d+\.xhtml$", n[len(TEXT):])]


def finish(files: dict[str, bytes], info: PackageInfo) -> dict[str, bytes]:
    """Apply every fix-up to the unzipped package and return it (same order of entries)."""
    out = dict(files)
    bib_file: str | None = None
    body_file: str | None = None
    for name in _chapters(out):
        xhtml = out[name].decode("utf-8")
        heading = _first_heading(xhtml)
        if heading:
            xhtml = _set_title(xhtml, heading)
        if 'epub:type="bibliography"' in xhtml:
            if bib_file is None:
                section = re.search(r'<section id="([^"]+)"[^>]*epub:type="bibliography"', xhtml)
                bib_file = name + (f"#{section.group(1)}" if section else "")
                if heading:
                    info.landmark_labels.setdefault("bibliography", heading)
            xhtml = re.sub(r'(<section\b[^>]*?)\s+epub:type="bibliography"',
                           r'\1 epub:type="bibliography" role="doc-bibliography"', xhtml, count=1)
        elif body_file is None and 'epub:type="bodymatter"' in xhtml:
            body_file = name
        out[name] = xhtml.encode("utf-8")
    cover = TEXT + "cover.xhtml"
    if cover in out:
        out[cover] = _cover_page(out[cover].decode("utf-8"), info).encode("utf-8")
    out[NAV] = _nav(out[NAV].decode("utf-8"), info, body_file, bib_file, cover in out).encode("utf-8")
    out[OPF] = _opf(out[OPF].decode("utf-8"), out, info).encode("utf-8")
    if info.dir:
        for name in [n for n in out if n.endswith(".xhtml")]:
            out[name] = re.sub(rb"<html\b(?![^>]*\bdir=)", b'<html dir="' + info.dir.encode() + b'"', out[name],
                               count=1)
    return out


def _cover_page(xhtml: str, info: PackageInfo) -> str:
    """pandoc's cover is an <image> inside inline SVG, with no text alternative: make it an <img>."""
    m = re.search(r'xlink:href="([^"]+)"', xhtml)
    if not m:
        return xhtml
    img = (f'<section epub:type="cover" class="cover">\n'
           f'<img src="{m.group(1)}" alt="{escape(info.cover_alt)}" role="doc-cover" />\n</section>')
    xhtml = re.sub(r'<div id="cover-image">.*?</div>', lambda _m: img, xhtml, count=1, flags=re.S)
    return _set_title(xhtml, info.cover_alt)


def _nav(xhtml: str, info: PackageInfo, body: str | None, bib: str | None, has_cover: bool) -> str:
    labels = {"cover": "Cover", "titlepage": "Title Page", "toc": info.toc_label, "bodymatter": "Start of Content",
              "bibliography": "Bibliography", **info.landmark_labels}
    rel = lambda name: name[len("EPUB/"):]  # noqa: E731 - nav.xhtml sits in EPUB/
    marks: list[tuple[str, str]] = []
    if has_cover:
        marks.append(("cover", "text/cover.xhtml"))
    if "text/title_page.xhtml" in xhtml:
        marks.append(("titlepage", "text/title_page.xhtml"))
    marks.append(("toc", "#toc"))
    if body:
        marks.append(("bodymatter", rel(body)))
    if bib:
        marks.append(("bibliography", rel(bib)))
    items = "".join(
        f'    <li>\n      <a href="{href}" epub:type="{kind}">{escape(labels[kind])}</a>\n    </li>\n'
        for kind, href in marks
    )
    landmarks = f'<nav epub:type="landmarks" id="landmarks" hidden="hidden">\n  <ol>\n{items}  </ol>\n</nav>'
    xhtml, n = re.subn(r'<nav epub:type="landmarks".*?</nav>', lambda _m: landmarks, xhtml, count=1, flags=re.S)
    if not n:
        xhtml = xhtml.replace("</body>", landmarks + "\n</body>", 1)
    return _set_title(xhtml, info.toc_label)


_IMG = re.compile(rb"<img\b[^>]*>")


def image_facts(files: dict[str, bytes]) -> tuple[int, int, int]:
    """(described, decorative, undescribed) images across the package's pages, as a reader meets them."""
    described = decorative = undescribed = 0
    for name, data in files.items():
        if not name.endswith(".xhtml"):
            continue
        for tag in _IMG.findall(data):
            alt = re.search(rb'\balt="([^"]*)"', tag)
            if alt and alt.group(1).strip():
                described += 1
            elif alt or re.search(rb'\brole="(?:presentation|none)"', tag):
                decorative += 1  # alt="": the HTML way to say an image only decorates
            else:
                undescribed += 1
    return described, decorative, undescribed


def _opf(opf: str, files: dict[str, bytes], info: PackageInfo) -> str:
    # Manifest properties: "svg" only where a page really holds inline SVG (EPUBCheck checks both ways).
    def fix_item(m: re.Match[str]) -> str:
        item = m.group(0)
        href = re.search(r'href="([^"]+)"', item)
        if not href or not href.group(1).endswith(".xhtml"):
            return item
        content = files.get("EPUB/" + href.group(1), b"")
        has_svg = b"<svg" in content
        if 'properties="svg"' in item and not has_svg:
            item = item.replace(' properties="svg"', "")
        return item

    opf = re.sub(r"<item\b[^>]*/>", fix_item, opf)
    opf = re.sub(r'\s*<meta property="(schema:access[^"]*|dcterms:conformsTo|a11y:[^"]*)"[^>]*>[^<]*</meta>', "",
                 opf)
    described, decorative, undescribed = image_facts(files)
    features = ["structuralNavigation", "tableOfContents", "readingOrder"]
    if described and not undescribed:
        features.insert(0, "alternativeText")
    modes = ["textual", "visual"] if described or undescribed else ["textual"]
    summary = info.summary
    if described and not undescribed:
        summary += " Every image has a text alternative."
    if decorative:
        summary += " Decorative images are marked so that reading software passes over them."
    metas = [("schema:accessMode", m) for m in modes]
    metas.append(("schema:accessModeSufficient", "textual" if not undescribed else "textual,visual"))
    metas += [("schema:accessibilityFeature", f) for f in features]
    metas.append(("schema:accessibilityHazard", "none"))
    metas.append(("schema:accessibilitySummary", summary))
    if not undescribed:  # an image without a text alternative fails WCAG 1.1.1: no claim then
        metas.append(("dcterms:conformsTo", CONFORMS_TO))
    metas.append(("a11y:certifiedBy", info.certified_by))
    block = "".join(f'\n    <meta property="{p}">{escape(v, quote=False)}</meta>' for p, v in metas)
    return opf.replace("\n  </metadata>", block + "\n  </metadata>", 1)
