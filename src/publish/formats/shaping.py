"""One line of text shaped by HarfBuzz, for what publish draws itself (the e-book cover's outlines).

Drawing a font's glyphs one character at a time is right for Latin and Chinese only: Arabic letters take
their joined forms and ligatures from the font's OpenType tables, and Arabic and Hebrew run right to left.
HarfBuzz does both. It is the shaper the PDF already uses (through Pango, for WeasyPrint), so its library
is on every machine that builds a PDF; it is called here through ctypes, its C API being small and stable.
Without it, :func:`shape` returns None and the caller draws character by character as before.
"""

from __future__ import annotations

import ctypes
import functools
from typing import Any, NamedTuple


class Glyph(NamedTuple):
    """A shaped glyph, in font units, in drawing order (left to right)."""

    gid: int
    advance: int
    dx: int
    dy: int


class _Info(ctypes.Structure):
    _fields_ = [("codepoint", ctypes.c_uint32), ("mask", ctypes.c_uint32), ("cluster", ctypes.c_uint32),
                ("var1", ctypes.c_uint32), ("var2", ctypes.c_uint32)]


class _Position(ctypes.Structure):
    _fields_ = [("x_advance", ctypes.c_int32), ("y_advance", ctypes.c_int32), ("x_offset", ctypes.c_int32),
                ("y_offset", ctypes.c_int32), ("var", ctypes.c_uint32)]


@functools.lru_cache(maxsize=1)
def _harfbuzz() -> Any:
    for name in ("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll"):
        try:
            hb = ctypes.CDLL(name)
        except OSError:
            continue
        p, u = ctypes.c_void_p, ctypes.c_uint
        for fn, args, res in (
            ("hb_blob_create", [ctypes.c_char_p, u, ctypes.c_int, p, p], p),
            ("hb_face_create", [p, u], p), ("hb_face_get_upem", [p], u),
            ("hb_font_create", [p], p), ("hb_font_set_scale", [p, ctypes.c_int, ctypes.c_int], None),
            ("hb_buffer_create", [], p),
            ("hb_buffer_add_utf8", [p, ctypes.c_char_p, ctypes.c_int, u, ctypes.c_int], None),
            ("hb_buffer_guess_segment_properties", [p], None), ("hb_shape", [p, p, p, u], None),
            ("hb_buffer_get_glyph_infos", [p, ctypes.POINTER(u)], ctypes.POINTER(_Info)),
            ("hb_buffer_get_glyph_positions", [p, ctypes.POINTER(u)], ctypes.POINTER(_Position)),
            ("hb_buffer_destroy", [p], None), ("hb_font_destroy", [p], None), ("hb_face_destroy", [p], None),
            ("hb_blob_destroy", [p], None),
        ):
            getattr(hb, fn).argtypes, getattr(hb, fn).restype = args, res
        return hb
    return None


def shape(font_data: bytes, text: str) -> list[Glyph] | None:
    """``text`` (one line, one direction: the first strong letter's) shaped with the font ``font_data``
    (a TTF or OTF file's bytes); None when HarfBuzz cannot be loaded."""
    hb = _harfbuzz()
    if hb is None:
        return None
    data = text.encode("utf-8")
    blob = hb.hb_blob_create(font_data, len(font_data), 1, None, None)  # 1: read-only, kept alive by us
    face = hb.hb_face_create(blob, 0)
    font = hb.hb_font_create(face)
    upem = hb.hb_face_get_upem(face)
    hb.hb_font_set_scale(font, upem, upem)
    buffer = hb.hb_buffer_create()
    try:
        hb.hb_buffer_add_utf8(buffer, data, len(data), 0, len(data))
        hb.hb_buffer_guess_segment_properties(buffer)
        hb.hb_shape(font, buffer, None, 0)
        count = ctypes.c_uint()
        infos = hb.hb_buffer_get_glyph_infos(buffer, ctypes.byref(count))
        positions = hb.hb_buffer_get_glyph_positions(buffer, ctypes.byref(count))
        return [Glyph(infos[i].codepoint, positions[i].x_advance, positions[i].x_offset, positions[i].y_offset)
                for i in range(count.value)]
    finally:
        hb.hb_buffer_destroy(buffer)
        hb.hb_font_destroy(font)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)
