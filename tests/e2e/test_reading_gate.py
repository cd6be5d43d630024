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
