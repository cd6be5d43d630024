"""Front matter: parsed into Settings, every bad value reported with its line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from publish.config import parse_settings, split_front_matter
from publish.errors import PublishError

P = Path("/proj/manuscript/a.md")


def settings(text: str):
    data, _ = split_front_matter(text, P)
    return parse_settings(data, text, P)


def test_standard_keys() -> None:
    s, warnings = settings(
        "---\ntitle: T\nauthor: [A, B]\ndate: 2025-01-15\nlang: de-DE\ndescription: D\n"
        "keywords: [x, y]\nbibliography: refs.json\ncsl: ieee\n---\n\nBody\n"
    )
    assert (s.title, s.authors, s.date, s.lang) == ("T", ("A", "B"), dt.date(2025, 1, 15), "de-DE")
    assert s.keywords == ("x", "y") and s.csl == "ieee"
    assert s.bibliography == Path("/proj/manuscript/refs.json")  # relative to the manuscript
    assert s.short_title == "T" and warnings == []


def test_defaults() -> None:
    s, _ = settings("---\ntitle: T\n---\nBody\n")
    assert s.lang == "en-US" and s.csl is None and s.bibliography is None and s.date is None


def test_malformed_yaml_names_the_line() -> None:
    with pytest.raises(PublishError) as err:
        settings("---\ntitle: T\nauthor: [A, B\ndate: 2025-01-15\n---\nBody\n")
    assert err.value.file == str(P) and err.value.line is not None and err.value.line >= 3
    assert "front matter" in err.value.message


def test_unclosed_front_matter() -> None:
    with pytest.raises(PublishError, match="not closed"):
        settings("---\ntitle: T\n\nBody\n")


def test_bad_date_names_its_line() -> None:
    with pytest.raises(PublishError) as err:
        settings("---\ntitle: T\ndate: next tuesday\n---\nBody\n")
    assert err.value.line == 3 and "YYYY-MM-DD" in (err.value.hint or "")


def test_missing_title() -> None:
    with pytest.raises(PublishError, match="no title"):
        settings("---\ndate: 2025-01-01\n---\nBody\n")


def test_typo_in_key_warns_with_suggestion() -> None:
    _, warnings = settings("---\ntitle: T\nbibliograpy: r.json\n---\nBody\n")
    assert len(warnings) == 1 and "bibliography" in (warnings[0].hint or "") and warnings[0].line == 3


def test_bad_lang() -> None:
    with pytest.raises(PublishError, match="language tag"):
        settings("---\ntitle: T\nlang: english please\n---\nBody\n")


def test_front_matter_not_a_mapping() -> None:
    with pytest.raises(PublishError, match="mapping"):
        settings("---\n- a\n- b\n---\nBody\n")


# --- The schema: one declaration per key drives parsing, did-you-mean, the errors and the README ---

FIXTURES = Path(__file__).parent / "fixtures" / "settings"
ROOT = Path(__file__).resolve().parents[2]


def problems(text: str) -> list[str]:
    """The lines a front matter's problems print as (warnings included), or [] when it parses."""
    from publish.errors import PublishErrors

    try:
        _, warnings = settings(text)
    except PublishErrors as err:
        return err.format().splitlines()
    except PublishError as err:
        return [err.format()]
    return [w.format() for w in warnings]


def test_every_field_of_settings_is_a_declared_key() -> None:
    import dataclasses

    from publish.config import SETTINGS, Settings

    declared = {k.attr for k in SETTINGS}
    assert {f.name for f in dataclasses.fields(Settings)} - declared == {"raw"}
    assert len({k.name for k in SETTINGS}) == len(SETTINGS)  # one declaration per key
    assert all(k.doc and k.type.kind for k in SETTINGS)


def test_readme_tables_are_the_schemas() -> None:
    """The README's key tables are generated from the schema; regenerate with the command it names."""
    from publish.config import update_readme

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert update_readme(readme) == readme, "run: python -m publish.config --readme README.md"


def test_readme_update_rewrites_a_stale_table() -> None:
    from publish.config import SETTINGS, update_readme

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stale = readme.replace("| `title` |", "| `titel` |")
    assert stale != readme and update_readme(stale) == readme
    assert all(f"| `{k.name}` |" in readme for k in SETTINGS)


def test_markdown_entry_point_prints_the_tables() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "publish.config", "--markdown"], capture_output=True, text=True,
                         check=True).stdout
    assert "| `next-review` | date (YYYY-MM-DD) |" in out and "| `reading-grade` | school grade, 1 to 20 |" in out
    assert "| `paper` | letter or a4 | `a4` |" in out  # the brand's defaults.publish table too


def test_csl_default_in_the_table_is_the_real_default() -> None:
    from publish.cite.styles import DEFAULT_STYLE
    from publish.config import SETTINGS

    assert next(k for k in SETTINGS if k.name == "csl").default_doc == f"`{DEFAULT_STYLE}`"


