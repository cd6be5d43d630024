"""Which fonts a handout needs, and a clear error instead of missing-glyph boxes.

A brand's own faces usually cover Latin only; ``defaults.publish.fonts`` names a fallback family per
script (``Arab: Noto Sans Arabic``), declared with its files in ``typography.fonts``. Every family is in
the stylesheets' font stacks, so browsers and WeasyPrint fall back letter by letter; a handout gets the
faces its letters need (a Latin-only PDF or e-book embeds no Chinese font). Its own script's letters must
all be in some face of the brand: a letter in none would print as a box, so that is an error naming the
language, the script and what to add. Coverage is read from the fonts' character maps (fontTools).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PublishError

if TYPE_CHECKING:
    from .brand import Brand
    from .document import Document

#: The first word of Unicode's character names for the letters of each script we check, by ISO 15924 code.
SCRIPT_NAMES = {"Arab": ("ARABIC",), "Hebr": ("HEBREW",), "Hans": ("CJK",), "Hant": ("CJK",),
                "Jpan": ("CJK", "HIRAGANA", "KATAKANA"), "Kore": ("HANGUL",), "Cyrl": ("CYRILLIC",),
                "Grek": ("GREEK",), "Deva": ("DEVANAGARI",), "Thai": ("THAI",)}
_SKIP = {"Code", "CodeBlock", "Math", "RawInline", "RawBlock"}


@functools.lru_cache(maxsize=64)
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def family_covers(brand: Brand, family: str) -> frozenset[int]:
    """Every character some face of ``family`` has (its .ttf where the brand ships one: cheaper to read)."""
    out: set[int] = set()
    for f in brand.fonts:
        if f.family == family:
            out |= _cmap(f.uncompressed().path)
    return frozenset(out)


def letters(doc: Document) -> set[str]:
    """The letters and digits a reader sees: title and body text, not code, math or raw markup."""
    out: set[str] = set(doc.settings.title)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("t") in _SKIP:
                return
            if node.get("t") == "Str":
                out.update(node["c"])
                return
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc.ast.get("blocks", []))
    # The PDF's worker gets the document with its body already written and its blocks cut down to the
    # headings (formats.base.with_written_body): the body's letters are then in that HTML. Its markup adds
    # only ASCII, which every base face covers, so it asks for no fallback face.
    for body in doc.bodies.values():
        out.update(body)
    return {ch for ch in out if unicodedata.category(ch)[0] in "LN"}


def needed_families(doc: Document, brand: Brand) -> tuple[str, ...]:
    """The brand's base and heading families, and each fallback that has a letter of ``doc`` they lack."""
    own = (brand.base_family, brand.heading_family)
    have = frozenset().union(*(family_covers(brand, f) for f in own))
    missing = {ord(ch) for ch in letters(doc)} - have
    out = list(dict.fromkeys(own))
    for family in brand.fallbacks:
        covered = family_covers(brand, family)
        if missing & covered:
            out.append(family)
            missing -= covered
    return tuple(out)


def _in_script(ch: str, names: Iterable[str]) -> bool:
    return unicodedata.name(ch, "").split(" ")[0] in names


def check(doc: Document, brand: Brand) -> None:
    """Refuse a handout whose own script has letters no face of the brand covers (they would be boxes)."""
    from .languages import script_of

    lang = doc.settings.lang
    script = script_of(lang)
    names = SCRIPT_NAMES.get(script)
    if names is None:  # Latin and scripts we do not name: the brand's own fonts and the system's
        return
    have = frozenset().union(*(family_covers(brand, f.family) for f in brand.fonts))
    lost = sorted(ch for ch in letters(doc) if _in_script(ch, names) and ord(ch) not in have)
    if lost:
        sample = "".join(lost[:5]) + ("…" if len(lost) > 5 else "")
        raise PublishError(
            f"brand '{brand.name}' has no font for {lang} ({script} script): {len(lost)} letters would print as "
            f"boxes ({sample})", file=doc.source,
            hint=f"add a font family covering {script} to typography.fonts in "
                 f"styles/brands/{brand.name}/_brand.yml and name it under defaults.publish.fonts ({script}: "
                 "<family>); styles/fonts/ ships Noto Sans Arabic, Hebrew and SC")
