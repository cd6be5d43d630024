"""The printable handout: a print template rendered by WeasyPrint as tagged PDF/UA-1, in two editions.

Editions, from the same source and template:
  standard     build/<brand>/<stem>.pdf              body 11.5pt
  large print  build/<brand>/<stem>.large-print.pdf  body 18pt, same structure and page furniture

Rebuilds are byte-identical: dates come from the document (Document.date: front matter, else
SOURCE_DATE_EPOCH), the PDF identifier is derived from manuscript, brand and edition, and WeasyPrint names
font subsets from a hash of the font. Resources load through a sandbox: files inside the project (not
build/) and the brand's folder, and data: URLs; anything else stops the build with a PublishError naming it.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import logging
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from markupsafe import Markup

from ..brand import Brand
from ..document import Document
from ..errors import PublishError
from ..labels import labels
from ..resources import decorative_as_backgrounds
from ..templates import render
from .base import Format, Link, register, toc, with_written_body
from .html import page_context
from .pdf_footnotes import with_page_footnotes
from .pdf_warm import warm_styles
from .weasy import load_weasyprint

PDF_VARIANT = "pdf/ua-1"
#: The handout's body without pandoc's <section> wrappers (see formats.base.body_html): the same pages.
PRINT_SECTIONS = False
LARGE_PRINT_SUFFIX = "large-print"


def print_document(doc: Document) -> Document:
    """What a PDF worker is handed: the handout's body written here, as the PDF prints it (notes at the
    foot of their page), with the blocks cut down to the headings (``formats.base.with_written_body``)."""
    return with_written_body(with_page_footnotes(doc), math="plain", sections=PRINT_SECTIONS)


#: Where the handout's own files (its images) are in WeasyPrint's eyes, whatever folder the project is in:
#: WeasyPrint names each raster image in the PDF after its URL (an md5 of it), so a real path would make
#: the bytes depend on where the project lies (another checkout, a cluster worker's folder). The fetcher
#: maps it back to the project.
PROJECT_URL = "file:///publish-project/"


class ResourceRefused(Exception):
    """Why the sandbox refused a resource; carried inside WeasyPrint's FatalURLFetchingError."""

    def __init__(self, message: str, resource: str) -> None:
        super().__init__(message)
        self.resource = resource


@functools.cache
def _fetcher_class() -> type:
    """A WeasyPrint URLFetcher that reads only files inside the allowed folders and data: URLs.

    Built lazily: importing WeasyPrint costs ~0.6 s, which a build that makes no PDF should not pay.
    WeasyPrint 70 calls ``fetch(url, headers)`` and lets only ``FatalURLFetchingError`` (a BaseException)
    escape the rendering; any other exception becomes a logged ERROR, which also fails the build.
    """
    load_weasyprint()
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class SandboxFetcher(URLFetcher):
        def __init__(self, roots: list[Path], denied: list[Path]) -> None:
            super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True, allow_redirects=False)
            self.roots = [r.resolve() for r in roots]
            self.denied = [d.resolve() for d in denied]
            #: the files read while this is a list (``pdf_warm`` notes what a stylesheet's parsing read)
            self.fetched: list[Path] | None = None

        def refuse(self, message: str, resource: str) -> None:
            exc = FatalURLFetchingError(message)
            exc.__cause__ = ResourceRefused(message, resource)
            raise exc

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                # Refused here, before urllib is reached: no request is ever made.
                self.refuse(f"remote resource refused: {url}", url)
            path = Path(unquote(urlsplit(url).path))
            virtual = Path(urlsplit(PROJECT_URL).path)
            if path.is_relative_to(virtual):
                path = self.roots[0] / path.relative_to(virtual)
                url = path.as_uri()
            path = path.resolve()
            inside = any(path.is_relative_to(r) for r in self.roots)
            if not inside or any(path.is_relative_to(d) for d in self.denied):
                self.refuse(f"file outside the project refused: {path}", str(path))
            if not path.is_file():
                shown = path.relative_to(self.roots[0]) if path.is_relative_to(self.roots[0]) else path
                self.refuse(f"missing resource: {shown}", str(path))
            if self.fetched is not None:
                self.fetched.append(path)
            return super().fetch(url, headers)

    return SandboxFetcher


def sandbox_fetcher(project_root: Path, brand_folder: Path, build: Path) -> Any:
    """The fetcher for one render: the project (minus build/) and the brand's folder."""
    return _fetcher_class()([project_root, brand_folder], [build])


