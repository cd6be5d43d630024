"""Forked worker processes with one pipe each, so the parent decides which worker takes which task.

Why not ``concurrent.futures.ProcessPoolExecutor``: its workers share one queue, and any idle worker
takes the next task. Tasks here are not alike. A PDF needs WeasyPrint, which costs a worker about
0.3 s to import and 0.1 s more to warm; HTML and EPUB need neither, and checking a brand needs
brand-yml and pydantic (0.3 s) instead. On a 2-core machine a cold build of one manuscript is fastest
when exactly one worker warms up for PDFs while the other checks the brands, the parent cites, and
each then renders what it is ready for. So each task has a kind, each worker says what it has warmed,
and :meth:`Pool.dispatch` matches them:

* ``brand`` tasks go first, to any idle worker (every output of that brand waits for them);
* a PDF goes to a worker with WeasyPrint; a worker without it takes a PDF only when there are more
  PDFs queued than PDF workers free to take them (it then imports WeasyPrint once and keeps it);
* ``light`` tasks (HTML, EPUB, index) go to any idle worker, and the parent takes them itself once it
  has nothing left to cite and every worker is busy with a PDF (:meth:`Pool.help`).
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

from .errors import PublishError

BRAND, PDF, LIGHT = "brand", "pdf", "light"


def call(fn: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    """Run a step; bad input comes back as a value so the parent can report it on one line."""
    try:
        return "ok", fn(*args)
    except PublishError as exc:
        return "error", exc
    except Exception as exc:  # a bug: keep the traceback text for --debug
        import traceback

        return "bug", (repr(exc), traceback.format_exc())


def run_here(task: Task) -> None:
    """Run a task in this process (no workers, or the parent helping) and report it as a worker would."""
    t = time.perf_counter()
    task.done(call(task.fn, *task.args), time.perf_counter() - t)


class Task:
    """One step for a worker. ``done`` is called in the parent with the outcome of :func:`call` and the
    seconds the task took. (Plain classes here: a no-op build imports this module and should not pay for
    ``dataclasses``.)"""

    __slots__ = ("kind", "fn", "args", "done", "started")

    def __init__(self, kind: str, fn: Callable[..., Any], args: tuple[Any, ...],
                 done: Callable[[tuple[str, Any], float], None]) -> None:
        self.kind = kind  # BRAND, PDF or LIGHT
        self.fn = fn
        self.args = args
        self.done = done
        self.started = 0.0


class Worker:
    __slots__ = ("process", "conn", "pdf", "ready", "tasks")

    def __init__(self, process: Any, conn: Any, pdf: bool) -> None:
        self.process = process
        self.conn = conn
        self.pdf = pdf  # WeasyPrint imported, or being imported while the worker warms up
        self.ready = False
        self.tasks: list[Task] = []  # sent and not yet answered, oldest first


def _serve(conn: Any, warm: Callable[[bool], Iterator[None]], pdf: bool) -> None:
    """A worker's life: run the tasks it was given at birth, do the first step of ``warm`` (the imports),
    say it is ready, then run tasks until told to stop or the parent is gone. The later warm-up steps run
    only while no task is waiting: they save a first render some time, but must never delay it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt means
    while conn.poll():
        if not _serve_one(conn):
            return
    steps = warm(pdf)
    with contextlib.suppress(Exception):  # a warm-up that fails only costs the time it took
        next(steps)
    conn.send(("ready", None))
    grace = 0.01  # a parent that is waiting answers "ready" within a millisecond or two
    while True:
        if steps is not None and not conn.poll(grace):
            grace = 0.0
            try:
                next(steps)
            except Exception:  # done (StopIteration) or failed: either way, no more warming up
                steps = None
            continue
        if not _serve_one(conn):
            return


def _serve_one(conn: Any) -> bool:
    try:
        message = conn.recv()
    except (EOFError, OSError):
        return False
    if message is None:
        return False
    fn, args = message
    conn.send(("done", call(fn, *args)))
    return True


