"""A citation style's published adaptation to the reader's language, where the CSL file cannot say it.

APA in Spanish writes "y" between the last two names, with no comma before it, where the English edition
writes "&": "(Safran y Muran, 2000)", "Safran, J. D. y Muran, J. C. (2000)". That is the rule of the APA's
own Spanish edition of the 7th-edition manual (*Manual de Publicaciones de la American Psychological
Association*, 4.a ed. en español, 2021) and of the Spanish guides that follow it; Spanish puts no comma
before "y". apa.csl asks for ``and="symbol"`` with ``delimiter-precedes-last="always"`` in every
language (CSL has no per-language form of an attribute), and pandoc's citeproc keeps the "&". So, for a
style of the APA family (its id's last part starts with "apa") read in a Spanish locale, each
``<name and="symbol">`` becomes ``and="text"`` (the locale's term: "y" in es-ES) and
``delimiter-precedes-last="never"``. A style asking for the word already gets the locale's; other
languages keep the style as written (German APA, the DGPs guidelines, keeps "&"). See docs/citations.md.
"""

from __future__ import annotations

from typing import Any

CSL = "http://purl.org/net/xbiblio/csl"


def _is_apa(root: Any) -> bool:
    ident = root.findtext(f"{{{CSL}}}info/{{{CSL}}}id") or ""
    return ident.rstrip("/").rsplit("/", 1)[-1].startswith("apa")


def adapted(data: bytes, locale: str | None) -> bytes:
    """The style ``data`` as read in ``locale``: changed only for a rule above, else the same bytes."""
    if not locale or locale.split("-")[0].lower() != "es" or b'and="symbol"' not in data:
        return data
    from lxml import etree

    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError:
        return data  # the loader reports it, with its line
    if not _is_apa(root):
        return data
    for name in root.iter(f"{{{CSL}}}name"):
        if name.get("and") == "symbol":
            name.set("and", "text")
            name.set("delimiter-precedes-last", "never")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
