"""The projects the benchmarks build: the seed project of the tests, copied, repeated or lengthened.

Made from ``tests/fixtures/project`` through the same helper the tests use, so the figures are always
the seed's, whatever the clinic has put in the checkout's own ``manuscript/`` and ``styles/brands/``.
"""

from __future__ import annotations

from pathlib import Path

from tests.projects import ROOT, SEED, copy_project

__all__ = ["ROOT", "SEED", "copy_project", "seed_project", "long_project"]


def seed_project(dest: Path, manuscripts: int = 1) -> Path:
    """The seed project with ``manuscripts`` copies of the seed, each with its own title (so its own output)."""
    project = copy_project(dest, manuscripts=[p.name for p in SEED.parent.iterdir() if p.suffix != ".md"])
    text = SEED.read_text(encoding="utf-8")
    for i in range(manuscripts):
        name = SEED.stem if i == 0 else f"{SEED.stem}-{i:02d}"
        (project / "manuscript" / f"{name}.md").write_text(text.replace('title: "', f'title: "{i} ', 1),
                                                           encoding="utf-8")
    return project


def long_project(dest: Path, parts: int = 84) -> Path:
    """One manuscript ``long.md``: the seed's body ``parts`` times (84 is about 200 PDF pages)."""
    project = copy_project(dest, manuscripts=["references.json"])
    head, body = SEED.read_text(encoding="utf-8").split("\n---\n", 1)
    bodies = [body.replace("\n## ", f"\n## Part {i}: ") for i in range(1, parts + 1)]
    (project / "manuscript" / "long.md").write_text(head + "\n---\n" + "\n".join(bodies), encoding="utf-8")
    return project
