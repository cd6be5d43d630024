"""What the preview server watches, and when a burst of changes becomes a rebuild.

The files a build read are on record (each step's ``inputs`` in the state): manuscripts, bibliographies,
CSL files, images, brand files, templates. Watching their *folders* rather than the files themselves is
what makes editors that save through a temporary file and a rename work: the renamed file is a new
inode that a watch on the old one would never see. New or removed manuscripts and brands show up as
changes in ``manuscript/`` and ``styles/``, which are always watched, and so is the project's settings
file (``publish.yml``), whether or not a build has read one yet.

:class:`Debouncer` decides when to build. The first change after a quiet spell builds at once (a single
save is shown as fast as the build allows); changes that arrive during a build, or soon after one, are
gathered until the saving stops for ``quiet`` seconds, so a burst of saves gives one more build, not one
per save; ``limit`` bounds the wait, so a file saved without pause still shows progress.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from .project import SETTINGS_FILE, Project

#: Names editors and tools write beside the real file; a change to one alone is not an edit.
SCRATCH_SUFFIXES = (".swp", ".swx", ".swo", ".tmp", ".bak", "~", ".kate-swp", ".crswap")


class Debouncer:
    """Pending changes and the moment they should be built (thread-safe; the clock can be a fake)."""

    def __init__(self, quiet: float = 0.2, limit: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.quiet, self.limit, self.clock = quiet, limit, clock
        self._cond = threading.Condition()
        self._pending: set[str] = set()
        self._first = 0.0  # when the oldest pending change came
        self._last = 0.0  # when the newest came
        self._built = float("-inf")  # when the last build ended
        self._building = False
        self.closed = False
        self.taken_first = 0.0  # when the oldest change of the batch last taken came (for the trace)

    def add(self, paths: Iterable[str]) -> None:
        paths = set(paths)
        if not paths:
            return
        with self._cond:
            now = self.clock()
            if not self._pending:
                self._first = now
            self._pending |= paths
            self._last = now
            self._cond.notify_all()

    def forget(self, keep: Callable[[set[str]], set[str]]) -> bool:
        """Let ``keep`` say which pending changes still matter (the others are dropped, as if never
        reported); True when some are left."""
        with self._cond:
            if self._pending:
                self._pending = keep(set(self._pending))
            return bool(self._pending)

    def wait_time(self) -> float | None:
        """Seconds until the pending changes are due (0: now), or None when nothing is pending."""
        with self._cond:
            return self._wait_time()

    def _wait_time(self) -> float | None:
        if not self._pending:
            return None
        if self._first - self._built >= self.quiet and not self._building:
            return 0.0  # the first change after a quiet spell: build it now
        due = min(self._last + self.quiet, self._first + self.limit)
        return max(0.0, due - self.clock())

    def take(self, timeout: float | None = None) -> set[str] | None:
        """Wait until changes are due and take them (a build starts); None on timeout or close."""
        end = None if timeout is None else self.clock() + timeout
        with self._cond:
            while not self.closed:
                wait = self._wait_time()
                if wait == 0.0:
                    taken, self._pending = self._pending, set()
                    self._building = True
                    self.taken_first = self._first
                    return taken
                left = None if end is None else end - self.clock()
                if left is not None and left <= 0:
                    return None
                step = min(x for x in (wait, left, 0.5) if x is not None)  # wakes for Ctrl-C
                self._cond.wait(step)
            return None

    def done(self, *, built: bool = True) -> None:
        """The build that :meth:`take` started has ended (``built=False``: none ran after all, so the
        next change is still the first after a quiet spell)."""
        with self._cond:
            if built:
                self._built = self.clock()
            self._building = False
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


# --- what is watched -------------------------------------------------------------------------------------

class Targets:
    """The files a build read (from its records) and the folders to watch to see them change."""

    def __init__(self, project: Project, inputs: Iterable[str]) -> None:
        self.project = project
        self.root = project.root.resolve()
        # the project's settings file, even before it exists: creating publish.yml changes the build
        self.files = {self._abs(p) for p in inputs} | {self.root / SETTINGS_FILE}
        self.always = [self.root / "manuscript", self.root / "styles"]
        # an input elsewhere is watched in its own folder, one level deep: that folder may be the project's
        # (with .venv and .git below it), or one of the user's, whose subfolders are none of our business
        self.shallow = sorted({p.parent for p in self.files if not any(p.is_relative_to(a) for a in self.always)})
        self.deep = sorted(self.always)

    def _abs(self, path: str) -> Path:
        p = Path(path)
        return p if p.is_absolute() else self.root / p

    def wanted(self, path: str | Path) -> bool:
        """Does a change to this path matter to the build?"""
        p = Path(path)
        if p in self.files:
            return True
        name = p.name
        if name.startswith((".", "#")) or name.endswith(SCRATCH_SUFFIXES) or "__pycache__" in p.parts:
            return False
        if p.is_relative_to(self.root / "build"):
            return False
        # a new handout, a file a failed build could not find (so none is on record), a new brand
        return any(p.is_relative_to(folder) for folder in self.always)

    def folders(self) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
        """(folders watched with everything below them, folders watched one level deep), those that exist."""
        return (tuple(f for f in self.deep if f.is_dir()), tuple(f for f in self.shallow if f.is_dir()))


class Watcher:
    """watchfiles on the folders of :class:`Targets`, in threads; wanted changes go to ``on_change``.
    :meth:`update` points it at a new set of targets (restarting only when the folders differ)."""

    STEP_MS = 10  # watchfiles gathers the events of one save (temp file, write, rename) this long; a save
    # split across two reports costs nothing (the preview drops a report of a file it already built as it is)

    def __init__(self, on_change: Callable[[set[str]], None],
                 on_error: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)) -> None:
        self.on_change, self.on_error = on_change, on_error
        self.targets: Targets | None = None
        self._folders: tuple[tuple[Path, ...], tuple[Path, ...]] = ((), ())
        self._threads: list[tuple[threading.Thread, threading.Event]] = []
        self._lock = threading.Lock()
        self._polling = False  # the system's watches failed once: said, and polled since

    def update(self, targets: Targets) -> None:
        self.targets = targets  # read by the threads on each change: swapping it is enough for files
        folders = targets.folders()
        if folders == self._folders:
            return
        self.stop()
        self._folders = folders
        for paths, recursive in ((folders[0], True), (folders[1], False)):
            if paths:
                stop = threading.Event()
                thread = threading.Thread(target=self._run, args=(paths, recursive, stop), daemon=True,
                                          name="publish-watch")
                thread.start()
                self._threads.append((thread, stop))

    def _run(self, paths: tuple[Path, ...], recursive: bool, stop: threading.Event) -> None:
        """Watch until stopped. If the system's watches fail (inotify's limits are per user, shared with
        every other program), say so once and poll instead: a preview that silently stops seeing saves
        is worse than a slower one."""
        import watchfiles

        polling = False
        while not stop.is_set():
            try:
                for changes in watchfiles.watch(*paths, watch_filter=None, recursive=recursive, stop_event=stop,
                                                step=self.STEP_MS, rust_timeout=500, yield_on_timeout=False,
                                                raise_interrupt=False, force_polling=polling or None):
                    targets = self.targets
                    if targets is not None and (wanted := {p for _c, p in changes if targets.wanted(p)}):
                        self.on_change(wanted)
            except Exception as exc:  # watchfiles raises its own and OS errors alike
                if polling:
                    self.on_error(f"warning: watching {', '.join(map(str, paths))} failed again: {exc}; "
                                  "restart publish serve")
                    return
                with self._lock:  # said once, though each watching thread finds it
                    first, self._polling = not self._polling, True
                if first:
                    self.on_error(f"warning: watching files failed ({exc}); polling every 0.3 s instead")
                polling = True

    def stop(self) -> None:
        for _thread, stop in self._threads:
            stop.set()
        for thread, _stop in self._threads:
            thread.join(timeout=2)
        self._threads = []
        self._folders = ((), ())
