"""The e-books: EPUBCheck 5 (from the JVM half, ``jvm.py``) and Ace by DAISY (from the browser half).

A message's line inside a chapter is read back to the element it points into, like the Nu checker's.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import elements
from .findings import ERROR, WARNING, Raw
from .html import Meta
from .rules import message_for


def _chapter(book: Path, name: str, cache: dict[str, Any]) -> tuple[Any, Any] | None:
    if name not in cache:
        try:
            with zipfile.ZipFile(book) as zf:
                root = elements.parse(zf.read(name), xml=True)
            cache[name] = (root, elements.body_of(root, xml=True))
        except (KeyError, OSError, zipfile.BadZipFile, ValueError):
            cache[name] = None
    return cache[name]


def epubcheck_findings(report: Path, book: Path, meta: Meta) -> list[Raw]:
    """EPUBCheck's fatal errors, errors and warnings (its JSON report), each chapter's line read back to its
    element."""
    output, fmt, brand = meta
    try:
        messages = json.loads(report.read_text())["messages"]
    except (OSError, ValueError, KeyError):
        return [Raw("epubcheck", "run", ERROR, "EPUBCheck gave no report", output, fmt, brand,
                    hint="check that java runs: java -version")]
    found: list[Raw] = []
    parsed: dict[str, Any] = {}
    for m in messages:
        severity = {"FATAL": ERROR, "ERROR": ERROR, "WARNING": WARNING}.get(m.get("severity", ""))
        if severity is None:  # USAGE and INFO: advice, not a fault
            continue
        locations = m.get("locations") or [{}]
        for loc in locations[:5]:
            where, element = None, loc.get("path", "")
            if loc.get("line", -1) > 0:
                element += f":{loc['line']}:{max(loc.get('column', 1), 1)}"
            if element.endswith((".xhtml", ".html")) or ".xhtml:" in element:
                chapter = _chapter(book, loc.get("path", ""), parsed)
                if chapter and loc.get("line", -1) > 0:
                    el = elements.at_line(chapter[0], loc["line"])
                    if el is not None:
                        where = elements.describe(el, chapter[1])
            found.append(Raw("epubcheck", m.get("ID", ""), severity, m.get("message", "").rstrip("."), output,
                             fmt, brand, "", element, where))
    return found


def ace_findings(book: Mapping[str, Any], meta: Meta) -> list[Raw]:
    """Ace's violations ("serious" and "critical" are errors, "moderate" and "minor" warnings) and the
    accessibility metadata it found empty."""
    output, fmt, brand = meta
    if book.get("error"):
        return [Raw("ace", "run", ERROR, f"Ace could not check the e-book ({book['error']})", output, fmt, brand)]
    found: list[Raw] = []
    for f in book.get("findings", []):
        severity = ERROR if f.get("impact") in ("critical", "serious") else WARNING
        where = None
        if f.get("html"):
            try:
                root = elements.parse(f["html"].encode(), xml=False)
                el = root.find(".//body/*") if root.find(".//body/*") is not None else root
                where = elements.describe(el, None)
                where["region"] = "body"  # a chapter's body is the manuscript's; locate says if it is not
            except (ValueError, TypeError):
                where = None
        message, hint = message_for(f.get("rule", ""), f.get("message", ""), {
            "src": (where or {}).get("src", ""), "href": (where or {}).get("href", "")})
        element = f"{f.get('file', '')} {f.get('css', '')}".strip()
        found.append(Raw("ace", f.get("rule", ""), severity, message, output, fmt, brand, "", element, where, hint))
    for key in book.get("metadata", []):
        found.append(Raw("ace", "metadata", ERROR, f"accessibility metadata {key} is empty", output, fmt, brand,
                         "", "content.opf", {"region": "template"}, "check the e-book template's metadata"))
    return found
