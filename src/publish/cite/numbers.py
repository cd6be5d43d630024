"""Number variables and locators: which hyphens are ranges, how a range prints, when a label is plural.

CSL 1.0.2 leaves the reading of "110-5" or "N110-P5" to the processor; citeproc-js (and pandoc) read it
so, and we follow them:
- a range is two numbers with the same prefix, or none ("110-15", "N110-N115", "i-ix"): its hyphen
  becomes the range delimiter (an en dash, or the locale's page-range-delimiter for pages) and, for
  pages and page locators, ``page-range-format`` shortens or expands its second number;
- anything else keeps its hyphen as written: "N110-5", "110-N6", "3-B", "Michaelson-Morely";
- a backslash escapes a hyphen: "327\\-30" prints "327-30" and is one page, not a range;
- spaces around a range's hyphen go ("100 - 103" -> "100–103"); pieces joined by "," or "&" print with
  ", " and " & ".
A label is plural when the value holds a range or several pieces.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_PIECES = re.compile(r"\s*(,|&)\s*")
_NUMBERED = re.compile(r"^(.*?)(\d+)$")
_ROMAN = re.compile(r"^(?=[ivxlcdm]+$)m*(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.I)
_HYPHENS = "-\u2010\u2013"
_SPLIT = re.compile(r"\s*(?<!\\)[-\u2010\u2013]\s*")


def _range(piece: str) -> tuple[str, str] | None:
    """The two ends of a range, or None when the hyphen is part of the text."""
    ends = _SPLIT.split(piece.strip())
    if len(ends) != 2 or not all(ends):
        return None
    first, last = ends
    if _ROMAN.match(first) and _ROMAN.match(last):
        return first, last
    m1, m2 = _NUMBERED.match(first), _NUMBERED.match(last)
    if not m1 or not m2:
        return None
    if m2.group(1) and m2.group(1) != m1.group(1):
        return None  # "110-N6", "N110-P5": not one range
    if m1.group(1) and not m2.group(1):
        return None  # "N110-5": the second number has lost the first's prefix
    return first, last


def format_numbers(
    value: str,
    delimiter: str,
    last_page: Callable[[str, str], str] | None = None,
    number: Callable[[str], str] = str,
    first_only: bool = False,
    ampersand: str = "&",
) -> str:
    """Print ``value`` (a page, a number variable, a locator) with its ranges as ranges.

    ``last_page(first, last)`` shortens or expands a range's second number (page-range-format);
    ``number`` prints each number (cs:number's ordinal or roman forms); ``first_only``: page-first."""
    out: list[str] = []
    for n, piece in enumerate(_PIECES.split(str(value).strip())):
        if n % 2:
            out.append(", " if piece == "," else f" {ampersand} ")
            continue
        ends = _range(piece)
        if ends is None:
            # not a range: the hyphen stays as written, without the spaces around it ("N110 - 5")
            text = re.sub(r"\s*(?<!\\)([-\u2010])\s*", r"\1", piece.strip())
            out.append(number(text.replace("\\-", "-").replace("\\", "")))
            continue
        first, last = ends
        if first_only:
            out.append(number(first))
            break
        if last_page is not None:
            m1, m2 = _NUMBERED.match(first), _NUMBERED.match(last)
            if m1 and m2:
                shortened = last_page(m1.group(2), m2.group(2))
                # a shortened second number drops the shared prefix ("n11564–68"), a full one keeps it
                last = (m2.group(1) if len(shortened) >= len(m1.group(2)) else "") + shortened
        out.append(number(first) + delimiter + number(last))
    return "".join(out)


_SEVERAL = re.compile(r"\d+\s+\S+\s+\d+")  # "213 and 235", "213 et 235"


def is_plural(value: str) -> bool:
    """A value of several numbers: a range, pieces joined by "," or "&", or numbers joined by a word."""
    pieces = _PIECES.split(str(value).strip())
    if len(pieces) > 1:
        return True
    return _range(pieces[0]) is not None or _SEVERAL.search(pieces[0]) is not None


__all__ = ["format_numbers", "is_plural"]
