"""``publish check`` through the real command line and the real validators, as a clinic would run it.

The fixture (tests/fixtures/check) is a handout with one planted fault of each kind the build lets through
(an image whose description is its file name, a table without header cells, a link that reads "click here",
a skipped heading level; a chart drawn in raw HTML with no description, which is also the PDF's figure without
/Alt; and a link to a file the e-book does not carry), and a brand whose grey headings pass
the contrast gate on white while its own stylesheet tints the crisis box grey. Each fault must be one located
line, the run exit 1; after the fixes it exits 0, and a second run with nothing changed costs a tenth of the
first. The shipped fixture handouts check clean in every brand. Chromium and Java are heavy: one check run per
project, shared by the tests of the module.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import require_cmd
from tests.projects import TEMPLATES, copy_project

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "check"
HANDOUT = "sleep-diary.md"
LINE = re.compile(r"^(?P<file>[^:\s]+)(?::(?P<line>\d+):(?P<col>\d+))?: (?P<kind>error|warning|note): "
                  r"\[(?P<rule>[^\]]+)\] (?P<rest>.*)$")


def run_check(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "publish.cli", "check", *args], cwd=project, capture_output=True,
                          text=True, timeout=1200, env=env)


def finding_lines(proc: subprocess.CompletedProcess[str]) -> list[re.Match[str]]:
    return [m for m in map(LINE.match, proc.stderr.splitlines()) if m]


def require_tools() -> None:
    for name in ("java", "node", "chromium"):
        require_cmd(name)


def faults_project(dest: Path) -> Path:
    """The fixture handout in a project of its own, with the tinted brand beside the two shipped ones."""
    project = copy_project(dest, [])
    for f in (FIXTURE / "manuscript").iterdir():
        shutil.copy2(f, project / "manuscript" / f.name)
    brand = project / "styles" / "brands" / "tinted"
    shutil.copytree(FIXTURE / "brands" / "tinted", brand)
    (brand / "templates").mkdir()
    stylesheet = (TEMPLATES / "html" / "site.css.j2").read_text(encoding="utf-8")
    (brand / "templates" / "site.css.j2").write_text(stylesheet + "\n" + (FIXTURE / "tint.css").read_text(),
                                                      encoding="utf-8")
    return project


def line_of(text: str, marker: str) -> int:
    (n,) = [i for i, line in enumerate(text.splitlines(), 1) if marker in line]
    return n


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    require_tools()
    project = faults_project(tmp_path_factory.mktemp("faults"))
    return project, run_check(project, "--brand", "tinted")


def test_each_planted_fault_is_one_located_line(faults: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    project, proc = faults
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = (project / "manuscript" / HANDOUT).read_text(encoding="utf-8")
    lines = finding_lines(proc)
    planted = {
        "image-alt": ("manuscript/" + HANDOUT, line_of(text, "![chart.png](chart.png)")),
        "table-header": ("manuscript/" + HANDOUT, line_of(text, "Caffeine") - 1),  # the table's first line
        "link-purpose": ("manuscript/" + HANDOUT, line_of(text, "[click here]")),
        "heading-order": ("manuscript/" + HANDOUT, line_of(text, "#### If you wake")),
        "RSC-007": ("manuscript/" + HANDOUT, line_of(text, "[click here]")),  # the e-book lacks the linked file
        "svg-img-alt": ("manuscript/" + HANDOUT, line_of(text, "<svg")),  # and the PDF's figure without /Alt
        "color-contrast": ("styles/brands/tinted/templates/site.css.j2", None),
    }
    for rule, (file, line) in planted.items():
        hits = [m for m in lines if m["rule"].split(" ", 1)[1] == rule]
        assert len(hits) == 1, (rule, proc.stderr)
        assert hits[0]["file"] == file and hits[0]["kind"] == "error", hits[0].group(0)
        if line is not None:
            assert int(hits[0]["line"]) == line, hits[0].group(0)
    css = (project / "styles" / "brands" / "tinted" / "templates" / "site.css.j2").read_text().splitlines()
    contrast = next(m for m in lines if m["rule"].endswith("color-contrast"))
    assert "#e4e4e4" in css[int(contrast["line"]) - 1]  # the tint's own line
    assert "#767676 on #e4e4e4" in contrast["rest"]
    heading = next(m for m in lines if m["rule"].endswith("heading-order"))
    assert set(heading["rule"].split(" ")[0].split("/")) >= {"axe", "ace"}  # folded across validators
    assert re.search(r"320/375/1280 px; \d+ times\)", heading["rest"])
    chart = next(m for m in lines if m["rule"].endswith("svg-img-alt"))
    assert {"axe", "pdf"} <= set(chart["rule"].split(" ")[0].split("/")), chart.group(0)  # one fault, one line
    assert len(lines) == len(planted), proc.stderr  # nothing else: the rest of the handout is clean


def test_report_lists_every_finding_and_passes_axe_and_nu(faults: tuple[Path, subprocess.CompletedProcess[str]]
                                                          ) -> None:
    import json

    from publish.check import browser, tools

    project, proc = faults
    page = project / "build" / "reports" / "check.html"
    html = page.read_text(encoding="utf-8")
    for m in finding_lines(proc):
        place = m["file"] + (f":{m['line']}:{m['col']}" if m["line"] else "")
        assert f"<code>{place}</code>" in html
    assert 'href="../tinted/sleep-diary.html"' in html
    kit = tools.ensure()
    nu = subprocess.run([kit.java, "-Xss8m", "-jar", str(kit.vnu_jar), "--format", "json", str(page)],
                        capture_output=True, text=True, timeout=300)
    assert json.loads(nu.stderr or nu.stdout)["messages"] == []
    (result,) = browser.finish(browser.start(kit, [page], []))["pages"]
    assert result["error"] is None and result["own"] == []
    assert all(v == [] for v in result["widths"].values()), result["widths"]


def test_acknowledged_finding_prints_its_reason_and_no_longer_counts(
        faults: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """publish.yml's check.acknowledge: the contrast finding becomes a note with its reason (from the cache: the
    outputs did not change), the others still fail the run, and an acknowledgement that matches nothing warns."""
    project, first = faults
    (project / "publish.yml").write_text(
        "check:\n  acknowledge:\n"
        "    - rule: axe color-contrast\n      file: styles/brands/tinted/templates/site.css.j2\n"
        "      reason: the tint is being replaced this week\n"
        "    - rule: axe image-alt\n      file: manuscript/elsewhere.md\n      reason: no such finding\n",
        encoding="utf-8")
    try:
        proc = run_check(project, "--brand", "tinted")
    finally:
        (project / "publish.yml").unlink()
    assert proc.returncode == 1
    lines = finding_lines(proc)
    (contrast,) = [m for m in lines if m["rule"].endswith("color-contrast")]
    assert contrast["kind"] == "note"
    assert contrast["rest"].endswith("acknowledged: the tint is being replaced this week")
    assert len(lines) == len(finding_lines(first))
    assert "publish.yml:6:7: warning: acknowledgement of axe image-alt in manuscript/elsewhere.md matches no finding" \
        in proc.stderr
    assert re.search(r"\((\d+) unchanged since the last check\)", proc.stdout + proc.stderr)


def test_after_the_fixes_exit_0_and_a_second_run_costs_a_tenth(
        faults: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    project, _ = faults
    handout = project / "manuscript" / HANDOUT
    text = handout.read_text(encoding="utf-8")
    text = text.replace("![chart.png](chart.png)", "![A blank sleep diary with one row for each night](chart.png)")
    text = text.replace("#### If you wake", "### If you wake")
    text = text.replace('viewBox="0 0 240 24">', 'viewBox="0 0 240 24"><title>Two thirds of the night asleep</title>')
    text = text.replace("-----------  ---\nCaffeine", "Drink        Had it\n-----------  ------\nCaffeine")
    text = text.replace("Alcohol      no\n-----------  ---\n", "Alcohol      no\n")
    text = text.replace("[click here](chart.png)", "print the chart above")  # the e-book's missing file too
    handout.write_text(text, encoding="utf-8")
    css = project / "styles" / "brands" / "tinted" / "templates" / "site.css.j2"
    css.write_text(css.read_text().replace("#e4e4e4", "#ffffff"))
    t0 = time.perf_counter()
    first = run_check(project, "--brand", "tinted")
    t1 = time.perf_counter()
    second = run_check(project, "--brand", "tinted")
    t2 = time.perf_counter()
    assert first.returncode == 0 and finding_lines(first) == [], first.stdout + first.stderr
    assert second.returncode == 0 and finding_lines(second) == [], second.stdout + second.stderr
    assert re.search(r"(\d+) outputs checked \(\1 unchanged since the last check\)", second.stdout), second.stdout
    assert (t2 - t1) <= 0.1 * (t1 - t0), (t1 - t0, t2 - t1)


def test_shipped_handouts_check_clean_in_every_brand(tmp_path: Path) -> None:
    require_tools()
    project = copy_project(tmp_path / "shipped")
    proc = run_check(project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert finding_lines(proc) == [], proc.stderr
    summary = (proc.stdout + proc.stderr).strip().splitlines()[-1]
    assert re.search(r"publish check: \d+ outputs checked .* 0 errors, 0 warnings", summary), summary


def test_without_java_one_line_naming_it_and_the_install_command(tmp_path: Path) -> None:
    project = faults_project(tmp_path / "p")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("node", "npm", "chromium"):
        found = shutil.which(name)
        if found:
            (bin_dir / name).symlink_to(found)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{bin_dir}")
    proc = run_check(project, "--brand", "tinted", "--format", "html", env=env)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert errors == ["error: publish check needs Java (EPUBCheck, the Nu Html Checker); "
                      "install it: sudo apt-get install default-jre-headless"], proc.stderr


def test_first_install_is_one_line_and_offline_it_is_one_line_too(tmp_path: Path) -> None:
    require_cmd("npm")
    cmd = [sys.executable, "-m", "publish.check.tools"]
    offline = dict(os.environ, PUBLISH_TOOLS=str(tmp_path / "offline"), npm_config_registry="http://127.0.0.1:9/",
                   npm_config_cache=str(tmp_path / "empty-npm-cache"), npm_config_fetch_retries="0",
                   npm_config_offline="true")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=offline, timeout=300)
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("error: could not install the checkers from the npm registry"), proc.stderr
    assert "npm ci --prefix" in proc.stderr
    assert not list((tmp_path / "offline").glob("*/node_modules"))  # nothing half installed

    online = dict(os.environ, PUBLISH_TOOLS=str(tmp_path / "tools"))
    first = subprocess.run(cmd, capture_output=True, text=True, env=online, timeout=600)
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.strip().splitlines()) == 1 and "first run only" in first.stdout
    (home,) = (tmp_path / "tools").iterdir()
    assert (home / "node_modules" / "axe-core" / "axe.min.js").is_file()
    again = subprocess.run(cmd, capture_output=True, text=True, env=online, timeout=60)
    assert again.returncode == 0 and again.stdout == "" and again.stderr == ""
