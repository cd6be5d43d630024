"""``make bench-dask``: what a Dask cluster and the shared cache cost and save, as ratios.

A benchmark, not a timed test: the figures are printed, never asserted. Each build is the real command
line in a fresh copy of the project (``bench._copy``: the seed manuscript under ``n`` titles):

- ``n`` manuscripts x 2 brands, every format and edition, on a LocalCluster of 2 single-threaded worker
  processes on loopback against the local process pools at ``-j 2`` (the same two cores' worth of work);
- the same build with an empty cache folder (cold: renders and stores) and then a fresh copy with that
  cache (warm: cites here, renders nothing).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from .bench import _copy, _publish

BRANDS = ("--brand", "default", "--brand", "riverside")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="publish-bench-dask")
    parser.add_argument("--manuscripts", type=int, default=32)
    args = parser.parse_args(argv)
    try:
        import distributed
    except ImportError:
        print("publish bench-dask: needs the dask extra: pip install 'publish[dask]' (or make dask)", file=sys.stderr)
        return 1
    n = args.manuscripts

    def row(what: str, value: str, ratio: str = "") -> None:
        print(f"  {what:<60} {value:>10} {ratio:>10}", flush=True)

    print(f"publish bench-dask: {n} manuscripts x 2 brands, every format and edition\n")
    with tempfile.TemporaryDirectory(prefix="publish-bench-dask-") as tmpdir, \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                     dashboard_address=None) as cluster:
        tmp = Path(tmpdir)
        address = cluster.scheduler_address
        local = _publish(_copy(tmp / "local", n), *BRANDS, "-j", "2")
        remote = _publish(_copy(tmp / "remote", n), *BRANDS, "--scheduler", address)
        row("local -j 2 (s)", f"{local:.2f}")
        row("LocalCluster, 2 workers (s); overhead", f"{remote:.2f}", f"{remote / local - 1:+.1%}")
        cache = str(tmp / "cache")
        cold = _publish(_copy(tmp / "cold", n), *BRANDS, "-j", "2", "--cache", cache)
        warm = _publish(_copy(tmp / "warm", n), *BRANDS, "-j", "2", "--cache", cache)
        row("cold build, -j 2, storing in an empty cache (s)", f"{cold:.2f}")
        row("fresh copy from the warm cache (s); share of cold", f"{warm:.2f}", f"{warm / cold:.1%}")
        size = sum(p.stat().st_size for p in Path(cache).rglob("*") if p.is_file())
        row("cache size (MB); per manuscript and brand (KB)", f"{size / 2**20:.1f}", f"{size / 1024 / n / 2:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
