"""``publish check`` on the seed in every brand and format: cold (the outputs built, nothing checked yet) and
cached (nothing changed since). The cold run is one run: it starts Chromium, Ace and the JVMs, half a
minute on two cores, and a median of several would say little more."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.projects import seed_project
from bench.rows import Context, Row
from bench.timing import publish_build, publish_command


def _check(project: Path) -> float:
    t = time.perf_counter()
    proc = subprocess.run([*publish_command(), "check", "-q"], cwd=project, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        print(proc.stdout + proc.stderr, file=sys.stderr)
        raise SystemExit("publish check found something in the seed: the figure would not be the check's")
    return seconds


def rows(ctx: Context) -> list[Row]:
    project = seed_project(ctx.folder("check"))
    publish_build(project)  # the build is not what is measured here
    cold = _check(project)
    cached = statistics.median(_check(project) for _ in range(max(ctx.runs, 1)))
    return [
        Row("check: the seed, every brand and format, cold", f"{cold:.1f} s"),
        Row("check: the same again, nothing changed (cached)", f"{cached:.2f} s", "",
            f"{cached / cold:.1%} of cold"),
    ]
