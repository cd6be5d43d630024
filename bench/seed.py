"""The seed, one brand: a cold build beside plain pandoc, with and without the large-print edition, and
a build with nothing to do."""

from __future__ import annotations

from collections.abc import Iterator

from bench.baseline import plain_pandoc
from bench.projects import seed_project
from bench.rows import Context, Row
from bench.timing import cold_build, interleaved, median, publish_build, ratio


def rows(ctx: Context) -> Iterator[Row]:
    # Like for like with pandoc's three outputs (the standard edition only), then every output.
    cold = interleaved({
        "like for like": lambda: cold_build(ctx, extra=("--edition", "standard")).seconds,
        "pandoc": lambda: plain_pandoc(ctx.folder("pandoc")),
        "every output": lambda: cold_build(ctx).seconds,
    }, max(ctx.runs, 7))
    same, theirs, every = cold["like for like"], cold["pandoc"], cold["every output"]
    yield Row("seed, 1 brand: HTML+PDF+EPUB, cold build (s)", f"{same:.2f}", f"{theirs:.2f}", ratio(same, theirs))
    yield Row("  ... plus the large-print PDF edition (s)", f"{every:.2f}", f"{theirs:.2f}", ratio(every, theirs))

    project = seed_project(ctx.folder("noop"))
    publish_build(project, "--brand", "default")
    noop = median(lambda: publish_build(project, "--brand", "default").seconds, ctx.runs)
    yield Row("no-op build (s); ratio to the cold build", f"{noop:.3f}", "", f"{noop / every:.1%}")
