"""The preview server's own pages: the listing at ``/``, a handout's gallery, and PDF thumbnails.

Both pages are drawn from the build's records (what was built, in which brand, with which label), so
they list exactly what ``build/`` holds. Thumbnails are rendered by pdfium (pypdfium2), kept by the PDF's
stamp and bounded in number, so a long session holds only the latest few.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .labels import defaults
from .project import Project
from .serve_http import SERVE_DATA, Page, resolve
from .state import State


class Output(NamedTuple):
    format: str
    edition: str
    label: str
    url: str  # "/<brand>/<file>"


class Handout(NamedTuple):
    stem: str
    title: str
    brands: dict[str, list[Output]]  # brand -> its outputs, in the formats' order


def handouts(project: Project) -> list[Handout]:
    """Every manuscript x brand on record whose outputs exist, with a link to each format."""
    state = State(project)
    english = defaults().get("en", {})
    order: dict[str, tuple[int, str, tuple[str, ...], tuple[str, ...]]] = {}
    for rank, decl in enumerate(state.formats.get("formats", [])):
        order[decl[0]] = (rank, decl[1], tuple(decl[2]), tuple(decl[4]))
    found: dict[str, dict[str, list[tuple[tuple[int, int], Output]]]] = {}
    for rec in state.steps.values():
        step = rec.get("step", {})
        fmt = step.get("format", "")
        if step.get("kind") != "render" or fmt not in order:
            continue
        rank, ext, editions, labels = order[fmt]
        edition, stem, brand = step["edition"], step["manuscript"], step["brand"]
        name = f"{stem}.{edition}.{ext}" if edition else f"{stem}.{ext}"
        if not (project.build / brand / name).is_file():
            continue
        index = editions.index(edition) if edition in editions else 0
        key = labels[index] if index < len(labels) else ""
        text = english.get(key, key) or f"{fmt} {edition}".strip()
        for article in ("a ", "an "):  # the labels are phrased for a sentence ("also as a printable PDF")
            text = text.removeprefix(article)
        label = text[:1].upper() + text[1:]
        found.setdefault(stem, {}).setdefault(brand, []).append(
            ((rank, index), Output(fmt, edition, label, f"/{brand}/{name}")))
    out = []
    for stem in sorted(found):
        title = str(state.info.get(stem, {}).get("title") or stem)
        brands = {b: [o for _k, o in sorted(found[stem][b])] for b in sorted(found[stem])}
        out.append(Handout(stem, title, brands))
    return out


class Thumbnails:
    """First pages of PDFs as PNG, kept by (file, stamp)."""

    def __init__(self, width: int = 240, keep: int = 64) -> None:
        self.width, self.keep = width, keep
        self._cache: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
        self._lock = threading.Lock()  # pdfium is not safe to call from two threads at once

    def png(self, pdf: Path) -> bytes:
        st = pdf.stat()
        key = (str(pdf), st.st_mtime_ns, st.st_size)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            data = self._render(pdf)
            for old in [k for k in self._cache if k[0] == key[0]]:
                del self._cache[old]  # the same PDF's earlier versions go at once
            self._cache[key] = data
            while len(self._cache) > self.keep:
                self._cache.popitem(last=False)
            return data

    def _render(self, pdf: Path) -> bytes:
        import pypdfium2

        doc = pypdfium2.PdfDocument(pdf)
        try:
            page = doc[0]
            try:
                bitmap = page.render(scale=self.width / page.get_width())
                buf = io.BytesIO()
                bitmap.to_pil().save(buf, format="PNG")
                return buf.getvalue()
            finally:
                page.close()
        finally:
            doc.close()


class Views:
    """The pages the server draws itself, by request path (raw, as it came)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.thumbnails = Thumbnails()
        self.env = Environment(loader=FileSystemLoader(SERVE_DATA), autoescape=select_autoescape(["j2"]),
                               trim_blocks=True, lstrip_blocks=True)

    def __call__(self, path: str) -> Page | None:
        if path == "/":
            return self._html("listing.html.j2", handouts=handouts(self.project))
        if path.startswith("/_gallery/"):
            stem = unquote(path[len("/_gallery/"):]).strip("/")
            found = [h for h in handouts(self.project) if h.stem == stem]
            return self._html("gallery.html.j2", handout=found[0]) if found else None
        if path.startswith("/_serve/thumb/"):
            pdf = resolve(self.project.build, path[len("/_serve/thumb"):])
            if pdf is None or pdf.suffix != ".pdf" or not pdf.is_file():
                return None
            try:
                return Page(self.thumbnails.png(pdf), "image/png")
            except Exception:  # a PDF half-written by another process, or not a PDF: no thumbnail
                return None
        return None

    def _html(self, name: str, **values: Any) -> Page:
        return Page(self.env.get_template(name).render(**values).encode(), "text/html; charset=utf-8")
