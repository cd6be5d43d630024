"""A Dask cluster and the shared cache: 32 manuscripts x 2 brands, every format and edition.

- on a LocalCluster of 2 single-threaded worker processes on loopback (``--scheduler``) against the local
  process pools at ``-j 2``: the same two cores' worth of workers, so the ratio is the cluster's overhead
  (shipping inputs and outputs, the client's connection, the version check);
- a build with an empty cache folder (cold: cites, renders and stores), then a fresh copy of the project
  with that cache (warm: nothing cited or rendered), and the cache's size.

Needs the dask extra (``make dask``); without it the group says so in one row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from bench.projects import seed_project
from bench.rows import Context, Row
from bench.timing import interleaved, publish_build

BRANDS = ("--brand", "default", "--brand", "riverside")


def rows(ctx: Context) -> Iterator[Row]:
    try:
        import distributed
    except ImportError:
        yield Row("cluster and cache rows: need the dask extra (make dask)", "")
        return
    n = 8 if ctx.quick else 32
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        address = cluster.scheduler_address
        took = interleaved({  # taken in turn: a slow moment of a shared machine lands on both sides
            "local": lambda: publish_build(seed_project(ctx.folder("local"), n), *BRANDS, "-j", "2").seconds,
            "cluster": lambda: publish_build(seed_project(ctx.folder("cluster"), n), *BRANDS,
                                             "--scheduler", address).seconds,
        }, 1 if ctx.quick else ctx.runs)
        local, remote = took["local"], took["cluster"]
    yield Row(f"{n} x 2 brands on 2 Dask workers vs -j 2 (s); overhead", f"{remote:.2f}", f"{local:.2f}",
              f"{remote / local - 1:+.0%}")
    cache = ctx.folder("cache")
    cold = publish_build(seed_project(ctx.folder("cold"), n), *BRANDS, "-j", "2", "--cache", str(cache)).seconds
    warm = publish_build(seed_project(ctx.folder("warm"), n), *BRANDS, "-j", "2", "--cache", str(cache)).seconds
    yield Row(f"{n} x 2 brands, a fresh copy from a warm cache vs cold (s)", f"{warm:.2f}", f"{cold:.2f}",
              f"{warm / cold:.0%}")
    size = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())
    yield Row("the cache's size (MB); per manuscript and brand (KB)", f"{size / 2**20:.1f}",
              f"{size / 1024 / n / 2:.0f} KB")
