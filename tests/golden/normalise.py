"""Normalise a built page to its article, one element per line, for golden comparison."""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

GOLDEN = Path(__file__).resolve().parent


def golden_name(page: Path) -> str:
    return f"{page.stem}.{page.parent.name}.article.html"


def article_html(page: Path) -> str:
    """The <article> element, pretty-printed: stable across runs, readable in a diff."""
    root = lxml_html.parse(str(page)).getroot()
    article = root.xpath("//article")[0]
    for el in article.iter():
        if el.text and not el.text.strip():
            el.text = None
        if el.tail and not el.tail.strip():
            el.tail = None
    return etree.tostring(article, encoding="unicode", pretty_print=True, method="html")
