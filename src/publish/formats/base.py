"""The interface every output format implements, and the registry."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

if TYPE_CHECKING:
    from ..brand import Brand
    from ..document import Document
    from ..project import Project

_REGISTRY: dict[str, type[Format]] = {}


class Format:
    """One output format. A subclass says what it is (the class attributes below: the CLI's choices, the
    plan's steps, the page's and the index's links all come from them) and implements :meth:`render`."""

    #: The name users type (``--format docx``) and the template folder (``styles/templates/<name>/``).
    name: ClassVar[str]
    #: The file extension of its output, ``build/<brand>/<stem>.<ext>``.
    ext: ClassVar[str]
    #: Independent renderings of one format (the PDF's large-print edition): each is its own pipeline step,
    #: so they run in parallel. "" is the standard edition; another edition writes ``<stem>.<edition>.<ext>``.
    editions: ClassVar[tuple[str, ...]] = ("",)
    #: Rendered in the pool whose workers import WeasyPrint (and first, being the longest).
    heavy: ClassVar[bool] = False
    #: The label key (``data/labels.yml``) that names each edition in "also available as" links, in the
    #: order of ``editions``; empty for the web page itself, which the others link to by its title.
    labels: ClassVar[tuple[str, ...]] = ()
    #: Whether its output links the handout's other outputs (the web page's "also available as"): only then
    #: does building another format change it, and only then is it given ``links``.
    links_others: ClassVar[bool] = False
    #: Where the format comes in lists: the CLI's choices, a page's "also available as", the index.
    rank: ClassVar[int] = 50

    def __init__(self, project: Project) -> None:
        self.project = project

    @classmethod
    def filename(cls, stem: str, edition: str = "") -> str:
        """The output's file name in its brand's folder."""
        return f"{stem}.{edition}.{cls.ext}" if edition else f"{stem}.{cls.ext}"

    def template_paths(self, brand: Brand) -> tuple[Path, ...]:
        from ..templates import search_path

        return search_path(self.project.templates, brand.folder, self.name)

    def output(self, stem: str, brand: Brand, edition: str = "") -> Path:
        return self.project.build / brand.name / self.filename(stem, edition)

    def render(self, doc: Document, brand: Brand, edition: str = "", links: Sequence[Link] = ()) -> dict[Path, bytes]:
        """Every file of one edition, path -> bytes; the runner writes them atomically. ``links``: the
        handout's outputs in this brand once the build is done (this one included), for pages that link
        them."""
        raise NotImplementedError


class Link(NamedTuple):
    """A link from a page to another output of the same handout and brand (a file beside the page)."""

    href: str
    label: str  # a label key: the translated words of "also available as <label>"
    short: str  # the index's short name, e.g. "PDF"


class FormatInfo(NamedTuple):
    """What the plan needs to know of a format, as plain data: a no-op build reads it from the pipeline's
    state instead of importing the format modules (see :func:`publish.formats.declarations`)."""

    name: str
    ext: str
    editions: tuple[str, ...]
    heavy: bool
    labels: tuple[str, ...]
    links_others: bool = False

    @classmethod
    def of(cls, fmt: type[Format]) -> FormatInfo:
        if fmt.labels and len(fmt.labels) != len(fmt.editions):
            raise RuntimeError(f"format {fmt.name}: labels {fmt.labels} do not match editions {fmt.editions}")
        return cls(fmt.name, fmt.ext, tuple(fmt.editions), bool(fmt.heavy), tuple(fmt.labels), bool(fmt.links_others))

    def filename(self, stem: str, edition: str = "") -> str:
        return f"{stem}.{edition}.{self.ext}" if edition else f"{stem}.{self.ext}"

    def link(self, stem: str, edition: str = "") -> Link | None:
        """The link other pages give this output, or None when the format names no label."""
        if not self.labels:
            return None
        label = self.labels[self.editions.index(edition)]
        return Link(self.filename(stem, edition), label, self.ext.upper())


def register(cls: type[Format]) -> type[Format]:
    if cls.name in _REGISTRY:
        raise ValueError(f"format {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def registry() -> dict[str, type[Format]]:
    return dict(_REGISTRY)


class TocEntry(NamedTuple):
    level: int
    id: str
    text: str


def toc(doc: Document) -> list[TocEntry]:
    """Every heading of the document, bibliography included, in order."""
    from ..inlines import plain_text

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


#: Bodies written lately in this process, by AST digest: a warm worker (``publish serve``) renders the same
#: AST again when only a template or brand changed. Keyed by digest, so it holds no copy of any AST.
_RECENT_BODIES: dict[str, str] = {}
_RECENT_KEPT = 4
_RECENT_LOCK = threading.Lock()


def _body_html(data: bytes, math: str, sections: bool) -> str:
    from ..pandoc import run_pandoc

    extra = (["--mathml"] if math == "mathml" else []) + (["--section-divs"] if sections else [])
    html = run_pandoc(["--from", "json", "--to", "html5", "--wrap=none", *extra], data, what="write HTML")
    return html.decode("utf-8")


def ast_json(ast: dict[str, Any]) -> bytes:
    """The AST as the JSON pandoc reads (UTF-8), by orjson: a tenth of the standard library's time on a
    long manuscript, where it was most of what a web page adds to pandoc's own writer."""
    import orjson

    return orjson.dumps(ast)


def _body_key(ast: dict[str, Any], math: str, sections: bool) -> tuple[str, bytes]:
    data = ast_json(ast)
    return f"{math}:{'sections' if sections else 'flat'}:{hashlib.sha256(data).hexdigest()}", data


def body_html(doc: Document, *, math: str = "plain", sections: bool = True) -> str:
    """The document body as HTML5, from pandoc's own writer (shared by the page and the handout).

    ``math``: "mathml" for browsers (MathML Core, no script, nothing fetched); "plain" for print, where
    WeasyPrint has no MathML and pandoc's Unicode rendering of TeX is the best offline choice.
    ``sections``: each heading and what follows it in a ``<section>`` (pandoc's ``--section-divs``), for
    the web page and its landmarks; the handout leaves them out, since nothing in print needs them and
    WeasyPrint lays out and tags each one as a box (about a tenth of a long handout's time and memory).
    Kept in ``doc.bodies`` under the AST's digest: a copy of the document with another AST (the web
    page's back-links) shares the dict but not the key. The AST is serialised once, for the digest and
    for pandoc alike."""
    key, data = _body_key(doc.ast, math, sections)
    if key not in doc.bodies:
        body = _RECENT_BODIES.pop(key, None)
        if body is None:
            body = _body_html(data, math, sections)
        with _RECENT_LOCK:  # the build makes its web page in a thread while it writes the handout's body
            _RECENT_BODIES[key] = body
            while len(_RECENT_BODIES) > _RECENT_KEPT:
                _RECENT_BODIES.pop(next(iter(_RECENT_BODIES)))
        doc.bodies[key] = body
    return doc.bodies[key]


def with_written_body(doc: Document, *, math: str = "plain", sections: bool = True) -> Document:
    """The document as a renderer needs it that reads its body only as pandoc writes it (the handout):
    the body written now, the blocks reduced to the headings (all :func:`toc` reads), so the copy handed
    to a worker is a small fraction of the cited AST, which is most of a PDF worker's memory besides
    WeasyPrint's. The body is kept under the key of the reduced AST, where :func:`body_html` finds it;
    the copy is for that renderer alone (its blocks no longer make that body)."""
    from dataclasses import replace

    body = body_html(doc, math=math, sections=sections)
    blocks = [{"t": "Header", "c": [e.level, [e.id, [], []], [{"t": "Str", "c": e.text}]]} for e in toc(doc)]
    reduced = replace(doc, ast=dict(doc.ast, blocks=blocks), bodies={})
    reduced.bodies[_body_key(reduced.ast, math, sections)[0]] = body
    return reduced
