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

# Runs its commands one after another and prints their wall time, CPU time, the peak memory of the
# process tree (the largest sum, over the processes alive at one moment, of their proportional set size,
# sampled every 20 ms, only when asked: see below), the largest resident size of any one process it waited
# for, and when a file named to watch was first rewritten. A wrapper process of its own, so each build's peak
# is its own and not the largest of every build the benchmark ran so far.
#
# Sampling is asked for in builds of their own, never in a timed one: reading smaps_rollup makes the kernel
# walk each process's page tables, and every 20 ms for a tree of 300 MB processes that took about half a CPU
# from the build it measured (a seed build read 0.81x plain pandoc with it, 0.71x without), and more from
# ours, which uses both CPUs, than from pandoc's commands, which run one at a time.
#
# Why the sum and not ru_maxrss alone: RUSAGE_CHILDREN's ru_maxrss is the largest *single* process, which
# compares one process of plain pandoc (its commands run one after another) with one of a build that runs
# three or four at once (the cite step's process, the PDF worker, a light worker and their pandoc
# children). What a machine must hold is their sum. PSS, not RSS: the pool's workers are forked from the
# build's process and share its pages, which RSS would count once per process. (And ru_maxrss of a process
# that Python starts with vfork + exec, as subprocess does, is at least its parent's resident size at the
# exec: the kernel keeps the high-water mark of the memory map it leaves. /bin/true started from a 300 MB
# Python reads 300 MB.)
_MEASURE = """
import json, os, resource, subprocess, sys, time
commands, watch, sample = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
def stamp():
    try:
        return os.stat(watch).st_mtime_ns
    except OSError:
        return None
def tree(pid):
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return found
def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
before, seen, each, out, peak = stamp() if watch else None, None, [], "", 0
sample = sample and os.path.exists(f"/proc/{os.getpid()}/smaps_rollup")
t = time.perf_counter()
for command in commands:
    start = time.perf_counter()
    with open(".bench-out", "w+b") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE)
        sampled = 0.0
        if not (watch or sample):
            proc.wait()
        while proc.poll() is None:
            if watch and seen is None and stamp() != before:
                seen = time.perf_counter() - t
            if sample and time.perf_counter() - sampled >= 0.02:
                sampled = time.perf_counter()
                peak = max(peak, sum(pss_kb(p) for p in tree(proc.pid)))
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
print(json.dumps([wall, use.ru_utime + use.ru_stime, peak or use.ru_maxrss, use.ru_maxrss, seen, each, out]))
"""


class Build(NamedTuple):
    """One build: wall seconds, the peak memory of its process tree in MB (the sum of the processes alive
    at one moment, PSS, when sampled; else the largest single process's resident size), their
    CPU seconds, the seconds until the watched output was rewritten (None: not watched, or not rewritten),
    each command's wall seconds, what the last one printed, and the largest resident size of any one of
    its processes in MB (ru_maxrss, what this row showed before)."""

    seconds: float
    peak_mb: float
    cpu: float = 0.0
    watched: float | None = None
    each: tuple[float, ...] = ()
    printed: str = ""
    largest_mb: float = 0.0


def measure(commands: list[list[str]], cwd: Path, watch: Path | None = None, *, memory: bool = False) -> Build:
    """Run ``commands`` in turn in ``cwd``, as a user would, through the measuring wrapper; ``memory``:
    sample the tree's memory (a build measured for its peak, whose seconds are not to be trusted)."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps(commands), str(watch or ""),
                           "1" if memory else ""], cwd=cwd, capture_output=True, text=True)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, commands[-1], proc.stdout, proc.stderr)
    wall, cpu, peak_kb, largest_kb, seen, each, printed = json.loads(proc.stdout.splitlines()[-1])
    return Build(wall, peak_kb / 1024, cpu, seen, tuple(each), printed, largest_kb / 1024)


def publish_command() -> list[str]:
    """The ``publish`` console script beside this Python (what ``make`` runs), else ``python -m``."""
    script = Path(sys.executable).parent / "publish"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "publish.cli"]


def publish_build(project: Path, *args: str, watch: Path | None = None, verbose: bool = False,
                  memory: bool = False) -> Build:
    """Run ``publish build -q ARGS`` (``-v``: with each step's seconds printed) in ``project`` as a user would."""
    return measure([[*publish_command(), "build", "-v" if verbose else "-q", *args]], project, watch, memory=memory)


def cold_build(ctx: Context, *, jobs: int | None = None, manuscripts: int = 1,
               brands: Iterable[str] = ("default",), extra: Iterable[str] = (), memory: bool = False) -> Build:
    """A build of a fresh seed project (nothing built yet) with those brands and options."""
    project = seed_project(ctx.folder("cold"), manuscripts)
    args = [a for b in brands for a in ("--brand", b)] + list(extra)
    if jobs:
        args += ["-j", str(jobs)]
    return publish_build(project, *args, memory=memory)


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
