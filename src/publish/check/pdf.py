"""The printable handout, read back: what PDF/UA needs of it and what a reader's software needs.

Tagged, with the language set, every font embedded, an outline entry for every heading of the manuscript,
the title in the metadata, alternate text on every figure of the structure tree; its text extracts, and
the manuscript's paragraphs come out in the order they were written. pypdf reads the structure; pypdfium2
(publish's own dependency, the preview's thumbnails) extracts the text as a reader's software would.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..document import Document
from ..inlines import elements, plain_text
from .findings import ERROR, Raw
from .html import Meta

HYPHENS = "\\-\u00ad\u2010\u2011"


def canonical(text: str) -> str:
    """Text without whitespace, hyphens or quotes: line breaks, hyphenation and typography fall anywhere."""
    return re.sub(rf"[\s{HYPHENS}'\"‘’“”]+", "", text).casefold()


def letters(text: str) -> str:
    """Only the letters: footnote marks, maths and punctuation come out of a PDF in many ways, words in one."""
    return re.sub(r"[\W\d_]+", "", text).casefold()


def _fonts(reader: Any) -> dict[str, bool]:
    """Every font of every page (form XObjects included): name -> embedded."""
    found: dict[str, bool] = {}

    def embedded(font: Any) -> bool:
        font = font.get_object()
        if font.get("/Subtype") == "/Type3":
            return True
        if "/DescendantFonts" in font:
            return all(embedded(d) for d in font["/DescendantFonts"])
        desc = font.get("/FontDescriptor")
        if desc is None:
            return False
        desc = desc.get_object()
        return any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))

    def visit(resources: Any, seen: set[int]) -> None:
        if resources is None:
            return
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            obj = font.get_object()
            found[str(obj.get("/BaseFont", "?")).lstrip("/")] = embedded(obj)
        for xobj in (resources.get("/XObject") or {}).values():
            x = xobj.get_object()
            if x.get("/Subtype") == "/Form" and id(x) not in seen:
                seen.add(id(x))
                visit(x.get("/Resources"), seen)

    for page in reader.pages:
        visit(page.get("/Resources"), set())
    return found


def _figures(reader: Any) -> list[Any]:
    root = reader.trailer["/Root"].get("/StructTreeRoot")
    found: list[Any] = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop(0).get_object()
        if not hasattr(node, "get"):
            continue
        if node.get("/S") == "/Figure":
            found.append(node)
        kids = node.get("/K")
        if kids is None:
            continue
        kids = kids if isinstance(kids, list) else [kids]
        stack[:0] = [k for k in kids if hasattr(k.get_object(), "get")]
    return found


_RAW_FIGURE = re.compile(r"<(svg|img)\b[^>]*>(.*?</svg>)?", re.I | re.S)


def _undescribed(doc: Document) -> list[dict[str, Any]]:
    """The manuscript's raw HTML images that say nothing of what they show (Markdown images are refused
    without a description by the build itself): an ``<svg>`` without a ``<title>`` or label, an ``<img>``
    without ``alt``; each with its place among the raw tags of its kind."""
    found: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for node in elements(doc.ast.get("blocks", [])):
        if node.get("t") not in ("RawBlock", "RawInline") or node["c"][0] not in ("html", "html5"):
            continue
        for m in _RAW_FIGURE.finditer(node["c"][1]):
            tag = m.group(1).lower()
            nth = seen.get(tag, 0)
            seen[tag] = nth + 1
            whole = m.group(0)
            named = re.search(r"\baria-label(ledby)?\s*=", m.group(0).split(">", 1)[0], re.I) or (
                re.search(r"<title\b", whole, re.I) if tag == "svg" else re.search(r"\balt\s*=", whole, re.I))
            if not named:
                found.append({"tag": tag, "nth": nth})
    return found


def _outline_titles(outline: list[Any]) -> list[str]:
    out: list[str] = []
    for item in outline:
        out.extend(_outline_titles(item) if isinstance(item, list) else [str(item.title)])
    return out


def _blocks(doc: Document) -> list[tuple[str, str]]:
    """(tag, text) of the manuscript's headings and paragraphs in reading order (tables and notes aside)."""
    found: list[tuple[str, str]] = []

    def prune(node: dict[str, Any]) -> bool:
        return node.get("t") in ("Table", "Note", "Figure")

    for node in elements(doc.ast.get("blocks", []), prune):
        if node.get("t") == "Header":
            found.append((f"h{node['c'][0]}", plain_text(node["c"][2])))
        elif node.get("t") == "Para":
            found.append(("p", plain_text(node["c"])))
    return [(t, s) for t, s in found if canonical(s)]


