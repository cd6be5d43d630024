"""A long manuscript (about 200 pages: the seed's body repeated) and the seed, each beside the plain-pandoc
way, like for like (HTML, PDF and EPUB, the standard edition, one brand):

- a cold build; then, on that project, a text-only edit (one sentence added) and one added citation, each
  rebuilt: wall and CPU seconds and the peak memory of the build's processes (the largest sum over the
  processes alive at one moment, in a pass of builds of its own, see ``bench.timing``; for the cold build
  also the largest single process), as ratios to plain pandoc's
  (which has no incremental build: an edit costs it a whole run, so its cold run is its figure for both);
- after each edit, when the web page was rewritten, and a build of the web page alone (``--format html``);
- whether the edited builds' outputs are byte-identical to a from-scratch build of the same project;
- the PDF step's seconds per page beside pandoc's PDF command's (pages differ: its page is not ours).

Runs are interleaved (pandoc, publish, pandoc, publish, ...) and the figures are medians. ``--quick``
measures the seed only.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.baseline import plain_pandoc_build
from bench.projects import long_project, seed_project
from bench.rows import Context, Row
from bench.timing import Build, publish_build, ratio

LIKE_FOR_LIKE = ("--brand", "default", "--format", "html", "--format", "pdf", "--format", "epub",
                 "--edition", "standard")


def prose_line(text: str) -> int:
    """The index of the last line of body prose (not a heading, list, table or citation): where an edit
    changes text and nothing else."""
    lines = text.split("\n")
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if line[:1].isalpha() and line.rstrip().endswith(".") and "@" not in line and "[" not in line:
            return i
    raise ValueError("no line of prose to edit")


def edited(text: str, addition: str) -> str:
    lines = text.split("\n")
    i = prose_line(text)
    lines[i] = lines[i].rstrip() + addition
    return "\n".join(lines)


def first_key(text: str) -> str:
    """A citation key the manuscript already cites, so adding it needs no new reference."""
    found = re.search(r"\[@([\w:.#$%&+?<>~/-]+)", text)
    if found is None:
        raise ValueError("the manuscript cites nothing")
    return found.group(1)


def same_as_fresh(project: Path, scratch: Path) -> list[str]:
    """The outputs of ``project`` that differ from a from-scratch build of a copy of it (none: [])."""
    fresh = scratch / "fresh"
    for part in ("manuscript", "styles"):
        shutil.copytree(project / part, fresh / part)
    publish_build(fresh, *LIKE_FOR_LIKE)
    ours, theirs = project / "build" / "default", fresh / "build" / "default"
    names = {p.relative_to(ours).as_posix() for p in ours.rglob("*") if p.is_file()}
    names |= {p.relative_to(theirs).as_posix() for p in theirs.rglob("*") if p.is_file()}
    return sorted(n for n in names if not ((ours / n).is_file() and (theirs / n).is_file()
                                           and (ours / n).read_bytes() == (theirs / n).read_bytes()))


def step_seconds(printed: str, step: str) -> float | None:
    """A step's seconds from ``publish build -v``'s progress lines."""
    found = re.search(rf"built\s+{re.escape(step)} \(([\d.]+)s\)", printed)
    return float(found.group(1)) if found else None


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


class Figures:
    """Every run's measurements of one project, by what was measured."""

    def __init__(self) -> None:
        self.runs: dict[str, list[Build]] = {}

    def add(self, what: str, build: Build) -> Build:
        self.runs.setdefault(what, []).append(build)
        return build

    def median(self, what: str, field: Callable[[Build], float | None]) -> float | None:
        values = [v for v in (field(b) for b in self.runs.get(what, [])) if v is not None]
        return statistics.median(values) if values else None


