"""The project's settings file, publish.yml: its schema, its located problems, the reserved `check:`
section, and where its reading-grade stands among the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.config import PROJECT_SETTINGS, SECTIONS, ProjectSettings, read_project_settings
from publish.errors import PublishError, PublishErrors
from publish.project import Project
from publish.run import reading_target


def write(tmp_path: Path, text: str) -> Path:
    path = Project(tmp_path).settings_file
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    try:
        _, warnings = read_project_settings(path)
    except PublishErrors as err:
        return err.format().splitlines()
    except PublishError as err:
        return [err.format()]
    return [w.format() for w in warnings]


def test_the_file_lives_at_the_project_root_and_is_optional(tmp_path: Path) -> None:
    assert Project(tmp_path).settings_file == tmp_path / "publish.yml"
    settings, warnings = read_project_settings(tmp_path / "publish.yml")
    assert settings == ProjectSettings() and settings.reading_grade is None and warnings == []
    assert settings.sections == {"check": {}}


def test_reading_grade_is_read_with_the_grade_type(tmp_path: Path) -> None:
    settings, warnings = read_project_settings(write(tmp_path, "reading-grade: 6.5\n"))
    assert settings.reading_grade == 6.5 and warnings == [] and settings.file == tmp_path / "publish.yml"
    assert read_project_settings(write(tmp_path, ""))[0].reading_grade is None  # an empty file is no error


def test_check_is_reserved_any_mapping_kept_as_written_unchecked(tmp_path: Path) -> None:
    path = write(tmp_path, "check:\n  links: {external: false}\n  whatever-its-room-decides: [1, 2]\n"
                           "  misspelt-for-us-to-ignore: true\nreading-grade: 8\n")
    settings, warnings = read_project_settings(path)
    assert warnings == []  # nothing under check: is warned about here
    assert settings.sections["check"] == {"links": {"external": False}, "whatever-its-room-decides": [1, 2],
                                          "misspelt-for-us-to-ignore": True}
    assert SECTIONS == ("check",)


def test_check_must_be_a_mapping(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "reading-grade: 8\ncheck: 3\n")) == [
        f"{tmp_path}/publish.yml:2:1: error: check must be a mapping, not int; "
        "write the section's name, then its keys indented below it"]


def test_every_problem_at_once_each_at_its_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "# the clinic's settings\nreading-grade: 30\nchek:\n  a: 1\n  reading-grade: 2\n"
                           "  nested:\n    reading-grad: 8\nflavour: mint\n")
    assert problems(path) == [
        f"{path}:2:1: error: reading-grade 30 is not a reading grade; write a school grade between 1 and 20, e.g. 8",
        f"{path}:3:1: warning: unknown project setting 'chek'; did you mean check?",
        f"{path}:8:1: warning: unknown project setting 'flavour'; publish does not read it: check the spelling "
        "against the README's table of keys, or remove it",
    ]


def test_misspelt_key_warns_with_did_you_mean(tmp_path: Path) -> None:
    settings, warnings = read_project_settings(write(tmp_path, "\n  \nreading-grad: 8\n"))
    assert settings.reading_grade is None
    assert [(w.message, w.line, w.col, w.hint) for w in warnings] == [
        ("unknown project setting 'reading-grad'", 3, 1, "did you mean reading-grade?")]


def test_a_key_given_twice_warns_at_the_second(tmp_path: Path) -> None:
    settings, warnings = read_project_settings(write(tmp_path, "reading-grade: 8\nreading-grade: 6\n"))
    assert settings.reading_grade == 6
    assert [(w.line, w.col) for w in warnings] == [(2, 1)] and "first on line 1" in warnings[0].message


@pytest.mark.parametrize(("text", "expected"), [
    ("reading-grade: [8\n", ":2:1: error: malformed project settings: expected ',' or ']'"),
    ("- 8\n- 9\n", ":1: error: project settings must be a YAML mapping"),
    ("reading-grade: eight\n", ":1:1: error: reading-grade must be a number, not 'eight'"),
    ("reading-grade: '8'\n", ":1:1: error: reading-grade must be a number, not '8'"),
    ("reading-grade: 8\n\tcheck: {}\n", ":2:1: error: malformed project settings: found character '\\t'"),
])
def test_bad_files_get_one_located_line(tmp_path: Path, text: str, expected: str) -> None:
    lines = problems(write(tmp_path, text))
    assert len(lines) == 1 and lines[0].startswith(f"{tmp_path}/publish.yml") and expected in lines[0], lines


def test_not_utf8(tmp_path: Path) -> None:
    path = Project(tmp_path).settings_file
    path.write_bytes(b"reading-grade: 8\n# caf\xe9\n")
    assert problems(path) == [f"{path}:2:6: error: byte 0xe9 is not UTF-8 text; save the file as UTF-8"]


def test_the_schema_declares_every_field() -> None:
    import dataclasses

    assert {k.attr for k in PROJECT_SETTINGS} == {f.name for f in dataclasses.fields(ProjectSettings)} - {"file"}
    assert all(k.doc and k.type.kind for k in PROJECT_SETTINGS)


@pytest.mark.parametrize(("front", "brands", "project", "expected"), [
    (None, (), None, None),
    (None, (), 8.0, 8.0),  # the project's, when nothing nearer sets one
    (None, (None, 10.0), 8.0, 10.0),  # a brand's wins over the project's, even a laxer one
    (None, (12.0, 9.0, None), 6.0, 9.0),  # the strictest brand the handout is built for
    (11.0, (9.0,), 6.0, 11.0),  # the front matter wins over both
    (7.0, (), None, 7.0),
])
def test_precedence_front_matter_then_brand_then_project(front, brands, project, expected) -> None:
    assert reading_target(front, brands, project) == expected
