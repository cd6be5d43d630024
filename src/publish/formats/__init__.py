"""Output formats: one module each, the same small interface, a registry that refuses duplicates.

Like Sphinx's builders: a format is a class that says what it is (name, extension, editions, whether it
is heavy, the label of each edition's download link) and renders a cited
:class:`~publish.document.Document` for one brand. The registry finds the classes by importing every
module of this package (a module registers its class with :func:`~publish.formats.base.register`), so
adding a format is one module here and one folder under ``styles/templates/``; nothing else lists them.

What the plan needs of the formats is plain data (:class:`~publish.formats.base.FormatInfo`).
:func:`declarations` gives it; the pipeline keeps a copy in its state, keyed by publish's code digest, so a
no-op build knows the formats without importing their modules.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Format, FormatInfo

#: Modules of this package that are not formats (the interface; a format's own helpers may live here too:
#: importing them registers nothing).
_NOT_FORMATS = {"base"}


@functools.cache
def registry() -> dict[str, type[Format]]:
    """Name -> format class, importing each module of this package once, in the formats' ``rank``."""
    import importlib
    import pkgutil  # here: a no-op build reads FormatInfo from this package and lists no modules

    from . import base

    for module in pkgutil.iter_modules(__path__):
        if module.name not in _NOT_FORMATS and not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    found = base.registry()
    return dict(sorted(found.items(), key=lambda item: (item[1].rank, item[0])))


def declarations() -> dict[str, FormatInfo]:
    """Name -> what the plan needs to know of each format, in the registry's order."""
    from .base import FormatInfo

    return {name: FormatInfo.of(cls) for name, cls in registry().items()}


__all__ = ["declarations", "registry"]
