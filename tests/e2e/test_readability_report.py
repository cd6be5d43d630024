"""The author's reading-level report page, as a browser and the Nu checker see it: valid HTML, no axe-core
violation at any width, nothing fetched from outside. Built from a fixture of its own (tests/fixtures)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from publish.analysis import analyse, render_report
from publish.document import cite_manuscript
from publish.manuscript import load_manuscript
from publish.project import Project
from tests.browser import WIDTHS, WatchedPage, axe, chromium, describe, serve
from tests.conftest import require_cmd, require_node_module

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readability"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two reports: a cited handout above its target (marks and suggestions) and a plain one within it."""
    root = tmp_path_factory.mktemp("readability")
    shutil.copytree(FIXTURES, root / "manuscript")
    (root / "manuscript" / "hard.md").write_text(
        "---\ntitle: \"Living with hypertension\"\nlang: en-GB\nbibliography: refs.json\n---\n\n"
        "Individuals with hypertension should utilize their medication as prescribed by their physician in order "
        "to reduce cardiovascular morbidity [@smith2020]. Rest well at night.\n\n"
        "- Monitor your blood pressure frequently\n- Eat less salt\n", encoding="utf-8")
    build = root / "build"
    for name, target in (("hard.md", 8), ("plain.md", 8)):
        doc = cite_manuscript(Project(root), load_manuscript(root / "manuscript" / name))
        for path, data in render_report(doc, analyse(doc), target).items():
            (build / path).parent.mkdir(parents=True, exist_ok=True)
            (build / path).write_bytes(data)
    return build


def test_report_is_valid_html(reports: Path) -> None:
    jar = require_node_module("vnu-jar") / "build" / "dist" / "vnu.jar"
    java = require_cmd("java")
    pages = sorted(reports.glob("reports/*.html"))
    assert len(pages) == 2
    proc = subprocess.run([java, "-jar", str(jar), "--format", "json", *map(str, pages)],
                          capture_output=True, text=True, timeout=120)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    problems = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages
                if m.get("type") in ("error", "non-document-error") or m.get("subType") == "warning"]
    assert not problems, "\n".join(problems)


def test_report_passes_axe_at_every_width(reports: Path) -> None:
    axe_js = require_node_module("axe-core") / "axe.min.js"
    problems: list[str] = []
    with serve(reports) as site, chromium() as browser:
        page = browser.new_page()
        watched = WatchedPage(page, site)
        for name in ("hard", "plain"):
            watched.reset()
            response = page.goto(f"{site}reports/{name}.readability.html", wait_until="load")
            assert response is not None and response.ok
            assert page.locator("mark").count() >= (1 if name == "hard" else 0)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                violations = axe(page, axe_js)
                if violations:
                    problems.append(f"{name} at {width}px:\n{describe(violations)}")
                overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
                if overflow:
                    problems.append(f"{name} scrolls sideways at {width}px")
            problems += [f"{name}: {x}" for x in watched.external + watched.failed + watched.console_errors]
    assert not problems, "\n".join(problems)
