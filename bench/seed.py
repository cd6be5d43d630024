"""The seed, one brand: a cold build beside plain pandoc (like for like: its three formats, standard
edition), with every output, a build with nothing to do, and what the reading-level step costs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

from bench.baseline import plain_pandoc
from bench.projects import seed_project
from bench.rows import Context, Row
from bench.timing import cold_build, interleaved, median, publish_build, ratio

LIKE_FOR_LIKE = ("--format", "html", "--format", "pdf", "--format", "epub", "--edition", "standard")

# The reading-level step as a light worker runs it: in a fresh process that has cited the seed and has
# Jinja2 imported (as the pool's workers have), its own time, imports of the analysis included.
_ANALYSIS = """
import sys, time
from pathlib import Path
import jinja2
from publish.run import cite_step, analysis_step
root = sys.argv[1]
cited = cite_step(root, "manuscript/cbt-realness.md")
start = time.process_time()
analysis_step(root, cited.doc, ())
print(time.process_time() - start)
"""


def analysis_seconds(ctx: Context) -> float:
    project = seed_project(ctx.folder("analysis"))
    out = subprocess.run([sys.executable, "-c", _ANALYSIS, str(project)], capture_output=True, text=True,
                         check=True).stdout
    return float(out.split()[-1])


def rows(ctx: Context) -> Iterator[Row]:
    # Like for like with pandoc's three outputs (the standard edition only), then every output.
    cold = interleaved({
        "like for like": lambda: cold_build(ctx, extra=LIKE_FOR_LIKE).seconds,
        "pandoc": lambda: plain_pandoc(ctx.folder("pandoc")),
        "every output": lambda: cold_build(ctx).seconds,
    }, max(ctx.runs, 7))
    same, theirs, every = cold["like for like"], cold["pandoc"], cold["every output"]
    yield Row("seed, 1 brand: HTML+PDF+EPUB, cold build (s)", f"{same:.2f}", f"{theirs:.2f}", ratio(same, theirs))
    yield Row("  ... every output (+ large-print PDF, DOCX) (s)", f"{every:.2f}", f"{theirs:.2f}", ratio(every, theirs))

    project = seed_project(ctx.folder("noop"))
    publish_build(project, "--brand", "default")
    noop = median(lambda: publish_build(project, "--brand", "default").seconds, ctx.runs)
    yield Row("no-op build (s); ratio to the cold build", f"{noop:.3f}", "", f"{noop / every:.1%}")
    analysis = median(lambda: analysis_seconds(ctx), ctx.runs)
    yield Row("reading-level step on the seed, CPU in a worker (ms)", f"{analysis * 1000:.0f}", "", "")
