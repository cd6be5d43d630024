"""Print the benchmark table: every group's rows in order, as they are measured.

``python -m bench`` from the repository root (``make bench``), or ``python bench/run.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import from the repository root, as ``-m bench`` does,
    sys.path[0] = str(Path(__file__).resolve().parents[1])  # not from bench/ (its modules are not top-level)

from bench import check, citations, cluster, long, parallel, pdf, scale, seed, serve  # noqa: E402
from bench.rows import Context, Row  # noqa: E402

# In the order printed; the README's table follows it.
GROUPS = {"seed": seed, "parallel": parallel, "scale": scale, "citations": citations, "pdf": pdf, "long": long,
          "cluster": cluster, "serve": serve, "check": check}


def line(row: Row) -> str:
    return f"  {row.what:<52} {row.ours:>12} {row.theirs:>12} {row.ratio:>8}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per median (the seed rows take at least 7)")
    parser.add_argument("--quick", action="store_true", help="skip the 32-manuscript and 200-page figures")
    parser.add_argument("--only", action="append", choices=list(GROUPS), metavar="GROUP",
                        help=f"only these groups of rows ({', '.join(GROUPS)}); may be repeated")
    args = parser.parse_args(argv)
    print(f"publish bench: {os.cpu_count()} CPUs, median of {args.runs} runs\n")
    print(line(Row("figure", "publish", "pandoc", "ratio")))
    with tempfile.TemporaryDirectory(prefix="publish-bench-") as scratch:
        ctx = Context(Path(scratch), args.runs, args.quick)
        for name, group in GROUPS.items():
            if args.only and name not in args.only:
                continue
            for row in group.rows(ctx):
                print(line(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
