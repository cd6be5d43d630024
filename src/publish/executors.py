"""Where steps run: here (``-j 1``) or in the standard library's process pools (``-j N``).

The interface is small on purpose, so a cluster can implement it too: ``submit(fn, args, heavy=...,
key=...)`` returns a future of an :class:`Outcome`; ``key`` is the step's digest (its name, settings and
input hashes), unique to what the step computes, which a cluster may use as its task key and a shared
cache as its entry name. ``inputs`` lists the project-relative files the step reads under its first
argument (the project folder), for an executor whose workers do not share this filesystem (here they
do, and ignore it); None: the step reads or writes the project itself and must run on this machine.
``fn`` is a module-level function (importable by name on another machine); its arguments and result
are plain picklable values, and a render's result is its files as bytes, which the runner writes.
Nothing here assumes the caller's filesystem.

Two pools, because steps are not alike: a PDF needs WeasyPrint, which a process takes a good part of a
second to import, while brand checks, web pages and e-books need none of it. The heavy pool's initializer
imports WeasyPrint as soon as the pool starts (:meth:`PoolExecutor.warm`, called while the main process is
still citing), and every heavy step goes there; everything else goes to the light pool.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, NamedTuple, Protocol

from ._hacks import stop_pool_workers
from .errors import PublishError


class Outcome(NamedTuple):
    """A step's result as it comes back: ``ok`` with the value, ``error`` with the PublishError (bad
    input, reported as its one line), or ``bug`` with (repr, traceback text) for --debug."""

    status: str
    value: Any
    seconds: float


def perform(fn: Callable[..., Any], args: tuple[Any, ...]) -> Outcome:
    """Run a step and turn whatever it raises into a value the caller can report."""
    start = time.perf_counter()
    try:
        return Outcome("ok", fn(*args), time.perf_counter() - start)
    except PublishError as exc:
        return Outcome("error", exc, time.perf_counter() - start)
    except Exception as exc:  # a bug: keep the traceback text for --debug
        import traceback

        return Outcome("bug", (repr(exc), traceback.format_exc()), time.perf_counter() - start)


class Executor(Protocol):
    """What the runner needs of a place to run steps."""

    def submit(self, fn: Callable[..., Any], args: tuple[Any, ...], *, heavy: bool = False,
               key: str = "", inputs: tuple[str, ...] | None = None) -> Future[Outcome]:
        ...

    def warm(self, *, heavy: int) -> None:
        """Start what the coming steps need before they are submitted: workers with WeasyPrint imported
        for about ``heavy`` heavy steps."""
        ...

    def shutdown(self, *, cancel: bool = False) -> None:
        ...


class InlineExecutor:
    """Runs each step at once, in this process (``-j 1``): the simplest executor, and the debugger's."""

    def submit(self, fn: Callable[..., Any], args: tuple[Any, ...], *, heavy: bool = False,
               key: str = "", inputs: tuple[str, ...] | None = None) -> Future[Outcome]:
        future: Future[Outcome] = Future()
        future.set_result(perform(fn, args))
        return future

    def warm(self, *, heavy: int) -> None:
        pass

    def shutdown(self, *, cancel: bool = False) -> None:
        pass


def _ignore_interrupts() -> None:
    """A worker leaves Ctrl-C to the main process, which decides what an interrupt means; SIGTERM (how
    the main process ends its workers on an interrupt) ends a worker quietly, not through the handler it
    inherited from the command line, which would raise KeyboardInterrupt and print its traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _init_heavy() -> None:
    """A heavy worker's first act: the imports every PDF needs, done once per process, while the main
    process is still citing. Besides WeasyPrint, what the handout's markup needs before WeasyPrint starts
    (Jinja2 for its templates, fontTools for the font coverage check, segno for the QR code): imported
    lazily by those modules, they were ~0.1 s of the first PDF's time after its document arrived."""
    _ignore_interrupts()
    import contextlib

    from .formats import registry
    from .formats.weasy import load_weasyprint

    registry()
    load_weasyprint()
    for name in ("jinja2", "fontTools.ttLib", "segno"):
        with contextlib.suppress(ImportError):
            __import__(name)


THREAD_GRACE = 60.0  # seconds a shutdown waits for a step running in a thread of this process


def _nothing() -> None:
    """Submitted by :meth:`PoolExecutor.warm` so a pool starts a worker (which runs its initializer)."""