def measure_project(ctx: Context, name: str, make: Callable[[Path], Path], stem: str) -> Iterator[Row]:
    figures = Figures()
    identical: list[str] | None = None
    pages = (0, 0)
    for run in range(ctx.runs + 1):
        # The last pass measures memory, in builds of its own: sampling it slows what it samples
        # (bench.timing); its seconds are not used, and it checks nothing the others do not.
        memory = run == ctx.runs
        tag = " memory" if memory else ""
        out = ctx.folder(f"{name}-pandoc")
        project = make(ctx.folder(name))
        manuscript = project / "manuscript" / f"{stem}.md"
        figures.add("pandoc" + tag, plain_pandoc_build(out, manuscript, memory=memory))
        html = project / "build" / "default" / f"{stem}.html"
        figures.add("cold" + tag, publish_build(project, *LIKE_FOR_LIKE, verbose=True, memory=memory))
        text = manuscript.read_text(encoding="utf-8")
        manuscript.write_text(edited(text, f" This sentence was added by edit {run}."), encoding="utf-8")
        figures.add("text" + tag, publish_build(project, *LIKE_FOR_LIKE, watch=html, memory=memory))
        if memory:
            text = manuscript.read_text(encoding="utf-8")
            manuscript.write_text(edited(text, f" It is cited once more [@{first_key(text)}]."), encoding="utf-8")
            figures.add("cite" + tag, publish_build(project, *LIKE_FOR_LIKE, watch=html, memory=True))
            break
        check = run == 0
        if check:
            identical = same_as_fresh(project, ctx.folder(f"{name}-fresh"))
        text = manuscript.read_text(encoding="utf-8")
        manuscript.write_text(edited(text, f" It is cited once more [@{first_key(text)}]."), encoding="utf-8")
        figures.add("cite", publish_build(project, *LIKE_FOR_LIKE, watch=html))
        if check:
            identical = (identical or []) + same_as_fresh(project, ctx.folder(f"{name}-fresh"))
            pages = (pdf_pages(project / "build" / "default" / f"{stem}.pdf"), pdf_pages(out / "a.pdf"))
        text = manuscript.read_text(encoding="utf-8")
        manuscript.write_text(edited(text, " One more sentence."), encoding="utf-8")
        figures.add("html only", publish_build(project, "--brand", "default", "--format", "html"))

    def median(what: str, field: Callable[[Build], float | None]) -> float:
        value = figures.median(what, field)
        return float("nan") if value is None else value

    wall, cpu, peak, largest = (lambda b: b.seconds), (lambda b: b.cpu), (lambda b: b.peak_mb), (lambda b: b.largest_mb)
    theirs = {"wall": median("pandoc", wall), "cpu": median("pandoc", cpu), "peak": median("pandoc memory", peak),
              "largest": median("pandoc", largest)}
    for what, label in (("cold", "cold build"), ("text", "text-only edit, rebuilt"),
                        ("cite", "one added citation, rebuilt")):
        ours = median(what, wall)
        yield Row(f"{name}: {label} (s)", f"{ours:.2f}", f"{theirs['wall']:.2f}", ratio(ours, theirs["wall"]))
        ours = median(what, cpu)
        yield Row("  ... CPU seconds", f"{ours:.2f}", f"{theirs['cpu']:.2f}", ratio(ours, theirs["cpu"]))
        ours = median(what + " memory", peak)
        yield Row("  ... peak memory of its processes (MB)", f"{ours:.0f}", f"{theirs['peak']:.0f}",
                  ratio(ours, theirs["peak"]))
        if what == "cold":
            ours = median(what, largest)
            yield Row("  ... largest single process (MB)", f"{ours:.0f}", f"{theirs['largest']:.0f}",
                      ratio(ours, theirs["largest"]))
        if what != "cold":
            yield Row("  ... until the web page was rewritten (s)", f"{median(what, lambda b: b.watched):.2f}")
    yield Row(f"{name}: text-only edit, web page alone (--format html) (s)", f"{median('html only', wall):.2f}")
    ours_pdf = median("cold", lambda b: step_seconds(b.printed, f"pdf default/{stem}"))
    their_pdf = median("pandoc", lambda b: b.each[2] if len(b.each) > 2 else None)
    if pages[0] and pages[1]:
        yield Row(f"{name}: PDF step vs pandoc's PDF command, s/page ({pages[0]}; {pages[1]} pages)",
                  f"{ours_pdf / pages[0]:.3f}", f"{their_pdf / pages[1]:.3f}",
                  ratio(ours_pdf / pages[0], their_pdf / pages[1]))
    shown = "yes" if identical == [] else "NO: " + ", ".join(identical or ["not checked"])
    yield Row(f"{name}: edited builds byte-identical to a fresh build", shown)


def rows(ctx: Context) -> Iterator[Row]:
    projects: list[tuple[str, Callable[[Path], Path], str]] = [("seed", seed_project, "cbt-realness")]
    if not ctx.quick:
        projects.append(("long manuscript", long_project, "long"))
    for name, make, stem in projects:
        try:
            yield from measure_project(ctx, name, make, stem)
        except subprocess.CalledProcessError as exc:
            print(f"{name}: {exc.cmd} failed:\n{exc.stderr or exc}", file=sys.stderr)  # the row keeps only its tail
            yield Row(f"{name}: FAILED", str(exc.stderr or exc)[-60:])
