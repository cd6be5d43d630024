"""A Dask cluster and the shared cache: 32 manuscripts x 2 brands, every format and edition.

- on a LocalCluster of 2 single-threaded worker processes on loopback (``--scheduler``) against the local
  process pools at ``-j 2``: the same two cores' worth of workers, so the ratio is the cluster's overhead
  (shipping inputs and outputs, the client's connection, the version check); and the CPU time each spent,
  the build's processes plus the cluster's (workers and this process, where the scheduler runs), which a
  loaded machine disturbs less than the wall clock. The idle cluster's own CPU during a local build (its
  heartbeats) counts on the local side;
- a build with an empty cache folder (cold: cites, renders and stores), then a fresh copy of the project
  with that cache (warm: nothing cited or rendered), and the cache's size.

Needs the dask extra (``make dask``); without it the group says so in one row.
"""

from __future__ import annotations

import logging
import resource
import statistics
from collections.abc import Callable, Iterator
from typing import Any

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
    cpu: dict[str, list[float]] = {"local": [], "cluster": []}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        address = cluster.scheduler_address

        def counted(name: str, build: Callable[[], float]) -> Callable[[], float]:
            def measure() -> float:
                before = _cpu(client)
                seconds = build()
                cpu[name].append(_cpu(client) - before)
                return seconds
            return measure

        took = interleaved({  # taken in turn: a slow moment of a shared machine lands on both sides
            "local": counted("local", lambda: publish_build(seed_project(ctx.folder("local"), n), *BRANDS,
                                                            "-j", "2").seconds),
            "cluster": counted("cluster", lambda: publish_build(seed_project(ctx.folder("cluster"), n), *BRANDS,
                                                                "--scheduler", address).seconds),
        }, 1 if ctx.quick else ctx.runs)
        local, remote = took["local"], took["cluster"]
    yield Row(f"{n} x 2 brands on 2 Dask workers vs -j 2 (s); overhead", f"{remote:.2f}", f"{local:.2f}",
              f"{remote / local - 1:+.0%}")
    local_cpu, remote_cpu = (statistics.median(cpu[k]) for k in ("local", "cluster"))
    yield Row(f"{n} x 2 brands, CPU time of every process (s); cluster vs -j 2", f"{remote_cpu:.1f}",
              f"{local_cpu:.1f}", f"{remote_cpu / local_cpu - 1:+.0%}")
    cache = ctx.folder("cache")
    cold = publish_build(seed_project(ctx.folder("cold"), n), *BRANDS, "-j", "2", "--cache", str(cache)).seconds
    warm = publish_build(seed_project(ctx.folder("warm"), n), *BRANDS, "-j", "2", "--cache", str(cache)).seconds
    yield Row(f"{n} x 2 brands, a fresh copy from a warm cache vs cold (s)", f"{warm:.2f}", f"{cold:.2f}",
              f"{warm / cold:.0%}")
    size = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())
    yield Row("the cache's size (MB); per manuscript and brand (KB)", f"{size / 2**20:.1f}",
              f"{size / 1024 / n / 2:.0f} KB")


def _cpu(client: Any) -> float:
    """CPU seconds so far of this process (the scheduler's), the builds it waited for, and the workers."""
    here = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))
    return here + sum(client.run(_own_cpu).values())


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
