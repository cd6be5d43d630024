"""The e-book's cover: an SVG drawn from the brand (colours, logo, heading font) and the manuscript's title.

Text is drawn as glyph outlines from the brand's own font files (fontTools), so the cover looks the same
in every reading system, needs no font of its own and is byte-identical on every build: no rasteriser, no
system fonts, no clock. Without a usable font file the text falls back to SVG <text>. The cover is an
image to a screen reader; :func:`cover_alt` is its alternative text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

from lxml import etree

from ..brand import Brand, FontFile, contrast
from ..languages import first_strong

WIDTH, HEIGHT = 1200, 1800
MARGIN = 100
PANEL_TOP = 1380  # the light panel with logo and clinic name
LOGO_SIZE = 200
SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class _Line:
    text: str
    width: float


class _Face:
    """One font file's outlines and advances, scaled to a font size."""

    def __init__(self, path: Path) -> None:
        from fontTools.ttLib import TTFont

        self.data = path.read_bytes()
        self.font = TTFont(str(path))
        self.glyphs = self.font.getGlyphSet()
        self.order = self.font.getGlyphOrder()
        self.cmap = self.font.getBestCmap() or {}
        self.upem = self.font["head"].unitsPerEm
        self.hmtx = self.font["hmtx"]

    def glyph(self, ch: str) -> str:
        return self.cmap.get(ord(ch), ".notdef")

    @functools.lru_cache(maxsize=256)  # noqa: B019 (a face lives as long as the process's few faces)
    def run(self, text: str) -> tuple[tuple[str, int, int, int], ...]:
        """``text`` as (glyph name, advance, x offset, y offset) in drawing order: shaped by HarfBuzz (Arabic
        joined and right to left, Hebrew right to left), else one glyph per character."""
        from .shaping import shape

        shaped = shape(self.data, text)
        if shaped is None:
            return tuple((self.glyph(ch), self.hmtx[self.glyph(ch)][0], 0, 0) for ch in text)
        return tuple((self.order[g.gid] if g.gid < len(self.order) else ".notdef", g.advance, g.dx, g.dy)
                     for g in shaped)

    def advance(self, text: str, size: float) -> float:
        return sum(advance for _, advance, _, _ in self.run(text)) * size / self.upem

    def path(self, text: str, x: float, y: float, size: float) -> str:
        from fontTools.pens.svgPathPen import SVGPathPen
        from fontTools.pens.transformPen import TransformPen

        pen = SVGPathPen(self.glyphs, ntos=_num)
        scale = size / self.upem
        for name, advance, dx, dy in self.run(text):
            self.glyphs[name].draw(TransformPen(pen, (scale, 0, 0, -scale, x + dx * scale, y - dy * scale)))
            x += advance * scale
        return pen.getCommands()


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@functools.lru_cache(maxsize=8)
def _face(path: Path) -> _Face | None:
    try:
        return _Face(path)
    except Exception:  # an unreadable font only costs the cover its brand typeface
        return None


def _font(brand: Brand, family: str, weight: int) -> FontFile | None:
    candidates = [f for f in brand.fonts if f.style == "normal"] or list(brand.fonts)
    if not candidates:
        return None
    same = [f for f in candidates if f.family == family] or candidates
    return min(same, key=lambda f: (abs(f.weight - weight), f.path.name))


def _wrap(text: str, width: float, measure: Callable[[str], float]) -> list[_Line]:
    lines: list[_Line] = []
    words = text.split()
    current = ""
    for word in words:
        trial = f"{current} {word}" if current else word
        if current and measure(trial) > width:
            lines.append(_Line(current, measure(current)))
            current = word
        else:
            current = trial
    if current:
        lines.append(_Line(current, measure(current)))
    return lines


def _on(background: str, *candidates: str) -> str:
    """The first candidate readable on ``background`` (WCAG AA), else the most readable one."""
    for c in candidates:
        if contrast(c, background) >= 4.5:
            return c
    return max(candidates, key=lambda c: contrast(c, background))


class _Text:
    """Draws lines of text with a face (outlines) or as <text> when there is no face."""

    def __init__(self, brand: Brand, family: str, weight: int) -> None:
        font = _font(brand, family, weight)
        # the TTF beside a WOFF2 when the brand ships one: fontTools decodes WOFF2 slowly (~0.1 s a face)
        self.face = _face(font.uncompressed().path) if font else None
        self.family = family
        self.weight = weight

    def measure(self, text: str, size: float) -> float:
        if self.face:
            return self.face.advance(text, size)
        return len(text) * size * 0.55  # an average sans-serif advance

    def draw(self, text: str, x: float, y: float, size: float, fill: str) -> str:
        if self.face:
            return f'<path fill="{fill}" d="{self.face.path(text, x, y, size)}"/>'
        return (f'<text x="{_num(x)}" y="{_num(y)}" fill="{fill}" font-size="{_num(size)}" '
                f'font-weight="{self.weight}" font-family="{escape(self.family)}, sans-serif">{escape(text)}</text>')


