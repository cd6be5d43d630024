"""Shared fixtures: the project, a built seed, and tools that must exist when CI=true.

Test projects come from tests/projects.py: fixture manuscripts and brands under tests/fixtures/project/,
never the checkout's own manuscript/ or styles/brands/ (those are the user's); styles/templates/ is copied
from the checkout because the templates are the product's code under test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from publish.check.tools import node_modules
from tests.projects import ROOT, copy_project  # noqa: F401 (ROOT: the e2e tests import it from here)

#: The npm checkers, installed where publish check installs them, from its definitions (one place: the suite
#: checks with the versions a clinic's handouts are checked with).
NODE_MODULES = node_modules()
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps",
]


def require(condition: bool, what: str) -> None:
    """A missing tool fails under CI=true (never a silent skip) and skips on a developer's machine."""
    if condition:
        return
    message = f"{what} is missing: run `make test` (tests/tools.sh installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def require_cmd(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"the command '{name}'")
    return str(path)


def require_node_module(name: str) -> Path:
    path = NODE_MODULES / name
    require(path.exists(), f"the npm package {name} (src/publish/check/npm/package.json)")
    return path


def run_ace(epub: Path, out: Path) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    """Ace by DAISY on ``epub``: its report and the process. Ace drives Chromium, and on a loaded 2-core
    machine Chromium's start has once failed (no report at all, the suite's other books passing): such a
    run is tried once more, and a second run with no report fails with Ace's own words. A report that
    finds something is never run again."""
    import json

    node, ace = require_cmd("node"), require_node_module("@daisy/ace-cli") / "bin" / "ace.js"
    require(Path(CHROMIUM).exists(), "chromium")
    errors = []
    for _ in range(2):
        proc = subprocess.run([node, str(ace), "--exiterror2", "--silent", "--outdir", str(out), str(epub)],
                              capture_output=True, text=True, timeout=600,
                              env=dict(os.environ, PUPPETEER_EXECUTABLE_PATH=CHROMIUM))
        if (out / "report.json").is_file():
            return json.loads((out / "report.json").read_text()), proc
        errors.append(f"exit {proc.returncode}: {proc.stderr[-1500:]}")
    pytest.fail(f"Ace wrote no report for {epub.name}: " + " | ".join(errors))


def run_publish(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real command line, as a user would."""
    proc = subprocess.run(
        [sys.executable, "-m", "publish.cli", "build", *args],
        cwd=project, capture_output=True, text=True, timeout=600,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"publish build {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed article built once in every brand and format (shared by the end-to-end tests)."""
    project = copy_project(tmp_path_factory.mktemp("seed"))
    run_publish(project)
    return project / "build"
