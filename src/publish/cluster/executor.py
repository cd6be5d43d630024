"""The client side: an executor whose steps run on a Dask cluster.

``submit`` takes the project-relative files a step reads (``inputs``), reads them here and ships them as
bytes: each file once per cluster, as a task of its own keyed by its content hash (``publish-input-<sha>``),
so the scheduler keeps one copy and can recompute it if the worker holding it dies. The step is submitted
under its digest (``publish-<kind>-<digest>``) with Dask's retries, and comes back as an ordinary
``concurrent.futures.Future`` of an :class:`~publish.executors.Outcome`, which the runner waits on as it does
on its local pools. A step submitted without ``inputs`` (a brand check, which keeps its result in the
project's own state folder) runs here, in a thread.

The step's function and arguments travel as one pickle made here, and its outcome comes back as one: the
scheduler unpickles every task it is given, and a Document inside one cost it milliseconds per step (CPU
taken from the workers when it shares their machine); a bytes object costs it a copy.

Nothing connects until a step needs the cluster: :meth:`DaskExecutor.warm` (the runner's sign that stale
manuscripts are being cited) starts connecting in a thread, so the import of ``distributed``, the version
check and the workers' warm-up overlap the citing, and the first :meth:`~DaskExecutor.submit` waits for it.
A build with nothing stale, or whose stale steps the shared cache serves, never connects.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import PublishError
from ..executors import Outcome, perform

INSTALL = "pip install 'publish[dask]' (or make dask)"
#: Connecting gives up after this long (an unreachable scheduler is one line, not a hang).
CONNECT_SECONDS = 5
#: How long a scheduler may be without workers before the build says so.
WORKERS_SECONDS = 10
#: A step whose worker died is run again elsewhere by the scheduler; ``retries`` also re-runs a step whose
#: task itself failed (a worker that could not unpickle it, say).
RETRIES = 2
# Dask runs a ready task of higher priority first; an input file is only bytes to hand over.
INPUT_PRIORITY = 10
_ADDRESS = re.compile(r"^([a-z]+://)?[^\s/:]+:\d+$|^[a-z]+://\[[0-9a-f:.]+\]:\d+$", re.I)


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise PublishError("--scheduler needs the optional dependency 'distributed', which is not installed",
                           hint=INSTALL) from None
    return distributed


def _installed() -> None:
    """The one line for a missing extra, said at once (without importing it: that is the connection's)."""
    from importlib.util import find_spec

    try:
        found = find_spec("distributed") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        _distributed()


class DaskExecutor:
    """Render and index steps on the cluster behind one scheduler, for the executor's life; connected on
    first need."""

    def __init__(self, address: str) -> None:
        if not _ADDRESS.match(address):  # a Client given nonsense takes its time to fail, noisily
            raise PublishError(f"'{address}' is not a Dask scheduler address", hint="give it as tcp://HOST:PORT")
        _installed()
        self.address = address
        self._connection: Future[Any] | None = None  # of the Client, or of the PublishError saying why not
        self._closed = False
        self._lock = threading.Lock()
        self.expected: dict[str, str] = {}
        self._workers: tuple[str, ...] = ()  # the workers the version check saw (see _ship)
        self._inputs: dict[str, Any] = {}  # content hash -> the future holding those bytes on the cluster
        self._hashes: dict[tuple[str, int, int], str] = {}  # (path, mtime, size) -> content hash
        self._running: set[Any] = set()
        self._local: ThreadPoolExecutor | None = None

    def client(self) -> Any:
        """The connected client: every worker has this machine's versions and is warm; else the one line."""
        self._start()
        assert self._connection is not None
        return self._connection.result()

    def _start(self) -> None:
        with self._lock:
            if self._connection is None:
                self._connection = Future()
                threading.Thread(target=self._connect, name="publish-dask-connect", daemon=True).start()

    def _connect(self) -> None:
        assert self._connection is not None
        try:
            client = self._open()
        except BaseException as exc:  # noqa: BLE001 (handed to whoever waits: submit raises it)
            self._connection.set_exception(exc)
            return
        with self._lock:
            closed = self._closed
        if closed:  # the build ended (or was interrupted) while this was connecting
            client.close()
            self._connection.set_exception(PublishError("the build ended before the cluster was needed"))
        else:
            self._connection.set_result(client)

    def _open(self) -> Any:
        distributed = _distributed()
        from .worker import WarmWorker, mismatch, versions

        address = self.address
        for name in ("distributed", "tornado"):  # their own retries and warnings are not the user's business
            logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            client = distributed.Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            reason = f"no answer in {CONNECT_SECONDS} s" if isinstance(exc, (OSError, TimeoutError)) else str(exc)
            raise PublishError(f"cannot reach the Dask scheduler at {address} ({reason})",
                               hint="start one with `dask scheduler`, and give its address as tcp://HOST:PORT "
                                    "(--scheduler or PUBLISH_SCHEDULER)") from None
        try:
            self.expected = versions()
            try:
                client.wait_for_workers(1, timeout=WORKERS_SECONDS)
            except TimeoutError:
                raise PublishError(f"the Dask scheduler at {address} has no workers",
                                   hint=f"start one on each machine: dask worker {address}") from None
            found = client.run(_versions, on_error="return")
            for worker, theirs in sorted(found.items()):
                if isinstance(theirs, BaseException):
                    raise PublishError(f"Dask worker {worker} cannot run publish ({theirs!r})",
                                       hint="install the same publish on every worker")
                if (refused := mismatch(worker, theirs, self.expected)) is not None:
                    raise refused
            self._workers = tuple(sorted(found))
            client.register_plugin(WarmWorker(), name=WarmWorker.name)
        except BaseException:
            client.close()
            raise
        return client

    # The executor interface ------------------------------------------------------------------------------

    def submit(self, fn: Callable[..., Any], args: tuple[Any, ...], *, heavy: bool = False, key: str = "",
               inputs: tuple[str, ...] | None = None) -> Future[Outcome]:
        if inputs is None:
            if self._local is None:
                self._local = ThreadPoolExecutor(1, thread_name_prefix="publish-local")
            return self._local.submit(perform, fn, args)
        from .worker import run_step

        client = self.client()
        root = Path(args[0])
        manifest = {}
        for rel in dict.fromkeys(inputs):
            sha = self._ship(client, root / rel)
            if sha is not None:  # a missing file: the step, like a local one, reports it
                manifest[rel] = sha
        blobs = {sha: self._inputs[sha] for sha in set(manifest.values())}
        kind = fn.__name__.removesuffix("_step")
        env = {name: os.environ.get(name) for name in ("SOURCE_DATE_EPOCH",)}
        step = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
        remote = client.submit(run_step, step, manifest, blobs, self.expected, env,
                               key=f"publish-{kind}-{key}" if key else None, pure=False, retries=RETRIES)
        return self._bridge(remote)

    def warm(self, *, heavy: int) -> None:
        """Start connecting (steps are coming); every worker imports WeasyPrint as it joins (WarmWorker)."""
        self._start()

    def shutdown(self, *, cancel: bool = False) -> None:
        with self._lock:
            self._closed = True
            connection = self._connection
        client = None
        if connection is not None and connection.done() and connection.exception() is None:
            client = connection.result()
        if cancel and self._running and client is not None:
            client.cancel(list(self._running), force=True)
        self._running.clear()
        self._inputs.clear()
        if self._local is not None:
            self._local.shutdown(wait=not cancel, cancel_futures=cancel)
            self._local = None
        if client is not None:
            client.close()

    # Inside ----------------------------------------------------------------------------------------------

    def _ship(self, client: Any, path: Path) -> str | None:
        """The file's content hash, its bytes on their way to the cluster (once per content).

        The file's task may run on any worker, and says so (``workers`` with ``allow_other_workers``):
        without a restriction, many such tasks with no dependencies are "root-ish" to the scheduler, which
        holds them in its queue until a worker is nearly idle. A new manuscript's files then waited there
        for seconds while the workers had others' renders queued, and its renders, which need them, came
        out in waves, the last PDFs at the very end (seen by sampling ``Scheduler.queued``). For the same
        reason a file's task goes ahead of the renders already queued on a worker (``INPUT_PRIORITY``): it
        takes no time, and the next manuscript's renders wait on it."""
        try:
            st = path.stat()
        except OSError:
            return None
        stamp = (str(path), st.st_mtime_ns, st.st_size)
        sha = self._hashes.get(stamp)
        if sha is None or sha not in self._inputs:
            data = path.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            self._hashes[stamp] = sha
            if sha not in self._inputs:
                from .worker import literal

                self._inputs[sha] = client.submit(literal, data, key=f"publish-input-{sha}", pure=False,
                                                  workers=self._workers or None, allow_other_workers=True,
                                                  priority=INPUT_PRIORITY)
        return sha

    def _bridge(self, remote: Any) -> Future[Outcome]:
        """A standard future that completes with the Dask future (the runner waits on standard ones)."""
        local: Future[Outcome] = Future()
        local.set_running_or_notify_cancel()
        self._running.add(remote)

        def done(f: Any) -> None:
            self._running.discard(f)
            try:
                if f.cancelled():
                    raise PublishError("cancelled")
                local.set_result(pickle.loads(f.result()))
            except Exception as exc:  # the cluster could not run it (not the step's own failure)
                name = getattr(exc, "task", None) or f.key
                local.set_result(Outcome("error", PublishError(
                    f"the Dask cluster at {self.address} could not run {name}: {exc}",
                    hint="see the workers' logs"), 0.0))

        remote.add_done_callback(done)
        return local


def _versions() -> dict[str, str]:
    from .worker import versions

    return versions()