def _measure_at(writer: _Text, size: float, text: str) -> float:
    return writer.measure(text, size)


def _fit(text: str, writer: _Text, width: float, size: float, max_lines: int) -> tuple[list[_Line], float]:
    while True:
        lines = _wrap(text, width, functools.partial(_measure_at, writer, size))
        if (len(lines) <= max_lines and all(line.width <= width for line in lines)) or size < 24:
            return lines, size
        size *= 0.9


def _logo(brand: Brand, x: float, y: float, size: float) -> str:
    if brand.logo is None:
        return ""
    data = brand.logo.read_bytes()
    if brand.logo.suffix.lower() != ".svg":
        import base64

        mime = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}.get(brand.logo.suffix.lower(),
                                                                                      "image/png")
        uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        return f'<image x="{x}" y="{y}" width="{size}" height="{size}" href="{uri}"/>'
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    # Inside the cover the logo is decoration of one image: its own accessible name would be read twice.
    for attr in ("role", "aria-label", "aria-labelledby", "id"):
        root.attrib.pop(attr, None)
    for el in root.findall(f"{{{SVG_NS}}}title") + root.findall(f"{{{SVG_NS}}}desc"):
        root.remove(el)
    for attr, value in (("x", x), ("y", y), ("width", size), ("height", size)):
        root.set(attr, str(value))
    etree.cleanup_namespaces(root)
    return etree.tostring(root, encoding="unicode")


def cover_alt(title: str, brand: Brand) -> str:
    return f"Cover: {title}, {brand.full_name}"


def _family_for(brand: Brand, family: str, text: str) -> str:
    """``family`` when it has every letter of ``text``, else the first script fallback that has them (a
    Chinese title is drawn in Noto Sans SC, not as the brand face's missing-glyph boxes)."""
    from ..coverage import family_covers

    wanted = {ord(ch) for ch in text if not ch.isspace()}
    for candidate in (family, *brand.fallbacks):
        if wanted <= family_covers(brand, candidate):
            return candidate
    return family


def cover_svg(title: str, brand: Brand) -> bytes:
    """The cover as a standalone SVG document."""
    c = brand.colors
    primary = c["primary"]
    panel = c.get("light", c["background"])
    ink = _on(primary, c["background"], "#ffffff", "#000000")
    panel_ink = _on(panel, primary, c["foreground"], "#000000")
    accent = c.get("secondary", primary)
    if contrast(accent, primary) < 1.5:
        accent = ink

    heading = _Text(brand, _family_for(brand, brand.heading_family, title), 700)
    body = _Text(brand, _family_for(brand, brand.base_family, brand.full_name), 400)
    width = WIDTH - 2 * MARGIN
    lines, size = _fit(title, heading, width, 120.0, 6)
    leading = size * 1.18
    parts = [f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{primary}"/>']
    y = 260 + size
    rtl = first_strong(title) == "rtl"  # an Arabic or Hebrew title starts at the right, as its page does
    for line in lines:
        parts.append(heading.draw(line.text, WIDTH - MARGIN - line.width if rtl else MARGIN, y, size, ink))
        y += leading
    bar_x = WIDTH - MARGIN - 240 if rtl else MARGIN
    parts.append(f'<rect x="{bar_x}" y="{_num(y - leading + size * 0.6)}" width="240" height="16" fill="{accent}"/>')
    parts.append(f'<rect y="{PANEL_TOP}" width="{WIDTH}" height="{HEIGHT - PANEL_TOP}" fill="{panel}"/>')
    logo_y = PANEL_TOP + (HEIGHT - PANEL_TOP - LOGO_SIZE) / 2
    parts.append(_logo(brand, MARGIN, logo_y, LOGO_SIZE))
    name_x = MARGIN + (LOGO_SIZE + 48 if brand.logo else 0)
    name_lines, name_size = _fit(brand.full_name, body, WIDTH - MARGIN - name_x, 60.0, 3)
    block = name_size * 1.2 * len(name_lines)
    ny = PANEL_TOP + (HEIGHT - PANEL_TOP - block) / 2 + name_size
    for line in name_lines:
        parts.append(body.draw(line.text, name_x, ny, name_size, panel_ink))
        ny += name_size * 1.2
    alt = escape(cover_alt(title, brand))
    svg = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="{SVG_NS}" version="1.1" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{alt}">\n<title>{alt}</title>\n' + "\n".join(p for p in parts if p) + "\n</svg>\n"
    )
    return svg.encode("utf-8")
