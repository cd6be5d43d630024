"""Runs the plan: decides which steps are stale, hands them to an executor, writes what comes back.

The runner owns everything that touches the project's files: it reads and hashes inputs, keeps the
records (``state.py``), writes every output atomically from the bytes a step returns, and prunes what no
step claims any more. Executors (``executors.py``) only run functions, so the same runner drives this
process, the local process pools, or (later) a cluster.

Cite steps run here, one manuscript after another, while the pools check brands and import WeasyPrint;
each manuscript's renders are handed on as soon as it is cited. A :class:`Runner` can live for hours (a
preview server): it keeps its executor, and checked brands by the content of their files.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import PublishError, did_you_mean
from .plan import (
    ANALYSE,
    CITE,
    RENDER,
    SETTINGS,
    Alternate,
    DocInfo,
    Selection,
    Step,
    analysis_steps,
    cite_steps,
    doc_path,
    index_steps,
    plan,
    render_steps,
    settings_steps,
    stem_of,
    translation_of,
)
from .project import SETTINGS_FILE, Project
from .report import Reporter, StepResult
from .state import State, build_lock, code_digest, config_hash, file_hash, write_atomic

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .brand import Brand
    from .cache import Cache
    from .config import ProjectSettings
    from .document import Document
    from .executors import Executor, Outcome
    from .formats.base import FormatInfo, Link


#: Folders of build/ that are not brands' (the author's reports, the pipeline's memory).
RESERVED = {"reports", ".publish"}


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
    scheduler: str = ""  # a Dask scheduler's address: render there (cluster/)
    cache: str = ""  # a shared cache folder of step outputs (cache.py)


# --- what the build covers ------------------------------------------------------------------------------

def select(project: Project, opts: BuildOptions, formats: Mapping[str, FormatInfo]) -> Selection:
    """The manuscripts, brands, formats and editions a build covers, each name checked."""
    root = project.root.resolve()
    every = tuple(p.resolve().relative_to(root).as_posix() for p in project.manuscript_files())
    if opts.manuscripts:
        chosen = []
        for m in opts.manuscripts:
            p = m if m.is_absolute() else (Path.cwd() / m)
            if not p.exists() and (project.manuscripts / m.name).exists():
                p = project.manuscripts / m.name
            if not p.is_file():
                raise PublishError("manuscript not found", file=str(m), hint="name a .md file in manuscript/")
            if not p.resolve().is_relative_to(root):
                raise PublishError("manuscript is outside the project", file=str(m),
                                   hint=f"move it into {project.manuscripts}")
            chosen.append(p.resolve().relative_to(root).as_posix())
        manuscripts = tuple(dict.fromkeys(chosen))
    else:
        manuscripts = every
        if not manuscripts:
            raise PublishError("no manuscripts found", file=str(project.manuscripts),
                               hint="put Markdown files (*.md) in manuscript/")
    known = tuple(project.brand_names())
    for reserved in set(known) & RESERVED:
        raise PublishError(f"a brand cannot be called '{reserved}': build/{reserved}/ holds publish's own files",
                           file=str(project.brands / reserved), hint="rename the brand's folder")
    if not known:
        raise PublishError("no brands found", file=str(project.brands),
                           hint="add styles/brands/<name>/_brand.yml (copy styles/brands/default)")
    for b in opts.brands or ():
        if b not in known:
            raise PublishError(f"unknown brand '{b}'", file=str(project.brands),
                               hint=did_you_mean(b, known) or "known brands: " + ", ".join(known))
    for f in opts.formats or ():
        if f not in formats:
            near = did_you_mean(f, formats)
            raise PublishError(f"unknown format '{f}'",
                               hint=(f"{near} " if near else "") + "use one of: " + ", ".join(formats))
    editions = sorted({e or "standard" for fmt in formats.values() for e in fmt.editions})
    for e in opts.editions or ():
        if e not in editions:
            raise PublishError(f"unknown edition '{e}'", hint="use one of: " + ", ".join(editions))
    brands = tuple(b for b in known if b in opts.brands) if opts.brands else known
    chosen_formats = tuple(f for f in formats if f in opts.formats) if opts.formats else tuple(formats)
    return Selection(manuscripts, brands, chosen_formats, tuple(opts.editions) if opts.editions else None,
                     every, known)


class InputLister:
    """The files that can shape one brand's output in one format (its folder and the format's template
    search path), listed once per build: listed, not read, so a no-op build stays cheap."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.root = project.root.resolve()
        self._brand: dict[str, tuple[str, ...]] = {}
        self._templates: dict[str, tuple[str, ...]] = {}
        self._both: dict[tuple[str, str], tuple[str, ...]] = {}

    def _rel(self, paths: Iterator[Path] | list[Path]) -> tuple[str, ...]:
        resolved = (p.resolve() for p in paths)
        return tuple(sorted(p.relative_to(self.root).as_posix() for p in resolved if p.is_relative_to(self.root)))

    def brand(self, brand: str) -> tuple[str, ...]:
        """The brand's folder, and the fonts publish ships for every brand (styles/fonts/, which a brand's
        typography.fonts may name): a changed shared face rebuilds, and a cluster worker is sent it."""
        if brand not in self._brand:
            files = [p for folder in (self.project.brands / brand, self.project.styles / "fonts")
                     for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
            self._brand[brand] = self._rel(files)
        return self._brand[brand]

    def __call__(self, brand: str, fmt: str) -> tuple[str, ...]:
        if not fmt:
            return self.brand(brand)
        if (brand, fmt) not in self._both:
            if fmt not in self._templates:
                from .templates import search_path, template_files

                self._templates[fmt] = self._rel(template_files(search_path(self.project.templates, None, fmt)))
            self._both[brand, fmt] = tuple(sorted({*self.brand(brand), *self._templates[fmt]}))
        return self._both[brand, fmt]


def _no_inputs(brand: str, fmt: str) -> tuple[str, ...]:
    return ()


# --- steps, as executors run them (module-level functions of plain values) ---------------------------------

class Cited(NamedTuple):
    doc: Document  # portable: paths relative to the project
    blob: bytes  # the pickle the runner keeps between builds
    info: DocInfo
    inputs: tuple[str, ...]
    warnings: list[Any]


def cite_step(root: str, source: str, remember: bool = True) -> Cited:
    """Read, parse and cite one manuscript (``remember=False``: keep no cited result for the next one)."""
    import hashlib

    from .document import cite_manuscript
    from .manuscript import load_manuscript

    base = Path(root)
    project = Project(base)
    doc = cite_manuscript(project, load_manuscript(base / source), remember=remember)
    portable = doc.portable(base.resolve())
    blob = _content_pickle(portable)
    s = doc.settings
    # The renders read some of the cite step's inputs themselves (images, the cover): their content is part
    # of what the document renders into; the manuscript, bibliography and style are already in the AST.
    digest = hashlib.sha256(blob)
    cited_by_ast = {doc.source, s.bibliography}
    for path in doc.inputs:
        if path not in cited_by_ast and path.suffix.lower() != ".csl":
            digest.update(file_hash(path).encode())
    info = DocInfo(doc.stem, source, s.title, s.description, s.lang,
                   tuple(s.brands) if s.brands is not None else None, digest.hexdigest()[:32],
                   s.next_review.isoformat() if s.next_review else "", content_hash(doc.source),
                   s.translation_of or "")
    inputs = tuple(dict.fromkeys(p.as_posix() for p in portable.inputs))
    return Cited(portable, blob, info, inputs, list(doc.warnings))


def _content_pickle(value: Any) -> bytes:
    """A pickle that is a function of the content alone: without the memo, an object met twice is
    written twice, so a document spliced from kept citations (whose strings are other objects than a
    fresh render's) pickles, and so digests, exactly as the same document cited from scratch."""
    import io
    import pickle

    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: the AST holds no cycles
    pickler.dump(value)
    return out.getvalue()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while a manuscript is read and cited, and what is alive after it frozen
    (``gc.freeze``) until the build ends (:meth:`_Build.run` unfreezes it).

    A long manuscript's AST is a million small dicts, lists and strings, and no cycles: every collection
    the parse and the cite set off walks all of them and frees none (0.07 s of the cite step's 0.24 s on
    the long manuscript, and again later in this process, while the web page is made here, and in the
    workers forked after it). Refcounts still free what is dropped; a cycle made meanwhile is collected
    once the build is over."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def check_brand(folder: str, cache: str, sync: bool = True) -> Brand:
    """Read and check one brand (contrast gate included), and keep it for the next build (``sync``: as
    :func:`~publish.state.write_atomic` says)."""
    import pickle

    from .brand import load_brand

    brand = load_brand(Path(folder))
    target = Path(cache)
    name = Path(folder).name  # may itself contain dots: only "<name>.<key>.pickle" is this brand's
    for old in target.parent.glob(f"{name}.*.pickle") if target.parent.is_dir() else []:
        if old.name.count(".") == name.count(".") + 2:
            old.unlink(missing_ok=True)
    write_atomic(target, pickle.dumps(brand, protocol=pickle.HIGHEST_PROTOCOL), sync=sync)
    return brand


def _relative(root: Path, files: Mapping[Path, bytes]) -> dict[str, bytes]:
    base = root.resolve()
    return {Path(p).resolve().relative_to(base).as_posix(): data for p, data in files.items()}


def content_hash(path: Path) -> str:
    """A manuscript's content hash as a translation's ``translation-of:`` names it: the first 12 hex digits
    of the file's SHA-256 (``sha256sum manuscript/sleep.md | cut -c1-12``)."""
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _given(doc: Document | bytes) -> Document:
    """A step's document, which a pool's worker is handed as the cite step's pickle (:attr:`Cited.blob`,
    made once): pickling the cited document again for each step held this process (and the web page made
    here meanwhile) for a tenth of a second on a long manuscript."""
    if isinstance(doc, bytes):
        import pickle

        return pickle.loads(doc)
    return doc


def render_step(root: str, doc: Document | bytes, brand: Brand, fmt: str, edition: str,
                links: tuple[Link, ...], alternates: tuple[Alternate, ...] = ()) -> dict[str, bytes]:
    """Render one output (one edition of one format); its files come back as bytes, project-relative."""
    from .coverage import check as check_fonts
    from .formats import registry

    base = Path(root)
    renderer = registry()[fmt](Project(base))
    located = _given(doc).located(base.resolve())
    located.alternates = alternates
    readers = brand.in_language(located.settings.lang)
    check_fonts(located, readers)  # letters of the handout's script in no font: an error, not boxes
    return _relative(base, renderer.render(located, readers, edition, links))


def settings_step(root: str) -> tuple[ProjectSettings, list[Any]]:
    """Read the project's ``publish.yml``: its settings and the warnings about it."""
    from .config import read_project_settings

    return read_project_settings(Project(Path(root)).settings_file)


def reading_target(front_matter: float | None, brands: Sequence[float | None], project: float | None) -> float | None:
    """The grade a handout is held to: its front matter's ``reading-grade``, else the strictest of its
    brands' ``defaults.publish.reading-grade``, else the project's (``publish.yml``); None: no target."""
    given = [t for t in brands if t is not None]
    if front_matter is not None:
        return front_matter
    return min(given) if given else project


def analysis_step(root: str, doc: Document | bytes, brand_targets: tuple[float | None, ...],
                  project_target: float | None = None) -> dict[str, Any]:
    """The reading-level report of one manuscript, and a warning when it reads above its target
    (:func:`reading_target`)."""
    from .analysis import analyse, check_grade, render_report

    located = _given(doc).located(Path(root).resolve())
    result = analyse(located)
    target = reading_target(located.settings.reading_grade, brand_targets, project_target)
    warning = check_grade(result, target, located.source.relative_to(Path(root).resolve()))
    files = {f"build/{rel}": data for rel, data in render_report(located, result, target).items()}
    return {"files": files, "warnings": [warning] if warning else []}


def index_step(root: str, brand: Brand, entries: tuple[Mapping[str, Any], ...]) -> dict[str, bytes]:
    """One brand's index page (and its shared assets)."""
    from .formats.html import HtmlFormat

    base = Path(root)
    return _relative(base, HtmlFormat(Project(base)).render_index(brand, [dict(e) for e in entries]))


# --- the runner --------------------------------------------------------------------------------------------

class Runner:
    """Builds one project, as often as asked, with one executor kept for its life."""

    #: How many checked brands to keep in memory (a server's brands, each in a few edited versions).
    BRANDS_KEPT = 32

    def __init__(self, project: Project, jobs: int = 0, executor: Executor | None = None,
                 cache: Cache | None = None, *, preview: bool = False) -> None:
        """``preview``: a preview server's runner. It writes without waiting for the disk (``fsync``: a
        crash costs a rebuild at the next start, which rebuilds whatever is missing or damaged anyway)
        and leaves an output whose bytes did not change as it is, so a rebuild rewrites (and a page
        hears of) only what changed: a brand's fonts and logo are not copied again with every page. Its
        heavy workers are warm, so the print body is theirs to make: made here first, it would hold up
        the web page rendered here after it."""
        self.project = project
        self.preview = preview
        self.jobs = jobs or os.cpu_count() or 1
        self._executor = executor
        self.cache = cache
        self.brands: dict[str, Brand] = {}  # brand cache key -> checked brand

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            from .executors import make_executor

            self._executor = make_executor(self.jobs)
        return self._executor

    def close(self, *, cancel: bool = False) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel=cancel)
            self._executor = None

    def build(self, opts: BuildOptions, reporter: Reporter | None = None) -> int:
        """One build: 0 when everything asked for is built or up to date, 1 when a step failed (or, with
        ``strict``, warned)."""
        rep = reporter or Reporter(quiet=opts.quiet, verbose=opts.verbose, strict=opts.strict, debug=opts.debug)
        start = time.perf_counter()
        with build_lock(self.project, rep.say):
            code = _Build(self, opts, rep).run()
        rep.summary(time.perf_counter() - start, dry_run=opts.dry_run)
        return code


