"""Importing WeasyPrint without the half second it spends looking for its libraries.

Our own code, because neither library offers a switch. WeasyPrint 70 (``weasyprint/text/ffi.py``) opens
Pango, HarfBuzz and fontconfig by trying a list of names, Windows and macOS spellings first
(``libgobject-2.0-0``, ``gobject-2.0``, ...). For every name that does not load, cffi
(``cffi/api.py:_load_backend_lib``) asks ``ctypes.util.find_library``, which on Linux runs
``ldconfig -p`` and then ``gcc`` in subprocesses: about 20 calls and 0.2-0.4 s per import, paid by
every process that renders a PDF. On Linux the list always ends with the real soname
(``libpango-1.0.so.0``), which ``dlopen`` finds directly; so while WeasyPrint is imported,
``find_library`` answers "not found" at once and the list moves on to that soname.

If the import fails that way (a system whose libraries have other sonames), WeasyPrint is imported
again the ordinary way, so this can only make the import faster, never break it.

A second cost of the same kind comes later, in the first renders. WeasyPrint's font subsetting asks cffi
for ``hb_codepoint_t[N]`` with the length in the type string (``weasyprint/pdf/fonts.py``), and cffi
parses every new string with pycparser: ~10 ms for each distinct length, a dozen per handout. Arrays of
a known item type are made here from the item's parsed type instead (:func:`_fast_arrays`).
"""

from __future__ import annotations

import contextlib
import ctypes.util
import re
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

_ARRAY = re.compile(r"(\w+)\[(\d+)\]")


@contextlib.contextmanager
def _no_find_library() -> Iterator[None]:
    saved = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = saved


def _forget_weasyprint() -> None:
    for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        del sys.modules[name]


def load_weasyprint() -> ModuleType:
    """``import weasyprint``, the fast way on Linux; the ordinary way anywhere else or if that fails."""
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint

        return weasyprint
    try:
        with _no_find_library():
            import weasyprint
    except OSError:
        _forget_weasyprint()
        import weasyprint
    from weasyprint.text.ffi import ffi

    _fast_arrays(ffi)
    return weasyprint


def _fast_arrays(ffi: Any) -> None:
    """Give ``ffi`` array types ``T[N]`` without parsing C: cffi's own ``_typeof_locked`` for anything
    else. The array is built the way cffi builds it (``new_array_type`` of a pointer to ``T``) and cached
    where cffi caches parsed types."""
    parse = ffi._typeof_locked

    def typeof_locked(cdecl: Any) -> Any:
        found = _ARRAY.fullmatch(cdecl) if isinstance(cdecl, str) else None
        if found is None:
            return parse(cdecl)
        pointer, _ = parse(found.group(1) + " *")
        result = ffi._backend.new_array_type(pointer, int(found.group(2))), False
        ffi._parsed_types[cdecl] = result
        return result

    ffi._typeof_locked = typeof_locked
