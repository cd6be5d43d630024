"""An output's element described as the browser half describes it (``npm/browser.js``: ``describe``), for
the validators that name a line of a file instead of an element: the Nu checker and EPUBCheck."""

from __future__ import annotations

from typing import Any

from lxml import etree
from lxml import html as lxml_html

BODY_CLASS = "article-body"  # the wrapper of the manuscript's body in the web page (html/article.html.j2)


def _local(el: Any) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return etree.QName(tag).localname.lower() if tag else ""


def _text(el: Any) -> str:
    return " ".join("".join(el.itertext()).split())


def _classes(el: Any) -> list[str]:
    return (el.get("class") or "").split()


def _key(el: Any) -> str:
    tag = _local(el)
    if tag == "img":
        return el.get("src") or ""
    if tag == "a":
        return (el.get("href") or "") + " " + _text(el)
    if tag == "table":
        cells = [c for c in el.iter() if _local(c) in ("td", "th")]
        return _text(cells[0]) if cells else ""
    return _text(el)[:80]


def describe(el: Any, body: Any | None) -> dict[str, Any]:
    """tag, region (body, title or template), nth among equal elements of the body, and what locates it."""
    tag = _local(el)
    inside = body is not None and (el is body or any(a is body for a in el.iterancestors()))
    nth = 0
    if inside:
        key = _key(el)
        for other in body.iter():
            if other is el:
                break
            if _local(other) == tag and _key(other) == key:
                nth += 1
    header = any("article-header" in _classes(a) for a in el.iterancestors())
    cells = [c for c in el.iter() if _local(c) in ("td", "th")] if tag == "table" else []
    return {"tag": tag, "region": "body" if inside else ("title" if header else "template"), "nth": nth,
            "src": el.get("src") or "", "href": el.get("href") or "", "alt": el.get("alt"),
            "text": _text(el)[:200], "cls": el.get("class") or "", "id": el.get("id") or "",
            "cell": _text(cells[0]) if cells else ""}


def parse(data: bytes, xml: bool) -> Any:
    if xml:
        return etree.fromstring(data, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    return lxml_html.document_fromstring(data)


def body_of(root: Any, xml: bool) -> Any | None:
    """The manuscript's part of a page: the web page's wrapper; an e-book chapter's whole body."""
    for el in root.iter():
        if not xml and BODY_CLASS in _classes(el):
            return el
        if xml and _local(el) == "body":
            return el
    return None


def at_line(root: Any, line: int) -> Any | None:
    """The element a validator's line points into: the last one that starts on or before it."""
    found = None
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.sourceline is not None and el.sourceline <= line:
            found = el
        elif el.sourceline is not None and el.sourceline > line:
            break
    return found


def selector(el: Any) -> str:
    """A short CSS path to the element, for a finding that cannot be located in the project."""
    parts = []
    while el is not None and isinstance(el.tag, str) and _local(el) not in ("html", ""):
        if el.get("id"):
            parts.insert(0, "#" + el.get("id"))
            break
        parent = el.getparent()
        same = [c for c in parent if _local(c) == _local(el)] if parent is not None else [el]
        parts.insert(0, _local(el) + (f":nth-of-type({same.index(el) + 1})" if len(same) > 1 else ""))
        el = parent
    return " > ".join(parts)
