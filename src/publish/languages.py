"""Language tags: which are real, which of several texts a reader of one language gets, and what each
language is called in itself.

CLDR's data (through Babel, already pinned for the dates) says which languages exist and how they are
written: a tag whose language CLDR does not know is a typo far more often than a language, and is refused.
Choosing among a brand's translations is RFC 4647's *lookup* (section 3.4): the reader's tag is cut from
the right until a translation has it (``es-MX`` -> ``es``), then a translation of the same language in
another region stands in (``es`` finds ``es-ES``); nothing found is the caller's fallback, which it reports.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@functools.lru_cache(maxsize=256)
def _locale(tag: str) -> Any:
    """Babel's Locale for the longest prefix of ``tag`` CLDR knows, or None when it knows not even the
    language."""
    from babel import Locale, UnknownLocaleError

    parts = tag.replace("_", "-").split("-")
    for n in range(len(parts), 0, -1):
        try:
            return Locale.parse("-".join(parts[:n]), sep="-")
        except (UnknownLocaleError, ValueError):
            continue
    return None


def is_known(tag: str) -> bool:
    """True for a well-formed tag whose language CLDR knows (``es-MX``, ``zh-Hans``, ``ar``)."""
    return bool(TAG.match(tag)) and _locale(tag) is not None


def candidates(tag: str) -> list[str]:
    """RFC 4647 lookup's fallback list for ``tag``, lowercased: ``zh-hans-cn``, ``zh-hans``, ``zh``."""
    parts = tag.lower().replace("_", "-").split("-")
    out = []
    for n in range(len(parts), 0, -1):
        if n < len(parts) and len(parts[n - 1]) == 1:  # never end on a singleton (x-, u-)
            continue
        out.append("-".join(parts[:n]))
    return out


def lookup(tag: str, available: Iterable[str]) -> str | None:
    """The one of ``available`` a reader of ``tag`` gets: the longest match of :func:`candidates`, else one
    of the same language in another region or script; None when none is that language."""
    have = {a.lower(): a for a in available}
    for c in candidates(tag):
        if c in have:
            return have[c]
    primary = candidates(tag)[-1]
    return next((a for low, a in have.items() if low.split("-")[0] == primary), None)


def endonym(tag: str) -> str:
    """The language's name in itself, capitalised as a menu item: "Español", "Deutsch", "العربية", "中文"."""
    locale = _locale(tag)
    if locale is None:
        return tag
    # a script is part of the name where it tells editions apart: "中文 (简体)"
    name = (locale.get_display_name(locale) if locale.script else locale.get_language_name(locale)) or tag
    return name[:1].upper() + name[1:]


def is_rtl(tag: str) -> bool:
    """True for a language written right to left (CLDR's character order: Arabic, Hebrew, Persian, Urdu)."""
    locale = _locale(tag)
    return locale is not None and locale.character_order == "right-to-left"


class Texts(NamedTuple):
    """One text in several languages, in the order written (the first is the fallback), and where it is
    written, for the warning that a reader's language is missing."""

    values: tuple[tuple[str, str], ...]  # (tag as written, text)
    field: str  # the key, dotted: defaults.publish.crisis
    line: int | None = None
    col: int | None = None

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(tag for tag, _ in self.values)

    def pick(self, lang: str) -> tuple[str, bool]:
        """The text for a reader of ``lang``, and whether it is in that language (False: the first one
        stands in)."""
        found = lookup(lang, self.languages)
        texts = dict(self.values)
        if found is None:
            return self.values[0][1], False
        return texts[found], True

    def __str__(self) -> str:
        return self.values[0][1]


def is_translations(value: Any) -> bool:
    """A mapping from language tags to text: ``{en: "...", es: "..."}``."""
    return (isinstance(value, dict) and bool(value)
            and all(isinstance(k, str) and TAG.match(k) for k in value))


def read_translations(value: dict[Any, Any], field: str, place: tuple[int | None, int | None] = (None, None),
                      ) -> tuple[Texts | None, list[tuple[str, str]]]:
    """``value`` as :class:`Texts`, or None with its problems, each (problem, hint), the problem phrased to
    follow the key's name: "names 'xx', which is not a language CLDR knows"."""
    problems: list[tuple[str, str]] = []
    values = []
    for tag, text in value.items():
        if not is_known(tag):
            problems.append((f"names '{tag}', which is not a language CLDR knows",
                             "use a BCP 47 tag such as en, es or zh-Hans"))
        elif isinstance(text, bool) or not isinstance(text, str | int | float) or not str(text).strip():
            problems.append((f"has no text for '{tag}'", f'write {tag}: "..." under it'))
        else:
            values.append((tag, str(text).strip()))
    if problems:
        return None, problems
    return Texts(tuple(values), field, *place), []


def first_strong(text: str) -> str | None:
    """"ltr" or "rtl" by the first letter with a strong direction (Unicode's rules P2 and P3), or None."""
    import unicodedata

    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def script_of(tag: str) -> str:
    """The ISO 15924 script a language is written in: its tag's (zh-Hans), else CLDR's likely one (ar: Arab,
    zh: Hans, he: Hebr, es: Latn)."""
    from babel.core import get_global

    locale = _locale(tag)
    if locale is None:
        return "Zyyy"
    if locale.script:
        return str(locale.script)
    likely = get_global("likely_subtags")
    for key in (str(locale), locale.language):
        parts = str(likely.get(key, "")).split("_")
        if len(parts) > 1 and len(parts[1]) == 4:
            return parts[1]
    return "Latn"
