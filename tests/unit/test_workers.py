"""The worker pool: which worker takes which task, brand checks before warm-up, a dying worker, the
parent helping. Real forked processes, with tasks that report the process that ran them."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from publish.errors import PublishError
from publish.workers import BRAND, LIGHT, PDF, Pool, Task

WARMED: list[str] = []


def warm(pdf: bool) -> Iterator[None]:
    """A PDF worker takes 0.3 s to be ready, as importing WeasyPrint does; the others none."""
    if pdf:
        time.sleep(0.3)
    WARMED.append("pdf" if pdf else "light")
    yield


def whoami(tag: str) -> dict[str, Any]:
    return {"tag": tag, "pid": os.getpid(), "warmed": list(WARMED), "at": time.monotonic()}


def fail(tag: str) -> None:
    raise PublishError(f"bad input in {tag}")


def crash(tag: str) -> None:
    os._exit(3)


def slow(tag: str) -> dict[str, Any]:
    time.sleep(0.4)
    return whoami(tag)


class Recorder:
    def __init__(self) -> None:
        self.outcomes: dict[str, tuple[str, Any]] = {}

    def task(self, kind: str, fn: Any, tag: str) -> Task:
        def done(outcome: tuple[str, Any], seconds: float) -> None:
            self.outcomes[tag] = outcome

        return Task(kind, fn, (tag,), done)


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


def run(pool: Pool) -> None:
    try:
        pool.drain()
    finally:
        pool.close()


def test_pdfs_go_to_the_pdf_worker_and_brand_checks_run_before_warm_up(rec: Recorder) -> None:
    pool = Pool(2, 1, warm, [rec.task(BRAND, whoami, "brand")])
    pool.submit(rec.task(PDF, whoami, "pdf"), rec.task(LIGHT, whoami, "html"))
    run(pool)
    out = {tag: value for tag, (status, value) in rec.outcomes.items() if status == "ok"}
    assert set(out) == {"brand", "pdf", "html"}
    assert out["brand"]["warmed"] == [], "the brand check ran before its worker warmed up"
    assert out["pdf"]["warmed"] == ["pdf"], "the PDF went to the worker that warmed up for PDFs"
    assert out["html"]["pid"] != out["pdf"]["pid"], "the light task did not wait for the PDF worker"
    assert out["html"]["pid"] != os.getpid()


def test_a_light_worker_takes_a_pdf_only_when_pdfs_outnumber_pdf_workers(rec: Recorder) -> None:
    pool = Pool(2, 1, warm, [])
    pool.submit(*(rec.task(PDF, slow, f"pdf{i}") for i in range(2)))
    run(pool)
    pids = {rec.outcomes[f"pdf{i}"][1]["pid"] for i in range(2)}
    assert len(pids) == 2, "two PDFs and one PDF worker: the other worker took one"


def test_errors_and_bugs_come_back_as_values(rec: Recorder) -> None:
    pool = Pool(2, 0, warm, [])
    pool.submit(rec.task(LIGHT, fail, "bad"), rec.task(LIGHT, whoami, "good"))
    run(pool)
    status, value = rec.outcomes["bad"]
    assert status == "error" and "bad input in bad" in str(value)
    assert rec.outcomes["good"][0] == "ok"


def test_a_worker_that_dies_fails_its_task_and_the_rest_still_run(rec: Recorder) -> None:
    pool = Pool(2, 0, warm, [])
    pool.submit(rec.task(LIGHT, crash, "crash"), *(rec.task(LIGHT, whoami, f"t{i}") for i in range(4)))
    run(pool)
    status, (message, _tb) = rec.outcomes["crash"]
    assert status == "bug" and "worker process died (exit status 3)" in message
    assert all(rec.outcomes[f"t{i}"][0] == "ok" for i in range(4))


def test_every_worker_dead_the_parent_finishes_the_queue(rec: Recorder) -> None:
    pool = Pool(1, 0, warm, [])
    pool.submit(rec.task(LIGHT, crash, "crash"), rec.task(LIGHT, whoami, "after"))
    run(pool)
    assert rec.outcomes["crash"][0] == "bug"
    assert rec.outcomes["after"][1]["pid"] == os.getpid()


def test_the_parent_helps_only_while_every_worker_makes_a_pdf(rec: Recorder) -> None:
    pool = Pool(1, 1, warm, [])
    pool.submit(rec.task(PDF, slow, "pdf"), rec.task(LIGHT, whoami, "html"))
    run(pool)
    assert rec.outcomes["html"][1]["pid"] == os.getpid(), "the worker was busy with the PDF: the parent helped"
    assert rec.outcomes["html"][1]["at"] < rec.outcomes["pdf"][1]["at"]

    rec2 = Recorder()
    pool = Pool(1, 0, warm, [])
    pool.submit(rec2.task(LIGHT, slow, "epub"), rec2.task(LIGHT, whoami, "html"))
    run(pool)
    assert rec2.outcomes["html"][1]["pid"] != os.getpid(), "a worker busy with a light task is soon free"
