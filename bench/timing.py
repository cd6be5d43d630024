"""Timing a build as a user runs it, and the medians and ratios the table shows."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from bench.projects import seed_project
from bench.rows import Context

# Runs its commands one after another and prints their wall time, CPU time and the largest resident size
# among the processes it waited for (each command and its workers and subprocesses), and when a file named
# to watch was first rewritten. A wrapper process of its own, so each build's peak is its own and not the
# largest of every build the benchmark ran so far.
_MEASURE = """
import json, os, resource, subprocess, sys, time
commands, watch = json.loads(sys.argv[1]), sys.argv[2]
def stamp():
    try:
        return os.stat(watch).st_mtime_ns
    except OSError:
        return None
before, seen, each, out = stamp() if watch else None, None, [], ""
t = time.perf_counter()
for command in commands:
    start = time.perf_counter()
    with open(".bench-out", "w+b") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE)
        while proc.poll() is None:
            if watch and seen is None and stamp() != before:
                seen = time.perf_counter() - t
            time.sleep(0.005)
        sink.seek(0)
        out = sink.read().decode(errors="replace")
    os.unlink(".bench-out")
    if proc.returncode:
        sys.exit(proc.stderr.read().decode(errors="replace") or proc.returncode)
    each.append(time.perf_counter() - start)
wall = time.perf_counter() - t
if watch and seen is None and stamp() != before:
    seen = wall
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([wall, use.ru_utime + use.ru_stime, use.ru_maxrss, seen, each, out]))
"""


class Build(NamedTuple):
    """One build: wall seconds, the peak resident size of its processes in MB, their CPU seconds, the
    seconds until the watched output was rewritten (None: not watched, or not rewritten), each command's
    wall seconds and what the last one printed."""

    seconds: float
    peak_mb: float
    cpu: float = 0.0
    watched: float | None = None
    each: tuple[float, ...] = ()
    printed: str = ""


def measure(commands: list[list[str]], cwd: Path, watch: Path | None = None) -> Build:
    """Run ``commands`` in turn in ``cwd``, as a user would, through the measuring wrapper."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps(commands), str(watch or "")], cwd=cwd,
                          capture_output=True, text=True)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, commands[-1], proc.stdout, proc.stderr)
    wall, cpu, peak_kb, seen, each, printed = json.loads(proc.stdout.splitlines()[-1])
    return Build(wall, peak_kb / 1024, cpu, seen, tuple(each), printed)


def publish_command() -> list[str]:
    """The ``publish`` console script beside this Python (what ``make`` runs), else ``python -m``."""
    script = Path(sys.executable).parent / "publish"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "publish.cli"]


def publish_build(project: Path, *args: str, watch: Path | None = None, verbose: bool = False) -> Build:
    """Run ``publish build -q ARGS`` (``-v``: with each step's seconds printed) in ``project`` as a user would."""
    return measure([[*publish_command(), "build", "-v" if verbose else "-q", *args]], project, watch)


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
