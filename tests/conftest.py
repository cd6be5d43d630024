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
