"""Plainer words for the ones a handout uses: the shipped list (``data/plain-words.tsv``) matched in its text.

The list is English: it is offered for English handouts only (a German handout's "Diagnose" is not
the English "diagnosis"). Matching is by whole word or phrase, ignoring case, with a plural ``s``
allowed, so "individuals" and "Utilize" are found but "condition" is not found in "conditioning".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

SOURCE = ("Centers for Disease Control and Prevention, Everyday Words for Public Health Communication (2016); "
          "NIH and U.S. Federal Plain Language Guidelines")


@dataclass(frozen=True)
class Suggestion:
    term: str
    plain: str
    count: int


@functools.cache
def word_list() -> dict[str, str]:
    """term -> plainer choice(s), from the shipped file."""
    text = resources.files("publish").joinpath("data/plain-words.tsv").read_text(encoding="utf-8")
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, plain = line.split("\t")
        pairs[term.strip()] = plain.strip()
    return pairs


@functools.cache
def _pattern() -> re.Pattern[str]:
    # longest first, so "adverse event" wins over "adverse"
    terms = sorted(word_list(), key=lambda t: (-len(t), t))
    alternatives = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in terms)
    return re.compile(rf"(?<![\w-])({alternatives})(?:s|es)?(?![\w-])", re.IGNORECASE)


def suggestions(units: list[str], lang: str) -> list[Suggestion]:
    """The listed terms the text uses, most used first, each with its plainer choice."""
    if not lang.lower().startswith("en"):
        return []
    pairs = word_list()
    counts: dict[str, int] = {}
    pattern = _pattern()
    for unit in units:
        for m in pattern.finditer(unit):
            term = " ".join(m.group(1).lower().split())
            counts[term] = counts.get(term, 0) + 1
    return [Suggestion(t, pairs[t], n) for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
