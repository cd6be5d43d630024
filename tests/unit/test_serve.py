"""The preview loop's bookkeeping (serve.Preview): which builds a change gets, and which errors and
warnings stay on show across them. No build runs here: the reporter is fed the results a build reports."""

from __future__ import annotations

import os
from pathlib import Path

from publish.errors import PublishError, Warning_
from publish.project import Project
from publish.report import StepResult
from publish.run import BuildOptions
from publish.serve import Preview, ServeOptions, _Capture


def _preview(tmp_path: Path, **build: object) -> Preview:
    return Preview(Project(tmp_path), ServeOptions(BuildOptions(**build)), err=lambda line: None)  # type: ignore[arg-type]


def test_web_page_first_then_the_rest(tmp_path: Path) -> None:
    """One CPU: a build of the web page, then one of the rest. More: one build, the PDFs in the heavy
    worker while the page is made in the server's process (run.py writes it as soon as it is made)."""
    assert [o.formats for o in _preview(tmp_path, jobs=1).passes()] == [["html"], None]
    assert [o.formats for o in _preview(tmp_path, jobs=1, formats=["html", "pdf"]).passes()] == \
        [["html"], ["html", "pdf"]]
    assert [o.formats for o in _preview(tmp_path, jobs=1, formats=["pdf"]).passes()] == [["pdf"]]
    assert [o.formats for o in _preview(tmp_path, jobs=1, formats=["html"]).passes()] == [["html"]]
    first, second = _preview(tmp_path, jobs=1, brands=["riverside"], manuscripts=[Path("a.md")]).passes()
    assert first.brands == second.brands == ["riverside"] and first.manuscripts == [Path("a.md")]
    assert [o.formats for o in _preview(tmp_path, jobs=2).passes()] == [None]
    assert [o.formats for o in _preview(tmp_path, jobs=2, formats=["html", "pdf"]).passes()] == [["html", "pdf"]]


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


def test_the_sweep_catches_a_change_the_watcher_never_reported(tmp_path: Path) -> None:
    from publish.serve_watch import Targets

    (tmp_path / "manuscript").mkdir()
    (tmp_path / "styles" / "brands" / "b").mkdir(parents=True)
    source = tmp_path / "manuscript" / "a.md"
    source.write_text("one")
    refs = tmp_path / "refs.json"
    refs.write_text("[]")
    brand = tmp_path / "styles" / "brands" / "b" / "_brand.yml"
    brand.write_text("meta: {}")
    p = _preview(tmp_path)
    p.watcher.targets = Targets(Project(tmp_path), ["manuscript/a.md", "refs.json"])
    p.stamps = p._stamps()
    assert p.sweep() == set() and p.debouncer.wait_time() is None
    refs.write_text("[1]")  # an input outside the usual folders
    (tmp_path / "manuscript" / "new.md").write_text("new")  # a new handout
    brand.unlink()  # a brand gone
    moved = p.sweep()
    assert {Path(x).name for x in moved} == {"refs.json", "new.md", "_brand.yml"}
    assert p.debouncer.take(timeout=0) == moved


def test_a_change_reported_again_is_not_built_again(tmp_path: Path) -> None:
    """One save can reach the watcher as two reports: the second, of a file as the build read it, is
    dropped (no rebuild, no PDF held back); a real second save, a new file and a removed one are kept."""
    (tmp_path / "manuscript").mkdir()
    source = tmp_path / "manuscript" / "a.md"
    source.write_text("one")
    gone = tmp_path / "manuscript" / "b.md"
    gone.write_text("b")
    p = _preview(tmp_path)
    p.stamps = p._stamps()  # a build starts: it reads the files as they are now
    again = {str(source)}
    assert p.moved(again) == set()
    p.debouncer.add(again)
    assert p.debouncer.forget(p.moved) is False and p.debouncer.wait_time() is None
    new = tmp_path / "manuscript" / "new.md"
    new.write_text("new")
    tmp = source.with_name(".a.md.swp")  # an editor's save: a new file renamed over the old
    tmp.write_text("two")
    os.replace(tmp, source)
    gone.unlink()
    p.debouncer.add({str(source), str(new), str(gone)})
    assert p.debouncer.forget(p.moved) is True
    assert p.debouncer.take(timeout=0) == {str(source), str(new), str(gone)}


def test_a_handout_saved_during_a_build_that_did_not_read_it_is_built_after(tmp_path: Path) -> None:
    """A new manuscript saved after a build listed the manuscripts (so the build never read it) is a
    change when the build ends, not a file "already built as it is"; one the build read is not."""
    (tmp_path / "manuscript").mkdir()
    source = tmp_path / "manuscript" / "a.md"
    source.write_text("one")
    p = _preview(tmp_path)
    p.stamps = p._stamps()  # the build starts
    new = tmp_path / "manuscript" / "new.md"
    new.write_text("saved while the build ran")
    p.watch()  # the build is done; its records name no input (none was built here)
    assert p.moved({str(new)}) == {str(new)}
    assert p.sweep() == {str(new)}
    p.stamps = p._stamps()  # the next build starts, and reads it
    assert p.moved({str(new)}) == set() and p.sweep() == set()
