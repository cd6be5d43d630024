"""The plan through the real command line: --dry-run lists exactly what the next build builds, a moved
project rebuilds nothing, and -j 1 and -j 2 make the same bytes."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import copy_project, run_publish

PAGE = ("---\ntitle: {title}\ndate: 2025-01-15\nlang: en-US\ndescription: A test.\n{extra}---\n\n"
        "## Part\n\nText {title}.\n")


def built_names(proc: subprocess.CompletedProcess[str]) -> set[str]:
    return {" ".join(line.split()[1:3]) for line in proc.stdout.splitlines() if line.strip().startswith("built")}


def would_names(proc: subprocess.CompletedProcess[str]) -> set[str]:
    return {line.split(": ", 1)[0][len("would build "):] for line in proc.stdout.splitlines()
            if line.startswith("would build ")}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    p = copy_project(tmp_path / "p", manuscripts=[])
    (p / "manuscript" / "one.md").write_text(PAGE.format(title="One", extra="brands: [riverside]\n"))
    (p / "manuscript" / "two.md").write_text(PAGE.format(title="Two", extra=""))
    return p


def dry_then_real(p: Path, *args: str) -> tuple[set[str], set[str]]:
    dry = run_publish(p, "--dry-run", *args)
    real = run_publish(p, *args)
    return would_names(dry), built_names(real)


@pytest.mark.parametrize("args", [
    ("--format", "html"),
    ("--format", "html", "--brand", "default"),
    ("--format", "epub", "--brand", "riverside"),
    ("--format", "pdf", "--edition", "large-print", "--brand", "default"),
    ("--format", "html", "--format", "epub"),
])
def test_dry_run_lists_exactly_what_the_build_builds(project: Path, args: tuple[str, ...]) -> None:
    # cold
    would, built = dry_then_real(project, *args)
    assert would == built and built
    assert not any(n.endswith("default/one") for n in built)  # one is built for riverside only
    # nothing changed
    assert dry_then_real(project, *args) == (set(), set())
    # a text edit of one manuscript
    (project / "manuscript" / "two.md").write_text(PAGE.format(title="Two, edited", extra=""))
    would, built = dry_then_real(project, *args)
    assert would == built and "cite two" in built and "cite one" not in built
    # an edit that changes the source but not what it renders: the cite step runs, nothing else
    (project / "manuscript" / "two.md").write_text(PAGE.format(title="Two, edited", extra="") + "\n\n")
    would, built = dry_then_real(project, *args)
    assert would == built == {"cite two"}
    # a manuscript moves to every brand
    (project / "manuscript" / "one.md").write_text(PAGE.format(title="One", extra=""))
    would, built = dry_then_real(project, *args)
    assert would == built


def test_dry_run_lists_what_pruning_removes(project: Path) -> None:
    run_publish(project, "--format", "html")
    (project / "manuscript" / "two.md").unlink()
    dry = run_publish(project, "--dry-run", "--format", "html")
    assert "would remove html default/two" in dry.stdout and "would delete build/default/two.html" in dry.stdout
    assert (project / "build" / "default" / "two.html").exists()


def test_moved_project_rebuilds_nothing(project: Path, tmp_path: Path) -> None:
    run_publish(project, "--format", "html", "--format", "epub")
    moved = tmp_path / "renamed"
    shutil.move(project, moved)
    proc = run_publish(moved, "--format", "html", "--format", "epub")
    assert built_names(proc) == set(), proc.stdout
    state = (moved / "build" / ".publish" / "state.json").read_text()
    assert str(project) not in state and str(moved) not in state


def test_a_brand_the_front_matter_drops_is_pruned(project: Path) -> None:
    run_publish(project, "--format", "html")
    assert (project / "build" / "default" / "two.html").exists()
    (project / "manuscript" / "two.md").write_text(PAGE.format(title="Two", extra="brands: [riverside]\n"))
    proc = run_publish(project, "--format", "html")
    assert "removed     html default/two" in proc.stdout
    assert not (project / "build" / "default" / "two.html").exists()
    assert (project / "build" / "riverside" / "two.html").exists()


def test_page_links_only_built_formats(project: Path) -> None:
    run_publish(project, "--format", "html", "--brand", "default")
    page = (project / "build" / "default" / "two.html").read_text()
    assert "two.pdf" not in page and "two.epub" not in page
    run_publish(project, "--format", "epub", "--brand", "default")
    run_publish(project, "--format", "html", "--brand", "default")
    page = (project / "build" / "default" / "two.html").read_text()
    index = (project / "build" / "default" / "index.html").read_text()
    assert 'href="two.epub"' in page and "two.pdf" not in page and "two.docx" not in page
    assert 'href="two.epub"' in index and "two.pdf" not in index and "two.docx" not in index
    run_publish(project, "--format", "docx", "--brand", "default")  # a page re-renders when a format joins it
    run_publish(project, "--format", "html", "--brand", "default")
    page = (project / "build" / "default" / "two.html").read_text()
    assert 'href="two.docx"' in page and 'href="two.docx"' in (project / "build" / "default" / "index.html").read_text()


def _digests(build: Path) -> dict[str, str]:
    return {str(f.relative_to(build)): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(build.rglob("*")) if f.is_file() and ".publish" not in f.parts}


def test_one_and_two_jobs_make_the_same_bytes(tmp_path: Path) -> None:
    outputs = []
    for jobs in ("1", "2"):
        p = copy_project(tmp_path / f"j{jobs}")
        run_publish(p, "-j", jobs, "--brand", "riverside")
        outputs.append(_digests(p / "build"))
    assert outputs[0] == outputs[1]
    assert any(name.endswith(".pdf") for name in outputs[0]) and any(name.endswith(".epub") for name in outputs[0])


def test_an_edited_image_rebuilds_what_shows_it(project: Path) -> None:
    """An image is read by the renders, not by citing: a new picture with the same name must reach them."""
    images = project / "manuscript" / "images"
    images.mkdir()
    (images / "dot.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
                                    '<rect width="4" height="4" fill="#000"/></svg>')
    text = PAGE.format(title="Two", extra="") + "\n![A black dot](images/dot.svg)\n"
    (project / "manuscript" / "two.md").write_text(text)
    run_publish(project, "--format", "html", "--brand", "default")
    (images / "dot.svg").write_text((images / "dot.svg").read_text().replace("#000", "#fff"))
    built = built_names(run_publish(project, "--format", "html", "--brand", "default"))
    assert "html default/two" in built
    assert "#fff" in (project / "build" / "default" / "images" / "dot.svg").read_text()
