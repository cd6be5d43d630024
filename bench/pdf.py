"""The handout renderer alone, in a warm process: the seed's editions, pages per second on a long
document, and the two font subsetters WeasyPrint can use. Everything renders in memory."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import statistics
import time
from collections.abc import Iterator
from typing import Any

from bench.projects import SEED, seed_project
from bench.rows import Context, Row


class Renderer:
    """The seed, read and cited once as the pipeline does, and rendered to PDF on demand."""

    def __init__(self, ctx: Context, brand: str = "default") -> None:
        from publish.brand import load_brand
        from publish.document import cite_manuscript
        from publish.formats.pdf import PdfFormat
        from publish.manuscript import load_manuscript
        from publish.project import Project

        project = Project(seed_project(ctx.folder("pdf")))
        self.format = PdfFormat(project)
        self.brand = load_brand(project.brands / brand)
        self.seed = cite_manuscript(project, load_manuscript(project.manuscripts / SEED.name))

    def render(self, doc: Any = None, large_print: bool = False) -> tuple[bytes, float, int]:
        """(PDF, seconds, pages) of one edition of ``doc`` (the seed by default)."""
        stats: dict[str, Any] = {}
        t = time.perf_counter()
        data = self.format.pdf_bytes(doc or self.seed, self.brand, large_print=large_print, stats=stats)
        return data, time.perf_counter() - t, int(stats["pages"])

    def seconds(self, repeat: int, large_print: bool = False) -> float:
        return statistics.median(self.render(large_print=large_print)[1] for _ in range(repeat))


def _split_bibliography(blocks: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    for i, b in enumerate(blocks):
        if b.get("t") == "Div" and ({"bibliography", "references"} & set(b["c"][0][1]) or b["c"][0][0] in (
                "refs", "bibliography")):
            return blocks[:i], blocks[i:]
    return blocks, []


def long_document(doc: Any, copies: int) -> Any:
    """``doc`` with its body (not its bibliography) repeated ``copies`` times; no body rendered yet."""
    body, bibliography = _split_bibliography(doc.ast.get("blocks", []))
    ast = dict(doc.ast, blocks=[copy.deepcopy(b) for _ in range(copies) for b in body] + bibliography)
    return dataclasses.replace(doc, ast=ast, bodies={})


def pages_per_second(renderer: Renderer, target: int) -> tuple[int, float]:
    """(pages, seconds) of one render of a handout of about ``target`` pages. The seed once and three
    times first tell how many pages one more copy of the body adds (the letterhead, the bibliography and
    the closing block are not repeated)."""
    _, _, one = renderer.render()
    _, _, three = renderer.render(long_document(renderer.seed, 3))
    per_copy = max((three - one) / 2, 0.5)
    copies = max(1, 1 + math.ceil((target - one) / per_copy))
    _, seconds, pages = renderer.render(long_document(renderer.seed, copies))
    return pages, seconds


@contextlib.contextmanager
def fonttools_subsetting() -> Iterator[None]:
    """Make WeasyPrint fall back to fontTools, as it does when libharfbuzz-subset0 is missing."""
    from weasyprint.pdf import fonts

    saved = fonts.harfbuzz_subset
    fonts.harfbuzz_subset = None
    try:
        yield
    finally:
        fonts.harfbuzz_subset = saved


def harfbuzz_subset_available() -> bool:
    """What WeasyPrint 70 checks (weasyprint/pdf/fonts.py Font.subset): the library loads and HarfBuzz >= 4.1."""
    from weasyprint.pdf import fonts
    from weasyprint.text.ffi import harfbuzz

    return bool(fonts.harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def rows(ctx: Context) -> Iterator[Row]:
    renderer = Renderer(ctx)
    renderer.render()  # warm-up: WeasyPrint's import, font loading, Pyphen's dictionaries
    repeat = max(ctx.runs, 3)
    yield Row("PDF: seed handout, render only (s)", f"{renderer.seconds(repeat):.2f}")
    yield Row("  ... its large-print edition, render only (s)", f"{renderer.seconds(repeat, large_print=True):.2f}")
    pages, seconds = pages_per_second(renderer, 60 if ctx.quick else 150)
    yield Row(f"PDF: {pages}-page document, pages per second", f"{pages / seconds:.1f}")
    subsetters = [("fontTools", fonttools_subsetting)]
    if harfbuzz_subset_available():
        subsetters.insert(0, ("HarfBuzz", contextlib.nullcontext))
    for name, subsetting in subsetters:
        with subsetting():
            runs = [renderer.render() for _ in range(repeat)]
        yield Row(f"PDF: seed, fonts subset by {name} (s; size)",
                  f"{statistics.median(r[1] for r in runs):.2f}", f"{len(runs[0][0])} B")
