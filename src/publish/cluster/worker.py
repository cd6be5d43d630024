"""What runs on a Dask worker: the version report, the warm-up plugin, and a step run in a folder of its own.

Workers share no filesystem with the client, yet the step functions (``run.render_step``, ``run.index_step``)
read templates, brand files and images from a project folder given as their first argument. So a step
arrives with a manifest (project-relative path -> content hash) and the bytes of each file; the worker keeps
each file once under its content hash and hard-links it into a project folder of its own. Steps whose
manifests agree (the same content wherever they name the same path) share that folder, so its template
environments stay warm across steps; a path seen with other content (a template edited between builds)
starts a new folder. The step then runs there, exactly as it runs locally, and whatever it reports names
the client's paths again.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from ..errors import PublishError
from ..executors import Outcome, perform
from ..state import write_atomic

#: The environment that shapes outputs (a document without a date takes SOURCE_DATE_EPOCH's): the client's
#: value travels with each step.
ENVIRONMENT = ("SOURCE_DATE_EPOCH",)

#: Project folders a worker keeps: a new one is made only when an input changed between builds.
FOLDERS_KEPT = 8


# --- versions ------------------------------------------------------------------------------------------

@functools.cache
def _engines() -> dict[str, str]:
    from importlib import metadata

    from ..pandoc import pandoc_version
    from ..state import code_digest

    return {"code": code_digest()[:12], "WeasyPrint": metadata.version("weasyprint"), "pandoc": pandoc_version(),
            "citeproc-py": metadata.version("citeproc-py")}


def versions() -> dict[str, str]:
    """What must match between client and worker for a worker's output to be the client's: publish (its
    version and a digest of its code, so two checkouts at one version number differ), WeasyPrint, pandoc
    and citeproc-py."""
    from .. import __version__

    engines = _engines()
    return {"publish": f"{__version__} (code {engines['code']})",
            **{k: v for k, v in engines.items() if k != "code"}}


def mismatch(worker: str, theirs: Mapping[str, str], mine: Mapping[str, str]) -> PublishError | None:
    """The refusal of a worker whose versions differ from this machine's, or None."""
    for name, version in mine.items():
        if theirs.get(name) != version:
            return PublishError(f"Dask worker {worker} has {name} {theirs.get(name, '(none)')}, "
                                f"this machine has {name} {version}",
                                hint="install the same publish and engines on every worker, or stop that worker")
    return None


# --- the warm-up -----------------------------------------------------------------------------------------

class WarmWorker(WorkerPlugin):
    """Imports the renderers and WeasyPrint once per worker process, as soon as it joins, so the first PDF
    on each worker does not pay for it."""

    name = "publish-warm"

    def setup(self, worker: Any) -> None:
        from ..formats import registry
        from ..formats.weasy import load_weasyprint

        registry()
        with contextlib.suppress(Exception):  # a broken WeasyPrint is reported by the PDF step itself
            load_weasyprint()


# --- the step's folder -------------------------------------------------------------------------------

class _Folders:
    """This process's project folders and the file (path -> hash) each holds."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.folders: list[tuple[Path, dict[str, str]]] = []
        self.made = 0

    def place(self, base: Path, manifest: Mapping[str, str], blobs: Mapping[str, bytes]) -> Path:
        with self.lock:
            for root, held in self.folders:  # noqa: B007 (the loop finds the folder it leaves in root)
                if all(held.get(rel, sha) == sha for rel, sha in manifest.items()):
                    break
            else:
                self.made += 1
                root, held = base / "roots" / str(self.made), {}
                self.folders.append((root, held))
                self._forget(base)
            for rel, sha in manifest.items():
                if rel not in held:
                    _link(_blob(base, sha, blobs[sha]), root / rel)
                    held[rel] = sha
            return root.resolve()

    def _forget(self, base: Path) -> None:
        """The oldest folders go when there are too many (their files stay under blobs/, by hash). A step
        still running in one keeps its open files; a step that starts later finds a newer folder."""
        import shutil

        while len(self.folders) > FOLDERS_KEPT:
            root, _held = self.folders.pop(0)
            shutil.rmtree(root, ignore_errors=True)


_FOLDERS = _Folders()

#: One step at a time per worker process, however many threads the worker was given: a render sets
#: SOURCE_DATE_EPOCH for its process while it writes (formats/pdf.py), and WeasyPrint keeps per-process
#: state; a render is CPU-bound Python, so threads would not have run two at once anyway. Give each
#: machine ``--nworkers`` (processes), not ``--nthreads``.
_ONE_AT_A_TIME = threading.Lock()


def _blob(base: Path, sha: str, data: bytes) -> Path:
    """A worker's copy of an input file, under its hash. Not flushed to the disk (no fsync, which cost 8 ms
    a file on the development machine's disk, inside the step's task, while the worker's one thread waits):
    the folder is the worker's scratch space, gone with the worker, and a file lost in a crash is named by
    the same hash in the next step's manifest and written again. The rename still makes it whole or absent."""
    path = base / "blobs" / sha[:2] / sha
    if not path.is_file():
        write_atomic(path, data, sync=False)
    return path


