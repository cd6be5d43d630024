"""One Chromium for the whole run: axe-core in every web page, then Ace by DAISY on every e-book.

Both run in one Node process (``npm/browser.js``), because Ace is a Node program that drives its browser
through puppeteer: axe is driven through the same puppeteer, and Ace is handed the browser already open
instead of launching one per book. Axe is injected from the installed ``axe-core`` (the version the tests
pin), never fetched; every request a page makes that is not for a local file is refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import PublishError
from .rules import GENERIC_LINK_TEXT
from .tools import CHROMIUM_ARGS, HERE, Tools

WIDTHS = (320, 375, 1280)
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
SCRIPT = HERE / "browser.js"


def settings() -> dict[str, Any]:
    """What shapes the browser's findings besides the files: part of every cached result's key."""
    return {"widths": WIDTHS, "tags": AXE_TAGS, "generic": GENERIC_LINK_TEXT}


def start(tools: Tools, pages: Sequence[Path], books: Sequence[Path]) -> subprocess.Popen[str] | None:
    """Start the browser half on these files; :func:`finish` collects what it found."""
    if not pages and not books:
        return None
    job = {"chromium": tools.chromium, "args": list(CHROMIUM_ARGS), "axe": str(tools.axe_js),
           "widths": list(WIDTHS), "tags": list(AXE_TAGS), "generic": list(GENERIC_LINK_TEXT),
           "pages": [str(p) for p in pages], "books": [str(b) for b in books]}
    fd, name = tempfile.mkstemp(prefix="publish-check-", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump(job, fh)
    env = dict(os.environ, NODE_PATH=str(tools.node_modules), PUPPETEER_EXECUTABLE_PATH=tools.chromium,
               PUPPETEER_SKIP_DOWNLOAD="true")
    proc = subprocess.Popen([tools.node, str(SCRIPT), name], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    proc.job_file = name  # type: ignore[attr-defined]
    return proc


def finish(proc: subprocess.Popen[str] | None) -> dict[str, Any]:
    if proc is None:
        return {"pages": [], "books": []}
    try:
        out, err = proc.communicate(timeout=1800)
    finally:
        Path(proc.job_file).unlink(missing_ok=True)  # type: ignore[attr-defined]
    if proc.returncode != 0:
        last = (err.strip().splitlines() or ["no output"])[0]
        raise PublishError(f"the browser checks failed to run ({last})",
                           hint="check that Debian's chromium starts: chromium --headless --version")
    return json.loads(out)
