"""When changes become rebuilds (Debouncer), which changes matter (Targets), and the real watcher
(watchfiles) seeing an editor's save-through-rename."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from publish.project import Project
from publish.serve_watch import Debouncer, Targets, Watcher


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_first_change_after_quiet_builds_at_once() -> None:
    clock = Clock()
    d = Debouncer(quiet=0.2, limit=2.0, clock=clock)
    assert d.wait_time() is None
    d.add({"a.md"})
    assert d.wait_time() == 0.0
    assert d.take(timeout=0) == {"a.md"}


def test_changes_during_a_build_wait_for_quiet_then_build_once() -> None:
    clock = Clock()
    d = Debouncer(quiet=0.2, limit=2.0, clock=clock)
    d.add({"a.md"})
    assert d.take(timeout=0) == {"a.md"}  # the build starts
    clock.now += 0.1
    d.add({"a.md"})
    clock.now += 0.1
    d.add({"b.md"})
    assert d.wait_time() is not None and d.wait_time() > 0  # still building: never a second build at once
    clock.now += 0.3
    d.done()
    clock.now += 0.05
    assert d.wait_time() == 0.0  # quiet for 0.2 s since the last change: due, both in one build
    assert d.take(timeout=0) == {"a.md", "b.md"}
    d.done()
    assert d.wait_time() is None


def test_saving_without_pause_still_builds_by_the_limit() -> None:
    clock = Clock()
    d = Debouncer(quiet=0.2, limit=1.0, clock=clock)
    d.add({"x"})
    d.take(timeout=0)
    d.done()
    builds = 0
    for _ in range(40):  # a save every 0.1 s for 4 s
        clock.now += 0.1
        d.add({"x"})
        if d.wait_time() == 0.0:
            d.take(timeout=0)
            d.done()
            builds += 1
    assert 3 <= builds <= 4


def test_burst_of_twenty_saves_in_a_second_gives_one_or_two_builds() -> None:
    """Real threads and clock: a builder that takes 0.15 s a build, 20 saves 50 ms apart."""
    d = Debouncer(quiet=0.2, limit=2.0)
    builds: list[set[str]] = []

    def builder() -> None:
        while (taken := d.take()) is not None:
            time.sleep(0.15)
            builds.append(taken)
            d.done()

    thread = threading.Thread(target=builder, daemon=True)
    thread.start()
    for i in range(20):
        d.add({f"save-{i}"})
        time.sleep(0.05)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and sum(len(b) for b in builds) < 20:
        time.sleep(0.02)
    d.close()
    thread.join(timeout=2)
    assert 1 <= len(builds) <= 2, [sorted(b) for b in builds]
    assert set().union(*builds) == {f"save-{i}" for i in range(20)}  # nothing lost


def test_a_change_during_a_build_gives_exactly_one_more() -> None:
    d = Debouncer(quiet=0.05, limit=2.0)
    started = threading.Event()
    builds: list[set[str]] = []

    def builder() -> None:
        while (taken := d.take()) is not None:
            builds.append(taken)
            started.set()
            time.sleep(0.3)
            d.done()

    thread = threading.Thread(target=builder, daemon=True)
    thread.start()
    d.add({"first"})
    assert started.wait(2)
    d.add({"during-1"})
    d.add({"during-2"})
    time.sleep(0.9)
    d.close()
    thread.join(timeout=2)
    assert builds == [{"first"}, {"during-1", "during-2"}]


def test_take_times_out_and_close_wakes_it() -> None:
    d = Debouncer()
    assert d.take(timeout=0.05) is None
    threading.Timer(0.05, d.close).start()
    assert d.take() is None


def _project(tmp_path: Path) -> Project:
    for folder in ("manuscript", "styles/brands/default", "styles/templates/html", "refs", "build"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    return Project(tmp_path)


def test_targets_say_which_changes_matter(tmp_path: Path) -> None:
    project = _project(tmp_path)
    t = Targets(project, ["manuscript/a.md", "refs/library.json", "top.csl"])
    root = tmp_path.resolve()
    assert t.wanted(root / "refs" / "library.json")  # an input outside the usual folders
    assert t.wanted(root / "top.csl")
    assert t.wanted(root / "manuscript" / "new.md")  # a new handout
    assert t.wanted(root / "styles" / "brands" / "new" / "_brand.yml")  # a new brand
    assert t.wanted(root / "styles" / "templates" / "html" / "site.css.j2")
    assert not t.wanted(root / "refs" / "other.json")
    assert not t.wanted(root / "build" / "default" / "a.html")
    assert not t.wanted(root / "manuscript" / ".a.md.swp")
    assert not t.wanted(root / "manuscript" / "a.md~")
    assert not t.wanted(root / "README.md")
    deep, shallow = t.folders()
    assert deep == (root / "manuscript", root / "styles")
    assert shallow == (root, root / "refs")  # the project folder (its .venv, .git) only one level deep


def test_watcher_sees_a_save_through_temp_file_and_rename(tmp_path: Path) -> None:
    project = _project(tmp_path)
    source = tmp_path / "manuscript" / "a.md"
    source.write_text("one")
    seen: list[set[str]] = []
    got = threading.Event()

    def on_change(paths: set[str]) -> None:
        seen.append(paths)
        got.set()

    watcher = Watcher(on_change)
    watcher.update(Targets(project, ["manuscript/a.md"]))
    try:
        time.sleep(0.3)  # the watch is in place
        tmp = source.with_name(".a.md.tmp")
        tmp.write_text("two")
        os.replace(tmp, source)  # how many editors save
        assert got.wait(3), "no change seen"
        assert any(str(source.resolve()) in batch for batch in seen)
        assert not any(".a.md.tmp" in p for batch in seen for p in batch)
        got.clear()
        (tmp_path / "README.md").write_text("not an input")
        assert not got.wait(0.5)
    finally:
        watcher.stop()


def test_the_project_settings_file_is_watched_before_any_build_read_it(tmp_path: Path) -> None:
    """publish.yml shapes the build from the moment it exists: creating it is a change, though no record
    names it yet (and the project folder itself is watched only one level deep)."""
    project = _project(tmp_path)
    root = tmp_path.resolve()
    t = Targets(project, ["manuscript/a.md"])
    assert t.wanted(root / "publish.yml") and not t.wanted(root / "README.md")
    assert t.folders()[1] == (root,)
    got = threading.Event()
    seen: list[set[str]] = []
    watcher = Watcher(lambda paths: (seen.append(paths), got.set()))
    watcher.update(t)
    try:
        time.sleep(0.3)  # the watch is in place
        (tmp_path / "README.md").write_text("not an input")
        project.settings_file.write_text("reading-grade: 8\n")
        assert got.wait(3), "creating publish.yml was not seen"
        assert {str(root / "publish.yml")} == set().union(*seen)
    finally:
        watcher.stop()


def test_watcher_falls_back_to_polling_when_watches_fail(tmp_path: Path, monkeypatch: Any) -> None:
    import watchfiles

    real = watchfiles.watch
    calls: list[object] = []

    def failing_first(*args: Any, **kw: Any) -> Any:
        calls.append(kw.get("force_polling"))
        if not kw.get("force_polling"):
            raise OSError(28, "inotify watch limit reached")
        return real(*args, **{**kw, "poll_delay_ms": 50})

    monkeypatch.setattr(watchfiles, "watch", failing_first)
    project = _project(tmp_path)
    source = tmp_path / "manuscript" / "a.md"
    source.write_text("one")
    got = threading.Event()
    said: list[str] = []
    watcher = Watcher(lambda paths: got.set(), on_error=said.append)
    watcher.update(Targets(project, ["manuscript/a.md"]))
    try:
        for i in range(25):  # until the poller has its first picture of the folder (slow on a busy machine)
            source.write_text("two, longer" + "!" * i)
            if got.wait(0.2):
                break
        assert got.is_set(), "polling saw nothing"
    finally:
        watcher.stop()
    assert calls[:2] == [None, True]
    assert len(said) == 1 and "polling" in said[0] and "inotify watch limit" in said[0]


def test_forget_drops_what_no_longer_matters() -> None:
    clock = Clock()
    d = Debouncer(quiet=0.2, limit=2.0, clock=clock)
    assert d.forget(lambda paths: paths) is False
    d.add({"a.md", "b.md"})
    assert d.forget(lambda paths: paths - {"a.md"}) is True
    assert d.take(timeout=0) == {"b.md"}
    d.done()
    d.add({"a.md"})
    assert d.forget(lambda paths: set()) is False and d.wait_time() is None and d.take(timeout=0) is None


def test_a_build_that_did_not_run_keeps_the_next_change_immediate() -> None:
    clock = Clock()
    d = Debouncer(quiet=0.2, limit=2.0, clock=clock)
    d.add({"a.md"})
    assert d.take(timeout=0) == {"a.md"}
    d.done(built=False)  # nothing was built (the change was one already built)
    clock.now += 0.05
    d.add({"a.md"})
    assert d.wait_time() == 0.0
    assert d.take(timeout=0) == {"a.md"}
    d.done()
    clock.now += 0.05
    d.add({"a.md"})
    wait = d.wait_time()
    assert wait is not None and abs(wait - 0.2) < 1e-9  # soon after a real build: wait for quiet
