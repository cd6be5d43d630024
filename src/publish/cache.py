"""A shared, content-addressed cache of step outputs (``--cache DIR`` or ``PUBLISH_CACHE``).

Each render and index step is a pure function of its digest (its name, settings and input hashes; the
settings carry publish's code digest and the engines' versions). So one laptop's, CI's or a cluster's
result can serve another project copy with the same inputs. The cache is a plain folder, local or on a
network mount, that any number of builds may share:

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

import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

from .errors import PublishError, Warning_
from .state import write_atomic

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
    """One cache folder. ``warn`` receives one line per damaged entry found."""

    def __init__(self, folder: Path, warn: Callable[[str], None] | None = None) -> None:
        self.folder = folder
        self.warn = warn or (lambda line: None)
        self.hits = 0

    @classmethod
    def open(cls, folder: str | Path, warn: Callable[[str], None] | None = None) -> Cache:
        path = Path(folder).expanduser()
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

    def _entry(self, key: str) -> Path:
        return self.folder / "steps" / key[:2] / f"{key}.json"

    def _object(self, sha: str) -> Path:
        return self.folder / "objects" / sha[:2] / sha

    # Use -------------------------------------------------------------------------------------------------

    def load(self, digest: str, name: str = "", hash_of: Callable[[str], str | None] | None = None,
             ) -> dict[str, bytes] | None:
        """The files a step with this digest made, or None (never seen, or damaged: then reported and
        removed, so the rebuilt result replaces it). An entry stored with ``inputs`` (files found while
        the step ran, as a cite step finds a manuscript's bibliography and images) is a hit only if
        ``hash_of`` gives each of them its recorded hash here too."""
        entry = self._entry(self.key(digest))
        try:
            record = json.loads(entry.read_bytes())
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
                data = obj.read_bytes()
            except OSError:
                self._damaged(entry, name, f"{rel} is missing from it")
                return None
            if hashlib.sha256(data).hexdigest() != sha:
                obj.unlink(missing_ok=True)
                self._damaged(entry, name, f"{rel} does not match its recorded hash")
                return None
            out[rel] = data
        with contextlib.suppress(OSError):
            os.utime(entry)  # recently used: pruned last
        self.hits += 1
        return out

    def store(self, digest: str, files: Mapping[str, bytes], inputs: Mapping[str, str] | None = None) -> None:
        """Keep a step's files under its digest (objects first, so an entry never names a missing one),
        with the hashes of the ``inputs`` it found as it ran."""
        names = {}
        for rel, data in sorted(files.items()):
            sha = hashlib.sha256(data).hexdigest()
            obj = self._object(sha)
            if not obj.is_file() or obj.stat().st_size != len(data):
                write_atomic(obj, data)
            names[rel] = sha
        record = {"files": names, "inputs": dict(inputs)} if inputs else {"files": names}
        write_atomic(self._entry(self.key(digest)), json.dumps(record, sort_keys=True).encode())

    def _damaged(self, entry: Path, name: str, why: str) -> None:
        entry.unlink(missing_ok=True)
        where = f" for {name}" if name else ""
        self.warn(Warning_(f"cache entry{where} is damaged ({why})", file=str(self.folder),
                           hint="ignored; the step is rebuilt and its entry replaced").format())

    # Housekeeping ----------------------------------------------------------------------------------------

    def stats(self) -> Stats:
        entries = list((self.folder / "steps").glob("*/*.json"))
        objects = list((self.folder / "objects").glob("*/*"))
        size = sum(_size(p) for p in (*entries, *objects))
        return Stats(len(entries), len(objects), size)

    def prune(self, max_size: int) -> tuple[int, int]:
        """Remove the least recently used entries until the cache holds at most ``max_size`` bytes, then
        every object no remaining entry names. Returns (entries removed, bytes freed)."""
        entries = sorted((self.folder / "steps").glob("*/*.json"), key=_mtime)
        named: dict[Path, set[str]] = {}
        for entry in entries:
            try:
                named[entry] = set(json.loads(entry.read_bytes())["files"].values())
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                named[entry] = set()
        objects = {p.name: _size(p) for p in (self.folder / "objects").glob("*/*")}
        users: dict[str, int] = {}
        for shas in named.values():
            for sha in shas:
                users[sha] = users.get(sha, 0) + 1
        before = self.stats().size
        total, removed = sum(objects.get(sha, 0) for sha in users) + sum(_size(e) for e in entries), 0
        for entry in entries:
            if total <= max_size:
                break
            total -= _size(entry)
            entry.unlink(missing_ok=True)
            removed += 1
            for sha in named.pop(entry):
                users[sha] -= 1
                if users[sha] == 0:
                    total -= objects.get(sha, 0)
        live = {sha for shas in named.values() for sha in shas}
        for sha in objects:
            if sha not in live:
                self._object(sha).unlink(missing_ok=True)
        for folder in (self.folder / "steps", self.folder / "objects"):
            for sub in folder.glob("*") if folder.is_dir() else []:
                with contextlib.suppress(OSError):
                    sub.rmdir()
        return removed, before - self.stats().size


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()


def describe(stats: Stats, folder: Path) -> str:
    return f"{folder}: {stats.entries} step results, {stats.objects} files, {human(stats.size)}"