class Pool:
    """``jobs`` forked workers; ``pdf_workers`` of them import WeasyPrint while they wait for work.

    ``first`` brand checks (small messages) are handed to the other workers before they start, so they
    run before those workers warm up instead of after; other ``first`` tasks are queued. The workers with
    brands to check are forked at once (a brand check is the longest wait before the first render can
    start); then ``shared`` runs (imports the parent needs anyway) and the other workers, forked after
    it, inherit what it imported."""

    def __init__(self, jobs: int, pdf_workers: int, warm: Callable[[bool], Iterator[None]], first: list[Task],
                 shared: Callable[[], None] | None = None) -> None:
        import multiprocessing

        # fork: a worker inherits the parent's imports and starts in milliseconds.
        ctx = multiprocessing.get_context("fork")
        others = list(range(pdf_workers, jobs)) or [jobs - 1]  # the last worker warms up last
        self.queue: list[Task] = [t for t in first if t.kind != BRAND]
        first = [t for t in first if t.kind == BRAND]
        given = {i: first[others.index(i)::len(others)] if i in others else [] for i in range(jobs)}
        # Workers with a brand to check first, before the parent imports what it shares with the rest.
        order = sorted(range(jobs), key=lambda i: not given[i])
        forked: dict[int, Worker] = {}
        for i in order:
            if not given[i] and shared is not None:
                shared()  # imported once in the parent, inherited by the workers forked from now on
                shared = None
            parent_end, child_end = ctx.Pipe()
            worker = Worker(None, parent_end, pdf=i < pdf_workers)
            for task in given[i]:
                task.started = time.perf_counter()
                worker.tasks.append(task)
                parent_end.send((task.fn, task.args))  # waits in the pipe until the worker reads it
            worker.process = ctx.Process(target=_serve, args=(child_end, warm, worker.pdf), daemon=True)
            worker.process.start()
            child_end.close()
            forked[i] = worker
        self.workers: list[Worker] = [forked[i] for i in range(jobs)]
        if shared is not None:
            shared()
        self.parent_free = False  # set when the parent has nothing left to cite

    # Handing out ------------------------------------------------------------------------------------

    def submit(self, *tasks: Task) -> None:
        self.queue.extend(tasks)
        self.dispatch()

    def dispatch(self) -> None:
        for worker in self.workers:
            if worker.ready and not worker.tasks:
                task = self._pick(worker)
                if task is None:
                    continue
                self.queue.remove(task)
                task.started = time.perf_counter()
                worker.tasks.append(task)
                if task.kind == PDF:
                    worker.pdf = True  # from now on it has WeasyPrint
                try:
                    worker.conn.send((task.fn, task.args))
                except OSError:
                    self._lost(worker)

    def _pick(self, worker: Worker) -> Task | None:
        by_kind: dict[str, list[Task]] = {BRAND: [], PDF: [], LIGHT: []}
        for task in self.queue:
            by_kind[task.kind].append(task)
        if by_kind[BRAND]:
            return by_kind[BRAND][0]
        pdfs, lights = by_kind[PDF], by_kind[LIGHT]
        if worker.pdf:
            return (pdfs or lights or [None])[0]
        free_pdf_workers = sum(1 for w in self.workers if w.pdf and not w.tasks)
        takes_pdf = len(pdfs) > free_pdf_workers
        if takes_pdf and (self.parent_free or not lights):
            return pdfs[0]
        return (lights or (pdfs if takes_pdf else []) or [None])[0]

    def help(self) -> bool:
        """The parent runs one queued light task itself when no worker is free for it; False if none.

        Not while a worker is still warming up: the parent could not hand it its first task until the
        light one is done, and that first task is usually the PDF, the longest. And only while every
        worker is making a PDF: a worker busy with a light task will soon be free for the next one, and
        a third process would only slow the PDF down."""
        self.dispatch()
        if not all(w.ready for w in self.workers):
            return False
        lights = [t for t in self.queue if t.kind == LIGHT]
        if not lights or not all(w.tasks and w.tasks[0].kind == PDF for w in self.workers):
            return False
        self.queue.remove(lights[0])
        run_here(lights[0])
        return True

    # Collecting ----------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return bool(self.queue) or any(w.tasks for w in self.workers)

    def poll(self, timeout: float | None) -> None:
        """Wait up to ``timeout`` seconds (None: until something happens) and handle what the workers sent."""
        from multiprocessing.connection import wait

        waiting = [w.conn for w in self.workers if w.tasks or not w.ready]
        if not waiting:
            return
        for conn in wait(waiting, timeout):
            worker = next(w for w in self.workers if w.conn is conn)
            try:
                kind, value = conn.recv()
            except (EOFError, OSError):
                self._lost(worker)
                continue
            if kind == "ready":
                worker.ready = True
            else:
                task = worker.tasks.pop(0)
                task.done(value, time.perf_counter() - task.started)
        self.dispatch()

    def drain(self) -> None:
        """Run everything queued to the end, the parent helping with light tasks."""
        self.parent_free = True
        while self.busy:
            self.poll(0)
            if not self.help():
                if not self.workers:  # every worker died: the parent does the rest
                    while self.queue:
                        run_here(self.queue.pop(0))
                    return
                self.poll(None)

    def _lost(self, worker: Worker) -> None:
        """A worker died (killed, or a crash in a C library): its task fails, the others go on."""
        self.workers.remove(worker)
        with contextlib.suppress(Exception):
            worker.conn.close()
        tasks, worker.tasks = worker.tasks, []
        worker.process.join(1)
        code = worker.process.exitcode
        for task in tasks:
            task.done(("bug", (f"worker process died (exit status {code})", "")), time.perf_counter() - task.started)

    def close(self, cancel: bool = False) -> None:
        """Stop the workers; ``cancel`` drops what is still queued (an interrupted build)."""
        if cancel:
            self.queue.clear()
        for worker in self.workers:
            if cancel:
                worker.process.terminate()
            else:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
        for worker in self.workers:
            worker.process.join()
            with contextlib.suppress(Exception):
                worker.conn.close()
        self.workers = []