def check(path: Path, doc: Document | None, meta: Meta) -> list[Raw]:
    from pypdf import PdfReader

    output, fmt, brand = meta
    found: list[Raw] = []

    def add(rule: str, message: str, hint: str, element: str = "", where: dict[str, Any] | None = None) -> None:
        found.append(Raw("pdf", rule, ERROR, message, output, fmt, brand, "", element, where, hint))

    try:
        reader = PdfReader(str(path))
        catalog = reader.trailer["/Root"]
    except Exception as exc:  # pypdf raises many kinds for a damaged file
        add("open", f"the PDF cannot be read ({exc})", "rebuild it: publish build --format pdf")
        return found
    mark = catalog.get("/MarkInfo")
    if not (mark and bool(mark.get_object().get("/Marked"))) or "/StructTreeRoot" not in catalog:
        add("tagged", "the PDF is not tagged", "keep the handout template's PDF/UA variant (pdf/handout.html.j2)",
            "/Root /MarkInfo", {"region": "template"})
    if not str(catalog.get("/Lang") or "").strip():
        add("lang", "the PDF's language is not set", "set lang: in the front matter", "/Root /Lang",
            {"region": "key:lang"})
    title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    if not str(title or "").strip():
        add("title", "the PDF has no title in its metadata", "give the manuscript a title: in its front matter",
            "/Info /Title", {"region": "title"})
    for name, embedded in sorted(_fonts(reader).items()):
        if not embedded:
            add("font-embedded", f"font {name} is not embedded",
                "use fonts the brand ships as files (typography.fonts in _brand.yml)", f"font {name}")
    bare = [n for n, fig in enumerate(_figures(reader), 1)
            if not str(fig.get("/Alt") or fig.get("/ActualText") or "").strip()]
    written = _undescribed(doc) if doc is not None else []
    for i, n in enumerate(bare):
        # The figures without alternate text are the manuscript's images written without one, in order; when
        # the counts differ, some came from elsewhere (a template) and none is placed.
        where = dict(written[i], region="body") if len(written) == len(bare) else None
        add("figure-alt", "image has no alternate text in the PDF's structure tree",
            "say what it shows: a <title> inside an <svg>, alt=\"...\" on an <img>",
            f"Figure {n} of the structure tree", where)
    if doc is None:
        return found
    outline = {canonical(t) for t in _outline_titles(reader.outline)}
    nth: dict[tuple[str, str], int] = {}
    for tag, text in _blocks(doc):
        key = (tag, text)
        nth[key] = nth.get(key, 0) + 1
        if tag.startswith("h") and canonical(text) not in outline:
            add("outline", f"heading \"{text}\" has no bookmark in the PDF's outline",
                "keep headings as Markdown headings (# lines), not bold paragraphs", f"heading {text}",
                {"tag": tag, "text": text, "region": "body", "nth": nth[key] - 1})
    pages = _page_texts(path)
    found += _reading_order(doc, pages, meta)
    return found


def _page_texts(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        texts = []
        for page in pdf:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return letters("\n".join(texts))
    finally:
        pdf.close()


def _reading_order(doc: Document, text: str, meta: Meta) -> list[Raw]:
    """Each paragraph's first and last words are found in the extracted text, after the paragraph before it.
    Head and tail, not the whole: page furniture may stand between the lines of a paragraph a page break
    splits."""
    output, fmt, brand = meta
    found: list[Raw] = []
    cursor = 0
    nth: dict[tuple[str, str], int] = {}
    for tag, plain in _blocks(doc):
        key = (tag, plain)
        nth[key] = nth.get(key, 0) + 1
        c = letters(plain)
        if not c:
            continue
        head, tail = c[:24], c[-24:]
        where = {"tag": tag, "text": plain, "region": "body", "nth": nth[key] - 1}
        at = text.find(head, cursor)
        if at < 0:
            if text.find(head) >= 0:
                rule, message = "reading-order", "text comes out of the PDF before the text written above it"
                hint = "check floats and positioned boxes in the print stylesheet"
            else:
                rule, message = "text", "text does not extract from the PDF as written"
                hint = "check the fonts' Unicode mapping and text drawn as images"
            found.append(Raw("pdf", rule, ERROR, message, output, fmt, brand, "", plain[:60], where, hint))
            continue
        end = text.find(tail, at)
        cursor = (end + len(tail)) if end >= 0 else at + len(head)
    return found
