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
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .errors import PublishError, Warning_
from .project import Project
from .state import Record, State, build_lock, code_digest, config_hash, write_atomic
from .workers import BRAND, LIGHT, PDF, Pool, Task, call, run_here


class StepResult(NamedTuple):
    """What one step did, for the progress line and the summary."""

    name: str
    status: str  # "built", "up to date", "failed", "removed"
    seconds: float = 0.0
    error: PublishError | None = None
    warnings: Sequence[Warning_] = ()
    reason: str = ""


# --- worker functions (run in child processes) ----------------------------------------------------------

def _doc_path(project: Project, stem: str) -> Path:
    return project.state / "docs" / f"{stem}.pickle"


def _store(path: Path, obj: Any) -> None:
    """Pickle an intermediate (a cited Document, a checked Brand) under build/.publish, atomically.
    pickle is imported here, not at the top: a no-op build never needs it."""
    import pickle

    write_atomic(path, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _restore(path: Path) -> Any:
    import pickle

    return pickle.loads(path.read_bytes())


def run_cite(project: Project, manuscript: Path) -> dict[str, Any]:
    """Read, parse and cite one manuscript; pickle the Document for later builds' render steps."""
    from .document import cite_manuscript
    from .manuscript import load_manuscript

    ms = load_manuscript(manuscript)
    doc = cite_manuscript(project, ms)
    _store(_doc_path(project, doc.stem), doc)
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
    """Render one brand's index page; the parent writes it once every render has succeeded."""
    from .formats.html import HtmlFormat

    files = HtmlFormat(Project(Path(root))).render_index(brand, entries)
    return {"files": {str(path): data for path, data in files.items()}}


def warm_worker(root: Path, brands: list[str], pdf: bool) -> Iterator[None]:
    """What a worker does before and between its tasks, in steps (see workers.py).

    Only a PDF worker warms up: its first step imports WeasyPrint (and the renderers); then, while no task
    is waiting, it does what a first handout would otherwise do (read the hyphenation dictionary, compile
    the templates), each step short, so a task waits little for one. Other workers do nothing until
    their first task: their renders are shorter than the PDF running beside them, and
    any work they did before it would take CPU from the brand checks, the citing and WeasyPrint's import,
    which the PDF waits for."""
    if not pdf:
        yield
        return
    from .formats import registry
    from .formats.weasy import load_weasyprint
    from .labels import defaults
    from .templates import precompile, search_path

    registry()
    load_weasyprint()
    yield
    import pyphen

    defaults()
    pyphen.Pyphen(lang="en_US")  # the default language's hyphenation dictionary, read once (50 ms)
    yield
    project = Project(root)
    for brand in brands:
        precompile(search_path(project.templates, project.brands / brand, "pdf"))
        yield


def _shared_imports() -> None:
    """Imported in the parent before the non-PDF workers are forked: the parent needs most of it to
    cite, and each worker would otherwise spend 0.1 s on it."""
    from .formats import registry

    registry()
    from . import cite  # noqa: F401


def brand_cache(project: Project, state: State, name: str) -> Path:
    """Where a checked brand is kept between builds: keyed by its files and publish's code."""
    folder = project.brands / name
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    key = config_hash([code_digest(state.hashes), [(str(p), state.hashes.get(p)) for p in files]])
    return project.state / "brands" / f"{name}.{key}.pickle"


def read_brand_cache(cache: Path) -> Any:
    """The cached brand, or None; a brand is parsed (and pydantic imported, ~0.3 s) only when it or
    publish changed."""
    if cache.is_file():
        with contextlib.suppress(Exception):
            return _restore(cache)
    return None


def check_brand(folder: Path, cache: Path) -> Any:
    """Read and check one brand (contrast gate included) and keep it for the next build."""
    from .brand import load_brand

    brand = load_brand(folder)
    name = folder.name  # may itself contain dots: only "<name>.<key>.pickle" is this brand's
    for old in cache.parent.glob(f"{name}.*.pickle") if cache.parent.is_dir() else []:
        if old.name.count(".") == name.count(".") + 2:
            old.unlink(missing_ok=True)
    _store(cache, brand)
    return brand


# --- the build ---------------------------------------------------------------------------------------

class BuildOptions(NamedTuple):
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
        from .formats import EDITIONS

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

        # Parallel: forked workers (see workers.py) warm up and check the brands while this process reads
        # and cites one manuscript after another, handing each on as soon as it is cited.
        self.pool: Pool | None = None
        self.pool_plan = (jobs, brands, tuple(formats))
        self.brand_outcomes: dict[str, tuple[str, Any]] = {}
        self.brand_waiting: set[str] = set()
        self.index_files: dict[str, tuple[list[Path], str, str, dict[str, bytes]]] = {}
        if pending_cite:
            # Now, so the workers' imports and the brand checks overlap the citing.
            pdf_editions = sum(self.wants(e) for e in EDITIONS["pdf"]) if "pdf" in formats else 0
            self.start_pool([task for brand in brands if (task := self.brand_task(brand)) is not None],
                            pdfs=len(pending_cite) * len(brands) * pdf_editions)
        try:
            for stem in ready:
                self.schedule(stem, None, brands, formats)
            for name, ms, reason in pending_cite:
                t = time.perf_counter()
                status, value = call(run_cite, self.project, ms)
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
                if self.pool is not None and "pdf" in formats:
                    self.prepare_pdf(value["doc"])
                self.schedule(ms.stem, value["doc"], brands, formats)
                if self.pool is not None:
                    self.pool.poll(0)
            if "html" in formats and not self.failed:
                self._indexes(state, brands)
            if self.pool is not None:
                self.pool.drain()
        except KeyboardInterrupt:
            if self.pool is not None:
                self.pool.close(cancel=True)
            state.save()
            raise
        finally:
            if self.pool is not None:
                self.pool.close()
        self.failed = self.failed or bool(self.bad_brands)
        self._write_indexes()
        self.prune(state)
        state.save()
        if self.opts.strict and any(r.warnings for r in self.results):
            return 1
        return 1 if self.failed else 0

    def schedule(self, stem: str, doc: Any, brands: list[str], formats: list[str]) -> None:
        """Queue every stale output of one cited manuscript (in the workers, or here with -j 1)."""
        from .formats import EDITIONS

        state = self.state
        doc_hash = state.hashes.get(_doc_path(self.project, stem)) or ""
        allowed = state.info.get(stem, {}).get("brands")
        tasks: list[Task] = []
        # The slowest renders first, so the last step is a short one.
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
                        doc = _restore(_doc_path(self.project, stem))
                    args = (str(self.project.root), doc, b, fmt, edition)

                    def done(outcome: tuple[str, Any], seconds: float, name: str = name, inputs: list[Path] = inputs,
                             config: str = config, reason: str = reason) -> None:
                        self.finish(name, inputs, config, reason, outcome, seconds)

                    tasks.append(Task(PDF if fmt == "pdf" else LIGHT, run_render, args, done))
        self.run_tasks(tasks)

    def prepare_pdf(self, doc: Any) -> None:
        """Have pandoc write the handout's HTML body here, while the workers still check brands and import
        WeasyPrint: the PDF, the longest render, then starts with it done (the Document carries it)."""
        from .formats.base import body_html

        with contextlib.suppress(PublishError):  # the PDF step reports it
            body_html(doc, math="plain")

    def run_tasks(self, tasks: list[Task]) -> None:
        """Hand tasks to the workers, or run them here, in order, when there are none (-j 1)."""
        if not tasks:
            return
        if self.pool is None:
            self.start_pool(tasks)  # forks the workers with these tasks, or runs them here
        else:
            self.pool.submit(*tasks)

    def wants(self, edition: str) -> bool:
        """Whether --edition asks for this edition ("" is the standard one)."""
        return self.opts.editions is None or (edition or "standard") in self.opts.editions

    def start_pool(self, first: list[Task] | None = None, pdfs: int | None = None) -> None:
        """Fork the workers, once (the pool is None), and only when there is work (a no-op build never
        pays for them); with -j 1 there are none and ``first`` runs here.

        As many workers as there are PDFs to make (``pdfs``, else counted in ``first``) warm up
        WeasyPrint; the others never import it unless more PDFs come than PDF workers can take."""
        jobs, brands, formats = self.pool_plan
        if jobs > 1:
            import functools

            if pdfs is None:
                pdfs = sum(t.kind == PDF for t in first or [])
            pdf_workers = min(jobs, max(1, pdfs)) if "pdf" in formats else 0
            warm = functools.partial(warm_worker, self.project.root, brands)
            self.pool = Pool(jobs, pdf_workers, warm, first or [], shared=_shared_imports)
        else:
            for task in first or []:
                run_here(task)

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

    def brand_task(self, name: str) -> Task | None:
        """What it takes to get a brand ready: nothing when it is known or cached (then it is in
        ``self.brands``), else a task that checks it."""
        if name in self.brands or name in self.brand_outcomes or name in self.brand_waiting:
            return None
        cache = brand_cache(self.project, self.state, name)
        cached = read_brand_cache(cache)
        if cached is not None:
            self.brands[name] = cached
            return None

        def done(outcome: tuple[str, Any], seconds: float) -> None:
            self.brand_waiting.discard(name)
            if outcome[0] == "ok":
                self.brands[name] = outcome[1]
            else:
                self.brand_outcomes[name] = outcome

        self.brand_waiting.add(name)
        return Task(BRAND, check_brand, (self.project.brands / name, cache), done)

    def brand_ok(self, brand: str) -> Any:
        """The brand, checked (contrast gate included) before the first output is rendered for it; None if
        it fails. A failing brand gets its error once, when an output first needs it, and nothing is built
        for it."""
        if brand in self.bad_brands:
            return None
        task = self.brand_task(brand)
        if task is not None:
            self.run_tasks([task])
        while brand in self.brand_waiting and self.pool is not None:
            self.pool.poll(None)
        if brand in self.brands:
            return self.brands[brand]
        self.bad_brands.add(brand)
        status, value = self.brand_outcomes.pop(brand)
        self.report(self._failure(f"brand {brand}", status, value, 0.0))
        return None

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
        """The per-brand index lists every manuscript in manuscript/, not only the ones built now. It is
        rendered alongside the other outputs and written at the end, only if nothing failed."""
        all_stems = [p.stem for p in self.project.manuscript_files()]
        tasks = []
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

            def done(outcome: tuple[str, Any], seconds: float, name: str = name, inputs: list[Path] = inputs,
                     config: str = config, reason: str = reason) -> None:
                if outcome[0] == "ok":
                    self.index_files[name] = (inputs, config, reason, outcome[1]["files"])
                else:
                    self.finish(name, inputs, config, reason, outcome, seconds)

            tasks.append(Task(LIGHT, run_index, (str(self.project.root), b, entries), done))
        self.run_tasks(tasks)

    def _write_indexes(self) -> None:
        if self.failed:
            return
        for name, (inputs, config, reason, files) in self.index_files.items():
            t = time.perf_counter()
            for path, data in files.items():
                write_atomic(Path(path), data)
            self.finish(name, inputs, config, reason, ("ok", {"targets": list(files)}), time.perf_counter() - t)

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
