"""Timing a build as a user runs it, and the medians and ratios the table shows."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from bench.projects import seed_project
from bench.rows import Context

# Runs one command and prints its wall time and the largest resident size among the processes it waited
# for (the build and its workers). A wrapper process of its own, so each build's peak is its own and not
# the largest of every build the benchmark ran so far.
_TIME_AND_PEAK = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


class Build(NamedTuple):
    """One ``publish build``: wall seconds and the peak resident size of its processes, in MB."""

    seconds: float
    peak_mb: float


def publish_command() -> list[str]:
    """The ``publish`` console script beside this Python (what ``make`` runs), else ``python -m``."""
    script = Path(sys.executable).parent / "publish"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "publish.cli"]


def publish_build(project: Path, *args: str) -> Build:
    """Run ``publish build -q ARGS`` in ``project`` as a user would."""
    out = subprocess.run([sys.executable, "-c", _TIME_AND_PEAK, *publish_command(), "build", "-q", *args],
                         cwd=project, check=True, capture_output=True, text=True).stdout
    seconds, peak_kb = out.split()[-2:]
    return Build(float(seconds), int(peak_kb) / 1024)


def cold_build(ctx: Context, *, jobs: int | None = None, manuscripts: int = 1,
               brands: Iterable[str] = ("default",), extra: Iterable[str] = ()) -> Build:
    """A build of a fresh seed project (nothing built yet) with those brands and options."""
    project = seed_project(ctx.folder("cold"), manuscripts)
    args = [a for b in brands for a in ("--brand", b)] + list(extra)
    if jobs:
        args += ["-j", str(jobs)]
    return publish_build(project, *args)


def median(measure: Callable[[], float], runs: int) -> float:
    return statistics.median(measure() for _ in range(runs))


def interleaved(contenders: dict[str, Callable[[], float]], runs: int) -> dict[str, float]:
    """The median of ``runs`` runs of each contender, taken in turn (a, b, c, a, b, c, ...), so that a slow
    moment of a shared machine does not land on one side only."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(runs):
        for name, measure in contenders.items():
            samples[name].append(measure())
    return {name: statistics.median(values) for name, values in samples.items()}


def ratio(ours: float, theirs: float) -> str:
    """Ours over theirs: below 1x we are faster."""
    return f"{ours / theirs:.2f}x"
