"""Loading WeasyPrint the fast way (precompiled C declarations, no library search) changes nothing it
makes; a stale or impossible cache falls back to the ordinary import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import copy_project

PROBE = """
import sys
from publish import _hacks
from publish.formats import weasy
{patch}
wp = weasy.load_weasyprint()
from weasyprint.text.ffi import ffi, harfbuzz_subset
print(type(ffi).__name__, harfbuzz_subset is not None)
"""


def probe(cache: Path, patch: str = "") -> str:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    out = subprocess.run([sys.executable, "-c", PROBE.format(patch=patch)], env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the shortcuts are for Linux")
def test_precompiled_declarations_are_made_once_and_used(tmp_path: Path) -> None:
    assert probe(tmp_path) == "PrecompiledFFI True"
    made = list((tmp_path / "publish").glob("_publish_weasyprint_ffi_*.py"))
    assert len(made) == 1
    stamp = made[0].stat().st_mtime_ns
    assert probe(tmp_path) == "PrecompiledFFI True"
    assert made[0].stat().st_mtime_ns == stamp, "the second process reused the compiled declarations"


def test_no_writable_cache_falls_back_to_the_ordinary_import(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert probe(blocked) == "FFI True"


def test_declarations_that_do_not_match_fall_back(tmp_path: Path) -> None:
    patch = ("real = _hacks.cdef_source\n"
             "_hacks.cdef_source = lambda: real() + '\\nint publish_not_in_weasyprint(void);'")
    assert probe(tmp_path, patch) == "FFI True"


def test_handouts_are_byte_identical_either_way(tmp_path: Path) -> None:
    outputs = []
    for mode, cache in (("fast", tmp_path / "cache"), ("ordinary", tmp_path / "file")):
        if mode == "ordinary":
            cache.write_text("not a folder")
        project = copy_project(tmp_path / mode, manuscripts=["cbt-realness.md", "references.json"])
        subprocess.run([sys.executable, "-m", "publish.cli", "build", "-q", "--format", "pdf", "--brand", "default"],
                       cwd=project, env=dict(os.environ, XDG_CACHE_HOME=str(cache)), check=True,
                       capture_output=True)
        outputs.append([(project / "build" / "default" / name).read_bytes()
                        for name in ("cbt-realness.pdf", "cbt-realness.large-print.pdf")])
    assert outputs[0] == outputs[1]


def test_pdf_writing_shortcuts_keep_what_pydyf_writes() -> None:
    """page_references is the tuple pydyf makes, made again when a page is added; streams still deflate
    (at zlib's default level) and inflate to what was written."""
    import zlib

    from publish._hacks import PDF_DEFLATE_LEVEL, fast_pdf_writing
    from publish.formats.weasy import load_weasyprint

    load_weasyprint()
    import pydyf

    assert fast_pdf_writing() and fast_pdf_writing()  # installed, and idempotent
    pdf = pydyf.PDF()
    for _ in range(3):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    expected = tuple(f"{n} 0 R".encode() for n in pdf.pages["Kids"][::3])
    assert pdf.page_references == expected and pdf.page_references is pdf.page_references
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert len(pdf.page_references) == 4 and pdf.page_references[-1] == f"{pdf.pages['Kids'][-3]} 0 R".encode()
    raw = b"BT /F1 12 Tf (Hello) Tj ET\n" * 200
    stream = pydyf.Stream([raw], compress=True)
    data = stream.data
    body = data[data.index(b"stream\n") + 7:data.rindex(b"\nendstream")]
    assert zlib.decompress(body) == raw
    assert body == zlib.compress(raw, PDF_DEFLATE_LEVEL) != zlib.compress(raw, 9)


def test_a_glyph_drawn_for_another_letter_gets_a_code_of_its_own() -> None:
    """A glyph's first text keeps its own code; another text is a new code, counted down from 0xFFFF, said
    by the ToUnicode map and drawn as the same glyph through the font's encoding (missing glyphs still to
    .notdef); a font whose codes are all glyphs leaves the line to WeasyPrint."""
    from types import SimpleNamespace

    from publish import _hacks

    font = SimpleNamespace(glyph_count=500, missing={0x2603: 500}, family="Test Sans")
    mapping = _hacks._Drawn()
    mapping.font = font
    font.to_unicode = mapping
    assert _hacks._own_code(mapping, 102, "ي") == 102  # first text: the glyph itself
    assert _hacks._own_code(mapping, 102, "ى") == 0xFFFF
    assert _hacks._own_code(mapping, 102, "ى") == 0xFFFF and _hacks._own_code(mapping, 19, "ب") == 19
    assert _hacks._own_code(mapping, 19, "ن") == 0xFFFE
    assert dict(mapping) == {102: "ي", 0xFFFF: "ى", 19: "ب", 0xFFFE: "ن"}
    dict.__setitem__(mapping, 500, "☃")
    cmap = b"\n".join(_hacks._encoding(font, compress=False).stream)
    assert b"<ffff> 102" in cmap and b"<fffe> 19" in cmap and b"<0066> 102" in cmap and b"<01f4> 0" in cmap
    full = SimpleNamespace(glyph_count=0xFFFF, missing={}, family="Huge")
    crowded = _hacks._Drawn()
    crowded.font = full
    _hacks._own_code(crowded, 7, "a")
    with pytest.raises(_hacks._NoFreeCode):
        _hacks._own_code(crowded, 7, "b")
