"""The reading-level step through the command line: its report, its warning, --strict as a gate, and a
brand's target."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import copy_project, run_publish

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readability"


def with_grade(text: str, grade: int) -> str:
    return text.replace("---\n", f"---\nreading-grade: {grade}\n", 1)


def test_seed_report_warning_and_strict_gate(tmp_path: Path) -> None:
    p = copy_project(tmp_path / "p")
    seed = p / "manuscript" / "cbt-realness.md"
    seed.write_text(with_grade(seed.read_text(), 8))
    shutil.copy(FIXTURES / "plain.md", p / "manuscript" / "plain.md")
    (p / "manuscript" / "plain.md").write_text(with_grade((FIXTURES / "plain.md").read_text(), 8))
    proc = run_publish(p, "--format", "html", "--brand", "default")
    figures = json.loads((p / "build" / "reports" / "cbt-realness.readability.json").read_text())
    assert (p / "build" / "reports" / "cbt-realness.readability.html").is_file()
    warning = [line for line in proc.stderr.splitlines() if "reading grade" in line]
    assert len(warning) == 1 and warning[0].startswith("manuscript/cbt-realness.md: warning: reading grade ")
    assert "target 8" in warning[0] and figures["readability"]["words"] > 500 and figures["target"] == 8

    strict = run_publish(p, "--format", "html", "--brand", "default", "--strict", "manuscript/cbt-realness.md",
                         check=False)
    assert strict.returncode == 1 and "error: reading grade" in strict.stderr
    plain = run_publish(p, "--format", "html", "--brand", "default", "--strict", "manuscript/plain.md")
    assert plain.returncode == 0 and "reading grade" not in plain.stderr


def test_a_brand_sets_the_target_and_its_edit_reruns_the_step(tmp_path: Path) -> None:
    p = copy_project(tmp_path / "p")
    run_publish(p, "--format", "html", "--brand", "default")
    brand = p / "styles" / "brands" / "default" / "_brand.yml"
    text = brand.read_text()
    assert "  publish:\n" in text
    brand.write_text(text.replace("  publish:\n", "  publish:\n    reading-grade: 6\n", 1))
    proc = run_publish(p, "--format", "html", "--brand", "default")
    assert "built       readability cbt-realness" in proc.stdout
    assert "target 6" in proc.stderr


def test_the_project_file_sets_the_target_gates_strict_and_reruns_only_the_analyses(tmp_path: Path) -> None:
    """`reading-grade: 8` in publish.yml, nothing in the front matter or the brand: --strict fails on the
    seed and passes on the plain-language handout; an edit to the file reruns the reading-level steps
    and nothing else, and --dry-run says so beforehand."""
    p = copy_project(tmp_path / "p")
    shutil.copy(FIXTURES / "plain.md", p / "manuscript" / "plain.md")
    (p / "publish.yml").write_text("reading-grade: 8\ncheck:\n  for-publish-check: {anything: [1, 2]}\n")
    args = ("--format", "html", "--brand", "default")
    proc = run_publish(p, *args)
    assert "built       settings publish.yml" in proc.stdout
    warning = [line for line in proc.stderr.splitlines() if "reading grade" in line]
    assert len(warning) == 1 and warning[0].startswith("manuscript/cbt-realness.md: warning: reading grade ")
    assert "target 8" in warning[0] and "publish.yml" not in proc.stderr  # check: is not warned about
    assert json.loads((p / "build" / "reports" / "plain.readability.json").read_text())["target"] == 8

    strict = run_publish(p, *args, "--strict", "manuscript/cbt-realness.md", check=False)
    assert strict.returncode == 1 and "manuscript/cbt-realness.md: error: reading grade" in strict.stderr
    plain = run_publish(p, *args, "--strict", "manuscript/plain.md")
    assert plain.returncode == 0 and "reading grade" not in plain.stderr

    (p / "publish.yml").write_text("reading-grade: 6\ncheck:\n  for-publish-check: {anything: [1, 2]}\n")
    dry = run_publish(p, *args, "--dry-run")
    would = sorted(line for line in dry.stdout.splitlines() if line.startswith("would build"))
    assert would == ["would build readability cbt-realness: publish.yml changed",
                     "would build readability plain: publish.yml changed",
                     "would build settings publish.yml: publish.yml changed"]
    again = run_publish(p, *args)
    built = sorted(line.split()[1:3] for line in again.stdout.splitlines() if line.startswith("  built"))
    assert built == [["readability", "cbt-realness"], ["readability", "plain"], ["settings", "publish.yml"]]
    assert "target 6" in again.stderr
    (p / "publish.yml").unlink()
    gone = run_publish(p, *args)
    assert "removed     settings publish.yml (the file is gone)" in gone.stdout and "reading grade" not in gone.stderr


def test_a_bad_project_file_is_one_line_per_problem_and_keeps_the_last_reports(tmp_path: Path) -> None:
    p = copy_project(tmp_path / "p")
    args = ("--format", "html", "--brand", "default")
    (p / "publish.yml").write_text("reading-grade: 8\n")
    run_publish(p, *args)
    report = p / "build" / "reports" / "cbt-realness.readability.json"
    kept = report.read_bytes()
    (p / "publish.yml").write_text("# settings\nreading-grade: 30\nreadin-grade: 8\n")
    proc = run_publish(p, *args, check=False)
    assert proc.returncode == 1
    problems = [line for line in proc.stderr.splitlines() if "publish.yml" in line]
    assert problems == [
        "publish.yml:2:1: error: reading-grade 30 is not a reading grade; write a school grade between 1 "
        "and 20, e.g. 8",
        "publish.yml:3:1: warning: unknown project setting 'readin-grade'; did you mean reading-grade?"]
    assert "Traceback" not in proc.stderr and report.read_bytes() == kept
    assert "failed      settings publish.yml" in proc.stdout and "readability" not in proc.stdout
    # the handouts themselves are still built, and the file's problems last until it is mended
    (p / "manuscript" / "cbt-realness.md").write_text((p / "manuscript" / "cbt-realness.md").read_text() + "\nMore.\n")
    proc = run_publish(p, *args, check=False)
    assert proc.returncode == 1 and "built       html default/cbt-realness" in proc.stdout
    assert report.read_bytes() == kept
    (p / "publish.yml").unlink()
    proc = run_publish(p, *args)
    assert "built       readability cbt-realness" in proc.stdout and proc.stderr == ""
    assert json.loads(report.read_text())["target"] is None


def test_a_no_op_build_with_a_project_file_reads_it_not(tmp_path: Path) -> None:
    """An unchanged publish.yml is known by its stamp: a no-op build parses no YAML and starts no executor
    (what keeps it a few per cent of a cold build), yet still repeats the warning it causes."""
    import subprocess
    import sys

    p = copy_project(tmp_path / "p")
    (p / "publish.yml").write_text("reading-grade: 8\n")
    run_publish(p, "--format", "html", "--brand", "default")
    probe = ("import sys\nfrom publish.cli import main\ntry:\n    main(['build', '--format', 'html', '--brand', "
             "'default'])\nexcept SystemExit:\n    pass\nheavy = ['yaml', 'publish.config', 'publish.executors', "
             "'concurrent.futures', 'publish.formats.html']\nprint([m for m in heavy if m in sys.modules])\n")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=p, capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr
    assert "0 built" in proc.stdout and "target 8" in proc.stderr
