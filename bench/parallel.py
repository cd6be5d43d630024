"""Parallel processes: one project of 7 manuscripts in 2 brands built with -j 1 and with -j 2."""

from __future__ import annotations

from collections.abc import Iterator

from bench.rows import Context, Row
from bench.timing import cold_build

BRANDS = ("default", "riverside")


def rows(ctx: Context) -> Iterator[Row]:
    one = cold_build(ctx, jobs=1, manuscripts=7, brands=BRANDS).seconds
    two = cold_build(ctx, jobs=2, manuscripts=7, brands=BRANDS).seconds
    yield Row("7 manuscripts x 2 brands, -j 1 vs -j 2 (s); speed-up", f"{two:.2f}", f"{one:.2f}", f"{one / two:.2f}x")
