"""What every group of rows is handed and what it gives back."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import NamedTuple


class Row(NamedTuple):
    """One line of the table: what is measured, our figure, plain pandoc's (when there is one), the ratio."""

    what: str
    ours: str
    theirs: str = ""
    ratio: str = ""


class Context(NamedTuple):
    """The run's settings and a scratch folder that is removed when the run ends."""

    scratch: Path
    runs: int
    quick: bool

    def folder(self, name: str = "") -> Path:
        """A fresh, empty folder of the scratch space (each cold build gets its own)."""
        return Path(tempfile.mkdtemp(prefix=f"{name}-" if name else None, dir=self.scratch))
