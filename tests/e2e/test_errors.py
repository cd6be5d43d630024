"""Bad input gets one clear line with its place, exit status 1, no traceback; nothing leaves the project."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import copy_project, run_publish

HEAD = "---\ntitle: T\ndate: 2025-01-15\nbibliography: references.json\ncsl: {csl}\n---\n\n"
LINE = re.compile(r"^(?P<file>[^:\n]+)(:(?P<line>\d+))?(:(?P<col>\d+))?: error: (?P<msg>.+)$")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "p", manuscripts=["references.json"])


def fails(project: Path, text: str | bytes, *args: str) -> tuple[str, re.Match[str] | None]:
    ms = project / "manuscript" / "m.md"
    ms.write_bytes(text if isinstance(text, bytes) else text.encode())
    proc = run_publish(project, "--format", "html", *args, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if ": error: " in line or line.startswith("error: ")]
    assert len(errors) >= 1, proc.stderr
    return errors[0], LINE.match(errors[0])


def test_unknown_citation_key_names_key_place_and_closest(project: Path) -> None:
    line, m = fails(project, HEAD.format(csl="apa") + "Text.\n\nAs shown [@rogers1916].\n")
    assert m and m["file"].endswith("m.md") and m["line"] == "10" and m["col"]
    assert "rogers1916" in line and "rogers1961" in line


def test_malformed_front_matter(project: Path) -> None:
    line, m = fails(project, "---\ntitle: [T\ndate: 2025-01-15\n---\n\nText\n")
    assert m and m["line"] and "front matter" in line


def test_missing_bibliography(project: Path) -> None:
    line, m = fails(project, HEAD.format(csl="apa").replace("references.json", "nope.json") + "[@x]\n")
    assert m and m["file"].endswith("m.md") and "nope.json" in line and "not found" in line


def test_malformed_json_bibliography_gives_line_and_column(project: Path) -> None:
    (project / "manuscript" / "references.json").write_text('[\n  {"id": "a", "type": "book",}\n]\n')
    line, m = fails(project, HEAD.format(csl="apa") + "[@a]\n")
    assert m and m["file"].endswith("references.json") and m["line"] == "2" and m["col"]


def test_malformed_yaml_bibliography(project: Path) -> None:
    (project / "manuscript" / "refs.yaml").write_text("references:\n- id: a\n  title: [x\n")
    line, m = fails(project, HEAD.format(csl="apa").replace("references.json", "refs.yaml") + "[@a]\n")
    assert m and m["file"].endswith("refs.yaml") and m["line"]


def test_malformed_bibtex_bibliography(project: Path) -> None:
    (project / "manuscript" / "refs.bib").write_text("@article{a,\n  title = {Unclosed,\n  year = 2020\n")
    line, m = fails(project, HEAD.format(csl="apa").replace("references.json", "refs.bib") + "[@a]\n")
    assert m and m["file"].endswith("refs.bib") and m["line"] and m["col"] and "BibTeX" in line


def test_duplicate_bibliography_keys(project: Path) -> None:
    refs = json.loads((project / "manuscript" / "references.json").read_text())
    (project / "manuscript" / "references.json").write_text(json.dumps(refs + [refs[0]], indent=2))
    line, m = fails(project, HEAD.format(csl="apa") + "[@beck2011]\n")
    assert "andersson2014" in line and "duplicate" in line.lower()


def test_unknown_csl_style_suggests_closest(project: Path) -> None:
    line, _ = fails(project, HEAD.format(csl="apa7x") + "[@beck2011]\n")
    assert "apa7x" in line and "apa" in line.split("apa7x", 1)[1]


def test_invalid_csl_file(project: Path) -> None:
    (project / "manuscript" / "broken.csl").write_text("<style><info>\n<title>x</title>\n")
    line, m = fails(project, HEAD.format(csl="broken.csl") + "[@beck2011]\n")
    assert m and m["file"].endswith("broken.csl")


@pytest.mark.parametrize("target", ["missing.png", "../../etc/passwd", "/etc/hostname", "https://example.com/a.png"])
def test_images_outside_project_remote_or_missing(project: Path, target: str) -> None:
    line, m = fails(project, "---\ntitle: T\n---\n\nText\n\n![A picture](" + target + ")\n")
    assert m and m["file"].endswith("m.md") and m["line"] == "7" and target in line


def test_empty_manuscript(project: Path) -> None:
    line, _ = fails(project, "")
    assert "empty" in line


def test_not_utf8_manuscript(project: Path) -> None:
    line, m = fails(project, b"---\ntitle: T\n---\n\nCaf\xe9\n")
    assert m and m["line"] == "5" and "UTF-8" in line


def test_brand_file_error_names_key(project: Path) -> None:
    brand = project / "styles" / "brands" / "default" / "_brand.yml"
    brand.write_text(brand.read_text().replace("paper: a4", "paper: tabloid"))
    line, m = fails(project, "---\ntitle: T\n---\n\nText\n")
    assert m and m["file"].endswith("_brand.yml") and "paper" in line and "letter or a4" in line


def test_template_error_names_template_and_line(project: Path) -> None:
    tpl = project / "styles" / "templates" / "html" / "article.html.j2"
    tpl.write_text(tpl.read_text().replace("{{ doc.title_html }}</h1>", "{{ doc.titel }}</h1>"))
    line, m = fails(project, "---\ntitle: T\n---\n\nText\n")
    assert m and m["file"].endswith("article.html.j2") and m["line"] and "titel" in line


def test_unknown_brand_and_format(project: Path) -> None:
    (project / "manuscript" / "m.md").write_text("---\ntitle: T\n---\n\nText\n")
    proc = run_publish(project, "--brand", "riversid", check=False)
    assert proc.returncode == 1 and "did you mean riverside" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_publish(project, "--format", "odt", check=False)
    assert proc.returncode == 1 and "unknown format" in proc.stderr


def test_strict_turns_warnings_into_errors(project: Path) -> None:
    (project / "manuscript" / "m.md").write_text("---\ntitle: T\ndescripton: typo\n---\n\nText\n")
    ok = run_publish(project, "--format", "html")
    assert "warning" in ok.stderr and "description" in ok.stderr
    shutil.rmtree(project / "build")
    strict = run_publish(project, "--format", "html", "--strict", check=False)
    assert strict.returncode == 1


def test_metadata_is_escaped_wherever_it_lands(project: Path) -> None:
    evil = '<script>alert(1)</script> & "quotes"'
    (project / "manuscript" / "m.md").write_text(
        f"---\ntitle: '{evil}'\ndescription: '{evil}'\nkeywords: ['{evil}']\n---\n\nText\n")
    run_publish(project, "--format", "html", "--format", "epub")
    page = (project / "build" / "default" / "m.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in page
    import zipfile

    with zipfile.ZipFile(project / "build" / "default" / "m.epub") as z:
        for name in z.namelist():
            if name.endswith((".opf", ".xhtml", ".ncx")):
                assert b"<script>alert" not in z.read(name), name


def test_raw_html_with_remote_url_is_refused(project: Path) -> None:
    line, m = fails(project, '---\ntitle: T\n---\n\nText\n\n<img src="https://tracker.example/p.gif" alt="x">\n')
    assert m and m["line"] == "7" and "tracker.example" in line


def test_local_image_is_copied_beside_the_page(project: Path) -> None:
    (project / "manuscript" / "img").mkdir()
    (project / "manuscript" / "img" / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>')
    (project / "manuscript" / "m.md").write_text("---\ntitle: T\n---\n\n![A dot](img/dot.svg)\n")
    run_publish(project, "--format", "html")
    assert (project / "build" / "default" / "img" / "dot.svg").is_file()
    assert 'src="img/dot.svg"' in (project / "build" / "default" / "m.html").read_text()


@pytest.mark.parametrize("csl", ["/etc/passwd", "../../../etc/x.csl"])
def test_csl_path_outside_project_is_refused_unread(project: Path, csl: str) -> None:
    line, m = fails(project, HEAD.format(csl=csl) + "[@beck2011]\n")
    assert m and m["file"].endswith("m.md") and m["line"] == "5" and "outside the project" in line


def test_bibliography_outside_project_is_refused(project: Path) -> None:
    line, m = fails(project, HEAD.format(csl="apa").replace("references.json", "/etc/hostname") + "[@x]\n")
    assert m and m["line"] == "4" and "outside the project" in line


def test_whole_build_runs_without_a_network(tmp_path: Path) -> None:
    """Every stage (pandoc, citeproc, WeasyPrint, EPUB packaging) works in a network namespace that has no
    network at all: nothing the build does depends on reaching out."""
    import os
    import subprocess
    import sys

    from tests.conftest import require_cmd

    unshare = require_cmd("unshare")
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True)
    if probe.returncode != 0:  # unprivileged: ask the kernel for a user namespace as well
        probe = subprocess.run([unshare, "-rn", "true"], capture_output=True)
        flags = ["-rn"]
    else:
        flags = ["-n"]
    if probe.returncode != 0 and os.environ.get("CI") != "true":
        pytest.skip("no network namespaces here")
    p = copy_project(tmp_path / "p")
    proc = subprocess.run([unshare, *flags, sys.executable, "-m", "publish.cli", "build", "--brand", "riverside"],
                          cwd=p, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert {f.name for f in (p / "build" / "riverside").iterdir()} >= {
        "cbt-realness.html", "cbt-realness.pdf", "cbt-realness.large-print.pdf", "cbt-realness.epub", "index.html"}
