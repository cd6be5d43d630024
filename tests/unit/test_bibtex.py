"""BibTeX problems a new user makes: a syntax error names its entry, and an organisation that BibTeX's
'and' rule splits into people is warned about, with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.cite.references import corporate_names, load_references
from publish.errors import PublishError

GOOD = """@book{kant1902,
  author = {Kant, Immanuel},
  title = {Kants Werke},
  year = {1902},
}
"""


def test_syntax_error_names_the_entry(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(GOOD + "@article{cdc2020,\n  title = {Sleep {and health},\n  year = 2020\n}\n")
    with pytest.raises(PublishError) as err:
        load_references(bib)
    line = err.value.format()
    assert "in entry 'cdc2020'" in line and line.startswith(f"{bib}:")


@pytest.mark.parametrize("field", [
    "author = {Centers for Disease Control and Prevention}",
    'author = "Department of Health and Human Services"',
    "editor = {Food and Drug Administration}",
])
def test_an_organisation_split_by_and_is_warned_about(tmp_path: Path, field: str) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(GOOD + "@report{org2020,\n  " + field + ",\n  title = {Sleep},\n  year = {2020},\n}\n")
    warnings: list = []
    items = load_references(bib, warnings)
    assert len(items) == 2 and len(warnings) == 1
    w = warnings[0]
    assert w.line == 7 and "'org2020'" in w.message and "2 names" in w.message
    assert "{{" in w.hint and "}}" in w.hint


@pytest.mark.parametrize("field", [
    "author = {{Centers for Disease Control and Prevention}}",
    "author = {Smith, John and Doe, Jane}",
    "author = {John Smith and Jane Doe}",
    "author = {{WHO} and {UNICEF}}",
    "author = {Kant, Immanuel}",
])
def test_people_and_braced_organisations_are_not(field: str) -> None:
    assert corporate_names("@book{x,\n  " + field + ",\n}\n", Path("r.bib")) == []


def test_the_warning_reaches_the_build(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import copy_project

    p = copy_project(tmp_path / "p", manuscripts=[])
    (p / "manuscript" / "refs.bib").write_text("@report{cdc,\n  author = {Centers for Disease Control and Prevention},"
                                               "\n  title = {Sleep},\n  year = {2020},\n}\n")
    (p / "manuscript" / "a.md").write_text("---\ntitle: A\nbibliography: refs.bib\n---\n\nText [@cdc].\n")
    proc = subprocess.run([sys.executable, "-m", "publish.cli", "build", "--format", "html", "--brand", "default"],
                          cwd=p, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "refs.bib:2:3: warning: author 'Centers for Disease Control and Prevention' of entry 'cdc'" in proc.stderr
