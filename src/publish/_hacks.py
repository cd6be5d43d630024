"""Where publish leans on another library's private parts: one named place, each with why, the upstream
discussion, and a fallback (like sphinx-autobuild's ``_hacks.py``: ideally this file is empty).

* :func:`no_find_library` and the out-of-line FFI make ``import weasyprint`` cheap (see
  ``formats/weasy.py``, which uses them). WeasyPrint 70 opens Pango, HarfBuzz and fontconfig by trying
  Windows and macOS names first; for each miss cffi asks ``ctypes.util.find_library``, which runs
  ``ldconfig`` and ``gcc`` (Kozea/WeasyPrint#1125, "Why is weasyprint exec'ing gcc?"). And it declares its
  C API with ``ffi.cdef`` (pycparser, every import) and cffi parses each new type string again on first
  use; cffi's documented remedy is its out-of-line ABI mode
  (https://cffi.readthedocs.io/en/latest/overview.html#out-of-line-abi-level), which WeasyPrint does not
  use, so we compile its declarations ourselves.
  Measured (CPU seconds for ``import weasyprint`` plus the seed page rendered once, 2 cores, medians of 5,
  subprocesses included): ordinary 0.91 s; library-search guard alone 0.77 s; guard plus the compiled
  declarations 0.69 s. The compiled declarations stay: the PDF is the cold build's longest path.
* :func:`fast_arrays` is the fallback when the compiled declarations cannot be used: arrays without
  pycparser, through cffi's private ``_typeof_locked``.
* :func:`fast_pdf_writing` changes how pydyf (WeasyPrint's PDF writer, 0.13) writes, never what it draws:
  ``PDF.page_references`` builds a tuple of every page's reference on each call, and WeasyPrint's PDF/UA
  tagging calls it once per structure element (``weasyprint/pdf/tags.py``), so tagging grows with
  pages x elements (21,687 calls x 198 pages on the long manuscript, about 1.2 s of CPU); the tuple is
  kept here until a page is added. And every stream is deflated at zlib's level 9, which costs about
  1.5 s more than level 6 on that manuscript for a file 5% smaller; level 6 is zlib's own default.
  Without the attributes it expects, it leaves pydyf as it is.
* :func:`stop_pool_workers` ends a ``ProcessPoolExecutor``'s workers at once on Ctrl-C (public only from
  Python 3.14, ``terminate_workers``).
"""

from __future__ import annotations

import ast
import contextlib
import ctypes.util
import hashlib
import importlib.util
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_ARRAY = re.compile(r"(\w+)\[(\d+)\]")


class Mismatch(Exception):
    """The precompiled declarations are not the ones this WeasyPrint declares."""


@contextlib.contextmanager
def no_find_library() -> Iterator[None]:
    saved = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = saved


@contextlib.contextmanager
def precompiled_ffi(ffi: Any) -> Iterator[None]:
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


# --- the out-of-line FFI ------------------------------------------------------------------------------

def cdef_source() -> str:
    """The C declarations WeasyPrint passes to ``ffi.cdef``, read from its source without running it."""
    spec = importlib.util.find_spec("weasyprint")  # not "weasyprint.text.ffi": that imports weasyprint
    if spec is None or spec.origin is None:
        raise Mismatch("weasyprint not found")
    tree = ast.parse((Path(spec.origin).parent / "text" / "ffi.py").read_text(encoding="utf-8"))
    found = [node.args[0].value for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "cdef"
             and len(node.args) == 1 and isinstance(node.args[0], ast.Constant)]
    if len(found) != 1 or not isinstance(found[0], str):
        raise Mismatch("weasyprint.text.ffi does not make exactly one cdef call")
    return found[0]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "publish"


def out_of_line_ffi() -> Any:
    """An out-of-line FFI object for WeasyPrint's declarations, compiled into the cache on first use."""
    import _cffi_backend
    import cffi

    source = cdef_source()
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
                raise Mismatch("WeasyPrint declares other C functions than the precompiled ones")

    code = path.read_text(encoding="utf-8")
    namespace: dict[str, Any] = {}
    exec(compile(code.replace("_cffi_backend.FFI(", "_FFI(", 1), str(path), "exec"),  # noqa: S102
         {"_FFI": PrecompiledFFI, "_cffi_backend": _cffi_backend}, namespace)
    return namespace["ffi"]


def fast_arrays(ffi: Any) -> None:
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


#: The deflate level of the PDF's streams (pydyf's is 9): zlib's default, nearly as small, much cheaper.
PDF_DEFLATE_LEVEL = 6


def fast_pdf_writing() -> bool:
    """Install the two pydyf shortcuts (module docstring); True when they are in place. Idempotent."""
    import zlib

    import pydyf

    if getattr(pydyf, "_publish_fast", False):
        return True
    prop = getattr(pydyf.PDF, "page_references", None)
    if not isinstance(prop, property) or getattr(pydyf, "zlib", None) is not zlib:
        return False
    original = prop.fget

    def page_references(self: Any) -> tuple[bytes, ...]:
        kids = self.pages["Kids"]
        kept = self.__dict__.get("_publish_page_references")
        if kept is None or kept[0] != len(kids):
            kept = (len(kids), original(self))
            self.__dict__["_publish_page_references"] = kept
        return kept[1]

    class _Zlib:
        """pydyf's view of zlib: the same module, with the deflate level above."""

        def __getattr__(self, name: str) -> Any:
            return getattr(zlib, name)

        @staticmethod
        def compressobj(level: int = PDF_DEFLATE_LEVEL, *args: Any, **kwargs: Any) -> Any:
            return zlib.compressobj(min(level, PDF_DEFLATE_LEVEL), *args, **kwargs)

    pydyf.PDF.page_references = property(page_references)
    pydyf.zlib = _Zlib()
    pydyf._publish_fast = True
    return True


def stop_pool_workers(pool: Any) -> None:
    """End a ``ProcessPoolExecutor``'s workers now (an interrupt): nothing they hold is written anywhere,
    so killing them loses nothing."""
    stop = getattr(pool, "terminate_workers", None)
    if stop is not None:
        stop()
        return
    for process in list(getattr(pool, "_processes", {}).values()):
        process.terminate()
