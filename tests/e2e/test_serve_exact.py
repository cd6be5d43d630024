"""The preview server's warm runner (light steps in its own process, no fsync, unchanged files left as they
are, PDFs from a warm worker that keeps the parsed print stylesheet) makes exactly what ``publish build``
makes: the same bytes and the same records, after a text edit and after a brand-colour edit; and it
rewrites only the files whose bytes changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from publish.project import Project
from publish.run import BuildOptions
from publish.serve import Preview, ServeOptions
from tests.conftest import copy_project, run_publish
from tests.projects import SEED

ARGS = ("--brand", "default", "--format", "html", "--format", "epub", "--format", "pdf")


def outputs(project: Path) -> dict[str, bytes]:
    return {p.relative_to(project).as_posix(): p.read_bytes()
            for p in sorted((project / "build").rglob("*")) if p.is_file() and ".publish" not in p.parts}


def records(project: Path) -> dict[str, object]:
    return json.loads((project / "build" / ".publish" / "state.json").read_text())["steps"]


def stamps(project: Path) -> dict[str, tuple[int, int]]:
    return {rel: ((project / rel).stat().st_mtime_ns, (project / rel).stat().st_ino) for rel in outputs(project)}


def test_serve_builds_what_publish_build_builds(tmp_path: Path) -> None:
    served = copy_project(tmp_path / "served")
    fresh = tmp_path / "fresh"
    preview = Preview(Project(served), ServeOptions(BuildOptions(brands=["default"], formats=["html", "epub", "pdf"],
                                                                 jobs=2, quiet=True)), err=lambda line: None)
    assert preview.runner.preview and getattr(preview.runner.executor, "light_here", False)
    source = served / "manuscript" / SEED.name
    brand = served / "styles" / "brands" / "default" / "_brand.yml"
    text, brand_text = source.read_text(encoding="utf-8"), brand.read_text(encoding="utf-8")
    edits = [
        (source, text.replace("Walking into therapy", "Stepping into therapy", 1)),
        (brand, brand_text.replace('slate: "#2f5d8a"', 'slate: "#7a2f5d"', 1)),
    ]
    assert 'slate: "#2f5d8a"' in brand_text
    try:
        assert preview.rebuild()
        for path, edited in edits:
            before = stamps(served)
            path.write_text(edited, encoding="utf-8")
            assert preview.rebuild()
            after = stamps(served)
            shutil.rmtree(fresh, ignore_errors=True)
            shutil.copytree(served, fresh, ignore=shutil.ignore_patterns("build"))
            run_publish(fresh, *ARGS)
            assert outputs(served) == outputs(fresh)
            assert records(served) == records(fresh)
            built = outputs(served)
            rewritten = {rel for rel in built if before.get(rel) != after[rel]}
            # a text edit rewrites the page, its e-book and its report, never the brand's fonts or logo
            assert rewritten and not any("/fonts/" in rel or "/logo" in rel for rel in rewritten)
            if path == source:
                assert f"build/default/{SEED.stem}.html" in rewritten
                assert "build/default/assets/site.css" not in rewritten
            else:
                assert "build/default/assets/site.css" in rewritten
    finally:
        preview.close()