def formats_of(state: State, version: str) -> dict[str, FormatInfo]:
    """The formats' declarations: from the state when publish's code is unchanged (no format module is
    imported on a no-op build), else from the registry (and kept in the state)."""
    from .formats.base import FormatInfo

    saved = state.formats
    if saved.get("code") == version:
        return {d[0]: FormatInfo(d[0], d[1], tuple(d[2]), bool(d[3]), tuple(d[4]), bool(d[5]))
                for d in saved["formats"]}
    from .formats import declarations

    found = declarations()
    state.formats = {"code": version, "formats": [list(f) for f in found.values()]}
    return found


class _Build:
    """One run of the plan: its bookkeeping, gone when the build is."""

    def __init__(self, runner: Runner, opts: BuildOptions, rep: Reporter) -> None:
        self.runner, self.opts, self.rep = runner, opts, rep
        self.project = runner.project
        self.root = str(self.project.root)
        self.state = State(self.project)
        self.version = code_digest(self.state.hashes)
        self.formats = formats_of(self.state, self.version)
        self.selection = select(self.project, opts, self.formats)
        self.inputs = InputLister(self.project)
        #: the project's settings files that exist (publish.yml), project-relative: one stat per build
        self.settings_files = (SETTINGS_FILE,) if self.project.settings_file.is_file() else ()
        self._settings: ProjectSettings | None = None  # read when a step needs them
        self.settings_failed = False
        self.docs: dict[str, DocInfo] = {}
        for stem, raw in self.state.info.items():
            with contextlib.suppress(KeyError, TypeError):
                self.docs[stem] = DocInfo.from_json(raw)
        self.built_before = self._built_before()
        self.pending: dict[Future[Outcome], tuple[Step, str]] = {}
        self.brand_futures: dict[str, Future[Outcome]] = {}
        self.ready_brands: dict[str, Brand] = {}
        self.bad_brands: set[str] = set()
        self.index_files: list[tuple[Step, str, Outcome]] = []
        self.failed = False
        self.cached: set[str] = set()  # steps whose files came from the shared cache
        self.print_docs: dict[str, Document] = {}  # stem -> what the heavy renders get (print_doc)
        self.brand_warnings: dict[str, list[Any]] = {}  # a render's: its brand's texts missing its language
        self.shown: set[Any] = set()  # one handout's warning about its brand is shown once, not per format
        self.page_thread = False  # a web page is being made in this process (page_here)
        self.written: set[str] = set()  # renders whose files their thread wrote already (page_here)
        self.blobs: dict[str, bytes] = {}  # stem -> the cited document's pickle (what a pool's worker gets)
        if runner.cache is not None:
            runner.cache.warn = rep.err

    # What is on record ---------------------------------------------------------------------------------

    def _built_before(self) -> dict[tuple[str, str], set[tuple[str, str]]]:
        """(stem, brand) -> the (format, edition) outputs earlier builds made that still exist."""
        found: dict[tuple[str, str], set[tuple[str, str]]] = {}
        for rec in self.state.steps.values():
            step = rec.get("step", {})
            fmt = self.formats.get(step.get("format", "")) if step.get("kind") == RENDER else None
            if fmt is None:  # not a render, or of a format that is gone
                continue
            stem, brand, edition = step["manuscript"], step["brand"], step["edition"]
            if (self.project.build / brand / fmt.filename(stem, edition)).exists():  # its output, not its assets
                found.setdefault((stem, brand), set()).add((step["format"], edition))
        return found

    def built(self, stem: str, brand: str) -> set[tuple[str, str]]:
        return self.built_before.get((stem, brand), set())

    def stale(self, step: Step) -> str | None:
        reason = self.state.stale_reason(step.name, step.config, step.inputs)
        if reason and step.kind == RENDER and reason.startswith("settings"):
            info = self.docs.get(step.manuscript)
            if info is not None and self.state.steps[step.name].get("doc") != info.digest:
                return f"{info.source} changed what it renders"
        return reason

    def digest(self, step: Step) -> str:
        """What the step computes, as one key: its name, settings and the hashes of its inputs."""
        return config_hash([step.name, step.config, [(p, self.state.hashes.get(p)) for p in step.inputs]])

    def up_to_date(self, step: Step) -> None:
        """Report a step that need not run, with the warnings it gave when it last ran: a warning lasts as
        long as its cause (and ``--strict`` fails on it), not only in the build that found it."""
        from .errors import Warning_

        kept = [Warning_(*w) for w in self.state.steps.get(step.name, {}).get("warnings", [])]
        self.rep.step(StepResult(step.name, "up to date", warnings=self.unseen(kept)))

    def unseen(self, warnings: Sequence[Any]) -> list[Any]:
        """The warnings not shown yet in this build: every format of a handout in a brand records that the
        brand has no text in its language, and the author reads it once."""
        fresh = [w for w in warnings if w not in self.shown]
        self.shown.update(fresh)
        return fresh

    def record(self, step: Step, inputs: tuple[str, ...], targets: list[str], warnings: Sequence[Any] = ()) -> None:
        rec = {**self.state.record_for(inputs, targets, step.config), "step": step.identity()}
        if warnings:
            rec["warnings"] = [list(w) for w in warnings]
        if step.kind == RENDER and step.manuscript in self.docs:
            rec["doc"] = self.docs[step.manuscript].digest  # for --dry-run's and -v's reasons
        self.state.steps[step.name] = rec

    def renders_of(self, info: DocInfo) -> list[Step]:
        return render_steps(self.selection, info, self.formats, self.inputs, self.built, self.version, self.docs)

    def analyses(self, info: DocInfo) -> list[Step]:
        return analysis_steps(self.selection, info, self.inputs, self.version, self.settings_files)

    def indexes(self) -> list[Step]:
        from .dates import reference_day

        as_of = reference_day()
        return index_steps(self.selection, self.docs, self.formats, self.inputs, self.built, self.version,
                           as_of.isoformat() if as_of else "")

    # The run ---------------------------------------------------------------------------------------------

    def run(self) -> int:
        if self.opts.dry_run:
            return self.dry_run()
        try:
            return self._run()
        finally:
            import gc

            gc.unfreeze()  # what the cite steps froze (collector_paused) is the collector's again

    def _run(self) -> int:
        self.read_settings()
        cites = [(step, self.stale(step) if step.manuscript in self.docs else "never built")
                 for step in cite_steps(self.selection, self.version)]
        try:
            if stale := sum(bool(reason) for _step, reason in cites):
                self.start_early(stale)
            for step, reason in cites:
                if not reason:
                    self.up_to_date(step)
                doc = self.cite(step, reason) if reason else None
                info = self.docs.get(step.manuscript)
                if info is None or (reason and doc is None):
                    continue
                for render in self.renders_of(info):
                    doc = self.submit_render(render, doc)
                    self.collect(block=False)  # a render done here is written (and a page told) before the next
                for analysis in self.analyses(info):
                    doc = self.submit_analysis(analysis, doc)
                self.collect(block=False)
            for index in self.indexes():
                self.submit_index(index)
            self.collect(block=True)
        except KeyboardInterrupt:
            self.runner.close(cancel=True)
            self.state.save(sync=not self.runner.preview)
            raise
        self.write_indexes()
        self.review_dates()
        self.translations()
        self.prune()
        self.state.save(sync=not self.runner.preview)
        if self.cached:
            self.rep.say(f"publish: {len(self.cached)} step results from the cache in {self.runner.cache.folder}"
                         " (not rendered)")  # type: ignore[union-attr]
        if self.opts.strict and self.rep.warnings:
            return 1
        return 1 if self.failed or self.bad_brands else 0

    def start_early(self, manuscripts: int) -> None:
        """Work that will be needed, started now so it overlaps the citing: the brands' checks, and a
        heavy worker's imports when PDFs are to be made."""
        self.runner.executor.warm(heavy=self.selection.heavy_renders(self.formats, manuscripts))
        for brand in self.selection.brands:
            self.brand(brand, wait=False)

    def fail(self, name: str, outcome: Outcome) -> None:
        self.failed = True
        self.state.steps.pop(name, None)
        if outcome.status == "error":
            # one problem of a handout in a brand (its script in no font) fails each format: said once
            said = outcome.value.format() in self.shown
            self.shown.add(outcome.value.format())
            self.rep.step(StepResult(name, "failed", outcome.seconds, error=None if said else outcome.value))
        else:
            text, tb = outcome.value
            self.rep.step(self.rep.bug(name, text, tb, outcome.seconds))

    def read_settings(self) -> None:
        """The settings step, here and first (a YAML file read is cheap): its problems are reported once,
        and a publish.yml with errors holds back the steps it shapes (their last outputs stay)."""
        for step in settings_steps(self.settings_files, self.version):
            reason = self.stale(step)
            if reason is None:
                self.up_to_date(step)
                continue
            from .executors import perform  # only now: a no-op build imports no executor

            outcome = perform(settings_step, (self.root,))
            if outcome.status != "ok":
                self.settings_failed = True
                self.fail(step.name, outcome)
                continue
            self._settings, warnings = outcome.value
            self.record(step, step.inputs, [], warnings)
            self.rep.step(StepResult(step.name, "built", outcome.seconds, warnings=warnings, reason=reason))

    def project_settings(self) -> ProjectSettings:
        """What publish.yml says (read once per build, and only when a stale step needs it)."""
        if self._settings is None:
            self._settings = settings_step(self.root)[0]
        return self._settings

    def cite(self, step: Step, reason: str) -> Document | None:
        """Run one cite step here; keep its document and what it learnt."""
        from .executors import perform

        outcome = self.cite_from_cache(step)
        if outcome is None:
            with collector_paused():
                outcome = perform(cite_step, (self.root, step.source))
            if outcome.status == "ok" and self.runner.cache is not None:
                self.cite_to_cache(step, outcome.value)
        else:
            reason += " (from cache)"
        if outcome.status != "ok":
            self.fail(step.name, outcome)
            return None
        cited: Cited = outcome.value
        self.put(step.targets[0], cited.blob)
        self.blobs[step.manuscript] = cited.blob
        self.record(step, tuple(dict.fromkeys((step.source, *cited.inputs))), list(step.targets), cited.warnings)
        self.docs[step.manuscript] = cited.info
        self.state.info[step.manuscript] = cited.info.to_json()
        self.rep.step(StepResult(step.name, "built", outcome.seconds, warnings=cited.warnings, reason=reason))
        return cited.doc.located(self.project.root.resolve())

    def cite_from_cache(self, step: Step) -> Outcome | None:
        """A cite step's result from the shared cache, when this project has the files it read."""
        import pickle

        from .executors import Outcome

        cache = self.runner.cache
        files = cache.load(self.digest(step), step.name, self.state.hashes.get) if cache is not None else None
        if files is None:
            return None
        kept: Cited = pickle.loads(files["cited"])
        here = f"{self.project.root}/"
        warnings = [w._replace(file=here + w.file.removeprefix(_HERE)) if w.file and w.file.startswith(_HERE) else w
                    for w in kept.warnings]
        self.cached.add(step.name)
        return Outcome("ok", kept._replace(doc=pickle.loads(kept.blob), warnings=warnings), 0.0)

    def cite_to_cache(self, step: Step, cited: Cited) -> None:
        """Keep a cite step's result (its paths project-relative) with the hashes of the files it read."""
        import pickle

        root = self.project.root
        warnings = [w._replace(file=_HERE + Path(w.file).relative_to(root).as_posix())
                    if w.file and Path(w.file).is_relative_to(root) else w for w in cited.warnings]
        blob = pickle.dumps(cited._replace(doc=None, warnings=warnings), protocol=pickle.HIGHEST_PROTOCOL)
        inputs = {p: self.state.hashes.get(p) or "" for p in dict.fromkeys((step.source, *cited.inputs))}
        self.runner.cache.store(self.digest(step), {"cited": blob}, inputs)  # type: ignore[union-attr]

    def load_doc(self, stem: str) -> Document:
        import pickle

        blob = (self.project.root / doc_path(stem)).read_bytes()
        self.blobs[stem] = blob
        doc: Document = pickle.loads(blob)
        return doc.located(self.project.root.resolve())

    def submit_render(self, step: Step, doc: Document | None) -> Document | None:
        """Hand one stale render to the executor (its brand checked first); returns the document, loaded
        if it had to be."""
        reason = self.stale(step)
        if reason is None:
            self.up_to_date(step)
            return doc
        if self.from_cache(step, reason):  # made before with these brand files, so they passed the checks
            return doc
        if doc is None:
            doc = self.load_doc(step.manuscript)
        given = doc
        if step.heavy and not self.runner.preview and not isinstance(self.runner.executor, _inline()):
            given = self.print_doc(doc)  # first: the brand's check may still be running meanwhile
        brand = self.brand(step.brand)
        if brand is None:
            return doc
        self.brand_warnings[step.name] = brand.untranslated(doc.settings.lang)
        here = self.page_here(step)
        if not here and given is doc:
            given = self.shipped(doc, heavy=step.heavy)
        args = (self.root, given, brand, step.format, step.edition, step.links, step.alternates)
        if here:
            future = self.render_here(step, args)
        else:
            future = self.runner.executor.submit(render_step, args, heavy=step.heavy, key=self.digest(step),
                                                 inputs=step.inputs + self.doc_files(doc))
        self.pending[future] = (step, reason)
        return doc

    def shipped(self, doc: Document, *, heavy: bool = False) -> Document | bytes:
        """What a step is handed of the document: for a pool's worker, its pickle as the cite step made
        it (the same document: it was made from this one); for a step run here, the document itself."""
        from .executors import PoolExecutor

        executor = self.runner.executor
        blob = self.blobs.get(doc.stem)
        pooled = isinstance(executor, PoolExecutor) and (heavy or not executor.light_here)
        return blob if blob is not None and pooled else doc

    def page_here(self, step: Step) -> bool:
        """Whether to make this web page in a thread of this process rather than in a pool's worker: the
        page a reader (and an author after an edit) opens first, of the manuscript just cited, one at a
        time. Here, the cited document is not pickled across to a worker (a tenth of a second on a long
        manuscript), unpickled there, nor waits for the worker to start and import the formats; the
        thread holds the interpreter only for the page's own Python (the back-links, the templates), and
        pandoc writes the body meanwhile as a process of its own. Only with the local pools (a cluster
        renders remotely; ``-j 1`` and a preview's light steps are made here already)."""
        from .executors import PoolExecutor

        executor = self.runner.executor
        return (self.formats[step.format].links_others and not self.page_thread
                and isinstance(executor, PoolExecutor) and not executor.light_here)

    def render_here(self, step: Step, args: tuple[Any, ...]) -> Future[Outcome]:
        """Run the render in a thread of its own, which also writes its files as soon as it has them (the
        page first: a reader waiting for it need not wait for this process to come back from writing the
        handout's body); the runner records them as it records any render's (:meth:`write`)."""
        from .executors import perform

        def make() -> Outcome:  # a failed write raises, where the runner collects the render
            try:
                outcome = perform(render_step, args)
                if outcome.status == "ok":
                    for rel, data in outcome.value.items():
                        self.put(rel, data)
                    self.written.add(step.name)
                return outcome
            finally:
                self.page_thread = False

        self.page_thread = True
        return self.runner.executor.in_thread(make, f"publish {step.name}")  # type: ignore[attr-defined]

    def from_cache(self, step: Step, reason: str) -> bool:
        """A stale step's files from the shared cache, when it has them: pending as if run, never rendered."""
        from concurrent.futures import Future

        from .executors import Outcome

        files = self.runner.cache.load(self.digest(step), step.name) if self.runner.cache is not None else None
        if files is None:
            return False
        future: Future[Outcome] = Future()
        future.set_result(Outcome("ok", _unpack(step, files), 0.0))
        self.pending[future] = (step, reason)
        self.cached.add(step.name)
        return True

    def doc_files(self, doc: Document) -> tuple[str, ...]:
        """The project files a render reads for its document (manuscript, bibliography, images, cover),
        project-relative: what a remote executor ships with the step."""
        root = self.project.root.resolve()
        return tuple(dict.fromkeys(p.relative_to(root).as_posix() for p in doc.inputs
                                   if p.is_absolute() and p.is_relative_to(root)))

    def print_doc(self, doc: Document) -> Document:
        """Have pandoc write the handout's HTML body here, while the heavy worker may still be importing
        WeasyPrint: the PDF, the longest render, then starts with it done. The worker gets the document
        with that body and without the rest of its blocks (``formats.base.with_written_body``): less to
        ship, and less held while WeasyPrint lays out the pages. One per manuscript and build."""
        from .formats.pdf import print_document

        if doc.stem not in self.print_docs:
            try:
                self.print_docs[doc.stem] = print_document(doc)
            except PublishError:  # the PDF step reports it
                self.print_docs[doc.stem] = doc
        return self.print_docs[doc.stem]

    def submit_analysis(self, step: Step, doc: Document | None) -> Document | None:
        reason = self.stale(step)
        if reason is None:
            self.up_to_date(step)
            return doc
        if self.settings_failed:  # reported once, by the settings step
            return doc
        if self.from_cache(step, reason):
            return doc
        info = self.docs[step.manuscript]
        targets = []
        for name in self.selection.brands:
            brand = self.brand(name) if info.brands is None or name in info.brands else None
            if brand is not None:
                targets.append(brand.details.get("reading-grade"))
        if doc is None:
            doc = self.load_doc(step.manuscript)
        project = self.project_settings().reading_grade
        future = self.runner.executor.submit(analysis_step, (self.root, self.shipped(doc), tuple(targets), project),
                                             key=self.digest(step), inputs=self.doc_files(doc))
        self.pending[future] = (step, reason)
        return doc

    def submit_index(self, step: Step) -> None:
        reason = self.stale(step)
        if reason is None:
            self.up_to_date(step)
            return
        if self.from_cache(step, reason):
            return
        brand = self.brand(step.brand)
        if brand is not None:
            future = self.runner.executor.submit(index_step, (self.root, brand, step.entries), key=self.digest(step),
                                                 inputs=step.inputs)
            self.pending[future] = (step, reason)

    def collect(self, *, block: bool) -> None:
        """Write the results that are in (all of them, with ``block``), in the order they finish."""
        if not self.pending:  # a no-op build never imports concurrent.futures
            return
        from concurrent.futures import FIRST_COMPLETED, wait

        while self.pending:
            done, _ = wait(self.pending, timeout=None if block else 0, return_when=FIRST_COMPLETED)
            if not done:
                return
            for future in done:
                step, reason = self.pending.pop(future)
                self.finish(step, reason, future.result())

    def finish(self, step: Step, reason: str, outcome: Outcome) -> None:
        if outcome.status != "ok":
            self.fail(step.name, outcome)
            return
        if self.runner.cache is not None and step.name not in self.cached:
            self.runner.cache.store(self.digest(step), _pack(step, outcome.value))
        if step.kind not in (RENDER, ANALYSE):  # an index is written once every render has succeeded
            self.index_files.append((step, reason, outcome))
            return
        self.write(step, reason, outcome)

    def write(self, step: Step, reason: str, outcome: Outcome) -> None:
        value = outcome.value
        files: dict[str, bytes] = value["files"] if step.kind == ANALYSE else value
        for rel, data in files.items() if step.name not in self.written else ():
            self.put(rel, data)
        warnings = value["warnings"] if step.kind == ANALYSE else self.brand_warnings.pop(step.name, [])
        self.record(step, step.inputs, sorted(files), warnings)
        cached = " (from cache)" if step.name in self.cached else ""
        self.rep.step(StepResult(step.name, "built", outcome.seconds, warnings=self.unseen(warnings),
                                 reason=reason + cached))

    def put(self, rel: str, data: bytes) -> None:
        """Write one output (project-relative) into place, as the runner's mode says."""
        if not self.runner.preview:
            write_atomic(self.project.root / rel, data)
            return
        import hashlib

        if self.state.hashes.get(rel) == hashlib.sha256(data).hexdigest():  # on disk already (by content)
            return
        write_atomic(self.project.root / rel, data, sync=False)

    def write_indexes(self) -> None:
        if self.failed or self.bad_brands:
            return
        for step, reason, outcome in self.index_files:
            self.write(step, reason, outcome)

    def review_dates(self) -> None:
        """A warning for each handout built now whose next review is due: the only thing a build takes
        from the clock, and it reaches no output."""
        import datetime as dt

        today = dt.date.today()
        for src in self.selection.manuscripts:
            info = self.docs.get(stem_of(src))
            if info is not None and info.next_review and dt.date.fromisoformat(info.next_review) < today:
                from .errors import Warning_

                warning = Warning_(f"its next review was due on {info.next_review}", info.source,
                                   hint="review the handout, then update reviewed: and next-review:")
                self.rep.step(StepResult(f"review {info.stem}", "note", warnings=[warning]))

    def translations(self) -> None:
        """A warning for each translation built now whose source changed after it was translated (its
        ``translation-of:`` names another content of the source), or whose file name's language is not its
        ``lang``. Both read only what the cite steps learnt, so they hold on a no-op build too."""
        from .errors import Warning_
        from .languages import lookup

        stems = [stem_of(src) for src in self.selection.all_manuscripts]
        for src in self.selection.manuscripts:
            info = self.docs.get(stem_of(src))
            found = translation_of(info.stem, stems) if info is not None else None
            if info is None or found is None:
                continue
            source, tag = found
            warnings = []
            if lookup(info.lang, [tag]) is None:
                warnings.append(Warning_(f"its file name makes it the '{tag}' edition of {source}.md, but its lang "
                                         f"is {info.lang}", info.source,
                                         hint=f"rename it {source}.<language>.md, or set lang: {tag}"))
            original = self.docs.get(source)
            if info.translation_of and original is not None and original.content != info.translation_of:
                warnings.append(Warning_(
                    f"translation may be out of date: {original.source} changed after it was translated "
                    f"(translation-of: {info.translation_of}, the source is now {original.content})", info.source,
                    hint=f"bring the translation up to date, then write translation-of: {original.content}"))
            if warnings:
                self.rep.step(StepResult(f"translation {info.stem}", "note", warnings=warnings))

    # Brands ----------------------------------------------------------------------------------------------

    def brand_key(self, name: str) -> str:
        """A brand's files (by content) and publish's code: a brand is checked again only when either
        changed, or the project moved (a checked brand knows its files' places)."""
        folder = self.project.brands / name
        files = self.inputs.brand(name)
        return config_hash([self.version, str(folder.resolve()), [(f, self.state.hashes.get(f)) for f in files]])[:24]

    def brand(self, name: str, *, wait: bool = True) -> Brand | None:
        """The checked brand, or None when it fails its checks (reported once, nothing rendered for it).
        Without ``wait``, only starts the check."""
        if name in self.ready_brands:
            return self.ready_brands[name]
        if name in self.bad_brands:
            return None
        key = self.brand_key(name)
        kept = self.runner.brands.get(key)
        cache = self.project.state / "brands" / f"{name}.{key}.pickle"
        if kept is None and cache.is_file():
            import pickle

            with contextlib.suppress(Exception):
                kept = pickle.loads(cache.read_bytes())
        if kept is not None:
            self._keep(key, kept)
            self.ready_brands[name] = kept
            return kept
        if name not in self.brand_futures:
            self.brand_futures[name] = self.runner.executor.submit(
                check_brand, (str(self.project.brands / name), str(cache), not self.runner.preview))
        if not wait:
            return None
        outcome = self.brand_futures.pop(name).result()
        if outcome.status != "ok":
            self.bad_brands.add(name)
            self.fail(f"brand {name}", outcome)
            return None
        self._keep(key, outcome.value)
        self.ready_brands[name] = outcome.value
        return outcome.value

    def _keep(self, key: str, brand: Brand) -> None:
        kept = self.runner.brands
        kept.pop(key, None)
        kept[key] = brand
        while len(kept) > self.runner.BRANDS_KEPT:
            kept.pop(next(iter(kept)))

    # Pruning -------------------------------------------------------------------------------------------

    def orphans(self) -> list[str]:
        """Records of steps the whole project no longer has: a manuscript or brand deleted, a brand no
        longer in a manuscript's ``brands:``, a format gone. The plan says what remains."""
        everything = self.selection.everything(list(self.formats))
        wanted = {s.name for s in plan(everything, self.docs, self.formats, _no_inputs, self.built, self.version,
                                       settings=self.settings_files)}
        return [name for name in self.state.steps if name not in wanted]

    def prune(self) -> None:
        """Remove what orphaned steps wrote; a file another step still claims (a brand's shared assets)
        stays, and nothing outside build/ is touched."""
        dead = self.orphans()
        if not dead:
            return
        claimed = {t for n, rec in self.state.steps.items() if n not in dead for t in rec["targets"]}
        build = self.project.build.resolve()
        for name in dead:
            kind = self.state.steps[name].get("step", {}).get("kind")
            for target in self.state.steps.pop(name)["targets"]:
                path = self.project.root / target
                if target not in claimed and path.resolve().is_relative_to(build):
                    path.unlink(missing_ok=True)
                    with contextlib.suppress(OSError):  # an emptied brand folder goes too
                        path.parent.rmdir()
            self.rep.step(StepResult(name, "removed", reason="the file is gone" if kind == SETTINGS else ""))
        present = {stem_of(src) for src in self.selection.all_manuscripts}
        for stem in [s for s in self.state.info if s not in present]:
            self.state.info.pop(stem, None)
            self.project.cite_memo(stem).unlink(missing_ok=True)

    # --dry-run -----------------------------------------------------------------------------------------

    def dry_run(self) -> int:
        """What the next build would do, from the same plan: a stale manuscript is read and cited in
        memory (nothing is written), so its outputs are listed only if its cited document changes."""
        from .executors import perform

        for step in settings_steps(self.settings_files, self.version):
            if reason := self.stale(step):
                self.rep.would(step.name, reason)
                outcome = perform(settings_step, (self.root,))
                if outcome.status != "ok":
                    error = outcome.value if outcome.status == "error" else PublishError(outcome.value[0])
                    self.rep.would_fail(step.name, error)
        for step in cite_steps(self.selection, self.version):
            reason = self.stale(step) if step.manuscript in self.docs else "never built"
            if reason:
                self.rep.would(step.name, reason)
                outcome = perform(cite_step, (self.root, step.source, False))
                if outcome.status != "ok":
                    error = outcome.value if outcome.status == "error" else PublishError(outcome.value[0])
                    self.rep.would_fail(step.name, error)
                    continue
                self.docs[step.manuscript] = outcome.value.info
            info = self.docs.get(step.manuscript)
            for render in (self.renders_of(info) + self.analyses(info)) if info else []:
                if why := self.stale(render):
                    self.rep.would(render.name, why, render.targets)
        for index in self.indexes():
            if why := self.stale(index):
                self.rep.would(index.name, why, index.targets)
        for name in self.orphans():
            rec = self.state.steps[name]
            settings = rec.get("step", {}).get("kind") == SETTINGS
            self.rep.would_remove(name, list(rec["targets"]),
                                  "the file is gone" if settings else "its manuscript or brand is gone")
        return 0


