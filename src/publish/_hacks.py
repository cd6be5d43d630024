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
* :func:`actual_text_for_shaped_scripts` changes what the PDF's text layer says, never what it draws:
  WeasyPrint 70 maps each glyph to the first text it drew, so Arabic in Noto Sans Arabic (shared
  skeletons and dots) extracts as other letters (Kozea/WeasyPrint#2841); a glyph drawn for other text
  gets ``/ActualText``. Lines without a right-to-left letter or combining mark are drawn as before.
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


# --- the PDF's text layer for shaped scripts ---------------------------------------------------------------

def _needs_actual_text(text: str) -> bool:
    """True when a glyph-by-glyph map may not give ``text`` back: a right-to-left letter (Arabic and Hebrew
    are shaped and joined; Noto Sans Arabic draws a dotted letter as a skeleton shared by several letters
    plus a shared dots glyph) or a combining mark (drawn in its base's cluster)."""
    import unicodedata

    return any(unicodedata.bidirectional(ch) in ("R", "AL") or unicodedata.category(ch)[0] == "M"
               for ch in text)


class _Drawn(dict):  # type: ignore[type-arg]
    """A font's glyph -> text map (``Font.to_unicode``) that, while a line of a shaped script is drawn,
    hears the text WeasyPrint works out for every glyph drawn (it asks ``glyph in map`` first, and works it
    out only for a glyph not yet in the map) and leaves the map to :func:`_with_actual_text`."""

    heard: list[tuple[int, str, Any]] | None = None  # (glyph, WeasyPrint's text for it here, this map)
    font: Any = None

    def __contains__(self, glyph: object) -> bool:
        return _Drawn.heard is None and dict.__contains__(self, glyph)

    def __setitem__(self, glyph: int, text: str) -> None:
        if _Drawn.heard is None:
            dict.__setitem__(self, glyph, text)
        else:
            _Drawn.heard.append((glyph, text, self))


_TJ = re.compile(r"<([0-9a-f]*)>|([-+0-9.e]+)")


def _levels(textbox: Any) -> list[int]:
    """The bidi level of each glyph WeasyPrint draws for ``textbox``'s line, in drawing order (the walk of
    ``draw_first_line``: runs, then glyphs, empty glyphs skipped)."""
    from weasyprint.text.ffi import ffi, pango

    line, _ = textbox.pango_layout.get_first_line()
    out: list[int] = []
    run = line.runs[0]
    while run != ffi.NULL:
        item = run.data
        run = run.next
        glyphs, level = item.glyphs, item.item.analysis.level
        out += [level for info in glyphs.glyphs[0:glyphs.num_glyphs] if info.glyph != pango.PANGO_GLYPH_EMPTY]
    return out


def _texts(heard: list[tuple[int, str, Any]], levels: list[int]) -> list[str]:
    """Each drawn glyph's text: its cluster's text on the cluster's widest glyph (the letter's skeleton,
    not the zero-width dot WeasyPrint gives it to, which readers put apart from the word), the empty
    string on the others. WeasyPrint gives a cluster's text to one glyph and "" to the rest, which follow
    it right to left and precede it left to right."""
    import unicodedata

    n = len(heard)
    texts = [text for _, text, _ in heard]
    for i in range(n):
        if texts[i] == "" or heard[i][1] == "":
            continue
        step = 1 if levels[i] % 2 else -1  # where the rest of the cluster is, in drawing order
        members = [i]
        j = i + step
        while 0 <= j < n and heard[j][1] == "" and levels[j] == levels[i]:
            members.append(j)
            j += step
        if len(members) == 1:
            continue

        def width(k: int) -> float:
            font = heard[k][2].font
            return float(font.widths.get(heard[k][0], 0)) if font is not None else 0.0

        widest = max(members, key=lambda k: (width(k), k == i))
        texts[i], texts[widest] = "", heard[i][1]
    # a mark shaped as a cluster of its own (a tanween over its letter) and drawn with no width goes with
    # its letter: alone, readers put it apart from the word, even on another line
    for i in range(n):
        text, font = texts[i], heard[i][2].font
        if not text or font is None or font.widths.get(heard[i][0], 0) or \
                not all(unicodedata.category(ch)[0] == "M" for ch in text):
            continue
        step = 1 if levels[i] % 2 else -1  # towards its letter, in drawing order
        base = i + step
        while 0 <= base < n and levels[base] == levels[i] and not texts[base]:
            base += step
        if 0 <= base < n and levels[base] == levels[i]:
            texts[base], texts[i] = texts[base] + text, ""
    return texts


def _with_actual_text(ops: list[Any], heard: list[tuple[int, str, Any]], levels: list[int]) -> list[Any] | None:
    """The content-stream operators WeasyPrint wrote for one line (``ops``), each glyph whose map does not
    say its text here in a ``/Span <</ActualText (text)>>`` sequence of its own, at its own place, so
    readers put the letter where the glyph is and order it as they order any glyph; the glyph maps filled
    in (first text wins, as WeasyPrint's rule). None when the operators are not what is expected: the
    caller then fills the maps as WeasyPrint would and leaves the line as it was written."""
    import pydyf

    tokens: list[tuple[str, Any]] = []  # ("op", operator) ("g", 4 hex digits) ("n", displacement) ("end", None)
    for op in ops:
        text = op.decode("latin-1") if isinstance(op, bytes) else None
        if text is None or not (text.startswith("[") and text.endswith("] TJ")):
            tokens.append(("op", op))
            continue
        body = text[1:-4]
        matches = list(_TJ.finditer(body))
        if "".join(m.group(0) for m in matches) != body:
            return None
        for m in matches:
            if m.group(1) is None:
                tokens.append(("n", m.group(2)))
            elif len(m.group(1)) % 4:
                return None
            else:
                tokens += [("g", m.group(1)[i:i + 4]) for i in range(0, len(m.group(1)), 4)]
        tokens.append(("end", None))
    glyphs = [int(v, 16) for k, v in tokens if k == "g"]
    if len(glyphs) != len(heard) or len(levels) != len(heard) or \
            any(g != h[0] for g, h in zip(glyphs, heard, strict=True)):
        return None
    texts = _texts(heard, levels)
    actual: list[str | None] = []
    for (glyph, _, mapping), text in zip(heard, texts, strict=True):
        if not dict.__contains__(mapping, glyph):
            # A glyph first drawn with no text of its own (a dot drawn apart from its letter) maps to WORD
            # JOINER, invisible and transparent to Arabic joining: PDFium, which reads an empty ActualText
            # as none, printed an empty map entry as the glyph's number read as a letter ("ā", "ĥ"), so
            # Chromium's viewer copied Arabic words with Latin letters inside them.
            dict.__setitem__(mapping, glyph, text or "\u2060")
        # a glyph with no text of its own gets an empty ActualText too: a reader given an empty map entry
        # may print the glyph's number instead (PDFium writes control characters)
        actual.append(text if dict.__getitem__(mapping, glyph) != text or text == "" else None)
    out: list[Any] = []
    pending, index = "", 0
    for kind, value in tokens:
        if kind == "g":
            if actual[index] is None:
                pending += f"<{value}>"
            else:
                if pending:
                    out.append(b"[" + pending.encode() + b"] TJ")
                    pending = ""
                out += [b"/Span", pydyf.Dictionary({"ActualText": pydyf.String(actual[index])}), b"BDC",
                        f"[<{value}>] TJ".encode(), b"EMC"]
            index += 1
        elif kind == "n":
            pending += value
        else:
            if pending:
                out.append(b"[" + pending.encode() + b"] TJ")
                pending = ""
            if kind == "op":
                out.append(value)
    return out


def actual_text_for_shaped_scripts() -> bool:
    """Draw lines of shaped scripts so the PDF's text gives their letters back; True when in place.
    Idempotent.

    Why: WeasyPrint 70 maps each glyph to one text, the first it was drawn with (``draw/text.py``,
    ``font.to_unicode``), and gives a cluster's text to one of its glyphs and the empty string to the
    others. A font that draws one glyph for several letters (Noto Sans Arabic's dotless skeletons and
    shared dots) thus extracts as other letters: ``النوم`` came out of pdftotext as ``ال ف وم`` though the
    page was right (Kozea/WeasyPrint#2841, open; #2869, which gave each (glyph, text) pair a glyph id of
    its own, was closed unmerged). A glyph's map cannot hold two texts; where a glyph stands for other
    text than its map says, the PDF's own remedy is ``/ActualText`` (ISO 32000-1 14.9.4), as LibreOffice
    writes it: a marked-content span around that glyph, in drawing order, so extraction, search and copy
    (poppler, PDFium, pdf.js, Acrobat) read the right letter in the right place and order the line as
    usual. Only text boxes with a right-to-left letter or a combining mark are drawn this way; others,
    one glyph per character, are drawn exactly as before. Without the private ``draw_first_line`` and
    ``Stream.add_font`` it expects, or if a line's operators are not the ones expected, it changes
    nothing.
    """
    try:
        from weasyprint.draw import text as draw_text_module
        from weasyprint.pdf.fonts import Font
        from weasyprint.pdf.stream import Stream
    except ImportError:
        return False
    original = getattr(draw_text_module, "draw_first_line", None)
    if getattr(original, "_publish_actual_text", False):
        return True
    if original is None or not callable(getattr(Stream, "add_font", None)) or not hasattr(Font, "__init__"):
        return False

    def draw_first_line(stream: Any, textbox: Any, *args: Any, **kwargs: Any) -> Any:
        if _Drawn.heard is not None or not _needs_actual_text(getattr(textbox, "text", "")):
            return original(stream, textbox, *args, **kwargs)
        heard: list[tuple[int, str, Any]] = []

        def add_font(pango_font: Any) -> Any:
            font, size = Stream.add_font(stream, pango_font)
            if not isinstance(font.to_unicode, _Drawn):
                font.to_unicode = _Drawn(font.to_unicode)
                font.to_unicode.font = font
            return font, size

        start = len(stream.stream)
        stream.add_font = add_font
        _Drawn.heard = heard
        try:
            result = original(stream, textbox, *args, **kwargs)
        finally:
            _Drawn.heard = None
            del stream.add_font
            rewritten = None
            with contextlib.suppress(Exception):  # anything unexpected: the line as WeasyPrint wrote it
                rewritten = _with_actual_text(stream.stream[start:], heard, _levels(textbox)) if heard else None
            if rewritten is None:
                for glyph, text, mapping in heard:
                    mapping.setdefault(glyph, text)
            else:
                stream.stream[start:] = rewritten
        return result

    draw_first_line._publish_actual_text = True  # type: ignore[attr-defined]
    draw_text_module.draw_first_line = draw_first_line
    return True
