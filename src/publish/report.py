"""What a build tells its user: the only module of the pipeline that prints (doit's reporter).

One progress line per step that ran (``built``, ``failed``, ``removed``; ``up to date`` with -v), every
warning and error as its one line on stderr, the summary, and ``--dry-run``'s explanations: which input
changed and which outputs a step would write. A server (``serve``) gives its own ``out``/``err`` to show
the same lines in the browser.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple

from .errors import PublishError, Warning_


class StepResult(NamedTuple):
    """What one step did, for the progress line and the summary."""

    name: str
    status: str  # "built", "up to date", "failed", "removed"
    seconds: float = 0.0
    error: PublishError | None = None
    warnings: Sequence[Warning_] = ()
    reason: str = ""


def _stdout(line: str) -> None:
    print(line, flush=True)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Reporter:
    """Collects the results of one build and prints them as they come."""

    def __init__(self, *, quiet: bool = False, verbose: bool = False, strict: bool = False, debug: bool = False,
                 out: Callable[[str], None] = _stdout, err: Callable[[str], None] = _stderr) -> None:
        self.quiet, self.verbose, self.strict, self.debug = quiet, verbose, strict, debug
        self.out, self.err = out, err
        self.results: list[StepResult] = []

    def say(self, line: str) -> None:
        if not self.quiet:
            self.out(line)

    def step(self, result: StepResult) -> None:
        self.results.append(result)
        for w in result.warnings:  # --strict: the same line, as the error it now is
            self.err(w.as_error().format() if self.strict else w.format())
        if result.status == "failed" and result.error is not None:
            self.err(result.error.format())
            self.say(f"  failed      {result.name} ({result.seconds:.2f}s)")
        elif result.status == "built":
            why = f" [{result.reason}]" if self.verbose and result.reason else ""
            self.say(f"  built       {result.name} ({result.seconds:.2f}s){why}")
        elif result.status == "removed":
            self.say(f"  removed     {result.name} ({result.reason or 'its manuscript or brand is gone'})")
        elif self.verbose:
            self.say(f"  up to date  {result.name}")

    def bug(self, name: str, text: str, traceback: str, seconds: float) -> StepResult:
        """An exception that is not bad input: one line saying so (the traceback only with --debug)."""
        if self.debug:
            self.err(traceback)
        err = PublishError(f"internal error in publish while building {name}: {text}",
                           hint="rerun with --debug and report it")
        return StepResult(name, "failed", seconds, error=err)

    # --dry-run -------------------------------------------------------------------------------------------

    def would(self, name: str, reason: str, targets: Sequence[str] = ()) -> None:
        self.out(f"would build {name}: {reason}")
        for target in targets:
            self.out(f"  would write {target}")

    def would_fail(self, name: str, error: PublishError) -> None:
        self.out(f"would fail {name}: {error.format()}")

    def would_remove(self, name: str, targets: Sequence[str], why: str = "its manuscript or brand is gone") -> None:
        self.out(f"would remove {name} ({why})")
        for target in targets:
            self.out(f"  would delete {target}")

    # The end -------------------------------------------------------------------------------------------

    @property
    def warnings(self) -> int:
        return sum(len(r.warnings) for r in self.results)

    @property
    def failed(self) -> bool:
        return any(r.status == "failed" for r in self.results)

    def summary(self, seconds: float, *, dry_run: bool = False) -> None:
        count = {s: sum(r.status == s for r in self.results) for s in ("built", "up to date", "failed", "removed")}
        if dry_run:
            self.out(f"publish: dry run, nothing written ({seconds:.2f}s)")
            return
        parts = [f"{count['built']} built", f"{count['up to date']} up to date"]
        if count["removed"]:
            parts.append(f"{count['removed']} removed")
        if count["failed"]:
            parts.append(f"{count['failed']} failed")
        if self.warnings:
            parts.append(f"{self.warnings} warning{'s' if self.warnings != 1 else ''}")
        line = f"publish: {', '.join(parts)} in {seconds:.2f}s"
        if count["failed"]:
            self.err(line)
        elif not self.quiet or count["built"]:
            self.out(line)