def _pack(step: Step, value: Any) -> dict[str, bytes]:
    """A step's result as the cache keeps it: a render's or index's files; a readability step's files and
    warnings (project-relative already) as one pickle."""
    import pickle

    return {"value": pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)} if step.kind == ANALYSE else value


def _unpack(step: Step, files: dict[str, bytes]) -> Any:
    import pickle

    return pickle.loads(files["value"]) if step.kind == ANALYSE else files


#: How a cached cite step's warnings name the project folder (whichever copy of it reads them).
_HERE = "<project>/"


def _inline() -> type:
    from .executors import InlineExecutor

    return InlineExecutor


def build(project: Project, opts: BuildOptions, reporter: Reporter | None = None) -> int:
    """One build in a runner of its own (the command line's ``publish build``)."""
    cache = None
    if opts.cache:
        from .cache import Cache

        cache = Cache.open(opts.cache)
    executor: Executor | None = None
    if opts.scheduler and not opts.dry_run:  # connects when a step first needs the cluster, not here
        from .cluster.executor import DaskExecutor

        executor = DaskExecutor(opts.scheduler)
    runner = Runner(project, opts.jobs, executor, cache)
    try:
        return runner.build(opts, reporter)
    finally:
        runner.close()


__all__ = ["CITE", "BuildOptions", "Runner", "build", "select"]