def test_five_problems_five_lines_at_their_keys() -> None:
    lines = problems(
        "---\ntitle: T\ndate: 2025-02-30\nlang: english please\nbibliograhpy: refs.bib\n"
        "toc: maybe\nbase-url: ftp://x\n---\nBody\n"
    )
    assert lines == [
        f"{P}:3:1: error: date '2025-02-30' is not a day of the calendar; February 2025 has 28 days; write YYYY-MM-DD",
        f"{P}:4:1: error: lang 'english please' is not a language tag; use a BCP 47 tag such as en-US or de-DE",
        f"{P}:5:1: warning: unknown front-matter key 'bibliograhpy'; did you mean bibliography, suppress-bibliography?",
        f"{P}:6:1: error: toc must be true or false, not 'maybe'; write true or false, unquoted",
        f"{P}:7:1: error: base-url 'ftp://x' is not an http(s) URL; write https://...",
    ]


def test_impossible_dates_name_the_month() -> None:
    assert problems("---\ntitle: T\nreviewed: 2024-02-30\n---\nB\n") == [
        f"{P}:3:1: error: reviewed '2024-02-30' is not a day of the calendar; February 2024 has 29 days; "
        "write YYYY-MM-DD"]
    assert "no month 13" in problems("---\ntitle: T\ndate: 2025-13-01\n---\nB\n")[0]
    assert problems("---\ntitle: T\ndate: 2024-02-29\n---\nB\n") == []


def test_every_unknown_key_warns_near_or_not() -> None:
    lines = problems("---\ntitle: T\nlast-reviewed: 2025-01-01\nflavour: mint\n---\nB\n")
    assert len(lines) == 2 and all(": warning: unknown front-matter key" in line for line in lines)
    assert "did you mean reviewed" in lines[0] and ":3:1:" in lines[0]
    assert ":4:1:" in lines[1] and "README" in lines[1]


def test_misspelt_key_is_reported_beside_the_error_it_causes() -> None:
    lines = problems("---\nbibliograhpy: refs.bib\n---\nB\n")  # and no title
    assert len(lines) == 2
    assert "warning: unknown front-matter key 'bibliograhpy'; did you mean bibliography" in lines[1]
    assert "error: the manuscript has no title" in lines[0]


def test_review_keys_are_typed() -> None:
    s, warnings = settings(
        "---\ntitle: T\nreviewed: 2025-01-10\nnext-review: 2026-01-10\nreviewed-by: Governance Group\n"
        "version: 2.10\nowner: Lead Psychologist\nreading-grade: 8\ndate-format: d MMMM y\n---\nB\n"
    )
    assert warnings == []
    assert (s.reviewed, s.next_review) == (dt.date(2025, 1, 10), dt.date(2026, 1, 10))
    assert (s.reviewed_by, s.version, s.owner) == ("Governance Group", "2.10", "Lead Psychologist")
    assert s.reading_grade == 8.0 and s.date_format == "d MMMM y"
    d, _ = settings("---\ntitle: T\n---\nB\n")
    assert d.date_format == "long" and d.reading_grade is None and d.reviewed is None and d.toc is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("reading-grade: eight", "reading-grade must be a number"),
        ("reading-grade: 0", "reading-grade 0 is not a reading grade"),
        ("date-format: lng", "date-format 'lng' is neither long, medium, short nor a CLDR date pattern"),
        ("date-format: d MMMM y at noon", "(not date fields: n, o, t)"),
        ("next-review: 2020-01-01", "next-review 2020-01-01 is before reviewed 2025-01-01"),
        ("toc: 'false'", "toc must be true or false"),
        ("keywords: {a: 1}", "keywords must be a list"),
        ("bibliography: [a.bib, b.bib]", "bibliography lists more than one file"),
        ("csl: 5", "csl must be a style name"),
    ],
)
def test_wrong_values_name_their_key(line: str, expected: str) -> None:
    lines = problems(f"---\ntitle: T\nreviewed: 2025-01-01\n{line}\n---\nB\n")
    assert len(lines) == 1 and expected in lines[0] and lines[0].startswith(f"{P}:4:1: error: "), lines


def test_date_format_accepts_quoted_literals() -> None:
    s, _ = settings("---\ntitle: T\ndate-format: \"d 'de' MMMM 'de' y\"\n---\nB\n")
    assert s.date_format == "d 'de' MMMM 'de' y"


def test_nested_keys_are_placed_by_column() -> None:
    from publish.config import YamlPlaces

    places = YamlPlaces.parse("a:\n  b:\n    - x: 1\n      y: 2\n", first_line=2)
    assert places.of(("a", "b", 0, "y")) == (5, 7)
    assert places.of(("a", "nope")) == (2, 1)  # the nearest key written
    assert places.scalar(("a", "b", 0, "y")) == "2"


