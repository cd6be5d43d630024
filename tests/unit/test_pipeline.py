"""The Make-style graph: hashes decide, selective rebuilds, atomic writes, a lock."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from publish.project import Project
from publish.state import HashCache, State, build_lock, write_atomic


def test_write_atomic_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "out" / "a.txt"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.txt"]


def test_write_atomic_from_two_threads_at_once(tmp_path: Path) -> None:
    """Threads of one process write the same file (a page's shared asset) without tripping on each other's
    temporary file: it once had only the process id in its name."""
    target = tmp_path / "out" / "style.css"
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for _ in range(200):
                write_atomic(target, b"x" * 4096, sync=False)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert target.read_bytes() == b"x" * 4096
    assert sorted(p.name for p in target.parent.iterdir()) == ["style.css"]

def test_hash_cache_rehashes_only_when_stamp_moves(tmp_path: Path) -> None:
    f = tmp_path / "x"
    f.write_text("a")
    cache = HashCache()
    first = cache.get(f)
    assert cache.get(f) == first
    f.write_text("b")
    os.utime(f, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert cache.get(f) != first
    assert cache.get(tmp_path / "missing") is None


def test_content_not_timestamp_decides(tmp_path: Path) -> None:
    """A git checkout resets timestamps: same content must still count as up to date."""
    project = Project(tmp_path)
    src = tmp_path / "in.txt"
    src.write_text("same")
    out = tmp_path / "out.txt"
    out.write_text("result")
    state = State(project)
    state.steps["s"] = {"inputs": {str(src): state.hashes.get(src)}, "targets": {str(out): state.hashes.get(out)},
                        "config": "c"}
    assert state.stale_reason("s", "c") is None
    os.utime(src, ns=(1, 1))
    assert state.stale_reason("s", "c") is None
    src.write_text("different")
    assert "changed" in (state.stale_reason("s", "c") or "")
    assert state.stale_reason("s", "other") == "settings or publish version changed"


def test_lock_makes_second_build_wait(tmp_path: Path) -> None:
    project = Project(tmp_path)
    said: list[str] = []
    order: list[str] = []
    with build_lock(project, said.append):
        t = threading.Thread(target=lambda: _second(project, said, order))
        t.start()
        time.sleep(0.3)
        order.append("first done")
    t.join(5)
    assert order == ["first done", "second ran"]
    assert any("another build is running" in s for s in said)


def _second(project: Project, said: list[str], order: list[str]) -> None:
    import fcntl  # noqa: F401  (the lock is per open file description, so a thread can contend)

    with build_lock(project, said.append):
        order.append("second ran")


@pytest.mark.parametrize("name", ["a.md", "b.md"])
def test_manuscripts_are_discovered(tmp_path: Path, name: str) -> None:
    (tmp_path / "manuscript").mkdir()
    (tmp_path / "manuscript" / name).write_text("x")
    (tmp_path / "manuscript" / "_draft.md").write_text("x")
    assert [p.name for p in Project(tmp_path).manuscript_files()] == [name]


def test_the_code_digest_leaves_out_publish_check() -> None:
    """Editing ``publish check`` (which only reads outputs) must not rebuild every handout, while the
    renderers' own modules are in the digest."""
    from publish.state import code_digest

    cache = HashCache()
    code_digest(cache)
    hashed = {Path(p).as_posix() for p in cache.known}
    assert any(p.endswith("publish/formats/pdf.py") for p in hashed)
    assert not [p for p in hashed if "/publish/check/" in p]
