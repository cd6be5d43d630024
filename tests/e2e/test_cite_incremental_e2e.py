"""Incremental citing as a user meets it: a text edit rebuilds with the kept citations into exactly the
output a build from scratch makes; an added citation too; a removed manuscript takes its memo along."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import copy_project, run_publish
from tests.projects import SEED

ARGS = ("--brand", "default", "--format", "html", "--format", "epub")


def outputs(project: Path) -> dict[str, bytes]:
    return {p.relative_to(project).as_posix(): p.read_bytes()
            for p in sorted((project / "build" / "default").rglob("*")) if p.is_file()}


def from_scratch(project: Path) -> dict[str, bytes]:
    shutil.rmtree(project / "build")
    run_publish(project, *ARGS)
    return outputs(project)


def test_edits_rebuild_to_what_a_fresh_build_makes(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    source = project / "manuscript" / SEED.name
    memo = project / "build" / ".publish" / "cites" / f"{SEED.stem}.pickle"
    run_publish(project, *ARGS)
    assert memo.is_file()
    kept = memo.read_bytes()
    text = source.read_text(encoding="utf-8")
    edits = [
        text.replace("Walking into therapy", "Stepping into therapy", 1),  # text only: the memo is used
        text.replace("can feel intimidating.", "can feel intimidating [@beck2011, p. 12].", 1),  # a citation
    ]
    for n, edited in enumerate(edits):
        source.write_text(edited, encoding="utf-8")
        run_publish(project, *ARGS)
        incremental = outputs(project)
        assert (memo.read_bytes() == kept) == (n == 0)
        assert incremental == from_scratch(project)
        kept = memo.read_bytes()


def test_a_removed_manuscript_takes_its_memo_along(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    run_publish(project, *ARGS)
    memo = project / "build" / ".publish" / "cites" / f"{SEED.stem}.pickle"
    assert memo.is_file()
    (project / "manuscript" / SEED.name).unlink()
    (project / "manuscript" / "other.md").write_text("---\ntitle: Other\nlang: en-US\n---\n\nText.\n")
    run_publish(project, *ARGS)
    assert not memo.exists()


def test_a_dry_run_keeps_no_memo(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    run_publish(project, "--dry-run", *ARGS)
    assert not (project / "build" / ".publish" / "cites").exists()
