"""``publish check``: the reference validators as a gate on a project's own handouts.

It builds what is stale (the same runner as ``publish build``), then checks the outputs of the selection:

- web pages: axe-core (WCAG 2.2 AA and best practice) at 320, 375 and 1280 px and publish's own page rules,
  in one Chromium (``browser.py``), and the Nu Html Checker (``html.py``);
- e-books: EPUBCheck and Ace by DAISY, Ace in the same Chromium (``epub.py``); EPUBCheck and the Nu checker
  in one JVM (``jvm.py``);
- PDFs: tags, language, fonts, outline, title, figures' alternate text, text and reading order (``pdf.py``);
- DOCX: it opens, its headings are in heading styles (``docx.py``).

What the validators say is kept per output by content (``cache.py``), located in the manuscript, template
or brand file that wrote it (``locate.py``), folded across widths and brands (``findings.py``), matched with
the project's acknowledgements (``settings.py``) and reported (``report.py``). Errors exit 1; warnings
(axe's best practice, Ace's moderate and minor) only with ``--strict``.
"""

from __future__ import annotations

import json
import pickle
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from ..project import Project
from .findings import Raw, exit_status, fold
from .report import CheckReporter

#: The template that makes each format's page, for a finding in the page's furniture that names no class.
MAIN_TEMPLATE = {"html": "article.html.j2", "epub": "epub3.xhtml", "pdf": "handout.html.j2", "docx": "header.xml.j2"}


class CheckOptions(NamedTuple):
    manuscripts: list[Path] | None = None
    brands: list[str] | None = None
    formats: list[str] | None = None
    editions: list[str] | None = None
    jobs: int = 0
    strict: bool = False
    quiet: bool = False
    debug: bool = False


class Output(NamedTuple):
    path: Path
    rel: str  # project-relative
    stem: str  # "" for a brand's index page
    manuscript: str  # project-relative .md, "" for an index page
    brand: str
    format: str


def outputs_of(project: Project, opts: CheckOptions) -> list[Output]:
    """The files the selection builds that exist (a manuscript's ``brands:`` may leave some brand out)."""
    from ..formats import declarations
    from ..run import BuildOptions, select

    formats = declarations()
    sel = select(project, BuildOptions(manuscripts=opts.manuscripts, brands=opts.brands, formats=opts.formats,
                                       editions=opts.editions), formats)
    root = project.root
    found: list[Output] = []
    for brand in sel.brands:
        for manuscript in sel.manuscripts:
            stem = Path(manuscript).stem
            for name in sel.formats:
                info = formats[name]
                for edition in info.editions:
                    path = project.build / brand / info.filename(stem, edition)
                    if sel.wants(edition) and path.is_file():
                        found.append(Output(path, path.relative_to(root).as_posix(), stem, manuscript, brand, name))
        index = project.build / brand / "index.html"
        if "html" in sel.formats and index.is_file() and sel.wants(""):
            found.append(Output(index, index.relative_to(root).as_posix(), "", "", brand, "html"))
    return found


def _settings_key() -> str:
    from . import browser
    from .cache import code_digest
    from .tools import versions

    return json.dumps([versions(), browser.settings(), code_digest()], sort_keys=True)


def _document(project: Project, stem: str) -> Any | None:
    from ..plan import doc_path

    try:
        doc = pickle.loads((project.root / doc_path(stem)).read_bytes())
    except (OSError, pickle.PickleError, EOFError, AttributeError):
        return None
    return doc.located(project.root.resolve())


