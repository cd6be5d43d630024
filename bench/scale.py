"""More manuscripts in one project: time per manuscript and the peak memory of the build's processes."""

from __future__ import annotations

from collections.abc import Iterator

from bench.rows import Context, Row
from bench.timing import cold_build


def rows(ctx: Context) -> Iterator[Row]:
    for n in (1, 8) if ctx.quick else (1, 8, 32):
        build = cold_build(ctx, manuscripts=n)
        peak = cold_build(ctx, manuscripts=n, memory=True).peak_mb  # a build of its own: sampling slows it
        yield Row(f"{n} manuscript(s), 1 brand: s per manuscript; peak MB", f"{build.seconds / n:.2f}",
                  f"{peak:.0f} MB")
