"""Output formats: one module each, the same small interface, a registry that refuses duplicates.

Like Sphinx's builders: a format has a name, says which templates and files shape its output (so the
pipeline can key on them), and renders a cited :class:`~publish.document.Document` for one brand.
Adding a format means adding a module here, its name to ``FORMATS`` and a folder under
``styles/templates/``. The modules are imported on first use, so a no-op build does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Format

FORMATS: tuple[str, ...] = ("html", "pdf", "epub")


def registry() -> dict[str, type[Format]]:
    """Name -> format class, importing each format's module once."""
    from . import base

    for name in FORMATS:
        importlib.import_module(f"{__name__}.{name}")
    found = base.registry()
    if set(found) != set(FORMATS):
        raise RuntimeError(f"format modules register {sorted(found)}, FORMATS lists {sorted(FORMATS)}")
    return found


__all__ = ["FORMATS", "registry"]
