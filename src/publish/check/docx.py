"""The reviewer's DOCX: it opens (a sound zip whose document and styles parse), and every heading of the
manuscript is a paragraph in a heading style (Word's navigation pane and a screen reader's headings list
come from the style's outline level, not from bold type)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from ..document import Document
from ..inlines import elements, plain_text
from .findings import ERROR, Raw
from .html import Meta
from .pdf import canonical

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _heading_styles(styles: etree._Element) -> set[str]:
    """Style ids that are headings: an outline level, or Word's built-in "heading N" names."""
    found = set()
    for style in styles.iter(f"{W}style"):
        sid = style.get(f"{W}styleId") or ""
        name = style.find(f"{W}name")
        label = (name.get(f"{W}val") if name is not None else "") or ""
        if style.find(f"{W}pPr/{W}outlineLvl") is not None or re.fullmatch(r"(?i)heading ?\d|title", label):
            found.add(sid)
    return found


def check(path: Path, doc: Document | None, meta: Meta) -> list[Raw]:
    output, fmt, brand = meta
    found: list[Raw] = []
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            body = etree.fromstring(zf.read("word/document.xml"))
            styles = etree.fromstring(zf.read("word/styles.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        return [Raw("docx", "open", ERROR, f"the DOCX does not open ({exc})", output, fmt, brand,
                    hint="rebuild it: publish build --format docx")]
    if bad:
        found.append(Raw("docx", "open", ERROR, f"the DOCX's part {bad} is damaged", output, fmt, brand))
    if doc is None:
        return found
    headings = _heading_styles(styles)
    paragraphs: dict[str, list[str]] = {}
    for p in body.iter(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        text = canonical("".join(t.text or "" for t in p.iter(f"{W}t")))
        if text:
            paragraphs.setdefault(text, []).append(style.get(f"{W}val") if style is not None else "")
    nth: dict[str, int] = {}
    for node in elements(doc.ast.get("blocks", [])):
        if node.get("t") != "Header":
            continue
        text = plain_text(node["c"][2])
        key = canonical(text)
        n = nth.get(key, 0)
        nth[key] = n + 1
        styles_of = paragraphs.get(key, [])
        if n < len(styles_of) and styles_of[n] in headings:
            continue
        where = {"tag": f"h{node['c'][0]}", "text": text, "region": "body", "nth": n}
        found.append(Raw("docx", "heading-style", ERROR, f"heading \"{text}\" is not in a heading style",
                         output, fmt, brand, "", f"paragraph {text[:40]}", where,
                         "keep it a Markdown heading; a brand's DOCX styles must keep Word's heading styles"))
    return found
