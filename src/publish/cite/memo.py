"""Caches inside one :class:`publish.cite.engine.Processor`: a render is kept under exactly what it reads.

A document cites the same few items hundreds of times, and disambiguation renders every item several
times over; citeproc-py renders each from its element tree again every time. What one item's render
reads is: its reference (fixed once the engine is set up, but for the disambiguation state the engine
writes into ``_``-prefixed keys and ``year_suffix``), its own cite's fields (locator, mode, ...), the note
its citation stands in, whether the item was cited before -- and, in styles with CSL positions (ibid,
near-note, first-reference-note-number), the citation history and the other cites of its citation.

The history is the one input that is not a small value. So it is not keyed on: reading it is *seen*.
:class:`History` (the engine's list of earlier cites) and :class:`CitedCluster` (a citation's own
cites) mark every read while a render is watched, and a render that read either is not kept. Whatever a
rule in :mod:`.patches` comes to read about the past, it reads through one of those two, so a new rule
cannot make a kept render wrong; it can only make fewer renders kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from citeproc import Citation, CitationItem, CitationStylesBibliography
from citeproc.source import VariableError

# One list of flags per watched block (renders run one thread at a time, under patches.LOCK).
_watching: list[list[bool]] = []


def _seen() -> None:
    for frame in _watching:
        frame[0] = True


@contextmanager
def watch() -> Iterator[list[bool]]:
    """A block whose reads of the citation history are noted: ``flag[0]`` is True after one."""
    frame = [False]
    _watching.append(frame)
    try:
        yield frame
    finally:
        _watching.remove(frame)


class History(list):
    """The engine's earlier cites (``CitationStylesBibliography._cites``, the citation element's
    ``cites``): every read is noted (see :func:`watch`)."""

    def __iter__(self) -> Iterator[Any]:
        _seen()
        return super().__iter__()

    def __len__(self) -> int:
        _seen()
        return super().__len__()

    def __getitem__(self, index: Any) -> Any:
        _seen()
        return super().__getitem__(index)

    def __contains__(self, value: object) -> bool:
        _seen()
        return super().__contains__(value)

    def __reversed__(self) -> Iterator[Any]:
        _seen()
        return super().__reversed__()

    def index(self, *args: Any) -> int:
        _seen()
        return super().index(*args)

    def count(self, value: Any) -> int:
        _seen()
        return super().count(value)

    def copy(self) -> list[Any]:
        _seen()
        return super().copy()


class MemoBibliography(CitationStylesBibliography):
    """citeproc-py's bibliography whose list of earlier cites is always a :class:`History`, however the
    engine resets it (``bib._cites = []``)."""

    @property  # type: ignore[override]
    def _cites(self) -> History:
        return self.__dict__["_cites"]

    @_cites.setter
    def _cites(self, value: list[Any]) -> None:
        self.__dict__["_cites"] = value if isinstance(value, History) else History(value)


class CitedCluster(Citation):
    """A citation whose list of cites (what an item's render may compare itself with: "ibid" needs the
    previous citation to hold one cite) is noted when read."""

    def __getattr__(self, name: str) -> Any:
        if name == "cites":
            _seen()
        try:
            return dict.__getitem__(self, name)
        except KeyError:
            raise VariableError from None


class CitedItem(CitationItem):
    """A cited item whose reference is looked up once (citeproc-py goes item -> citation -> bibliography
    -> source on every variable a style asks for: the most called function of a render)."""

    @property
    def reference(self) -> Any:
        try:
            return self.__dict__["_publish_reference"]
        except KeyError:
            ref = self.__dict__["_publish_reference"] = self.citation.bibliography.source[self.key]
            return ref

    def __getattr__(self, name: str) -> Any:
        try:
            return dict.__getitem__(self, name)
        except KeyError:
            raise VariableError from None


def _frozen(value: Any) -> Any:
    """A hashable picture of a value the engine keeps on an item or reference."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if hasattr(value, "__dict__"):  # a Locator: label and identifier
        return (type(value).__name__, _frozen(vars(value)))
    return (type(value).__name__, id(value))  # unknown: only the same object is the same value


def item_key(item: Any, subsequent: bool) -> tuple[Any, ...] | None:
    """What a render of ``item`` reads besides the history, or None when it cannot be known (an item or
    citation the engine made without these classes, so its reads of the history would go unseen)."""
    if not isinstance(item, CitedItem):
        return None
    citation = dict.get(item, "citation")
    if not isinstance(citation, CitedCluster):
        return None
    own = tuple(sorted((k, _frozen(v)) for k, v in item.items() if k not in ("citation", "_spec")))
    spec = dict.get(item, "_spec")
    spec_state = None if spec is None else _frozen({k: v for k, v in vars(spec).items() if k != "index"})
    reference = item.reference
    state = tuple(sorted((k, _frozen(v)) for k, v in reference.items() if k.startswith("_") or k == "year_suffix"))
    return own, spec_state, dict.get(citation, "note_number", 0), subsequent, state


class RenderMemo:
    """Renders kept by :func:`item_key`, with what a render leaves behind for the engine to read.

    ``RenderMemo.enabled = False`` renders everything afresh: ``tests/unit/test_cite_memo.py`` compares
    the two on the CSL suite and the harness corpus, so a rule that starts reading a new input of a
    render (which must then become part of :func:`item_key`) is caught there."""

    enabled = True

    def __init__(self) -> None:
        self.renders: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self.sorts: dict[tuple[Any, ...], tuple[int, ...]] = {}
        self.hits = 0
        self.misses = 0


__all__ = ["CitedCluster", "CitedItem", "History", "MemoBibliography", "RenderMemo", "item_key", "watch"]