class PoolExecutor:
    """Two ``ProcessPoolExecutor``\\ s, started on first use and kept for the executor's life (a server
    keeps its warm workers between rebuilds). Workers are forked from this process, so what it has
    imported they have too.

    Sizes: with the fork start method a ``ProcessPoolExecutor`` starts all its workers at its first task
    (cpython#90622), so the heavy pool gets as many workers as heavy steps are expected (one PDF, one
    WeasyPrint import) and the light pool the CPUs the heavy one leaves (at least one): more would only
    compete with the PDFs, each importing the renderers anew. A light step goes to a heavy worker that has
    nothing to do (a WeasyPrint worker renders a web page as well as any), so no CPU idles while light
    steps wait.

    ``light_here``: light steps run in this process instead (a preview server's choice). A web page's
    render is small; through a pool it also waits for a worker to wake, its
    document and its brand to be pickled across, and its files (fonts, logo) to be pickled back, which
    on a busy machine costs more than the render. Heavy steps still go to the pool, so a PDF renders
    beside the page and the e-book being made here; the heavy pool leaves a CPU to this process, so
    the first PDF is not slowed by a second one while the page is made."""

    def __init__(self, jobs: int, *, light_here: bool = False) -> None:
        self.jobs = max(1, jobs)
        self.light_here = light_here
        self._heavy: ProcessPoolExecutor | None = None
        self._light: ProcessPoolExecutor | None = None
        self._size = {True: 0, False: 0}
        self._busy = {True: 0, False: 0}
        self._lock = threading.Lock()
        self._quiet = threading.Condition()  # guards _here: threads of this process running a step
        self._here = 0

    def _pool(self, heavy: bool, size: int | None = None) -> ProcessPoolExecutor:
        """A pool, started (its workers forked) the first time it is asked for.

        Workers are forked from this process, and a fork copies the locks its other threads hold at that
        moment (an import's, the allocator's) into a child where no thread will ever release them: a worker
        forked while :meth:`in_thread`'s thread imported a module waited for that import forever. So a pool
        starts only while no such thread runs, and it forks all its workers at once, now (its first task:
        with the fork start method a pool forks every worker at its first task, cpython#90622) rather than
        at some later submit."""
        pool = self._heavy if heavy else self._light
        if pool is not None:
            return pool
        with self._quiet:
            while self._here:
                self._quiet.wait()
            if heavy:
                cap = self.jobs - 1 if self.light_here else self.jobs  # this process is a worker too
                self._size[True] = max(1, min(cap, size or cap))
                pool = self._heavy = ProcessPoolExecutor(self._size[True], initializer=_init_heavy)
            else:
                self._size[False] = max(1, self.jobs - self._size[True])
                pool = self._light = ProcessPoolExecutor(self._size[False], initializer=_ignore_interrupts)
            pool.submit(_nothing)
        return pool

    def in_thread(self, fn: Callable[[], Outcome], name: str) -> Future[Outcome]:
        """Run ``fn`` in a thread of this process and return the future of its outcome (what it raises is
        the future's exception). The light pool is started first, so the steps submitted while the thread
        runs find their workers forked already; a pool that must start later waits for the thread
        (:meth:`_pool`)."""
        self._pool(False)
        future: Future[Outcome] = Future()
        with self._quiet:
            self._here += 1

        def run() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)
            finally:
                with self._quiet:
                    self._here -= 1
                    self._quiet.notify_all()

        threading.Thread(target=run, name=name, daemon=True).start()
        return future

    def _where(self, heavy: bool) -> bool:
        """The pool a step goes to: its own, or for a light step an idle heavy worker's."""
        if heavy:
            return True
        self._pool(False)
        with self._lock:
            spare_heavy = self._heavy is not None and self._busy[True] < self._size[True]
            light_full = self._busy[False] >= self._size[False]
        return spare_heavy and light_full

    def submit(self, fn: Callable[..., Any], args: tuple[Any, ...], *, heavy: bool = False,
               key: str = "", inputs: tuple[str, ...] | None = None) -> Future[Outcome]:
        if self.light_here and not heavy:
            return InlineExecutor().submit(fn, args)
        where = self._where(heavy)
        with self._lock:
            self._busy[where] += 1
        future = self._pool(where).submit(perform, fn, args)
        future.add_done_callback(lambda _f: self._done(where))
        return future

    def _done(self, where: bool) -> None:
        with self._lock:
            self._busy[where] -= 1

    def warm(self, *, heavy: int) -> None:
        if heavy and self._heavy is None:
            self._pool(True, heavy)

    def shutdown(self, *, cancel: bool = False) -> None:
        for pool in (self._heavy, self._light):
            if pool is None:
                continue
            if cancel:
                stop_pool_workers(pool)
            pool.shutdown(wait=not cancel, cancel_futures=cancel)
        # A step running in a thread here (in_thread) is let finish, even on an interrupt: it is a web page,
        # made in a moment, and a daemon thread cut off by the process's exit would leave its file half
        # written under its temporary name.
        with self._quiet:
            self._quiet.wait_for(lambda: not self._here, timeout=THREAD_GRACE)
        self._heavy = self._light = None
        self._size = {True: 0, False: 0}
        self._busy = {True: 0, False: 0}


def make_executor(jobs: int, *, light_here: bool = False) -> Executor:
    """``-j 1``: in this process; else the process pools (``light_here``: see :class:`PoolExecutor`)."""
    return InlineExecutor() if jobs <= 1 else PoolExecutor(jobs, light_here=light_here)
