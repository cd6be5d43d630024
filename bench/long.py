"""A manuscript of about 200 pages (the seed's body repeated) in every format, one brand."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

from bench.projects import long_project
from bench.rows import Context, Row
from bench.timing import publish_build


def rows(ctx: Context) -> Iterator[Row]:
    if ctx.quick:
        return
    from pypdf import PdfReader

    project = long_project(ctx.folder("long"))
    try:
        build = publish_build(project, "--brand", "default")
    except subprocess.CalledProcessError as exc:
        yield Row("200-page manuscript: FAILED", str(exc))
        return
    pages = len(PdfReader(str(project / "build" / "default" / "long.pdf")).pages)
    yield Row(f"{pages}-page manuscript, 3 formats, 1 brand (s)", f"{build.seconds:.2f}")
    yield Row("  ... peak memory of its processes (MB)", f"{build.peak_mb:.0f}")