def _link(blob: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        os.link(blob, tmp)
    except OSError:  # a filesystem without hard links: a copy
        import shutil

        shutil.copyfile(blob, tmp)
    os.replace(tmp, target)


# --- the step ------------------------------------------------------------------------------------------

def _relocate(value: Any, client: Path, root: Path) -> Any:
    """A step argument with the client's project paths moved into the worker's folder: a Brand's folder,
    logo and fonts; a Document's source, bibliography and images (its prepared HTML bodies kept)."""
    from ..brand import Brand
    from ..document import Document

    def move(path: Path) -> Path:
        return root / path.relative_to(client) if path.is_absolute() and path.is_relative_to(client) else path

    if isinstance(value, Brand):
        return replace(value, folder=move(value.folder), logo=move(value.logo) if value.logo else None,
                       fonts=tuple(replace(f, path=move(f.path)) for f in value.fonts))
    if isinstance(value, Document):
        return replace(value.portable(client).located(root), bodies=value.bodies)
    return value


@contextlib.contextmanager
def _environment(env: Mapping[str, str | None]) -> Iterator[None]:
    def apply(values: Mapping[str, str | None]) -> None:  # None: the variable is unset
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    saved = {k: os.environ.get(k) for k in env}
    try:
        apply(env)
        yield
    finally:
        apply(saved)


def _localise(outcome: Outcome, root: str, client: str) -> Outcome:
    """The outcome as the client would have had it: the worker's folder named as the client's project."""
    def here(text: str | None) -> str | None:
        return text.replace(root, client) if text else text

    if outcome.status == "error":
        exc = outcome.value
        return outcome._replace(value=PublishError(here(exc.message) or "", file=here(exc.file), line=exc.line,
                                                   col=exc.col, hint=here(exc.hint)))
    if outcome.status == "bug":
        text, tb = outcome.value
        return outcome._replace(value=(here(text), here(tb)))
    return outcome


def run_step(step: bytes, manifest: Mapping[str, str], blobs: Mapping[str, bytes], expected: Mapping[str, str],
             env: Mapping[str, str | None]) -> bytes:
    """One step on this worker: refused when the versions differ, else run in a folder holding its inputs.
    ``step`` is the pickled (function, arguments), ``args[0]`` the client's project folder; the outcome
    goes back pickled too (the scheduler only passes bytes on) and its paths are project-relative already."""
    import pickle

    worker = get_worker()
    refused = mismatch(worker.address, versions(), expected)
    if refused is not None:
        return pickle.dumps(Outcome("error", refused, 0.0))
    fn, args = pickle.loads(step)
    client = Path(args[0])
    root = _FOLDERS.place(Path(worker.local_directory) / "publish", manifest, blobs)
    moved = tuple(_relocate(a, client, root) for a in args[1:])
    with _ONE_AT_A_TIME, _environment(env):
        outcome = perform(fn, (str(root), *moved))
    return pickle.dumps(_localise(outcome, str(root), str(client)), protocol=pickle.HIGHEST_PROTOCOL)


def literal(data: bytes) -> bytes:
    """An input file as a task of its own: the scheduler keeps its bytes, so a worker that dies holding
    them costs a recomputation, not the build."""
    return data