def page_counter_css(text: str) -> str:
    """A CSS ``content`` value for "Page {page} of {pages}" in any language: the words as CSS strings,
    the numbers as the page counters."""
    out = []
    for part in re.split(r"(\{page\}|\{pages\})", text):
        if part == "{page}":
            out.append("counter(page)")
        elif part == "{pages}":
            out.append("counter(pages)")
        elif part:
            out.append('"' + part.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"')
    return " ".join(out)


class _LogCollector(logging.Handler):
    """WeasyPrint reports problems through logging; an ERROR must fail the build, not vanish."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_ErrorCollector = _LogCollector  # the name other modules and tests knew


def qr_code(url: str, brand: Brand, alt: str | None = None) -> dict[str, str]:
    """A QR code for ``url`` as an SVG data: URI (segno), with alt text for PDF/UA."""
    import segno

    qr = segno.make(url, error="m", micro=False)
    src = qr.svg_data_uri(scale=4, border=2, dark=brand.colors["foreground"], light="#ffffff")
    return {"src": src, "url": url, "alt": alt or f"QR code linking to the web version of this handout at {url}"}


@contextlib.contextmanager
def _source_date_epoch(timestamp: int) -> Iterator[None]:
    """SOURCE_DATE_EPOCH for the render, unless the caller set it.

    Without libharfbuzz-subset0 WeasyPrint subsets fonts with fontTools, which stamps each font's ``head``
    table with the current time unless SOURCE_DATE_EPOCH is set: the PDF would differ on every build.
    """
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(timestamp)
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


#: The garbage collector's thresholds while WeasyPrint lays out and draws (see :func:`_fewer_collections`).
RENDER_GC_THRESHOLDS = (10_000, 10, 10)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect less often while WeasyPrint renders, then as before.

    A render allocates millions of short-lived objects (boxes, styles, text runs) and keeps the pages it
    lays out until they are drawn, so at Python's default thresholds (700, 10, 10) the collector ran
    about 1,450 times during the long manuscript's render, each older-generation pass walking a heap
    that only grows: 1.4-1.5 s of a 10 s render (gc.callbacks). At 10,000 it runs about 100 times for
    0.4 s; the peak resident size is the same (296 MB), since what the passes found to free was little,
    and so are the PDF's bytes (the collector frees memory, it decides nothing that is drawn)."""
    saved = gc.get_threshold()
    gc.set_threshold(*RENDER_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def _line_naming(text: str, resource: str) -> int | None:
    """The manuscript line that refers to a refused resource (by URL, else by file name)."""
    needles = [resource, Path(urlsplit(resource).path).name]
    for needle in needles:
        if not needle:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if needle in line:
                return n
    return None


@register
class PdfFormat(Format):
    name = "pdf"
    ext = "pdf"
    rank = 20

    editions = ("", LARGE_PRINT_SUFFIX)
    heavy = True
    labels = ("printable_pdf", "large_print_pdf")

    def render(self, doc: Document, brand: Brand, edition: str = "",
               links: Sequence[Link] = ()) -> dict[Path, bytes]:
        large = edition == LARGE_PRINT_SUFFIX
        return {self.output(doc.stem, brand, edition): self.pdf_bytes(doc, brand, large_print=large)}

    # Markup ------------------------------------------------------------------------------------------------

    def print_css(self, brand: Brand, *, large_print: bool = False, lang: str = "en",
                  families: tuple[str, ...] | None = None) -> str:
        from ..languages import is_rtl

        words = labels(lang, self.template_paths(brand))
        return render(
            "print.css.j2",
            self.template_paths(brand),
            {
                "brand_css": brand.css_variables(),
                "font_faces": brand.font_faces(lambda f: f.path.as_uri(), uncompressed=True, families=families),
                "paper": brand.paper,
                "large_print": large_print,
                "page_of": page_counter_css(words.page_of),
                "rtl": is_rtl(lang),
            },
        )

    def web_url(self, doc: Document, brand: Brand) -> str | None:
        base = doc.settings.base_url
        return f"{base.rstrip('/')}/{brand.name}/{doc.stem}.html" if base else None

    def handout_css(self, doc: Document, brand: Brand, *, large_print: bool = False) -> str:
        """The stylesheet the handout inlines: the print stylesheet with only the faces this handout's
        letters need (a Latin handout loads no Chinese font)."""
        from ..coverage import needed_families

        return self.print_css(brand, large_print=large_print, lang=doc.settings.lang,
                              families=needed_families(doc, brand))

    def html(self, doc: Document, brand: Brand, *, large_print: bool = False, css: str | None = None) -> str:
        """The handout's HTML, its stylesheet inlined (``css``: :meth:`handout_css`, when already made)."""
        if css is None:
            css = self.handout_css(doc, brand, large_print=large_print)
        if "</" in css:  # the stylesheet is inlined in <style>: it must not be able to close it
            raise PublishError("print stylesheet contains '</'", file="print.css.j2",
                               hint="remove '</' from the stylesheet and the brand's values")
        url = self.web_url(doc, brand)
        # a document print_document() reduced has no notes left: the same one, whose body is written
        context = page_context(with_page_footnotes(doc), brand, self.template_paths(brand), sections=PRINT_SECTIONS)
        context.update(
            css=Markup(css),
            logo_src=brand.logo.as_uri() if brand.logo else None,
            large_print=large_print,
            qr=qr_code(url, brand, context["t"].format("qr_alt", url=url)) if url else None,
            contents=toc(doc) if doc.settings.toc is True else [],  # asked for: a handout is short
        )
        html = render("handout.html.j2", self.template_paths(brand), context)
        return decorative_as_backgrounds(html, doc.source.parent)  # artifacts, not untagged figures

    # PDF -------------------------------------------------------------------------------------------------

    def identifier(self, doc: Document, brand: Brand, *, large_print: bool = False) -> bytes:
        """A fixed /ID for this manuscript, brand and edition: the same on every rebuild."""
        edition = LARGE_PRINT_SUFFIX if large_print else "standard"
        return hashlib.sha256(f"publish:{doc.stem}:{brand.name}:{edition}".encode()).hexdigest()[:32].encode()

    def base_url(self, doc: Document) -> str:
        """The manuscript's folder as WeasyPrint sees it: under :data:`PROJECT_URL` when it is in the project."""
        folder, root = doc.source.parent.resolve(), self.project.root.resolve()
        if not folder.is_relative_to(root):
            return folder.as_uri() + "/"
        rel = folder.relative_to(root).as_posix()
        return PROJECT_URL + ("" if rel == "." else quote(rel) + "/")

    def pdf_bytes(self, doc: Document, brand: Brand, *, large_print: bool = False,
                  log: list[logging.LogRecord] | None = None, stats: dict[str, Any] | None = None) -> bytes:
        """Render one edition.

        WeasyPrint's log records (WARNING and up) are appended to ``log`` and the page count is put in
        ``stats["pages"]``, when they are given (tests and benchmarks).
        """
        weasyprint = load_weasyprint()
        from weasyprint.urls import FatalURLFetchingError

        css = self.handout_css(doc, brand, large_print=large_print)
        html = self.html(doc, brand, large_print=large_print, css=css)
        fetcher = sandbox_fetcher(self.project.root, brand.folder, self.project.build)
        collector = _LogCollector()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(collector)
        try:
            options = {
                "pdf_variant": PDF_VARIANT,
                "pdf_identifier": self.identifier(doc, brand, large_print=large_print),
                "uncompressed_pdf": False,
                "custom_metadata": True,
            }
            base_url = self.base_url(doc)
            with _fewer_collections():
                source = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
                with warm_styles(css, base_url, fetcher) as font_config:  # parsed before, if it is the same
                    rendered = source.render(font_config=font_config, **options)  # write_pdf, keeping the pages
                with _source_date_epoch(doc.timestamp):
                    data = rendered.write_pdf(**options)
            if stats is not None:
                stats["pages"] = len(rendered.pages)
        except FatalURLFetchingError as exc:
            cause = exc.__cause__
            while cause is not None and not isinstance(cause, ResourceRefused):
                cause = cause.__cause__
            message = str(cause) if cause is not None else str(exc)
            resource = cause.resource if isinstance(cause, ResourceRefused) else ""
            raise PublishError(message, file=doc.source, line=_line_naming(_source_text(doc), resource),
                               hint="use images inside the project; nothing is fetched from the web") from None
        finally:
            logger.removeHandler(collector)
        if log is not None:
            log.extend(collector.records)
        errors = [r for r in collector.records if r.levelno >= logging.ERROR]
        if errors:
            raise PublishError(f"PDF rendering failed: {errors[0].getMessage()}", file=doc.source,
                               hint="fix the resource or markup named")
        return data


def _source_text(doc: Document) -> str:
    try:
        return doc.source.read_text(encoding="utf-8")
    except OSError:
        return ""
