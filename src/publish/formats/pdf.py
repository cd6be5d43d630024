"""The printable handout: a print template rendered by WeasyPrint as tagged PDF/UA-1."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..brand import Brand
from ..document import Document
from ..errors import PublishError
from ..templates import render
from .base import Format, register
from .html import page_context


def _fetcher_class() -> type:
    """A WeasyPrint URLFetcher that reads only files inside the allowed folders and data: URLs.

    Built lazily: importing WeasyPrint costs ~0.6 s, which a build that makes no PDF should not pay.
    """
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class SandboxFetcher(URLFetcher):
        def __init__(self, roots: list[Path]) -> None:
            super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
            self.roots = [r.resolve() for r in roots]

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise FatalURLFetchingError(f"remote resource refused: {url}")
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(r) for r in self.roots):
                raise FatalURLFetchingError(f"file outside the project refused: {path}")
            if not path.is_file():
                raise FatalURLFetchingError(f"missing resource: {path}")
            return super().fetch(url, headers)

    return SandboxFetcher


class _ErrorCollector(logging.Handler):
    """WeasyPrint reports problems through logging; an ERROR must fail the build, not vanish."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@register
class PdfFormat(Format):
    name = "pdf"
    ext = "pdf"

    def print_css(self, brand: Brand, *, large_print: bool = False) -> str:
        return render(
            "print.css.j2",
            self.template_paths(brand),
            {
                "brand_css": brand.css_variables(),
                "font_faces": brand.font_faces(lambda f: f.path.as_uri()),
                "paper": brand.paper,
                "large_print": large_print,
            },
        )

    def html(self, doc: Document, brand: Brand, *, large_print: bool = False) -> str:
        context = page_context(doc, brand)
        context.update(
            css=self.print_css(brand, large_print=large_print),
            logo_src=brand.logo.as_uri() if brand.logo else None,
            large_print=large_print,
        )
        return render("handout.html.j2", self.template_paths(brand), context)

    def render(self, doc: Document, brand: Brand) -> dict[Path, bytes]:
        return {self.project.output(brand.name, doc.stem, "pdf"): self.pdf_bytes(doc, brand)}

    def pdf_bytes(self, doc: Document, brand: Brand, *, large_print: bool = False) -> bytes:
        import weasyprint

        html = self.html(doc, brand, large_print=large_print)
        fetcher = _fetcher_class()([self.project.root, brand.folder])
        collector = _ErrorCollector()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(collector)
        try:
            document = weasyprint.HTML(
                string=html, base_url=doc.source.parent.as_uri() + "/", url_fetcher=fetcher
            )
            ident = hashlib.sha256(f"publish:{doc.stem}:{brand.name}:{large_print}".encode()).hexdigest()[:32]
            data = document.write_pdf(
                pdf_variant="pdf/ua-1",
                pdf_identifier=ident.encode("ascii"),
                uncompressed_pdf=False,
                custom_metadata=True,
            )
        except Exception as exc:
            if type(exc).__name__ == "FatalURLFetchingError":
                raise PublishError(str(exc), file=doc.source,
                                   hint="use files inside the project; nothing is fetched from the web") from None
            raise
        finally:
            logger.removeHandler(collector)
        errors = [r for r in collector.records if r.levelno >= logging.ERROR]
        if errors:
            raise PublishError(f"PDF rendering failed: {errors[0].getMessage()}", file=doc.source,
                               hint="fix the resource or markup named")
        return data
