"""Executors: the in-process one and the two standard process pools, with real worker processes."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from publish.errors import PublishError
from publish.executors import InlineExecutor, Outcome, PoolExecutor, make_executor, perform


def whoami(tag: str) -> dict[str, object]:
    return {"tag": tag, "pid": os.getpid(), "weasyprint": "weasyprint" in sys.modules}


def bad_input(tag: str) -> None:
    raise PublishError(f"bad input in {tag}", file="x.md", line=3)


def bug(tag: str) -> None:
    raise ValueError(tag)


def slow(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_perform_turns_errors_into_values() -> None:
    assert perform(whoami, ("a",)).status == "ok"
    error = perform(bad_input, ("b",))
    assert error.status == "error" and error.value.format() == "x.md:3: error: bad input in b"
    crash = perform(bug, ("c",))
    assert crash.status == "bug" and crash.value[0] == "ValueError('c')" and "Traceback" in crash.value[1]


def test_inline_runs_here() -> None:
    ex = make_executor(1)
    assert isinstance(ex, InlineExecutor)
    assert ex.submit(whoami, ("a",), heavy=True).result().value["pid"] == os.getpid()


def test_pools_run_elsewhere_and_heavy_workers_have_weasyprint() -> None:
    ex = make_executor(2)
    assert isinstance(ex, PoolExecutor)
    try:
        ex.warm(heavy=2)
        heavy = ex.submit(whoami, ("pdf",), heavy=True).result(timeout=60).value
        light = ex.submit(whoami, ("html",)).result(timeout=60).value
        assert heavy["pid"] != os.getpid() and light["pid"] != os.getpid() and heavy["pid"] != light["pid"]
        assert heavy["weasyprint"] is True
        assert ex.submit(bad_input, ("w",)).result(timeout=60).status == "error"
        assert ex.submit(bug, ("w",)).result(timeout=60).status == "bug"
        again = ex.submit(whoami, ("pdf",), heavy=True).result(timeout=60).value
        assert again["weasyprint"] is True  # the same warm pool, kept between submissions
    finally:
        ex.shutdown()


def test_cancel_stops_the_workers_at_once() -> None:
    ex = PoolExecutor(2)
    futures = [ex.submit(slow, (30.0,)) for _ in range(3)]
    time.sleep(0.5)
    start = time.monotonic()
    ex.shutdown(cancel=True)
    assert time.monotonic() - start < 10
    for f in futures:
        with pytest.raises(Exception):  # noqa: B017 - cancelled or broken, never a result
            f.result(timeout=10)


HELD = threading.Lock()


def take_held() -> bool:
    """In a worker: whether the lock a thread of the parent held can be taken (a fork copies it held)."""
    return HELD.acquire(timeout=5)


def test_no_worker_is_forked_while_a_step_runs_in_a_thread() -> None:
    """A fork copies the locks another thread holds into a child where nobody releases them (an import's
    lock made builds hang); a pool started while ``in_thread``'s step runs waits for it."""
    ex = PoolExecutor(2)
    holding = threading.Event()

    def step() -> Outcome:
        with HELD:
            holding.set()
            time.sleep(0.5)
        return Outcome("ok", "page", 0.5)

    try:
        here = ex.in_thread(step, "publish test page")
        assert holding.wait(10)
        assert ex.submit(take_held, (), heavy=True).result(timeout=60).value is True
        assert here.result(timeout=10).value == "page"
        assert ex.submit(take_held, ()).result(timeout=60).value is True  # the light pool, forked before
    finally:
        ex.shutdown()


def test_in_thread_passes_what_the_step_raises() -> None:
    ex = PoolExecutor(2)

    def step() -> Outcome:
        raise OSError("disk full")

    try:
        with pytest.raises(OSError, match="disk full"):
            ex.in_thread(step, "publish test page").result(timeout=10)
    finally:
        ex.shutdown()


def test_an_interrupt_lets_a_step_in_a_thread_finish() -> None:
    """Ctrl-C or SIGTERM shuts the executor down: a step running in a thread here ends first, so the
    process's exit does not cut its write short (a temporary file left in build/)."""
    ex = PoolExecutor(2)
    done = threading.Event()

    def step() -> Outcome:
        time.sleep(0.5)
        done.set()
        return Outcome("ok", None, 0.5)

    ex.in_thread(step, "publish test page")
    ex.shutdown(cancel=True)
    assert done.is_set()
