"""Importing WeasyPrint without the library search and C parsing it repeats in every process, and its PDF
writer without a step that grows with pages x tagged elements.

The shortcuts live in ``publish/_hacks.py`` (what they lean on, the upstream discussion, the figures);
this module only decides which to use. They change how the C bindings are loaded, never what WeasyPrint
draws (the tests compare PDFs made both ways byte for byte). If either fails (other sonames, a changed
``ffi.py``, no writable cache), WeasyPrint is imported the ordinary way, with arrays made without
pycparser: this can make things faster, never break them.
"""

from __future__ import annotations

import contextlib
import sys
from types import ModuleType

from .._hacks import (
    Mismatch,
    fast_arrays,
    fast_pdf_writing,
    no_find_library,
    out_of_line_ffi,
    own_codes_for_shaped_scripts,
    precompiled_ffi,
)


def _forget_weasyprint() -> None:
    for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        del sys.modules[name]


def load_weasyprint() -> ModuleType:
    """``import weasyprint``, the fast way on Linux; the ordinary way anywhere else or if that fails."""
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint

        fast_pdf_writing()
        own_codes_for_shaped_scripts()
        return weasyprint
    ffi = None
    with contextlib.suppress(Exception):  # no cache, no compiler input: without it below
        ffi = out_of_line_ffi()
    for precompiled in (ffi, None) if ffi is not None else (None,):
        try:
            with precompiled_ffi(precompiled) if precompiled is not None else contextlib.nullcontext(), \
                    no_find_library():
                import weasyprint
            break
        except (OSError, Mismatch):
            _forget_weasyprint()
    else:  # neither shortcut worked: the ordinary import
        import weasyprint
    from weasyprint.text.ffi import ffi as used

    if hasattr(used, "_typeof_locked"):  # cffi's in-line FFI: the ordinary way
        fast_arrays(used)
    fast_pdf_writing()
    own_codes_for_shaped_scripts()
    return weasyprint
