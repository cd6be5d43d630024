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
* :func:`own_codes_for_shaped_scripts` changes what the PDF's text layer says, never what it draws:
  WeasyPrint 70 maps each glyph to the first text it drew, so Arabic in Noto Sans Arabic (shared
  skeletons and dots) extracts as other letters (Kozea/WeasyPrint#2841); a glyph drawn for other text
  is drawn with a code of its own that the font's encoding maps to the same glyph, and that code's
  ToUnicode entry says the text. Lines without a right-to-left letter or combining mark are drawn as
  before.
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

def _needs_own_codes(text: str) -> bool:
    """True when a glyph-by-glyph map may not give ``text`` back: a right-to-left letter (Arabic and Hebrew
    are shaped and joined; Noto Sans Arabic draws a dotted letter as a skeleton shared by several letters
    plus a shared dots glyph) or a combining mark (drawn in its base's cluster)."""
    import unicodedata

    return any(unicodedata.bidirectional(ch) in ("R", "AL") or unicodedata.category(ch)[0] == "M"
               for ch in text)


class _Drawn(dict):  # type: ignore[type-arg]
    """A font's glyph -> text map (``Font.to_unicode``) that, while a line of a shaped script is drawn,
    hears the text WeasyPrint works out for every glyph drawn (it asks ``glyph in map`` first, and works it
    out only for a glyph not yet in the map) and leaves the map to :func:`_with_own_codes`."""

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


#: Where a font's own codes end: a glyph drawn for other text than its first is given a code counted down
#: from here (WeasyPrint counts codes for glyphs a font lacks up from the font's glyph count).
_LAST_CODE = 0xFFFF


class _NoFreeCode(Exception):
    """The font's two-byte codes are all glyphs: the line is drawn as WeasyPrint draws it."""


def _own_code(mapping: _Drawn, glyph: int, text: str) -> int:
    """The code that draws ``glyph`` and says ``text``: the glyph's own when its map says ``text`` (or says
    nothing yet, and then does), else a code of its own for this (glyph, text), whose ToUnicode entry is
    ``text`` and which the font's encoding maps to the glyph (:func:`_encoding`)."""
    if not dict.__contains__(mapping, glyph):
        dict.__setitem__(mapping, glyph, text)
    if dict.__getitem__(mapping, glyph) == text:
        return glyph
    font = mapping.font
    aliases: dict[tuple[int, str], int] = font.__dict__.setdefault("_publish_aliases", {})
    code = aliases.get((glyph, text))
    if code is None:
        code = _LAST_CODE - len(aliases)
        if code < font.glyph_count + len(font.missing) + 1:  # no free code left (a font of ~65,000 glyphs)
            raise _NoFreeCode(font.family)
        aliases[(glyph, text)] = code
        dict.__setitem__(mapping, code, text)
    return code


def _with_own_codes(ops: list[Any], heard: list[tuple[int, str, Any]], levels: list[int]) -> list[Any] | None:
    """The content-stream operators WeasyPrint wrote for one line (``ops``), each glyph drawn with the code
    that says its text here (:func:`_own_code`), so every reader reads the letter from the font's ToUnicode
    map, in the glyph's place, as it reads any glyph. A glyph with no text of its own (a dot drawn apart
    from its letter) is drawn inside an empty ``/ActualText`` span, which poppler reads as no text; PDFium
    reads the span as absent, so its map says WORD JOINER, invisible and transparent to Arabic joining
    (an empty map entry, PDFium printed as the glyph's number read as a letter: "ā", "ĥ" inside Arabic
    words). None when the operators are not what is expected: the caller then fills the maps as WeasyPrint
    would and leaves the line as it was written."""
    import pydyf

    lines: list[tuple[str, Any]] = []  # ("op", operator) or ("tj", [("g", 4 hex digits) | ("n", displacement)])
    for op in ops:
        text = op.decode("latin-1") if isinstance(op, bytes) else None
        if text is None or not (text.startswith("[") and text.endswith("] TJ")):
            lines.append(("op", op))
            continue
        body = text[1:-4]
        matches = list(_TJ.finditer(body))
        if "".join(m.group(0) for m in matches) != body:
            return None
        items: list[tuple[str, str]] = []
        for m in matches:
            if m.group(1) is None:
                items.append(("n", m.group(2)))
            elif len(m.group(1)) % 4:
                return None  # a bitmap font's one-byte codes: not this font dictionary
            else:
                items += [("g", m.group(1)[i:i + 4]) for i in range(0, len(m.group(1)), 4)]
        lines.append(("tj", items))
    glyphs = [int(v, 16) for kind, items in lines if kind == "tj" for k, v in items if k == "g"]
    if len(glyphs) != len(heard) or len(levels) != len(heard) or \
            any(g != h[0] or getattr(h[2].font, "bitmap", True) for g, h in zip(glyphs, heard, strict=True)):
        return None
    texts = _texts(heard, levels)
    codes = [_own_code(mapping, glyph, text or "\u2060") for (glyph, _, mapping), text in zip(heard, texts,
                                                                                               strict=True)]
    out: list[Any] = []
    index = 0
    for kind, value in lines:
        if kind == "op":
            out.append(value)
            continue
        pending = ""
        for k, v in value:
            if k == "n":
                pending += v
                continue
            if texts[index]:
                pending += f"<{codes[index]:04x}>"
            else:
                if pending:
                    out.append(f"[{pending}] TJ".encode())
                    pending = ""
                out += [b"/Span", pydyf.Dictionary({"ActualText": pydyf.String("")}), b"BDC",
                        f"[<{codes[index]:04x}>] TJ".encode(), b"EMC"]
            index += 1
        if pending:
            out.append(f"[{pending}] TJ".encode())
    return out


def _encoding(font: Any, compress: bool) -> Any:
    """The font's encoding CMap (code -> CID, which is the glyph): each of :func:`_own_code`'s codes to its
    glyph, WeasyPrint's codes for missing glyphs to .notdef (as its own encoding does), any other code to
    itself. Written like WeasyPrint's own."""
    from math import ceil

    import pydyf

    target = {code: glyph for (glyph, _), code in font._publish_aliases.items()}
    target.update({code: 0 for code in font.missing.values()})
    info = pydyf.Dictionary({"Registry": pydyf.String("Adobe"), "Ordering": pydyf.String("Identity"),
                             "Supplement": 0})
    stream = pydyf.Stream([
        b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap", b"/CIDSystemInfo",
        b"3 dict dup begin", b"/Registry (Adobe) def", b"/Ordering (Identity) def", b"/Supplement 0 def",
        b"end def", b"/CMapName /WP-Encod-0 def", b"/CMapType 1 def", b"1 begincodespacerange",
        b"<0000> <ffff>", b"endcodespacerange",
    ], pydyf.Dictionary({"Type": "/CMap", "CMapName": "/WP-Encod-0", "CIDSystemInfo": info}), compress=compress)
    codes = tuple(font.to_unicode)
    for i in range(ceil(len(codes) / 100)):
        batch = codes[i * 100:(i + 1) * 100]
        stream.stream.append(f"{len(batch)} begincidchar".encode())
        stream.stream.extend(f"<{code:04x}> {target.get(code, code)}".encode() for code in batch)
        stream.stream.append(b"endcidchar")
    stream.stream.extend([b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"])
    return stream


def _own_codes_in_fonts(fonts_module: Any) -> bool:
    """Teach WeasyPrint's font writer the codes of :func:`_own_code`: left out of subsetting (they are no
    glyphs of the font) and mapped to their glyphs by the font's encoding. False, changing nothing, when
    the private functions it wraps are not there."""
    font_class = getattr(fonts_module, "Font", None)
    clean = getattr(font_class, "clean", None)
    build = getattr(fonts_module, "_build_vector_font_dictionary", None)
    if not callable(clean) or not callable(build):
        return False

    def clean_glyphs(self: Any, to_unicode: dict[int, str], *args: Any, **kwargs: Any) -> Any:
        missing = set(getattr(self, "missing", {}).values())
        count = getattr(self, "glyph_count", _LAST_CODE + 1)
        glyphs = {k: v for k, v in to_unicode.items() if k < count or k in missing}
        return clean(self, glyphs, *args, **kwargs)

    def build_with_codes(font_dictionary: Any, pdf: Any, font: Any, widths: Any, compress: bool,
                         *args: Any, **kwargs: Any) -> Any:
        if not font.__dict__.get("_publish_aliases"):
            return build(font_dictionary, pdf, font, widths, compress, *args, **kwargs)
        missing, font.missing = font.missing, {}  # WeasyPrint's encoding is written below, with the codes
        try:
            result = build(font_dictionary, pdf, font, widths, compress, *args, **kwargs)
        finally:
            font.missing = missing
        encoding = _encoding(font, compress)
        pdf.add_object(encoding)
        font_dictionary["Encoding"] = encoding.reference
        return result

    font_class.clean = clean_glyphs
    fonts_module._build_vector_font_dictionary = build_with_codes
    return True


def own_codes_for_shaped_scripts() -> bool:
    """Draw lines of shaped scripts so the PDF's text gives their letters back; True when in place.
    Idempotent.

    Why: WeasyPrint 70 maps each glyph to one text, the first it was drawn with (``draw/text.py``,
    ``font.to_unicode``), and gives a cluster's text to one of its glyphs and the empty string to the
    others. A font that draws one glyph for several letters (Noto Sans Arabic's dotless skeletons and
    shared dots) thus extracts as other letters: ``النوم`` came out of pdftotext as ``ال ف وم`` though the
    page was right (Kozea/WeasyPrint#2841, open; #2869, which gave each (glyph, text) pair a glyph id of
    its own in the font, was closed unmerged). A code's ToUnicode entry holds one text, but codes need not
    be glyph ids: a Type 0 font's encoding CMap maps codes to glyphs (ISO 32000-1 9.7.5), so a glyph drawn
    for another text than its first is drawn with a code of its own, mapped to the same glyph, whose
    ToUnicode entry is that text. Every reader (poppler, PDFium, pdf.js, Acrobat) then reads each letter as
    it reads any glyph's, in its place and in the line's order. (Before, such a glyph carried
    ``/ActualText``; PDFium, Chromium's viewer, puts an ActualText span's letters into a right-to-left line
    without reordering them, so "على" copied as "ىلع".) Only text boxes with a right-to-left letter or a
    combining mark are drawn this way; others, one glyph per character, are drawn exactly as before.
    Without the private ``draw_first_line``, ``Stream.add_font``, ``Font.clean`` and
    ``_build_vector_font_dictionary`` it expects, or if a line's operators are not the ones expected, it
    changes nothing.
    """
    try:
        from weasyprint.draw import text as draw_text_module
        from weasyprint.pdf import fonts as fonts_module
        from weasyprint.pdf.stream import Stream
    except ImportError:
        return False
    original = getattr(draw_text_module, "draw_first_line", None)
    if getattr(original, "_publish_own_codes", False):
        return True
    if original is None or not callable(getattr(Stream, "add_font", None)) or \
            not _own_codes_in_fonts(fonts_module):
        return False

    def draw_first_line(stream: Any, textbox: Any, *args: Any, **kwargs: Any) -> Any:
        if _Drawn.heard is not None or not _needs_own_codes(getattr(textbox, "text", "")):
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
                rewritten = _with_own_codes(stream.stream[start:], heard, _levels(textbox)) if heard else None
            if rewritten is None:
                for glyph, text, mapping in heard:
                    mapping.setdefault(glyph, text)
            else:
                stream.stream[start:] = rewritten
        return result

    draw_first_line._publish_own_codes = True  # type: ignore[attr-defined]
    draw_text_module.draw_first_line = draw_first_line
    return True
