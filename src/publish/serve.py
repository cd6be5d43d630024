"""``publish serve``: watch -> plan -> run in a warm process -> tell the browser.

A thin loop around the same build as ``publish build`` (sphinx-autobuild's and ``mkdocs serve``'s shape):
one :class:`~publish.run.Runner` for the server's life keeps its process pools (WeasyPrint imported once)
and its checked brands; each change is built by the same incremental plan, so only the steps it affects
run. The web page goes first (a build of ``--format html`` alone, then one of the rest), so the page in
the browser reloads while the PDF and EPUB are still being made; pages hear of each output as soon as
the runner reports it written, not at the end of the build.

Builds run in the main thread, so Ctrl-C (and SIGTERM, which the command line turns into Ctrl-C) lands in
the runner, which leaves ``build/`` as an interrupted ``publish build`` would: every output as it was or
complete. The HTTP server and the watcher run in daemon threads beside it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from .errors import PublishError
from .executors import make_executor
from .project import Project
from .report import Reporter, StepResult
from .run import BuildOptions, Runner
from .serve_events import Channel, Outputs
from .serve_http import bind, handler, is_loopback
from .serve_views import Views
from .serve_watch import Debouncer, Targets, Watcher
from .state import State


class ServeOptions(NamedTuple):
    build: BuildOptions
    host: str = "127.0.0.1"
    port: int = 8000
    open_browser: bool = False


class Trace:
    """``PUBLISH_SERVE_TRACE=1``: one line on stderr per moment of a rebuild (the change seen, the build
    taken, each step reported, the pages told), in milliseconds since the change was seen, to find where
    an edit's time goes. Off, it costs one attribute test per moment."""

    def __init__(self, on: bool | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.on = bool(os.environ.get("PUBLISH_SERVE_TRACE")) if on is None else on
        self.clock = clock
        self.start = clock()

    def begin(self, seen: float, paths: set[str]) -> None:
        self.start = seen
        self.mark(f"change seen: {' '.join(sorted(paths))}", at=seen)
        self.mark("build taken")

    def mark(self, what: str, at: float | None = None) -> None:
        if self.on:
            ms = ((self.clock() if at is None else at) - self.start) * 1000
            print(f"serve-trace: {ms:8.1f} ms  {what}", file=sys.stderr, flush=True)


class _Capture(Reporter):
    """The build's own reporter (it prints as ``publish build`` does) that also keeps, per step, the
    error and warning lines it printed (the page shows the same lines as the terminal), and calls
    ``written`` as each step is reported: the runner reports a step once its files are in place."""

    def __init__(self, written: Callable[[_Capture], None] | None = None, trace: Trace | None = None,
                 **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.written = written
        self.trace = trace or Trace(on=False)
        self.errors: dict[str, str] = {}
        self.warned: dict[str, list[str]] = {}
        self.ran: set[str] = set()

    def step(self, result: StepResult) -> None:
        took = f" ({result.seconds * 1000:.0f} ms to make)" if result.seconds else ""
        self.trace.mark(f"{result.status} {result.name}{took}")
        super().step(result)
        if result.status in ("built", "failed", "removed"):
            self.ran.add(result.name)
            self.warned[result.name] = [("error: " if self.strict else "") + w.format() for w in result.warnings]
        if result.status == "failed" and result.error is not None:
            self.errors[result.name] = result.error.format()
        elif self.strict and result.warnings:  # --strict: the build fails on them, so the page says so
            self.errors[result.name] = "\n".join(self.warned[result.name])
        if result.status in ("built", "removed") and self.written is not None:
            self.written(self)


class Preview:
    """The server's state between builds: what failed, what warned, and who to tell."""

    def __init__(self, project: Project, opts: ServeOptions, *, err: Callable[[str], None] | None = None) -> None:
        self.project, self.opts = project, opts
        self.err = err or (lambda line: print(line, file=sys.stderr, flush=True))
        jobs = opts.build.jobs or os.cpu_count() or 1
        self.runner = Runner(project, jobs, make_executor(jobs, light_here=True), preview=True)
        self.channel = Channel(server=f"{os.getpid()}-{time.monotonic_ns()}")
        self.outputs = Outputs(project.build)
        self.debouncer = Debouncer()
        self.watcher = Watcher(self.debouncer.add)
        self.errors: dict[str, str] = {}
        self.warnings: dict[str, list[str]] = {}
        self.told = 0  # "changed" events sent: the pages' cache-busting number
        self.stamps: dict[str, tuple[int, int, int] | None] = {}  # the watched files when a build started
        self.trace = Trace()

    def passes(self) -> list[BuildOptions]:
        """The web page first, then everything else asked for (each an exact, incremental build). With
        more than one CPU it is one build: the PDFs go to the heavy worker as soon as the manuscript is
        cited, and the page is made here meanwhile and written (and told) as soon as it is made."""
        full = self.opts.build
        if self.runner.jobs > 1:
            return [full]
        formats = full.formats
        if formats is not None and "html" not in formats:
            return [full]
        if formats is not None and list(formats) == ["html"]:
            return [full]
        return [full._replace(formats=["html"]), full]

    def rebuild(self) -> bool:
        """Build every pass; the pages hear of each output as it is written, and of the errors after
        each pass. False when a pass failed (the rest is skipped: it would fail the same way). A change
        saved during the web-page pass skips the rest too: the rebuild that follows it (when the saving
        pauses) has every pass, and its page comes sooner."""
        self.stamps = self._stamps()
        passes = self.passes()
        ok = True
        for i, opts in enumerate(passes):
            if i and self.debouncer.forget(self.moved):
                break
            self.trace.mark(f"pass {i + 1}: {'+'.join(opts.formats or ['every format'])}")
            rep = _Capture(self._written, self.trace, quiet=opts.quiet, verbose=opts.verbose, strict=opts.strict,
                           debug=opts.debug)
            raised = None
            try:
                code = self.runner.build(opts, rep)
            except PublishError as exc:  # bad input found before any step (a named manuscript gone)
                raised = exc.format()
                self.err(raised)
                code = 1
            self._remember(rep, raised, whole=i == len(passes) - 1 or code != 0)
            self._tell()
            self.trace.mark(f"pass {i + 1} done")
            if code != 0:
                ok = False
                break
        self.watch()
        return ok

    def _written(self, rep: _Capture) -> None:
        """A step's files are in place: the pages that show them may reload now. Errors so far are
        merged with the last build's, so a fixed page does not lose its overlay only to get it back."""
        self._remember(rep, None, whole=False)
        self._tell(only_if_changed=True)

    def _tell(self, *, only_if_changed: bool = False) -> None:
        files, listing = self.outputs.changed()
        if only_if_changed and not files:
            return
        self.channel.publish("status", self.status())
        if files:
            self.told += 1
            self.channel.publish("changed", {"files": files, "listing": listing, "build": self.told})
            self.trace.mark(f"pages told: {' '.join(files)}")

    def _remember(self, rep: _Capture, raised: str | None, *, whole: bool) -> None:
        """Errors and warnings on show: a step that ran replaces what it said before; a whole build
        replaces every error (a failed step is always retried, so it says it again)."""
        if whole:
            self.errors = dict(rep.errors)
        else:
            for name in rep.ran:
                self.errors.pop(name, None)
            self.errors.pop("", None)
            self.errors.update(rep.errors)
        if raised:
            self.errors[""] = raised
        for name in rep.ran:
            self.warnings[name] = rep.warned.get(name, [])
        self.warnings = {k: v for k, v in self.warnings.items() if v}

    def status(self) -> dict[str, object]:
        return {"ok": not self.errors, "errors": sorted(self.errors.values()),
                "warnings": [w for name in sorted(self.warnings) for w in self.warnings[name]],
                "build": self.told}

    def watch(self) -> None:
        """Point the watcher at what the builds read (records of every step, so far)."""
        inputs = {p for rec in State(self.project).steps.values() for p in rec.get("inputs", {})}
        targets = Targets(self.project, inputs)
        self.watcher.update(targets)
        # Files first read by this build: as they are now. A file that appeared while it ran and that it did
        # not read (a handout saved mid-build, after the build listed the manuscripts) was not there when
        # it started: so it stays, and its report is a change to build, not one already built.
        for path, stamp in self._stamps().items():
            self.stamps.setdefault(path, stamp if Path(path) in targets.files else None)

    def _stamps(self) -> dict[str, tuple[int, int, int] | None]:
        """(mtime, size, inode) of every watched file and of each manuscript and brand, as they are now."""
        targets = self.watcher.targets
        paths = {*(targets.files if targets else ()), *self.project.manuscripts.glob("*.md"),
                 *self.project.brands.glob("*/_brand.yml")}
        found: dict[str, tuple[int, int, int] | None] = {}
        for path in paths:
            try:
                st = os.stat(path)
                found[str(path)] = (st.st_mtime_ns, st.st_size, st.st_ino)
            except OSError:
                found[str(path)] = None
        return found

    def moved(self, paths: set[str]) -> set[str]:
        """Those of ``paths`` that are not as they were when the last build started: one save can reach
        the watcher as two reports, and the second, of a file the build already read as it is now, must
        not cost a rebuild (nor hold back the PDF of the first)."""
        now: dict[str, tuple[int, int, int] | None] = {}
        for path in paths:
            try:
                st = os.stat(path)
                now[path] = (st.st_mtime_ns, st.st_size, st.st_ino)
            except OSError:
                now[path] = None
        return {p for p in paths if p not in self.stamps or now[p] != self.stamps[p]}

    def sweep(self) -> set[str]:
        """The files whose stamps moved since the last build started, handed to the debouncer: a net
        under the watcher for a change it never reported (a full event queue, a lost watch). The
        watcher's own report of the same change is merged with it, so nothing is built twice."""
        now = self._stamps()
        moved = {p for p in now.keys() | self.stamps.keys() if now.get(p) != self.stamps.get(p)}
        self.debouncer.add(moved)
        return moved

    def loop(self) -> None:
        """Rebuild on every due batch of changes, until interrupted; between them, sweep every second."""
        while not self.debouncer.closed:
            changes = self.debouncer.take(timeout=1.0)
            if changes is None:
                self.sweep()
                continue
            if not self.moved(changes):  # reported again, already built as it is
                self.debouncer.done(built=False)
                continue
            self.trace.begin(self.debouncer.taken_first, changes)
            try:
                self.rebuild()
            finally:
                self.debouncer.done()

    def close(self, *, cancel: bool = False) -> None:
        self.debouncer.close()
        self.watcher.stop()
        self.channel.close()
        self.runner.close(cancel=cancel)


def serve(project: Project, opts: ServeOptions) -> int:
    """Build, serve build/ and rebuild on every change until Ctrl-C or SIGTERM; 0 when stopped so."""
    from .formats import declarations
    from .run import select

    formats = declarations()
    sel = select(project, opts.build, formats)  # a wrong name is an error now, not an overlay later
    preview = Preview(project, opts)
    views = Views(project)
    httpd = bind(opts.host, opts.port, handler(project.build, preview.channel, views,
                                               local_only=is_loopback(opts.host)))
    host = opts.host if ":" not in opts.host else f"[{opts.host.strip('[]')}]"
    url = f"http://{host}:{httpd.server_address[1]}/"
    if not is_loopback(opts.host):
        print(f"warning: serving build/ on {url}: anyone who can reach this machine can read it; "
              "leave out --host to serve on 127.0.0.1 only", file=sys.stderr, flush=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.25}, daemon=True,
                              name="publish-http")
    try:
        # The PDF workers, forked before this process has threads of its own (the watcher's, the server's):
        # a build that fails before it starts them would otherwise leave them to a fork beside those.
        preview.runner.executor.warm(heavy=sel.heavy_renders(formats, len(sel.manuscripts)))
        preview.rebuild()
        thread.start()
        print(f"publish: serving {url} (every handout in every brand; Ctrl-C to stop)", flush=True)
        if opts.open_browser:
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        preview.loop()
    except KeyboardInterrupt:
        pass  # an interrupted build has already stopped its workers (the runner does that)
    finally:
        if thread.is_alive():
            httpd.shutdown()
        httpd.server_close()
        preview.close()  # idle workers: let them exit, nothing is cut short
    print("publish: stopped serving; build/ is as the last build left it", file=sys.stderr, flush=True)
    return 0
