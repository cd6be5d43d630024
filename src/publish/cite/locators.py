"""Locators from pandoc citation suffixes (``[@key, p. 33]``, ``[@key chap. 2]``, ``[@key, 33-35]``).

pandoc's Markdown reader leaves the locator inside the suffix; its citeproc parses it out with the
locale's locator terms. We do the same so that the style, not the author, decides how "p. 33" prints.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from citeproc import LOCALES_PATH
from lxml import etree

LOCATOR_TERMS = (
    "act appendix article-locator book canon chapter column elocation equation figure folio issue line note "
    "opus page paragraph part rule scene section sub-verbo supplement table timestamp title-locator verse "
    "version volume"
).split()
_CSL = "{http://purl.org/net/xbiblio/csl}"

# Forms pandoc accepts in any language (its English fallbacks).
_EXTRA = {
    "p": "page",
    "pp": "page",
    "pg": "page",
    "pgs": "page",
    "chap": "chapter",
    "ch": "chapter",
    "chs": "chapter",
    "sec": "section",
    "secs": "section",
    "para": "paragraph",
    "paras": "paragraph",
    "§": "section",
    "§§": "section",
    "¶": "paragraph",
    "¶¶": "paragraph",
    "fig": "figure",
    "figs": "figure",
    "vol": "volume",
    "vols": "volume",
    "no": "issue",
    "nos": "issue",
    "l": "line",
    "ll": "line",
    "n": "note",
    "nn": "note",
    "col": "column",
    "cols": "column",
    "bk": "book",
    "bks": "book",
    "pt": "part",
    "pts": "part",
    "v": "verse",
    "vv": "verse",
    "op": "opus",
    "opp": "opus",
    "art": "article-locator",
    "arts": "article-locator",
    "app": "appendix",
    "tbl": "table",
    "sc": "scene",
    "s.v": "sub-verbo",
    "supp": "supplement",
    "fol": "folio",
    "fols": "folio",
}


@lru_cache(maxsize=16)
def locator_terms(lang: str | None) -> tuple[tuple[str, str], ...]:
    """(lowercased form without final period, term name) for the locale and English, longest first."""
    table: dict[str, str] = {}
    for code in ("en-US", lang or "en-US"):
        path = Path(LOCALES_PATH) / f"locales-{code}.xml"
        if not path.is_file():
            continue
        root = etree.parse(str(path)).getroot()
        for term in root.iter(f"{_CSL}term"):
            name = term.get("name")
            if name not in LOCATOR_TERMS:
                continue
            forms = [term.text or ""] + [c.text or "" for c in term]
            for form in forms:
                form = form.strip().lower().rstrip(".")
                if form:
                    table[form] = name
    for form, name in _EXTRA.items():
        table.setdefault(form, name)
    return tuple(sorted(table.items(), key=lambda kv: -len(kv[0])))


_WORD = r"(?:[A-Za-z]{0,3}\d+[A-Za-z]{0,3}(?:[.:]\d+)*|[ivxlcdmIVXLCDM]+\b)"
_VALUE_RE = re.compile(rf"{_WORD}(?:\s*(?:[-\u2013\u2014,&+]|and)\s*{_WORD})*")


def parse_locator(suffix: str, lang: str | None) -> tuple[str | None, str | None, int]:
    """(label, value, characters of ``suffix`` consumed) or (None, None, 0) when there is no locator.

    ``suffix`` is the suffix's plain text with non-breaking spaces as spaces.
    """
    m = re.match(r"\s*,?\s*", suffix)
    pos = m.end() if m else 0
    rest = suffix[pos:]
    label = None
    low = rest.lower()
    for form, name in locator_terms(lang):
        if low.startswith(form):
            after = rest[len(form) :]
            if after.startswith("."):
                after = after[1:]
                used = len(form) + 1
            else:
                used = len(form)
                if after and after[0].isalpha():
                    continue
            stripped = after.lstrip()
            if not stripped or not (stripped[0].isdigit() or stripped[0] in "{ivxlcdmIVXLCDM"):
                continue
            label = name
            pos += used + (len(after) - len(stripped))
            rest = stripped
            break
    if rest.startswith("{"):
        depth = 0
        for i, ch in enumerate(rest):
            depth += ch == "{"
            depth -= ch == "}"
            if depth == 0:
                return label or "page", rest[1:i], pos + i + 1
        return None, None, 0
    vm = _VALUE_RE.match(rest)
    if not vm:
        return None, None, 0
    value = vm.group(0)
    if label is None and not value[0].isdigit():
        return None, None, 0
    # a trailing "and" or separator belongs to the suffix
    value = re.sub(r"(?:\s*(?:[-\u2013,&+]|and))+\s*$", "", value)
    return label or "page", value, pos + len(value)
