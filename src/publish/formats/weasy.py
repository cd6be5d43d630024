"""Importing WeasyPrint, and its first renders, without the C-parsing and library searches they repeat.

Our own code, because neither WeasyPrint nor cffi offers a switch; it changes how the C bindings are
loaded, never what WeasyPrint draws (the tests compare PDFs made both ways byte for byte).

1. **Library search.** WeasyPrint 70 (``weasyprint/text/ffi.py``) opens Pango, HarfBuzz and fontconfig
   by trying a list of names, Windows and macOS spellings first (``libgobject-2.0-0``, ...). For every
   name that does not load, cffi (``cffi/api.py:_load_backend_lib``) asks ``ctypes.util.find_library``,
   which on Linux runs ``ldconfig -p`` and ``gcc`` in subprocesses: about 20 calls and 0.2-0.4 s per
   import. On Linux the list always ends with the real soname (``libpango-1.0.so.0``), which ``dlopen``
   finds directly; so while WeasyPrint is imported, ``find_library`` answers "not found" at once.

2. **C declarations.** The same module declares its C API with ``ffi.cdef`` (pycparser, on every
   import), and cffi parses every new type string again on first use, ~10 ms each: a dozen per handout,
   mostly ``hb_codepoint_t[N]`` with N the glyph count (``weasyprint/pdf/fonts.py``). cffi's documented
   remedy is its "out-of-line ABI mode": the declarations are compiled once into a small Python module
   whose FFI object parses type strings in C. That module is made from WeasyPrint's own ``cdef`` source
   on first use and kept in the user's cache (like bytecode: it depends on the installed WeasyPrint and
   cffi, not on any project); while WeasyPrint is imported, ``cffi.FFI()`` hands out that object, whose
   ``cdef`` only checks that it was given the very source it was compiled from.

If either shortcut fails (other sonames, a changed ``ffi.py``, no writable cache), WeasyPrint is imported
the ordinary way, with :func:`_fast_arrays` for the array types: this can make things faster, never break
them.
"""

from __future__ import annotations

import ast
import contextlib
import ctypes.util
import hashlib
import importlib.util
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

_ARRAY = re.compile(r"(\w+)\[(\d+)\]")


class _Mismatch(Exception):
    """The precompiled declarations are not the ones this WeasyPrint declares."""


@contextlib.contextmanager
def _no_find_library() -> Iterator[None]:
    saved = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = saved


@contextlib.contextmanager
def _precompiled_ffi(ffi: Any) -> Iterator[None]:
    """While WeasyPrint is imported, its ``cffi.FFI()`` is ``ffi`` (only the first call; others, if any
    library made one, get cffi's own)."""
    import cffi

    saved = cffi.FFI
    handed = []

    def factory(*args: Any, **kwargs: Any) -> Any:
        if handed or args or kwargs:
            return saved(*args, **kwargs)
        handed.append(ffi)
        return ffi

    cffi.FFI = factory
    try:
        yield
    finally:
        cffi.FFI = saved


def _forget_weasyprint() -> None:
    for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        del sys.modules[name]


def load_weasyprint() -> ModuleType:
    """``import weasyprint``, the fast way on Linux; the ordinary way anywhere else or if that fails."""
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint

        return weasyprint
    ffi = None
    with contextlib.suppress(Exception):  # no cache, no compiler input: without it below
        ffi = out_of_line_ffi()
    for precompiled in (ffi, None) if ffi is not None else (None,):
        try:
            with _precompiled_ffi(precompiled) if precompiled is not None else contextlib.nullcontext(), \
                    _no_find_library():
                import weasyprint
            break
        except (OSError, _Mismatch):
            _forget_weasyprint()
    else:  # neither shortcut worked: the ordinary import
        import weasyprint
    from weasyprint.text.ffi import ffi as used

    if hasattr(used, "_typeof_locked"):  # cffi's in-line FFI: the ordinary way
        _fast_arrays(used)
    return weasyprint


# --- the out-of-line FFI ------------------------------------------------------------------------------

def _cdef_source() -> str:
    """The C declarations WeasyPrint passes to ``ffi.cdef``, read from its source without running it."""
    spec = importlib.util.find_spec("weasyprint")  # not "weasyprint.text.ffi": that imports weasyprint
    if spec is None or spec.origin is None:
        raise _Mismatch("weasyprint not found")
    tree = ast.parse((Path(spec.origin).parent / "text" / "ffi.py").read_text(encoding="utf-8"))
    found = [node.args[0].value for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "cdef"
             and len(node.args) == 1 and isinstance(node.args[0], ast.Constant)]
    if len(found) != 1 or not isinstance(found[0], str):
        raise _Mismatch("weasyprint.text.ffi does not make exactly one cdef call")
    return found[0]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "publish"


def out_of_line_ffi() -> Any:
    """An out-of-line FFI object for WeasyPrint's declarations, compiled into the cache on first use."""
    import _cffi_backend
    import cffi

    source = _cdef_source()
    digest = hashlib.sha256(f"{cffi.__version__}\n{source}".encode()).hexdigest()[:20]
    name = f"_publish_weasyprint_ffi_{digest}"
    path = cache_dir() / f"{name}.py"
    if not path.is_file():
        builder = cffi.FFI()
        builder.cdef(source)
        builder.set_source(name, None)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with contextlib.redirect_stdout(None):  # cffi prints "generating ..."
            builder.emit_python_code(str(tmp))
        os.replace(tmp, path)

    class PrecompiledFFI(_cffi_backend.FFI):  # type: ignore[misc, name-defined]
        def cdef(self, csource: str, *args: Any, **kwargs: Any) -> None:
            if csource != source:
                raise _Mismatch("WeasyPrint declares other C functions than the precompiled ones")

    code = path.read_text(encoding="utf-8")
    namespace: dict[str, Any] = {}
    exec(compile(code.replace("_cffi_backend.FFI(", "_FFI(", 1), str(path), "exec"),  # noqa: S102
         {"_FFI": PrecompiledFFI, "_cffi_backend": _cffi_backend}, namespace)
    return namespace["ffi"]


def _fast_arrays(ffi: Any) -> None:
    """For cffi's in-line FFI (the fallback): arrays ``T[N]`` without parsing C. Built the way cffi builds
    them (``new_array_type`` of a pointer to ``T``) and cached where cffi caches parsed types."""
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
