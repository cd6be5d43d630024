"""The interface every output format implements, and the registry."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..brand import Brand
from ..document import Document
from ..inlines import plain_text
from ..pandoc import ast_to
from ..project import Project
from ..templates import search_path

_REGISTRY: dict[str, type[Format]] = {}


class Format:
    """One output format. Subclasses set ``name`` and ``ext`` and implement :meth:`render`."""

    name: ClassVar[str]
    ext: ClassVar[str]
    #: Independent renderings of one format (the PDF's large-print edition): each is its own pipeline step,
    #: so they run in parallel. "" is the standard edition.
    editions: ClassVar[tuple[str, ...]] = ("",)

    def __init__(self, project: Project) -> None:
        self.project = project

    def template_paths(self, brand: Brand) -> tuple[Path, ...]:
        return search_path(self.project.templates, brand.folder, self.name)

    def targets(self, doc_stem: str, brand: Brand) -> list[Path]:
        return [self.project.output(brand.name, doc_stem, self.ext)]

    def render(self, doc: Document, brand: Brand, edition: str | None = None) -> dict[Path, bytes]:
        """Return every file of one edition (None: every edition), path -> bytes; the caller writes them
        atomically."""
        raise NotImplementedError


def register(cls: type[Format]) -> type[Format]:
    if cls.name in _REGISTRY:
        raise ValueError(f"format {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def registry() -> dict[str, type[Format]]:
    return dict(_REGISTRY)


@dataclass(frozen=True)
class TocEntry:
    level: int
    id: str
    text: str


def toc(doc: Document) -> list[TocEntry]:
    """Every heading of the document, bibliography included, in order."""
    entries: list[TocEntry] = []

    def walk(blocks: list[dict[str, Any]]) -> None:
        for b in blocks:
            if b.get("t") == "Header":
                level, (ident, _cls, _kv), inl = b["c"]
                entries.append(TocEntry(level, ident, plain_text(inl)))
            elif b.get("t") == "Div":
                walk(b["c"][1])

    walk(doc.ast.get("blocks", []))
    return entries


@functools.lru_cache(maxsize=8)
def _body_html(ast_json: str, math: str) -> str:
    extra = ["--mathml"] if math == "mathml" else []
    html = ast_to("html5", json.loads(ast_json), ["--section-divs", "--wrap=none", *extra], what="write HTML")
    return html.decode("utf-8")


def body_html(doc: Document, *, math: str = "plain") -> str:
    """The document body as HTML5, from pandoc's own writer (shared by the page and the handout).

    ``math``: "mathml" for browsers (MathML Core, no script, nothing fetched); "plain" for print, where
    WeasyPrint has no MathML and pandoc's Unicode rendering of TeX is the best offline choice.
    Kept in ``doc.bodies`` under the AST's digest: a copy of the document with another AST (the web
    page's back-links) shares the dict but not the key."""
    ast_json = json.dumps(doc.ast, ensure_ascii=False, sort_keys=True)
    key = f"{math}:{hashlib.sha256(ast_json.encode()).hexdigest()}"
    if key not in doc.bodies:
        doc.bodies[key] = _body_html(ast_json, math)
    return doc.bodies[key]
