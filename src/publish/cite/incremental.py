"""Incremental citing: a document's cited result kept under the digest of exactly what it is made of.

What citeproc renders for a document is a function of the style, the locale, the bibliography items
that are cited, and the ordered sequence of citation clusters (keys, modes, prefixes, suffixes -- the
locators are read from the suffixes --, the notes they stand in); and of our citation layer's code.
:func:`digest` hashes exactly those. An edit of the text between citations leaves the digest as it was,
so the rendered citations and bibliography are taken from the :class:`CiteMemo` and spliced into the
new AST with no engine at all (:mod:`.document` does the splicing, the same code for a fresh render and
a kept one). Any other change -- a citation added, removed, moved, a locator, an item's data, the style
or the locale -- changes the digest and the document is cited again from scratch: year suffixes,
disambiguation, positions and numbering are then whatever CSL makes of the new sequence, never a patch
over the old one.

The memo keeps one result per manuscript (in memory for a warm process such as ``serve``, and under
``build/.publish/cites/`` for the next build), so it is bounded by construction and lets go of a result
as soon as its input changes.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

#: A result written by another shape of this module is not read.
LAYOUT = 1


def copy_tree(node: Any) -> Any:
    """A copy of a pandoc JSON tree (dicts, lists and immutable leaves), several times faster than
    ``copy.deepcopy``, which a 200-page document spends a fifth of its citing time in."""
    if isinstance(node, dict):
        return {k: copy_tree(v) for k, v in node.items()}
    if isinstance(node, list):
        return [copy_tree(v) for v in node]
    if isinstance(node, tuple):
        return tuple(copy_tree(v) for v in node)
    return node


@lru_cache(maxsize=1)
def code_version() -> str:
    """The citation layer's own source and the engine's version: a changed rule re-cites everything."""
    from publish import __version__
    from publish.state import engine_versions

    # the engines' dist-info names (citeproc-py's among them), as the build's code digest reads them: a
    # directory listing, where importlib.metadata would cost a cold build's cite step more than the hashing
    h = hashlib.sha256(f"{__version__} {LAYOUT} {' '.join(engine_versions())}".encode())
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def style_hash(style: Path) -> str:
    return hashlib.sha256(Path(style).read_bytes()).hexdigest()


@dataclass
class ClusterKey:
    """One citation cluster as it enters the digest (see :func:`digest`)."""

    note_number: int
    in_note: bool
    items: list[tuple[str, str, list[dict], list[dict]]]  # (key, citationMode, prefix, suffix)


def digest(
    style_digest: str,
    lang: str | None,
    clusters: list[ClusterKey],
    nocite: list[str],
    references: list[dict],
    index_of: dict[str, int],
) -> str:
    """The digest of everything a document's citations and bibliography are rendered from.

    The cited items enter with their position in the bibliography file (the engine's internal ids
    follow it); items that are not cited do not enter at all.
    """
    h = hashlib.sha256()

    def put(value: Any) -> None:
        h.update(json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=repr).encode())
        h.update(b"\x00")

    put([code_version(), style_digest, lang])
    cited: list[str] = []
    for cluster in clusters:
        put([cluster.note_number, cluster.in_note, cluster.items])
        cited.extend(key for key, _, _, _ in cluster.items)
    put(["nocite", nocite])
    cited.extend(nocite)
    for key in dict.fromkeys(cited):
        i = index_of[key]
        put([i, references[i]])
    return h.hexdigest()


@dataclass
class Rendered:
    """What the engine made of a document, before it is spliced into the AST."""

    note_style: bool
    citations: list[list[dict]]  # pandoc inlines per Cite, in reading order (before notes are made)
    entries: list[tuple[str, list[dict]]] | None  # bibliography entries; None: the style has none
    bib_attrs: dict[str, str | None] = field(default_factory=dict)  # cs:bibliography's layout options


@dataclass
class Kept:
    digest: str
    style_digest: str
    rendered: Rendered


class CiteMemo:
    """One manuscript's last cited result, in this process and (with a ``path``) on disk.

    ``write=False`` reads but never writes (``--dry-run`` writes nothing)."""

    _memory: OrderedDict[str, Kept] = OrderedDict()
    _lock = threading.Lock()
    #: Results kept in memory by a long-lived process (one per manuscript path).
    MEMORY_SIZE = 32

    def __init__(self, path: Path | None = None, *, write: bool = True) -> None:
        self.path = path
        self.write = write
        self._key = str(path) if path is not None else ""
        self._own: Kept | None = None  # without a path: this object's own result, shared with no other

    def load(self) -> Kept | None:
        if self.path is None:
            return self._own
        with self._lock:
            kept = self._memory.get(self._key)
            if kept is not None:
                self._memory.move_to_end(self._key)
                return kept
        try:
            layout, kept = pickle.loads(self.path.read_bytes())
        except Exception:  # absent, half-written by a killed process, or another shape: cite afresh
            return None
        if layout != LAYOUT or not isinstance(kept, Kept):
            return None
        self._remember(kept)
        return kept

    def store(self, kept: Kept) -> None:
        if not self.write:
            return
        if self.path is None:
            self._own = kept
            return
        from publish.state import write_atomic

        self._remember(kept)
        write_atomic(self.path, pickle.dumps((LAYOUT, kept), protocol=pickle.HIGHEST_PROTOCOL))

    def _remember(self, kept: Kept) -> None:
        with self._lock:
            self._memory[self._key] = kept
            self._memory.move_to_end(self._key)
            while len(self._memory) > self.MEMORY_SIZE:
                self._memory.popitem(last=False)

    @classmethod
    def forget_all(cls) -> None:
        """Drop what this process keeps in memory (tests: a fresh process, the disk copy still there)."""
        with cls._lock:
            cls._memory.clear()


__all__ = ["CiteMemo", "ClusterKey", "Kept", "Rendered", "code_version", "copy_tree", "digest", "style_hash"]
