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

FORMATS: tuple[str, ...] = ("html", "pdf", "epub", "docx")
#: Each format's editions, known without importing the format (a no-op build stays cheap); checked
#: against the classes by :func:`registry`.
EDITIONS: dict[str, tuple[str, ...]] = {"html": ("",), "pdf": ("", "large-print"), "epub": ("",), "docx": ("",)}


def registry() -> dict[str, type[Format]]:
    """Name -> format class, importing each format's module once."""
    from . import base

    for name in FORMATS:
        importlib.import_module(f"{__name__}.{name}")
    found = base.registry()
    if set(found) != set(FORMATS):
        raise RuntimeError(f"format modules register {sorted(found)}, FORMATS lists {sorted(FORMATS)}")
    for name, cls in found.items():
        if cls.editions != EDITIONS[name]:
            raise RuntimeError(f"format {name} has editions {cls.editions}, EDITIONS lists {EDITIONS[name]}")
    return found


__all__ = ["EDITIONS", "FORMATS", "registry"]
