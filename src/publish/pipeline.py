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
import os
import pickle
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PublishError, Warning_
from .project import Project
from .state import Record, State, build_lock, code_digest, config_hash, write_atomic

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor


@dataclass
class StepResult:
    """What one step did, for the progress line and the summary."""

    name: str
    status: str  # "built", "up to date", "failed", "removed"
    seconds: float = 0.0
    error: PublishError | None = None
    warnings: list[Warning_] = field(default_factory=list)
    reason: str = ""


# --- worker functions (run in child processes) ----------------------------------------------------------

def _doc_path(project: Project, stem: str) -> Path:
    return project.state / "docs" / f"{stem}.pickle"


def run_cite(project: Project, manuscript: Path) -> dict[str, Any]:
    """Read, parse and cite one manuscript; pickle the Document for later builds' render steps."""
    from .document import cite_manuscript
    from .manuscript import load_manuscript

    ms = load_manuscript(manuscript)
    doc = cite_manuscript(project, ms)
    write_atomic(_doc_path(project, doc.stem), pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
    s = doc.settings
    return {
        "doc": doc,
        "inputs": [str(p) for p in doc.inputs],
        "warnings": doc.warnings,
        "info": {"title": s.title, "description": s.description, "lang": s.lang, "stem": doc.stem,
                 "brands": list(s.brands) if s.brands is not None else None},
    }


def run_render(root: str, doc: Any, brand: Any, fmt: str, edition: str) -> dict[str, Any]:
    """Render one output (one edition of one format) and write its files atomically.

    The Document and the Brand arrive as objects: a worker parses neither the manuscript nor brand.yml."""
    from .formats import registry

    project = Project(Path(root))
    files = registry()[fmt](project).render(doc, brand, edition)
    for path, data in files.items():
        write_atomic(path, data)
    return {"targets": [str(p) for p in files]}


def run_index(root: str, brand: Any, entries: list[dict[str, Any]]) -> dict[str, Any]:
    from .formats.html import HtmlFormat

    files = HtmlFormat(Project(Path(root))).render_index(brand, entries)
    for path, data in files.items():
        write_atomic(path, data)
    return {"targets": [str(p) for p in files]}


def _warm(formats: tuple[str, ...]) -> None:
    """Pool initializer: import the renderers while the parent reads and cites (it overlaps, not adds)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt means
    with contextlib.suppress(Exception):
        from .formats import registry

        registry()
        if "pdf" in formats:
            import weasyprint  # noqa: F401


def load_brand_cached(project: Project, state: State, name: str) -> Any:
    """A brand, checked, from a pickle keyed by its files and publish's code; brand.yml is parsed (and
    pydantic imported, ~0.3 s) only when the brand or publish changed."""
    folder = project.brands / name
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    key = config_hash([code_digest(state.hashes), [(str(p), state.hashes.get(p)) for p in files]])
    cache = project.state / "brands" / f"{name}.{key}.pickle"
    if cache.is_file():
        with contextlib.suppress(Exception):
            return pickle.loads(cache.read_bytes())
    from .brand import load_brand

    brand = load_brand(folder)
    for old in cache.parent.glob(f"{name}.*.pickle") if cache.parent.is_dir() else []:
        old.unlink(missing_ok=True)
    write_atomic(cache, pickle.dumps(brand, protocol=pickle.HIGHEST_PROTOCOL))
    return brand


def _call(fn: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    """Run a step; bad input comes back as a value so the parent can report it on one line."""
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
    editions: list[str] | None = None  # "standard", "large-print"; None: every edition
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
        from .formats import EDITIONS, FORMATS

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
        known_editions = sorted({e or "standard" for eds in EDITIONS.values() for e in eds})
        for e in self.opts.editions or []:
            if e not in known_editions:
                raise PublishError(f"unknown edition '{e}'", hint="use one of: " + ", ".join(known_editions))
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
        version = code_digest(state.hashes)
        self.version = version
        jobs = self.opts.jobs or os.cpu_count() or 1
        self.state = state
        self.brands: dict[str, Any] = {}
        self.bad_brands: set[str] = set()
        self.failed = False
        self.input_cache: dict[tuple[str, str], list[Path]] = {}
        cite_config = config_hash({"version": version})

        pending_cite: list[tuple[str, Path, str]] = []
        ready: list[str] = []
        for ms in manuscripts:
            name = f"cite {ms.stem}"
            reason = state.stale_reason(name, cite_config, [ms])
            if reason is None and _doc_path(self.project, ms.stem).exists():
                ready.append(ms.stem)
            else:
                pending_cite.append((name, ms, reason or "intermediate document missing"))

        if self.opts.dry_run:
            return self._dry_run(state, pending_cite, ready, brands, formats)

        # Parallel: a pool of workers (forked, warmed with the renderers' imports) renders, while this
        # process reads and cites one manuscript after another and hands each on as soon as it is cited.
        self.pool: ProcessPoolExecutor | None = None
        self.pool_args = (jobs, tuple(formats))
        self.futures: dict[Future[Any], tuple[str, list[Path], str, str, float]] = {}
        if pending_cite:
            self.start_pool()  # now, so the workers' imports overlap the citing
        try:
            for stem in ready:
                self.schedule(stem, None, brands, formats)
            for name, ms, reason in pending_cite:
                t = time.perf_counter()
                status, value = _call(run_cite, self.project, ms)
                if status != "ok":
                    self.failed = True
                    state.steps.pop(name, None)
                    self.report(self._failure(name, status, value, time.perf_counter() - t))
                    continue
                doc_file = _doc_path(self.project, ms.stem)
                inputs = [Path(p) for p in value["inputs"]]
                state.steps[name] = self.record_for(state, inputs, [str(doc_file)], cite_config).to_json()
                state.info[ms.stem] = value["info"]
                self.report(StepResult(name, "built", time.perf_counter() - t, warnings=value["warnings"],
                                       reason=reason))
                self.schedule(ms.stem, value["doc"], brands, formats)
                self.collect(block=False)
            self.collect(block=True)
        except KeyboardInterrupt:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)
            state.save()
            raise
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)
        state.save()

        self.failed = self.failed or bool(self.bad_brands)
        if "html" in formats and not self.failed:
            self._indexes(state, brands)
        self.prune(state)
        state.save()
        if self.opts.strict and any(r.warnings for r in self.results):
            return 1
        return 1 if self.failed else 0

    def schedule(self, stem: str, doc: Any, brands: list[str], formats: list[str]) -> None:
        """Queue every stale output of one cited manuscript (in the pool, or here with -j 1)."""
        from .formats import EDITIONS

        state = self.state
        doc_hash = state.hashes.get(_doc_path(self.project, stem)) or ""
        allowed = state.info.get(stem, {}).get("brands")
        # The slowest renders first, so the pool's last step is a short one.
        for fmt in sorted(formats, key=lambda f: ("pdf", "epub", "html").index(f) if f in ("pdf", "epub", "html")
                          else 3):
            for edition in EDITIONS[fmt]:
                if not self.wants(edition):
                    continue
                for brand in brands:
                    if (allowed is not None and brand not in allowed) or brand in self.bad_brands:
                        continue
                    label = f"{fmt}:{edition}" if edition else fmt
                    name = f"{label} {brand}/{stem}"
                    inputs = self.render_inputs(brand, fmt, self.input_cache)
                    config = config_hash({"version": self.version, "doc": doc_hash, "fmt": fmt,
                                          "edition": edition, "brand": brand})
                    need = self.needs(name, config, inputs, brand)
                    if need is None:
                        continue
                    reason, b = need
                    if doc is None:
                        doc = pickle.loads(_doc_path(self.project, stem).read_bytes())
                    args = (str(self.project.root), doc, b, fmt, edition)
                    self.start_pool()
                    if self.pool is None:
                        t = time.perf_counter()
                        self.finish(name, inputs, config, reason, _call(run_render, *args), time.perf_counter() - t)
                    else:
                        fut = self.pool.submit(_call, run_render, *args)
                        self.futures[fut] = (name, inputs, config, reason, time.perf_counter())

    def wants(self, edition: str) -> bool:
        """Whether --edition asks for this edition ("" is the standard one)."""
        return self.opts.editions is None or (edition or "standard") in self.opts.editions

    def start_pool(self) -> None:
        """Fork the render workers once, and only when there is work (a no-op build never pays for them)."""
        jobs, formats = self.pool_args
        if self.pool is None and jobs > 1:
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context(), initializer=_warm,
                                            initargs=(formats,))
            self.pool.submit(int)  # fork the workers now

    def collect(self, block: bool) -> None:
        """Record the renders that have finished (all of them when ``block``)."""
        from concurrent.futures import FIRST_COMPLETED, wait

        while self.futures:
            done, _ = wait(list(self.futures), timeout=None if block else 0, return_when=FIRST_COMPLETED)
            if not done:
                return
            for fut in done:
                name, inputs, config, reason, t0 = self.futures.pop(fut)
                self.finish(name, inputs, config, reason, fut.result(), time.perf_counter() - t0)

    def finish(self, name: str, inputs: list[Path], config: str, reason: str, outcome: tuple[str, Any],
               seconds: float) -> None:
        status, value = outcome
        if status != "ok":
            self.failed = True
            self.state.steps.pop(name, None)
            self.report(self._failure(name, status, value, seconds))
            return
        self.state.steps[name] = self.record_for(self.state, inputs, value["targets"], config).to_json()
        self.report(StepResult(name, "built", seconds, reason=reason))

    def needs(self, name: str, config: str, inputs: list[Path], brand: str) -> tuple[str, Any] | None:
        """Why the step must run and the brand it renders with; None when it is up to date (reported
        here) or its brand failed its checks."""
        reason = self.state.stale_reason(name, config, inputs)
        if reason is None:
            self.report(StepResult(name, "up to date"))
            return None
        b = self.brand_ok(brand)
        return None if b is None else (reason, b)

    def brand_ok(self, brand: str) -> Any:
        """The brand, checked (contrast gate included) before the first output is rendered for it; None if
        it fails. A failing brand gets its error once and nothing is built for it."""
        if brand in self.bad_brands:
            return None
        if brand not in self.brands:
            try:
                self.brands[brand] = load_brand_cached(self.project, self.state, brand)
            except PublishError as exc:
                self.bad_brands.add(brand)
                self.report(StepResult(f"brand {brand}", "failed", error=exc))
                return None
        return self.brands[brand]

    def prune(self, state: State) -> None:
        """Remove the outputs of manuscripts deleted from disk and of brands whose folder is gone.

        Only files the pipeline itself recorded are removed, and a file another step still claims (a
        brand's shared assets) stays."""
        known_brands = set(self.project.brand_names())
        gone: set[str] = set()
        for name, rec in state.steps.items():
            if name.startswith("cite "):
                stem = name[len("cite "):]
                sources = [p for p in rec["inputs"] if Path(p).name == f"{stem}.md"]
                if sources and not Path(sources[0]).exists():
                    gone.add(stem)

        def orphan(name: str) -> bool:
            kind, _, what = name.partition(" ")
            if kind == "cite":
                return what in gone
            if kind == "index":
                return what not in known_brands
            brand, _, stem = what.partition("/")
            return brand not in known_brands or stem in gone

        dead = [n for n in state.steps if orphan(n)]
        if not dead:
            return
        claimed = {t for n, rec in state.steps.items() if n not in dead for t in rec["targets"]}
        build = self.project.build.resolve()
        for name in dead:
            for target in state.steps.pop(name)["targets"]:
                path = Path(target)
                if target not in claimed and path.resolve().is_relative_to(build):
                    path.unlink(missing_ok=True)
                    with contextlib.suppress(OSError):  # an emptied brand folder goes too
                        path.parent.rmdir()
            self.report(StepResult(name, "removed"))
        for stem in gone:
            state.info.pop(stem, None)

    def _indexes(self, state: State, brands: list[str]) -> None:
        """The per-brand index lists every manuscript in manuscript/, not only the ones built now."""
        all_stems = [p.stem for p in self.project.manuscript_files()]
        for brand in brands:
            entries = [
                state.info[s] for s in all_stems
                if s in state.info and (state.info[s].get("brands") is None or brand in state.info[s]["brands"])
            ]
            name = f"index {brand}"
            inputs = self.render_inputs(brand, "html", self.input_cache)
            config = config_hash({"version": self.version, "entries": entries})
            need = self.needs(name, config, inputs, brand)
            if need is None:
                continue
            reason, b = need
            t = time.perf_counter()
            self.finish(name, inputs, config, reason, _call(run_index, str(self.project.root), b, entries),
                        time.perf_counter() - t)

    def _dry_run(self, state: State, pending_cite: list[tuple[str, Path, str]], ready: list[str],
                 brands: list[str], formats: list[str]) -> int:
        from .formats import EDITIONS

        for name, _ms, reason in pending_cite:
            self.out(f"would build {name}: {reason}")
            self.out(f"would build every output of {name.split(' ', 1)[1]} whose cited document changes")
        for stem in ready:
            doc_hash = state.hashes.get(_doc_path(self.project, stem)) or ""
            for fmt in formats:
                for edition in EDITIONS[fmt]:
                    if not self.wants(edition):
                        continue
                    for brand in brands:
                        label = f"{fmt}:{edition}" if edition else fmt
                        name = f"{label} {brand}/{stem}"
                        config = config_hash({"version": self.version, "doc": doc_hash, "fmt": fmt,
                                              "edition": edition, "brand": brand})
                        reason = state.stale_reason(name, config, self.render_inputs(brand, fmt, self.input_cache))
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
        elif result.status == "removed":
            self.say(f"  removed     {result.name} (its manuscript or brand is gone)")
        elif self.opts.verbose:
            self.say(f"  up to date  {result.name}")

    def out_err(self, line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def summary(self, seconds: float) -> None:
        built = sum(r.status == "built" for r in self.results)
        fresh = sum(r.status == "up to date" for r in self.results)
        failed = sum(r.status == "failed" for r in self.results)
        removed = sum(r.status == "removed" for r in self.results)
        warnings = sum(len(r.warnings) for r in self.results)
        parts = [f"{built} built", f"{fresh} up to date"]
        if removed:
            parts.append(f"{removed} removed")
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
