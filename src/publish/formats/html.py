"""Clinic-branded HTML pages: pandoc's HTML body inside a Jinja2 page, local assets beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..brand import Brand
from ..document import Document
from ..templates import render
from .base import Format, body_html, register, toc


def page_context(doc: Document, brand: Brand) -> dict[str, Any]:
    """What every page-like template (HTML page, print handout) is given. One place, so they agree."""
    s = doc.settings
    return {
        "doc": {
            "stem": doc.stem,
            "title": s.title,
            "subtitle": s.subtitle,
            "short_title": s.short_title,
            "authors": list(s.authors),
            "date": doc.date.isoformat(),
            "lang": s.lang,
            "description": s.description,
            "keywords": list(s.keywords),
            "publisher": s.publisher or brand.full_name,
            "rights": s.rights,
        },
        "brand": {
            "name": brand.name,
            "full_name": brand.full_name,
            "short_name": brand.short_name,
            "home": brand.home,
            "logo_alt": brand.logo_alt,
            "has_logo": brand.logo is not None,
            "details": brand.details,
            "is_sample": brand.is_sample,
            "paper": brand.paper,
        },
        "toc": toc(doc) if s.toc else [],
        "body": Markup(body_html(doc)),
    }


def json_ld(doc: Document, brand: Brand, url: str | None) -> dict[str, Any]:
    """schema.org MedicalWebPage with the article's citations (from the bibliography's entries)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "headline": doc.settings.title,
        "name": doc.settings.title,
        "description": doc.settings.description,
        "inLanguage": doc.settings.lang,
        "datePublished": doc.date.isoformat(),
        "keywords": ", ".join(doc.settings.keywords),
        "author": [{"@type": "Organization" if len(a.split()) > 3 else "Person", "name": a}
                   for a in doc.settings.authors],
        "publisher": {"@type": "Organization", "name": brand.full_name},
        "citation": bibliography_texts(doc),
    }
    if url:
        data["url"] = url
    return data


def bibliography_texts(doc: Document) -> list[str]:
    """The formatted bibliography entries as plain text, in order."""
    from .base import _plain

    out: list[str] = []

    def walk(blocks: list[dict[str, Any]]) -> None:
        for b in blocks:
            if b.get("t") != "Div":
                continue
            (ident, classes, _kv), inner = b["c"]
            if "csl-entry" in classes:
                text = " ".join(_plain(x["c"]) for x in inner if x.get("t") in ("Para", "Plain"))
                if not text:  # numeric styles nest the entry's parts in spans inside a Para/Plain
                    text = " ".join(_plain(x.get("c", [])) for x in inner)
                out.append(" ".join(text.split()))
            else:
                walk(inner)

    walk(doc.ast.get("blocks", []))
    return out


@register
class HtmlFormat(Format):
    name = "html"
    ext = "html"

    def asset_files(self, brand: Brand) -> dict[Path, bytes]:
        """The brand's stylesheet, logo and fonts, copied under build/<brand>/assets/."""
        assets = self.project.build / brand.name / "assets"
        css = render("site.css.j2", self.template_paths(brand), {"brand_css": brand.css_variables(),
                                                                 "font_faces": brand.font_faces(
                                                                     lambda f: "fonts/" + f.path.name)})
        files = {assets / "site.css": css.encode("utf-8")}
        if brand.logo:
            files[assets / ("logo" + brand.logo.suffix)] = brand.logo.read_bytes()
        for f in brand.fonts:
            files[assets / "fonts" / f.path.name] = f.path.read_bytes()
        return files

    def render(self, doc: Document, brand: Brand) -> dict[Path, bytes]:
        base = doc.settings.base_url
        url = f"{base}/{brand.name}/{doc.stem}.html" if base else None
        context = page_context(doc, brand)
        context.update(
            css_href="assets/site.css",
            logo_src=("assets/logo" + brand.logo.suffix) if brand.logo else None,
            canonical=url,
            json_ld=json_ld(doc, brand, url),
            downloads={"pdf": f"{doc.stem}.pdf", "epub": f"{doc.stem}.epub"},
        )
        page = render("article.html.j2", self.template_paths(brand), context)
        files = {self.project.output(brand.name, doc.stem, "html"): page.encode("utf-8")}
        files.update(self.asset_files(brand))
        return files

    def render_index(self, brand: Brand, entries: list[dict[str, Any]]) -> dict[Path, bytes]:
        """``build/<brand>/index.html``: every manuscript of the brand with links to its outputs."""
        context = {
            "brand": {"name": brand.name, "full_name": brand.full_name, "home": brand.home,
                      "logo_alt": brand.logo_alt, "details": brand.details, "is_sample": brand.is_sample},
            "entries": sorted(entries, key=lambda e: e["title"].lower()),
            "css_href": "assets/site.css",
            "logo_src": ("assets/logo" + brand.logo.suffix) if brand.logo else None,
            "lang": entries[0]["lang"] if entries else "en",
        }
        page = render("index.html.j2", self.template_paths(brand), context)
        files = {self.project.build / brand.name / "index.html": page.encode("utf-8")}
        files.update(self.asset_files(brand))
        return files


