"""A shared, content-addressed cache of step outputs (``--cache DIR`` or ``PUBLISH_CACHE``).

Each render and index step is a pure function of its digest (its name, settings and input hashes; the
settings carry publish's code digest and the engines' versions). So one laptop's, CI's or a cluster's
result can serve another project copy with the same inputs. The cache is a plain folder, local or on a
network mount, that any number of builds may share, or an fsspec URL such as ``s3://bucket/prefix``
(cache_store.py) with the same layout:

``objects/ab/<sha256>``
    each output file's bytes, named by their hash (shared by every entry that has them: a brand's
    fonts and stylesheet are in every one of its web pages' results);
``steps/ab/<key>.json``
    one entry per step result: its files (project-relative path -> hash); ``key`` hashes the step
    digest, the engines' versions and the environment that shapes outputs (SOURCE_DATE_EPOCH). A cite
    step's digest knows only its manuscript; its entry also records the files the step found as it read
    (bibliography, style, images), and serves only a project whose files have those hashes, the same
    test the build's own records make.

Every write goes to a temporary name and is renamed into place, so readers see an entry whole or not at
all. A hit is checked: an object whose bytes do not hash to its name is reported, removed and the step
rebuilt (which stores it again). A hit touches its entry, so ``prune`` removes the least recently used
first.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

from .cache_store import FolderStore, FsspecStore, Store, is_url
from .errors import PublishError, Warning_

#: Part of every key: a change to the entry layout or key recipe makes old entries unreachable, not wrong.
LAYOUT = "publish-cache-1"

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$", re.I)


def parse_size(text: str) -> int:
    """``2GB``, ``500M``, ``1.5GiB``, ``100000`` -> bytes (powers of 1024: a disk's sizes)."""
    m = _SIZE.match(text)
    if not m:
        raise PublishError(f"--max-size '{text}' is not a size", hint="write a number of bytes, or e.g. 500MB, 2GB")
    return int(float(m.group(1)) * 1024 ** " kmgt".index(m.group(2).lower() or " "))


def human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


class Stats(NamedTuple):
    entries: int
    objects: int
    size: int  # bytes of every object and entry


class Cache:
    """One cache, in a folder or at an fsspec URL (cache_store.py). ``warn`` receives one line per damaged
    entry found."""

    def __init__(self, place: Store | Path, warn: Callable[[str], None] | None = None) -> None:
        self.backend: Store = FolderStore(place) if isinstance(place, Path) else place
        #: How builds and ``publish cache`` name it: the folder, or the URL.
        self.folder: Path | str = self.backend.folder if isinstance(self.backend, FolderStore) else self.backend.where
        self.warn = warn or (lambda line: None)
        self.hits = 0

    @classmethod
    def open(cls, folder: str | Path, warn: Callable[[str], None] | None = None) -> Cache:
        if isinstance(folder, str) and is_url(folder):
            return cls(FsspecStore(folder), warn)
        path = Path(str(folder).removeprefix("file://")).expanduser()
        if path.exists() and not path.is_dir():
            raise PublishError("the cache is not a folder", file=str(path), hint="give --cache a folder (or none)")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PublishError(f"cannot make the cache folder ({exc.strerror})", file=str(path),
                               hint="give --cache a folder you can write to") from None
        return cls(path, warn)

    # Keys and places -------------------------------------------------------------------------------------

    @staticmethod
    def key(digest: str) -> str:
        """The entry for a step digest: the engines' versions and the output-shaping environment are in
        the step's settings too, and are hashed in again so no key recipe elsewhere can drop them."""
        from .state import engine_versions

        parts = [LAYOUT, digest, list(engine_versions()), os.environ.get("SOURCE_DATE_EPOCH")]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    @staticmethod
    def _entry(key: str) -> str:
        return f"steps/{key[:2]}/{key}.json"

    @staticmethod
    def _object(sha: str) -> str:
        return f"objects/{sha[:2]}/{sha}"

    # Use -------------------------------------------------------------------------------------------------

    def load(self, digest: str, name: str = "", hash_of: Callable[[str], str | None] | None = None,
             ) -> dict[str, bytes] | None:
        """The files a step with this digest made, or None (never seen, or damaged: then reported and
        removed, so the rebuilt result replaces it). An entry stored with ``inputs`` (files found while
        the step ran, as a cite step finds a manuscript's bibliography and images) is a hit only if
        ``hash_of`` gives each of them its recorded hash here too."""
        entry = self._entry(self.key(digest))
        store = self.backend
        try:
            raw = store.read(entry)
            record = json.loads(raw)
            files = record["files"]
            found = record.get("inputs", {})
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self._damaged(entry, name, "its record is unreadable")
            return None
        if found and (hash_of is None or any(hash_of(path) != sha for path, sha in found.items())):
            return None  # made from other files than this project's: not a result for these inputs
        out: dict[str, bytes] = {}
        for rel, sha in files.items():
            obj = self._object(sha)
            try:
                data = store.read(obj)
            except OSError:
                self._damaged(entry, name, f"{rel} is missing from it")
                return None
            if hashlib.sha256(data).hexdigest() != sha:
                store.delete(obj)
                self._damaged(entry, name, f"{rel} does not match its recorded hash")
                return None
            out[rel] = data
        store.used(entry, raw)  # recently used: pruned last
        self.hits += 1
        return out

    def store(self, digest: str, files: Mapping[str, bytes], inputs: Mapping[str, str] | None = None) -> None:
        """Keep a step's files under its digest (objects first, so an entry never names a missing one),
        with the hashes of the ``inputs`` it found as it ran."""
        names = {}
        for rel, data in sorted(files.items()):
            sha = hashlib.sha256(data).hexdigest()
            obj = self._object(sha)
            if self.backend.size(obj) != len(data):
                self.backend.write(obj, data)
            names[rel] = sha
        record = {"files": names, "inputs": dict(inputs)} if inputs else {"files": names}
        self.backend.write(self._entry(self.key(digest)), json.dumps(record, sort_keys=True).encode())

    def _damaged(self, entry: str, name: str, why: str) -> None:
        self.backend.delete(entry)
        where = f" for {name}" if name else ""
        self.warn(Warning_(f"cache entry{where} is damaged ({why})", file=self.backend.where,
                           hint="ignored; the step is rebuilt and its entry replaced").format())

    # Housekeeping ----------------------------------------------------------------------------------------

    def stats(self) -> Stats:
        entries = [size for name, size, _ in self.backend.listing("steps") if name.endswith(".json")]
        objects = [size for _name, size, _ in self.backend.listing("objects")]
        return Stats(len(entries), len(objects), sum(entries) + sum(objects))

    def prune(self, max_size: int) -> tuple[int, int]:
        """Remove the least recently used entries until the cache holds at most ``max_size`` bytes, then
        every object no remaining entry names. Returns (entries removed, bytes freed)."""
        store = self.backend
        entries = sorted((e for e in store.listing("steps") if e[0].endswith(".json")), key=lambda e: e[2])
        named: dict[str, set[str]] = {}
        for entry, _size, _mtime in entries:
            try:
                named[entry] = set(json.loads(store.read(entry))["files"].values())
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                named[entry] = set()
        objects = {name.rsplit("/", 1)[-1]: size for name, size, _ in store.listing("objects")}
        users: dict[str, int] = {}
        for shas in named.values():
            for sha in shas:
                users[sha] = users.get(sha, 0) + 1
        before = sum(objects.values()) + sum(size for _, size, _ in entries)
        total = sum(objects.get(sha, 0) for sha in users) + sum(size for _, size, _ in entries)
        removed = 0
        for entry, size, _mtime in entries:
            if total <= max_size:
                break
            total -= size
            store.delete(entry)
            removed += 1
            for sha in named.pop(entry):
                users[sha] -= 1
                if users[sha] == 0:
                    total -= objects.get(sha, 0)
        live = {sha for shas in named.values() for sha in shas}
        for sha in objects:
            if sha not in live:
                store.delete(self._object(sha))
        store.tidy()
        return removed, before - self.stats().size


def describe(stats: Stats, folder: Path | str) -> str:
    return f"{folder}: {stats.entries} step results, {stats.objects} files, {human(stats.size)}"
