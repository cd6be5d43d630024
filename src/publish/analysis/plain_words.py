"""Plainer words for the ones a handout uses: the shipped list (``data/plain-words.tsv``) matched in its text.

The list is English: it is offered for English handouts only (a German handout's "Diagnose" is not
the English "diagnosis"). Matching is by whole word or phrase, ignoring case, with a plural ``s``
or ``es`` allowed, so "individuals" and "Utilize" are found but "condition" is not found in
"conditioning" (nor in "condition-like": a hyphenated word is one word).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

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
    text = (Path(__file__).parents[1] / "data" / "plain-words.tsv").read_text(encoding="utf-8")
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, plain = line.split("\t")
        pairs[term.strip()] = plain.strip()
    return pairs


_WORD = re.compile(r"[\w'’-]+")


@functools.cache
def _longest() -> int:
    return max(len(term.split()) for term in word_list())


def _forms(phrase: str) -> tuple[str, ...]:
    """The phrase, then without a plural ending on its last word ("individuals", "individual")."""
    forms = [phrase]
    for ending in ("es", "s"):
        if phrase.endswith(ending) and len(phrase) > len(ending) + 2:
            forms.append(phrase[: -len(ending)])
    return tuple(forms)


def suggestions(units: list[str], lang: str) -> list[Suggestion]:
    """The listed terms the text uses, most used first, each with its plainer choice. Each run of words is
    tried from the longest phrase down, so "adverse event" wins over "adverse" (a dict look-up per run,
    where one regular expression of every term costs more to compile than the whole search)."""
    if not lang.lower().startswith("en"):
        return []
    pairs = word_list()
    longest = _longest()
    counts: dict[str, int] = {}
    for unit in units:
        words = [w.lower().replace("’", "'") for w in _WORD.findall(unit)]
        i = 0
        while i < len(words):
            for n in range(min(longest, len(words) - i), 0, -1):
                term = next((f for f in _forms(" ".join(words[i:i + n])) if f in pairs), None)
                if term is not None:
                    counts[term] = counts.get(term, 0) + 1
                    i += n
                    break
            else:
                i += 1
    return [Suggestion(t, pairs[t], n) for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
