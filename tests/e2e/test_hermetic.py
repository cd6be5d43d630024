"""The suite tests the product, not the user's project: proved in a clone that a clinic has made its own.

A copy of the checkout's files (what a clone has, plus uncommitted work) gets what a user adds: a brand of
their own that does not even parse, a ``manuscript/images/`` folder, a draft with broken front matter and
their own edit of the seed. That project really is broken (``publish build`` there fails, naming the
files), yet a real subset of the suite run inside the copy passes, and ``make golden`` there rewrites the
golden files byte for byte as they were and makes none for the user's brand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, require, require_cmd
from tests.golden.normalise import GOLDEN

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# One test that builds nothing, one that builds the seed in every brand and format, one that reads the
# fixture project's references: together they touch every project-building helper.
SUBSET = [
    "tests/unit/test_brand.py",
    "tests/e2e/test_golden.py",
    "tests/unit/test_cite.py::test_fixture_project_cites_to_the_seed_list",
]


def clone_like_copy(dest: Path) -> Path:
    """The checkout's tracked and not-ignored files, as a clone with the current work would have them."""
    git = require_cmd("git")
    listed = subprocess.run([git, "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True)
    require(listed.returncode == 0, f"a git checkout to copy ({listed.stderr.decode().strip()})")
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_symlink():  # as git checks it out (the fixture's styles/fonts -> the shipped fonts)
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).symlink_to(os.readlink(source))
        elif source.is_file():  # a tracked file deleted in the work tree is listed too
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def add_users_own_files(clone: Path) -> None:
    """What a clinic does to its own project, each of which breaks a build of that project."""
    acme = clone / "styles" / "brands" / "acme"  # the clone may hold the user's own files already
    acme.mkdir(exist_ok=True)
    (acme / "_brand.yml").write_text("meta:\n  name: [Acme Clinic\ncolor:\n  primary: not-a-colour\n")
    images = clone / "manuscript" / "images"
    images.mkdir(exist_ok=True)
    (images / "waiting-room.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a picture")
    (clone / "manuscript" / "mine.md").write_text("---\ntitle: [My handout\nauthor: Me\n---\n\nMy own text.\n")
    (clone / "publish.yml").write_text("reading-grade: [8\n")  # the project's own settings, broken
    seed = clone / "manuscript" / "cbt-realness.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace('title: "', 'title: "Our own version of ', 1))


def test_suite_ignores_the_users_brands_and_manuscripts(tmp_path: Path) -> None:
    clone = clone_like_copy(tmp_path / "clone")
    add_users_own_files(clone)
    env = dict(os.environ, PYTHONPATH=str(clone / "src"), PYTHONDONTWRITEBYTECODE="1")

    users_build = subprocess.run([sys.executable, "-m", "publish.cli", "build", "--format", "html"],
                                 cwd=clone, env=env, capture_output=True, text=True, timeout=300)
    assert users_build.returncode != 0, "the user's files were meant to break their own build"
    said = users_build.stdout + users_build.stderr
    assert "mine.md" in said and "acme" in said and "publish.yml:2:1: error: malformed" in said, said

    suite = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUBSET],
                           cwd=clone, env=env, capture_output=True, text=True, timeout=300)
    assert suite.returncode == 0, suite.stdout[-4000:] + suite.stderr[-2000:]
    assert " passed" in suite.stdout and "skipped" not in suite.stdout, suite.stdout[-2000:]

    refresh = subprocess.run([sys.executable, "-m", "tests.golden.refresh"],
                             cwd=clone, env=env, capture_output=True, text=True, timeout=300)
    assert refresh.returncode == 0, refresh.stderr
    made = sorted(p.name for p in (clone / "tests" / "golden").glob("*.article.html"))
    assert made == sorted(p.name for p in GOLDEN.glob("*.article.html")), made
    for name in made:
        assert (clone / "tests" / "golden" / name).read_bytes() == (GOLDEN / name).read_bytes(), name
