"""Benchmarks for the printable handout (called by ``make bench``; also ``python -m publish.formats.pdf_bench``).

Everything renders in memory from the project's own seed manuscript; nothing is written to build/.

  bench_seed()           seconds for the seed handout, standard edition (median of warm runs)
  bench_handout()        the same per edition (standard, large print)
  bench_pages(150)       (pages, seconds) for a long document made by repeating the seed's body
  bench_subsetting()     the same handout with HarfBuzz-subset and with fontTools subsetting
"""

from __future__ import annotations

import contextlib
import copy
import math
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..document import Document
from ..project import Project

SEED = "cbt-realness"


def _project(project: Project | None) -> Project:
    return project or Project.find(Path(__file__))


def seed_document(project: Project | None = None, stem: str = SEED) -> Document:
    """The seed manuscript, read and cited as the pipeline does."""
    from ..document import cite_manuscript
    from ..manuscript import load_manuscript

    project = _project(project)
    return cite_manuscript(project, load_manuscript(project.manuscripts / f"{stem}.md"))


def _brand(project: Project, name: str) -> Any:
    from ..brand import cached_brand

    return cached_brand(project.brands / name)


def _render(project: Project, doc: Document, brand: str, large_print: bool = False) -> tuple[bytes, float, int]:
    """(PDF, seconds, pages) for one edition."""
    from .pdf import PdfFormat

    fmt = PdfFormat(project)
    stats: dict[str, Any] = {}
    t = time.perf_counter()
    data = fmt.pdf_bytes(doc, _brand(project, brand), large_print=large_print, stats=stats)
    return data, time.perf_counter() - t, int(stats["pages"])


def bench_handout(brand: str = "default", repeat: int = 3, project: Project | None = None) -> dict[str, float]:
    """Seconds to render the seed handout (median of ``repeat`` runs after one warm-up), per edition."""
    project = _project(project)
    doc = seed_document(project)
    _render(project, doc, brand)  # warm-up: WeasyPrint's import, font loading, Pyphen dictionaries
    out: dict[str, float] = {}
    for edition, large in (("standard", False), ("large-print", True)):
        out[edition] = statistics.median(_render(project, doc, brand, large)[1] for _ in range(repeat))
    return out


def bench_seed(brand: str = "default", repeat: int = 3, project: Project | None = None) -> float:
    """Seconds to render the seed handout's standard edition in a warm process (median of ``repeat``)."""
    return bench_handout(brand, repeat, project)["standard"]


def _split_bibliography(blocks: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    for i, b in enumerate(blocks):
        if b.get("t") == "Div" and ({"bibliography", "references"} & set(b["c"][0][1]) or b["c"][0][0] in (
                "refs", "bibliography")):
            return blocks[:i], blocks[i:]
    return blocks, []


def long_document(doc: Document, copies: int) -> Document:
    """``doc`` with its body (not its bibliography) repeated ``copies`` times."""
    body, bibliography = _split_bibliography(doc.ast.get("blocks", []))
    ast = dict(doc.ast)
    ast["blocks"] = [copy.deepcopy(b) for _ in range(copies) for b in body] + bibliography
    return Document(doc.stem, doc.source, doc.settings, ast, list(doc.inputs))


def bench_pages(n_pages_target: int = 150, brand: str = "default",
                project: Project | None = None) -> tuple[int, float]:
    """Render a ~``n_pages_target``-page handout; returns (pages, seconds) of that one render.

    Pages per second = pages / seconds. The seed is rendered once and three times first (warm-up and
    calibration: how many pages one more copy of the body adds).
    """
    project = _project(project)
    doc = seed_document(project)
    _, _, one = _render(project, doc, brand)
    _, _, three = _render(project, long_document(doc, 3), brand)
    per_copy = max((three - one) / 2, 0.5)  # letterhead, bibliography and closing block are not repeated
    copies = max(1, 1 + math.ceil((n_pages_target - one) / per_copy))
    _, seconds, pages = _render(project, long_document(doc, copies), brand)
    return pages, seconds


@contextlib.contextmanager
def _fonttools_subsetting() -> Iterator[None]:
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


def bench_subsetting(brand: str = "default", repeat: int = 3,
                     project: Project | None = None) -> dict[str, dict[str, float]]:
    """The seed handout with each subsetter: median seconds and PDF size in bytes."""
    project = _project(project)
    doc = seed_document(project)
    _render(project, doc, brand)
    results: dict[str, dict[str, float]] = {}
    for name, ctx in (("harfbuzz", contextlib.nullcontext()), ("fonttools", _fonttools_subsetting())):
        if name == "harfbuzz" and not harfbuzz_subset_available():
            continue
        with ctx:
            runs = [_render(project, doc, brand) for _ in range(repeat)]
        results[name] = {"seconds": statistics.median(r[1] for r in runs), "bytes": float(len(runs[0][0]))}
    return results


def main() -> None:
    handout = bench_handout()
    print(f"handout (seed, default brand): standard {handout['standard']:.2f}s, "
          f"large print {handout['large-print']:.2f}s")
    pages, seconds = bench_pages(150)
    print(f"long document: {pages} pages in {seconds:.2f}s = {pages / seconds:.1f} pages/s")
    for name, r in bench_subsetting().items():
        print(f"font subsetting with {name}: {r['seconds']:.2f}s, {int(r['bytes'])} bytes")


if __name__ == "__main__":
    main()