# --- Through the real command line, in a project the test makes ---


def _project(tmp_path: Path, front_matter: str | None = None) -> Path:
    """A tiny project: the checkout's templates, the plain test brand, the sleep handout and its .bib."""
    import shutil

    shutil.copytree(ROOT / "styles" / "templates", tmp_path / "styles" / "templates")
    shutil.copytree(FIXTURES / "brands", tmp_path / "styles" / "brands")
    shutil.copytree(FIXTURES / "manuscript", tmp_path / "manuscript")
    if front_matter is not None:
        body = (tmp_path / "manuscript" / "sleep.md").read_text().split("\n---\n", 1)[1]
        (tmp_path / "manuscript" / "sleep.md").write_text(f"---\n{front_matter}---\n{body}")
    return tmp_path


def _build(project: Path, *args: str) -> tuple[int, list[str]]:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "publish.cli", "build", "-j", "1", "--format", "html", *args],
                          cwd=project, capture_output=True, text=True, timeout=300)
    return proc.returncode, [line for line in proc.stderr.splitlines() if ": error: " in line or ": warning: "
                             in line]


def test_cli_builds_the_fixture_with_review_keys(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, lines = _build(project)
    assert (code, lines) == (0, [])
    assert (project / "build" / "plain" / "sleep.html").is_file()


def test_cli_five_problems_five_lines_exit_1(tmp_path: Path) -> None:
    project = _project(tmp_path, "title: Sleeping Well\ndate: 2025-02-30\nlang: english please\n"
                                 "bibliograhpy: sleep.bib\nreading-grade: eight\nnext-review: 2025-02-31\n")
    code, lines = _build(project)
    ms = Path("manuscript", "sleep.md")  # relative to where the author runs publish, as they would type it
    assert code == 1
    assert [line.split(": ", 2)[:2] for line in lines] == [
        [f"{ms}:3:1", "error"], [f"{ms}:4:1", "error"], [f"{ms}:5:1", "warning"], [f"{ms}:6:1", "error"],
        [f"{ms}:7:1", "error"]], lines
    assert "February 2025 has 28 days" in lines[0] and "did you mean bibliography" in lines[2]
    assert "reading-grade must be a number" in lines[3] and "next-review '2025-02-31'" in lines[4]


def test_cli_misspelt_bibliography_file_gets_did_you_mean(tmp_path: Path) -> None:
    project = _project(tmp_path, "title: Sleeping Well\nbibliography: sleep.bbi\ncsl: vancover\n")
    code, lines = _build(project)
    assert code == 1 and len(lines) == 2, lines
    ms = Path("manuscript", "sleep.md")
    assert lines[0] == f"{ms}:3:1: error: bibliography file 'manuscript/sleep.bbi' not found; did you mean sleep.bib?"
    assert lines[1].startswith(f"{ms}:4:1: error: unknown citation style 'vancover'; did you mean")


def test_cli_misspelt_key_warned_beside_the_error_it_causes(tmp_path: Path) -> None:
    project = _project(tmp_path, "title: Sleeping Well\nbibliograhpy: sleep.bib\n")
    code, lines = _build(project)
    assert code == 1
    ms = Path("manuscript", "sleep.md")
    assert lines[0].startswith(f"{ms}:3:1: warning: unknown front-matter key 'bibliograhpy'")
    assert any("error:" in line and "walker2017" in line for line in lines[1:]), lines


def test_cli_unknown_key_fails_only_under_strict(tmp_path: Path) -> None:
    project = _project(tmp_path, "title: Sleeping Well\nbibliography: sleep.bib\nlast-reviewed: 2025-01-01\n")
    code, lines = _build(project)
    assert code == 0 and len(lines) == 1 and "did you mean reviewed" in lines[0]
    (project / "manuscript" / "sleep.md").write_text((project / "manuscript" / "sleep.md").read_text() + "\n")
    code, lines = _build(project, "--strict")
    assert code == 1 and len(lines) == 1 and "last-reviewed" in lines[0]


def test_empty_values_leave_the_default() -> None:
    s, _ = settings("---\ntitle: T\nsubtitle: []\npublisher: ''\nlang:\n---\nB\n")
    assert (s.subtitle, s.publisher, s.lang) == ("", None, "en-US")


def test_a_key_written_twice_warns_at_the_repeat() -> None:
    s, warnings = settings("---\ntitle: First\ndate: 2025-01-01\ntitle: Second\n---\nB\n")
    assert s.title == "Second"
    assert [w.format() for w in warnings] == [
        f"{P}:4:1: warning: front-matter key 'title' is given twice (first on line 2); "
        "only this one counts: remove the other"]
