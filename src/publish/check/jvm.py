"""One JVM for the whole run: EPUBCheck on every e-book, then the Nu Html Checker on every page.

EPUBCheck's command line takes one publication, and the Nu checker's ends the JVM when it is done, so neither
tool's own batch mode can serve both. ``jvm/Batch.java`` drives them as libraries instead, each from its own
jar in a class loader of its own, and is run by the JVM's source launcher (``java Batch.java``): nothing
compiled is shipped, and Debian's headless JRE carries the compiler module the launcher needs. One JVM start
and one warm-up serve every book and page.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from ..errors import PublishError
from .tools import Tools

SOURCE = Path(__file__).resolve().parent / "jvm" / "Batch.java"


class Run(NamedTuple):
    proc: subprocess.Popen[str]
    job: Path
    reports: dict[Path, Path]  # book -> its EPUBCheck report


def start(tools: Tools, pages: Sequence[Path], books: Sequence[Path]) -> Run | None:
    if not pages and not books:
        return None
    folder = Path(tempfile.mkdtemp(prefix="publish-jvm-"))
    reports = {book: folder / f"epubcheck-{n}.json" for n, book in enumerate(books)}
    job = folder / "job.txt"
    job.write_text("".join([*(f"epub\t{b}\t{r}\n" for b, r in reports.items()), *(f"html\t{p}\n" for p in pages)]),
                   encoding="utf-8")
    # -Xss: the Nu checker's schema needs a deep stack; C1 only and the serial collector: a short-lived JVM.
    cmd = [tools.java, "-Xss8m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", str(SOURCE),
           str(tools.epubcheck_jar), str(tools.vnu_jar), str(job)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, JAVA_TOOL_OPTIONS=""))
    return Run(proc, job, reports)


def finish(run: Run | None) -> tuple[str, dict[Path, Path]]:
    """(the Nu checker's JSON report, each book's EPUBCheck report); the caller reads and removes them."""
    if run is None:
        return "", {}
    out, err = run.proc.communicate(timeout=1800)
    if run.proc.returncode != 0:
        lines = [line for line in err.splitlines() if line.strip() and not line.startswith("Picked up")]
        raise PublishError(f"the Java checkers failed to run ({lines[0] if lines else 'no output'})",
                           hint="check that Java 11 or later runs: java -version")
    nu = err[err.find("{"):] if "{" in err else ""
    return nu, run.reports


def cleanup(run: Run | None) -> None:
    if run is None:
        return
    for path in [*run.reports.values(), run.job]:
        path.unlink(missing_ok=True)
    run.job.parent.rmdir()
