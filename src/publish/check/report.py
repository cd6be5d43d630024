"""What ``publish check`` tells its user: one line per finding on stderr, a summary, and
``build/reports/check.html`` (every finding with its source line and a link to the output). The only module of
the check that prints."""

from __future__ import annotations

import html
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import Warning_
from ..state import write_atomic
from .findings import ERROR, WARNING, Finding

REPORT = Path("reports") / "check.html"


def _err(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _out(line: str) -> None:
    print(line, flush=True)


class CheckReporter:
    def __init__(self, *, strict: bool = False, quiet: bool = False, out: Callable[[str], None] = _out,
                 err: Callable[[str], None] = _err) -> None:
        self.strict, self.quiet, self.out, self.err = strict, quiet, out, err

    def say(self, line: str) -> None:
        if not self.quiet:
            self.out(line)

    def findings(self, findings: Sequence[Finding], stale: Sequence[Warning_]) -> None:
        for f in findings:
            self.err(f.line_text(self.strict))
        for w in stale:
            self.err(w.as_error().format() if self.strict else w.format())

    def summary(self, findings: Sequence[Finding], outputs: int, cached: int, seconds: float, report: Path) -> None:
        errors = sum(1 for f in findings if not f.reason and f.severity == ERROR)
        warnings = sum(1 for f in findings if not f.reason and f.severity == WARNING)
        acked = sum(1 for f in findings if f.reason)
        parts = [f"{outputs} output{'s' if outputs != 1 else ''} checked ({cached} unchanged since the last check)",
                 f"{errors} error{'s' if errors != 1 else ''}", f"{warnings} warning{'s' if warnings != 1 else ''}"]
        if acked:
            parts.append(f"{acked} acknowledged")
        line = f"publish check: {', '.join(parts)} in {seconds:.2f}s; report: {report}"
        (self.err if errors or (self.strict and warnings) else self.say)(line)


_STYLE = """
body { font-family: system-ui, sans-serif; color: #1a1a1a; background: #ffffff; margin: 0 auto; max-width: 72rem;
       padding: 1rem; line-height: 1.5; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 700; padding: 0.5rem 0; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #767676; padding: 0.4rem 0.5rem; }
code { font-size: 0.95em; overflow-wrap: anywhere; }
.error { color: #a4111c; font-weight: 700; }
.warning { color: #6b4c00; font-weight: 700; }
.note { color: #1f4f7a; }
a { color: #0b4f9c; }
"""


def write_html(build: Path, findings: Sequence[Finding], stale: Sequence[Warning_]) -> Path:
    """The report page: a table of every finding, each with its place and a link to each output it was seen in.
    Deterministic (no clock), written atomically."""
    path = build / REPORT
    e = html.escape
    rows = []
    for f in findings:
        kind = "note" if f.reason else f.severity
        links = " ".join(f'<a href="{e(_href(path, build, o))}">{e(o)}</a>' for o in f.outputs)
        detail = f"acknowledged: {f.reason}" if f.reason else f.hint
        element = f"<br>at <code>{e(f.element)}</code>" if f.element and not f.located else ""
        rows.append(
            f'<tr><td class="{kind}">{e(kind)}</td><td><code>{e(f.place())}</code></td>'
            f"<td><code>{e(f.rule)}</code></td><td>{e(f.message)} ({e(f.scope())}){element}"
            f"{'<br>' + e(detail) if detail else ''}</td><td>{links}</td></tr>")
    for w in stale:
        rows.append(f'<tr><td class="warning">warning</td><td><code>{e(w.file or "")}:{w.line or ""}</code></td>'
                    f"<td><code>publish check</code></td><td>{e(w.message)}; {e(w.hint or '')}</td><td></td></tr>")
    errors = sum(1 for f in findings if not f.reason and f.severity == ERROR)
    warnings = sum(1 for f in findings if not f.reason and f.severity == WARNING)
    lead = (f"{errors} error{'s' if errors != 1 else ''} and {warnings} warning{'s' if warnings != 1 else ''}"
            if findings else "No findings: every output checked passes.")
    table = ("<table><caption>Findings, by where they were written</caption><thead><tr>"
             '<th scope="col">Kind</th><th scope="col">Where</th><th scope="col">Rule</th>'
             '<th scope="col">Finding</th><th scope="col">Outputs</th></tr></thead><tbody>'
             + "\n".join(rows) + "</tbody></table>") if rows else ""
    page = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>publish check: findings</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n"
            f"<h1>publish check</h1>\n<p>{e(lead)}</p>\n{table}\n</main>\n</body>\n</html>\n")
    write_atomic(path, page.encode("utf-8"))
    return path


def _href(page: Path, build: Path, output: str) -> str:
    """An output's link from the report page: relative, so the report works from any folder."""
    target = build.parent / output
    return Path(os.path.relpath(target, page.parent)).as_posix()
