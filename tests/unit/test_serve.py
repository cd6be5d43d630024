"""The preview loop's bookkeeping (serve.Preview): which builds a change gets, and which errors and
warnings stay on show across them. No build runs here: the reporter is fed the results a build reports."""

from __future__ import annotations

from pathlib import Path

from publish.errors import PublishError, Warning_
from publish.project import Project
from publish.report import StepResult
from publish.run import BuildOptions
from publish.serve import Preview, ServeOptions, _Capture


def _preview(tmp_path: Path, **build: object) -> Preview:
    return Preview(Project(tmp_path), ServeOptions(BuildOptions(**build)), err=lambda line: None)  # type: ignore[arg-type]


def test_web_page_first_then_the_rest(tmp_path: Path) -> None:
    assert [o.formats for o in _preview(tmp_path).passes()] == [["html"], None]
    assert [o.formats for o in _preview(tmp_path, formats=["html", "pdf"]).passes()] == [["html"], ["html", "pdf"]]
    assert [o.formats for o in _preview(tmp_path, formats=["pdf"]).passes()] == [["pdf"]]
    assert [o.formats for o in _preview(tmp_path, formats=["html"]).passes()] == [["html"]]
    first, second = _preview(tmp_path, brands=["riverside"], manuscripts=[Path("a.md")]).passes()
    assert first.brands == second.brands == ["riverside"] and first.manuscripts == [Path("a.md")]


def _report(*results: StepResult, strict: bool = False) -> _Capture:
    rep = _Capture(quiet=True, strict=strict, out=lambda line: None, err=lambda line: None)
    for r in results:
        rep.step(r)
    return rep


ERR = PublishError("malformed front matter", file="manuscript/a.md", line=3, col=6, hint="fix the YAML")
PDF_ERR = PublishError("no such font", file="styles/brands/x/_brand.yml", hint="add it")
WARN = Warning_("unknown front-matter key 'titel'", file="manuscript/a.md", line=2, hint="did you mean title?")


def test_errors_stay_until_the_step_succeeds(tmp_path: Path) -> None:
    p = _preview(tmp_path)
    # a full build: the PDF failed
    p._remember(_report(StepResult("pdf x/a", "failed", error=PDF_ERR)), None, whole=True)
    assert p.status()["errors"] == [PDF_ERR.format()] and p.status()["ok"] is False
    # the next change's web-page pass does not run the PDF: its error stays on show
    p._remember(_report(StepResult("cite a", "built"), StepResult("html x/a", "built")), None, whole=False)
    assert p.status()["errors"] == [PDF_ERR.format()]
    # the full pass that follows built it: gone
    p._remember(_report(StepResult("pdf x/a", "built")), None, whole=True)
    assert p.status() == {"ok": True, "errors": [], "warnings": [], "build": 0}


def test_a_failed_cite_and_an_error_before_any_step(tmp_path: Path) -> None:
    p = _preview(tmp_path)
    p._remember(_report(StepResult("cite a", "failed", error=ERR)), None, whole=False)
    assert p.status()["errors"] == [ERR.format()]
    p._remember(_report(), "manuscript/b.md: error: manuscript not found; name a .md file", whole=False)
    assert len(p.status()["errors"]) == 2
    p._remember(_report(StepResult("cite a", "built")), None, whole=False)
    assert p.status()["errors"] == []


def test_warnings_belong_to_the_step_that_said_them(tmp_path: Path) -> None:
    p = _preview(tmp_path)
    p._remember(_report(StepResult("cite a", "built", warnings=[WARN])), None, whole=False)
    assert p.status()["warnings"] == [WARN.format()] and p.status()["ok"] is True
    # a later build in which that step was up to date still shows its warning
    p._remember(_report(StepResult("cite a", "up to date"), StepResult("pdf x/a", "built")), None, whole=True)
    assert p.status()["warnings"] == [WARN.format()]
    # fixed: the step ran again without it
    p._remember(_report(StepResult("cite a", "built")), None, whole=False)
    assert p.status()["warnings"] == []


def test_strict_shows_warnings_as_errors(tmp_path: Path) -> None:
    p = _preview(tmp_path, strict=True)
    p._remember(_report(StepResult("cite a", "built", warnings=[WARN]), strict=True), None, whole=True)
    assert p.status()["errors"] == ["error: " + WARN.format()] and p.status()["ok"] is False


def test_pages_hear_of_each_output_as_it_is_written(tmp_path: Path) -> None:
    """The runner reports a step once its files are in place: a page may reload then, mid-build."""
    p = _preview(tmp_path)
    told: list[int] = []
    rep = _Capture(lambda r: told.append(len(r.ran)), quiet=True, out=lambda line: None, err=lambda line: None)
    rep.step(StepResult("cite a", "up to date"))
    assert told == []
    rep.step(StepResult("cite a", "built"))
    rep.step(StepResult("pdf x/a", "removed"))
    assert told == [1, 2]
    (tmp_path / "build" / "x").mkdir(parents=True)
    p._written(rep)
    assert p.channel.since(0, timeout=0) == []  # nothing in build/ changed: nothing to tell
    (tmp_path / "build" / "x" / "a.html").write_text("<p>new</p>")
    p._written(rep)
    kinds = [(kind, data) for _seq, kind, data in p.channel.since(0, timeout=0)]
    assert [k for k, _d in kinds] == ["status", "changed"]
    assert '"/x/a.html"' in kinds[1][1] and '"listing": true' in kinds[1][1]