def validate(project: Project, todo: list[Output], rep: CheckReporter) -> dict[str, list[Raw]]:
    """Every validator on the outputs that are not in the cache, the slow ones side by side."""
    from . import browser, docx, epub, html, jvm, pdf, tools

    pages = [o for o in todo if o.format == "html"]
    books = [o for o in todo if o.format == "epub"]
    found: dict[str, list[Raw]] = {o.rel: [] for o in todo}
    by_path = {o.path.resolve(): o for o in todo}

    def meta(o: Output) -> tuple[str, str, str]:
        return o.rel, o.format, o.brand

    def meta_of(path: Path) -> tuple[str, str, str]:
        o = by_path.get(path.resolve())
        return meta(o) if o else (str(path), "html", "")

    kit = tools.ensure(rep.say) if (pages or books) else None
    if kit is None and any(o.format == "pdf" for o in todo):
        tools.ensure_python(rep.say)
    java = jvm.start(kit, [o.path for o in pages], [o.path for o in books]) if kit else None
    chrome = browser.start(kit, [o.path for o in pages], [o.path for o in books]) if kit else None
    try:
        docs: dict[str, Any] = {}
        for o in todo:  # in this process, while the JVM and the browser work
            if o.format in ("pdf", "docx"):
                if o.stem not in docs:
                    docs[o.stem] = _document(project, o.stem)
                module = pdf if o.format == "pdf" else docx
                found[o.rel] += module.check(o.path, docs[o.stem], meta(o))
        nu, reports = jvm.finish(java)
        for book, report in reports.items():
            o = by_path[book.resolve()]
            found[o.rel] += epub.epubcheck_findings(report, book, meta(o))
        for rel, raws in html.nu_findings(nu, meta_of).items():
            found.setdefault(rel, []).extend(raws)
        results = browser.finish(chrome)
    except BaseException:
        for proc in (chrome, java.proc if java else None):  # nothing outlives a failed or interrupted check
            if proc is not None and proc.poll() is None:
                proc.kill()
        raise
    finally:
        jvm.cleanup(java)
    for page in results["pages"]:
        o = by_path[Path(page["path"]).resolve()]
        found[o.rel] += html.axe_findings(page, meta(o))
    for book in results["books"]:
        o = by_path[Path(book["path"]).resolve()]
        found[o.rel] += epub.ace_findings(book, meta(o))
    return found


def sources(project: Project, outputs: list[Output]) -> Mapping[str, Any]:
    from ..manuscript import read_text
    from ..templates import search_path
    from .locate import Source

    texts: dict[str, str] = {}
    out = {}
    for o in outputs:
        if o.manuscript and o.manuscript not in texts:
            texts[o.manuscript] = read_text(project.root / o.manuscript)
        main = "index.html.j2" if not o.stem and o.format == "html" else MAIN_TEMPLATE.get(o.format, "")
        out[o.rel] = Source(o.manuscript, texts.get(o.manuscript, ""), project.brands / o.brand,
                            search_path(project.templates, project.brands / o.brand, o.format), main)
    return out


def check(project: Project, opts: CheckOptions, reporter: CheckReporter | None = None) -> int:
    """Build what is stale, validate what changed, report every finding where it was written."""
    from ..run import BuildOptions, build
    from . import settings, tools
    from .cache import CheckCache, output_key
    from .locate import locate
    from .report import write_html

    rep = reporter or CheckReporter(strict=opts.strict, quiet=opts.quiet)
    start = time.perf_counter()
    acks = settings.load(project)
    code = build(project, BuildOptions(manuscripts=opts.manuscripts, brands=opts.brands, formats=opts.formats,
                                       editions=opts.editions, jobs=opts.jobs, quiet=True, debug=opts.debug))
    if code:
        return code
    outputs = outputs_of(project, opts)
    cache = CheckCache(project)
    raws: dict[str, list[Raw]] = {}

    def pending() -> list[tuple[Output, str]]:
        key = _settings_key()
        todo = []
        for o in outputs:
            k = output_key(o.path, key)
            got = cache.get(o.rel, k)
            if got is None:
                todo.append((o, k))
            else:
                raws[o.rel] = got
        return todo

    todo = pending()
    if todo and (tools.missing_python() or not tools.npm_installed()):
        # The first run installs the validators (their versions are part of the keys): one line for all.
        if any(o.format in ("html", "epub") for o, _ in todo):
            tools.ensure(rep.say)
        else:
            tools.ensure_python(rep.say)
        tools.versions.cache_clear()
        todo = pending()
    if todo:
        found = validate(project, [o for o, _ in todo], rep)
        for o, k in todo:
            raws[o.rel] = found.get(o.rel, [])
            cache.put(o.rel, k, raws[o.rel])
    cache.save(keep=[o.rel for o in outputs])
    src = sources(project, outputs)
    root = project.root
    located = [locate(r, src.get(o.rel), root) for o in outputs for r in raws.get(o.rel, [])]
    findings, stale = settings.apply(fold(located), acks)
    rep.findings(findings, stale)
    report = write_html(project.build, findings, stale)
    rep.summary(findings, len(outputs), len(outputs) - len(todo), time.perf_counter() - start,
                report.relative_to(root))
    status = exit_status(findings, opts.strict)
    return status or (1 if opts.strict and stale else 0)


__all__ = ["CheckOptions", "check"]
