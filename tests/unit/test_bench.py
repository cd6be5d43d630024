"""The benchmark's plumbing (bench/, not shipped): it starts both ways, measures the seed project of the
tests rather than the checkout's manuscripts, and takes medians of runs taken in turn."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.projects import long_project, seed_project
from bench.rows import Context
from bench.timing import interleaved, ratio
from tests.projects import ROOT, SEED


@pytest.mark.parametrize("command", [["-m", "bench"], ["bench/run.py"]])
def test_starts_as_module_and_as_script(command: list[str]) -> None:
    proc = subprocess.run([sys.executable, *command, "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    for group in ("seed", "parallel", "scale", "citations", "pdf", "long"):
        assert group in proc.stdout


def test_is_not_in_the_package() -> None:
    import publish

    package = Path(publish.__file__).parent
    assert not list(package.rglob("*bench*.py"))


def test_interleaved_takes_turns_and_medians() -> None:
    calls: list[str] = []
    values = {"a": iter([5.0, 1.0, 3.0]), "b": iter([10.0, 30.0, 20.0])}

    def measure(name: str):
        def run() -> float:
            calls.append(name)
            return next(values[name])
        return run

    assert interleaved({"a": measure("a"), "b": measure("b")}, 3) == {"a": 3.0, "b": 20.0}
    assert calls == ["a", "b"] * 3
    assert ratio(1.0, 4.0) == "0.25x"


def test_projects_are_the_seed_of_the_tests(tmp_path: Path) -> None:
    project = seed_project(tmp_path / "seed", manuscripts=3)
    stems = sorted(p.stem for p in (project / "manuscript").glob("*.md"))
    assert stems == [SEED.stem, f"{SEED.stem}-01", f"{SEED.stem}-02"]
    titles = {(project / "manuscript" / f"{s}.md").read_text().splitlines()[1] for s in stems}
    assert len(titles) == 3  # each its own title, so its own output
    assert sorted(p.name for p in (project / "styles" / "brands").iterdir()) == ["default", "riverside"]

    long = long_project(tmp_path / "long", parts=3)
    text = (long / "manuscript" / "long.md").read_text()
    assert text.count("\n## Part 3: ") == SEED.read_text().count("\n## ") and "## Part 4:" not in text


def test_context_folders_are_fresh(tmp_path: Path) -> None:
    ctx = Context(tmp_path, runs=1, quick=True)
    one, two = ctx.folder("cold"), ctx.folder("cold")
    assert one != two and one.parent == two.parent == tmp_path and not list(one.iterdir())


def test_long_group_edits_text_or_citations_only() -> None:
    from bench.long import edited, first_key, prose_line, step_seconds

    text = SEED.read_text(encoding="utf-8")
    line = text.split("\n")[prose_line(text)]
    assert line[:1].isalpha() and "@" not in line and not line.startswith("#")
    once = edited(text, " Added.")
    assert once.count(" Added.") == 1 and once.replace(" Added.", "") == text
    key = first_key(text)
    assert f"[@{key}" in text
    printed = "  built       pdf default/long (18.33s) [never built]\n  built       html default/long (3.77s)\n"
    assert step_seconds(printed, "pdf default/long") == 18.33 and step_seconds(printed, "epub default/long") is None


_HOLD = "import time; x = bytearray({mb} << 20); x[::4096] = b'1' * len(x[::4096]); time.sleep(1.0)"


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs /proc/PID/smaps_rollup")
def test_peak_memory_is_the_sum_of_processes_alive_together(tmp_path: Path) -> None:
    """Two children holding 80 MB each at the same moment: the build's peak is their sum (what the machine
    holds), not the largest one alone (ru_maxrss), which would read the same for one child as for two."""
    from bench.timing import measure

    both = (f"import subprocess, sys; ps = [subprocess.Popen([sys.executable, '-c', {_HOLD.format(mb=80)!r}])"
            " for _ in range(2)]; [p.wait() for p in ps]")
    build = measure([[sys.executable, "-c", both]], tmp_path, memory=True)
    assert 80 < build.largest_mb < 120
    assert build.peak_mb > 150
    one = measure([[sys.executable, "-c", _HOLD.format(mb=80)]], tmp_path, memory=True)
    assert 80 < one.peak_mb < 120


def test_a_timed_build_is_not_sampled(tmp_path: Path) -> None:
    """Sampling memory slows what it samples, so a build measured for its seconds is not sampled: its
    peak is the largest single process's (ru_maxrss), read once at the end."""
    from bench.timing import measure

    both = (f"import subprocess, sys; ps = [subprocess.Popen([sys.executable, '-c', {_HOLD.format(mb=80)!r}])"
            " for _ in range(2)]; [p.wait() for p in ps]")
    build = measure([[sys.executable, "-c", both]], tmp_path)
    assert build.peak_mb == build.largest_mb < 120
