"""The e-book edition: EPUB 3 written by pandoc from the same cited AST, styled from the brand.

The steps, each in its own module:

1. ``epub_ast``: reshape a copy of the AST into chapters (article, bibliography) with two-way citation links;
2. ``epub_cover``: draw the cover (an SVG) from the brand and the title;
3. pandoc's EPUB writer, with our page template (``styles/templates/epub/epub3.xhtml``), the stylesheet
   generated from the brand (``epub.css.j2``), the brand's fonts and the package metadata;
4. ``epub_package``: finish what pandoc cannot express and write the zip deterministically.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..brand import Brand
from ..coverage import needed_families
from ..dates import printed, review
from ..document import Document
from ..errors import PublishError
from ..labels import Labels, labels
from ..languages import is_rtl
from ..pandoc import run_pandoc
from ..templates import render
from .base import Format, Link, ast_json, register
from .epub_ast import shape
from .epub_cover import cover_alt, cover_svg
from .epub_package import PackageInfo, finish, read_zip, write_zip

PAGE_TEMPLATE = "epub3.xhtml"
# Front-matter keys the EPUB sets itself (or that only mean something to other writers).
_OWN_META = ("cover-image", "toc-title", "bibliography", "csl", "references", "nocite", "header-includes",
             "lang", "publisher", "date", "identifier", "description", "subject", "keywords")


def _meta_string(text: str) -> dict[str, Any]:
    return {"t": "MetaString", "c": text}


def _meta_list(items: list[str]) -> dict[str, Any]:
    return {"t": "MetaList", "c": [_meta_string(i) for i in items]}


@register
class EpubFormat(Format):
    name = "epub"
    ext = "epub"
    rank = 30
    labels = ("ebook",)

    def stylesheet(self, brand: Brand, families: tuple[str, ...] | None = None) -> str:
        """The EPUB stylesheet with the brand's values written out (no custom properties, no inline styles);
        ``families``: the faces the book embeds (a handout's, coverage.needed_families), else all."""
        c = brand.colors
        context = {
            "colors": {"primary": c["primary"], "heading": c["heading"], "link": c["link"],
                       "foreground": c["foreground"], "light": c.get("light", c["background"])},
            "fonts": {"base": brand.font_stack(brand.base_family),
                      "heading": brand.font_stack(brand.heading_family)},
            "line_height": brand.line_height,
            "font_faces": brand.font_faces(lambda f: "../fonts/" + f.path.name, families=families),
        }
        return render("epub.css.j2", self.template_paths(brand), context)

    def page_template(self, brand: Brand) -> Path:
        for folder in self.template_paths(brand):
            if (folder / PAGE_TEMPLATE).is_file():
                return folder / PAGE_TEMPLATE
        raise PublishError(f"template '{PAGE_TEMPLATE}' not found",
                           hint="searched " + ", ".join(str(p) for p in self.template_paths(brand)))

    def words(self, doc: Document, brand: Brand) -> Labels:
        return labels(doc.settings.lang, self.template_paths(brand))

    def metadata(self, doc: Document, brand: Brand) -> dict[str, Any]:
        """The package metadata pandoc writes, as AST metadata (so no value is parsed as Markdown twice)."""
        s = doc.settings
        meta = {k: v for k, v in doc.ast.get("meta", {}).items() if k not in _OWN_META}
        meta.update({
            "title": _meta_string(s.title),
            "author": _meta_list(list(s.authors)),
            "identifier": _meta_string(f"urn:uuid:{doc.identifier(brand.name)}"),
            "publisher": _meta_string(s.publisher or brand.full_name),
            "date": _meta_string(doc.date.isoformat()),  # dc:date stays ISO 8601; the title page prints:
            "date-text": _meta_string(printed(doc.date, s.lang, s.date_format)),
            "lang": _meta_string(s.lang),
            "subject": _meta_list(list(s.keywords)),
            "toc-title": _meta_string(str(s.raw.get("toc-title") or self.words(doc, brand).contents)),
        })
        if is_rtl(s.lang):  # pandoc writes dir on every page and page-progression-direction in the spine
            meta["dir"] = meta["page-progression-direction"] = _meta_string("rtl")
        if s.description:
            meta["description"] = _meta_string(s.description)
        if s.subtitle:
            meta["subtitle"] = _meta_string(s.subtitle)
        d = brand.details
        contact = " · ".join(str(d[k]) for k in ("address", "phone", "email") if d.get(k))
        record = review(s, self.words(doc, brand))
        for key, value in (("clinic-contact", contact), ("clinic-crisis", d.get("crisis")),
                           ("clinic-disclaimer", d.get("disclaimer")), ("clinic-review", record and record["line"])):
            if value:
                meta[key] = _meta_string(str(value))
        return meta

    def render(self, doc: Document, brand: Brand, edition: str = "",
               links: Sequence[Link] = ()) -> dict[Path, bytes]:
        s = doc.settings
        words = self.words(doc, brand)
        book = shape(doc.ast, title=s.title, short_title=s.short_title, words=words,
                     section_title=s.reference_section_title)
        ast = dict(doc.ast, blocks=book.blocks, meta=self.metadata(doc, brand))
        alt = cover_alt(s.title, brand)
        with tempfile.TemporaryDirectory(prefix="publish-epub-") as tmp:
            css = Path(tmp) / "stylesheet.css"
            families = needed_families(doc, brand)
            css.write_text(self.stylesheet(brand, families), encoding="utf-8")
            cover_name, cover_data = self.cover(doc, brand)
            (Path(tmp) / cover_name).write_bytes(cover_data)
            ast["meta"]["cover-image"] = _meta_string(cover_name)
            out = Path(tmp) / "book.epub"
            args = [
                "--from", "json", "--to", "epub3", "--output", str(out),
                "--template", str(self.page_template(brand)),
                "--css", str(css),
                "--toc", "--toc-depth=6", "--split-level=1",
                "--resource-path", str(doc.source.parent),  # the manuscript's images, embedded
            ]
            for f in brand.fonts:
                if f.family in families:
                    args += ["--epub-embed-font", str(f.path)]
            env = dict(os.environ, SOURCE_DATE_EPOCH=str(doc.timestamp))
            run_pandoc(args, ast_json(ast), what="write the EPUB", cwd=tmp, env=env)
            files = read_zip(out.read_bytes())
        info = PackageInfo(
            cover_alt=alt,
            certified_by=s.publisher or brand.full_name,
            summary=self.summary(book.bibliography),
            toc_label=str(ast["meta"]["toc-title"]["c"]),
            landmark_labels={"cover": words.landmark_cover, "titlepage": words.landmark_title_page,
                             "bodymatter": words.landmark_start},
            dir="rtl" if is_rtl(s.lang) else "",
        )
        package = write_zip(finish(files, info), doc.date)
        return {self.project.output(brand.name, doc.stem, "epub"): package}

    def cover(self, doc: Document, brand: Brand) -> tuple[str, bytes]:
        """The manuscript's own ``cover-image`` when it names one, else the cover drawn from the brand."""
        own = doc.settings.raw.get("cover-image")
        if not own:
            return "cover.svg", cover_svg(doc.settings.title, brand)
        path = (doc.source.parent / str(own)).resolve()
        if path.suffix.lower() not in (".svg", ".png", ".jpg", ".jpeg") or not path.is_file():
            raise PublishError(f"cover image '{own}' not found or not an SVG, PNG or JPEG image", file=doc.source,
                               hint="give cover-image: a path relative to the manuscript, or remove it to get a "
                                    "cover drawn from the brand")
        return "cover" + path.suffix.lower(), path.read_bytes()

    @staticmethod
    def summary(bibliography: bool) -> str:
        text = ("This publication meets WCAG 2.1 Level AA. It has a table of contents and headings for every "
                "section and a logical reading order. ")
        if bibliography:
            text += "Citations link to their bibliography entries, and each entry links back to where it is cited. "
        return text + "It contains no flashing, motion or sound."
