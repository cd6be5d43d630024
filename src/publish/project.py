"""Where things live in a publish project. One place, so no module hard-codes a folder."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from .errors import PublishError

#: The project's settings file, at its root (project-relative, as the step records keep paths).
SETTINGS_FILE = "publish.yml"


class Project(NamedTuple):
    """A project folder: manuscripts, styles (brands and templates) and the build folder.

    A NamedTuple, not a dataclass, like the other records a build reads before it knows there is work:
    importing ``dataclasses`` (and with it ``inspect``) costs 10 ms, a sixth of a no-op build."""

    root: Path

    @property
    def manuscripts(self) -> Path:
        return self.root / "manuscript"

    @property
    def styles(self) -> Path:
        return self.root / "styles"

    @property
    def brands(self) -> Path:
        return self.styles / "brands"

    @property
    def templates(self) -> Path:
        return self.styles / "templates"

    @property
    def settings_file(self) -> Path:
        """The project's own settings (``publish.yml``, optional): what holds for every handout unless its
        brand or its front matter says otherwise; read by ``config.read_project_settings``."""
        return self.root / SETTINGS_FILE

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def state(self) -> Path:
        """Where the pipeline keeps its keys and intermediate documents."""
        return self.build / ".publish"

    def cite_memo(self, stem: str) -> Path:
        """Where a manuscript's last cited result is kept for incremental citing (``cite.CiteMemo``)."""
        return self.state / "cites" / f"{stem}.pickle"

    def output(self, brand: str, stem: str, ext: str) -> Path:
        return self.build / brand / f"{stem}.{ext}"

    def contains(self, path: Path) -> bool:
        """True when ``path`` resolves inside the project (symlinks followed)."""
        try:
            return path.resolve().is_relative_to(self.root.resolve())
        except OSError:
            return False

    def manuscript_files(self) -> list[Path]:
        if not self.manuscripts.is_dir():
            return []
        return sorted(p for p in self.manuscripts.glob("*.md") if p.is_file() and not p.name.startswith("_"))

    def brand_names(self) -> list[str]:
        """Every brand folder (one with a _brand.yml), sorted."""
        if not self.brands.is_dir():
            return []
        return sorted(p.name for p in self.brands.iterdir() if (p / "_brand.yml").is_file())

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The nearest folder upwards holding ``styles/`` (and usually ``manuscript/``)."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "styles").is_dir():
                return cls(folder)
        raise PublishError(
            "not inside a publish project (no styles/ folder found here or above)",
            file=str(here),
            hint="run publish from the project folder",
        )
