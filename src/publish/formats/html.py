"""Clinic-branded HTML pages: pandoc's HTML body inside a Jinja2 page, local assets beside it."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..brand import Brand
from ..dates import printed, review
from ..document import Document
from ..inlines import html as inline_html
from ..inlines import meta_inlines
from ..labels import Labels, labels
from ..languages import is_rtl
from ..templates import render
from .base import Format, Link, body_html, register, toc
from .tree import containers, containers_of, rebuilt, with_id

REF_PREFIX = "#ref-"  # the cite layer links each citation to its entry's id, ref-KEY
CITE_ID = "cite-{key}-{n}"  # the id this module gives the n-th citation of KEY (when the cite layer gave none)


def _str(text: str) -> dict[str, Any]:
    return {"t": "Str", "c": text}


def _span(classes: list[str], inlines: list[dict[str, Any]], attrs: list[list[str]] | None = None) -> dict[str, Any]:
    return {"t": "Span", "c": [["", classes, attrs or []], inlines]}


def add_backlinks(ast: dict[str, Any], words: Labels | None = None) -> dict[str, Any]:
    """Citations link to their entries (``#ref-KEY``, from the cite layer); this links each entry back.

    Every citation link gets an id (kept when the cite layer set one), and every bibliography entry
    (``Div#ref-KEY.csl-entry``) ends with one back-link per citation of it, in reading order.
    Returns a new AST that shares every unchanged part with ``ast``; the document is not changed."""
    words = words or labels("en")
    blocks = ast.get("blocks", [])

    def bibliography(element: dict[str, Any]) -> bool:  # its own links are not citations
        return element.get("t") == "Div" and "csl-bib-body" in element["c"][0][1]

    def entry(element: dict[str, Any]) -> bool:
        if element.get("t") != "Div":
            return False
        ident, classes, _kv = element["c"][0]
        return "csl-entry" in classes and ident.startswith("ref-")

    # One walk finds the citation links (outside the bibliography) and the entries (inside it or not).
    citations: list[tuple[int, dict[str, Any], str]] = []
    entries: list[tuple[int, dict[str, Any]]] = []
    def cites(i: int, element: dict[str, Any]) -> None:
        if element.get("t") == "Link" and element["c"][2][0].startswith(REF_PREFIX):
            citations.append((i, element, element["c"][2][0][len(REF_PREFIX):]))

    for i, element in containers_of(blocks, lambda e: bibliography(e) or entry(e)):
        cites(i, element)
        if element.get("t") != "Div":
            continue
        if bibliography(element):
            entries.extend((i, e) for e in containers(element["c"][1], entry) if entry(e))
        elif entry(element):  # an entry outside a bibliography: what it cites counts
            entries.append((i, element))
            for inner in containers(element["c"][1], bibliography):
                cites(i, inner)
    if not citations:
        return ast
    cited: dict[str, list[str]] = {}
    links: dict[int, Any] = {}  # id() of a citation link without an id -> the link with one
    where: set[int] = set()  # the blocks that hold what changes
    used: set[str] | None = None
    for i, link, key in citations:
        ids = cited.setdefault(key, [])
        ident = link["c"][0][0]
        if not ident:
            used = _ids(blocks) if used is None else used
            n = len(ids) + 1
            while (ident := CITE_ID.format(key=key, n=n)) in used:
                n += 1
            used.add(ident)
            links[id(link)] = with_id(link, ident)
            where.add(i)
        ids.append(ident)
    changes = dict(links)
    for i, element in entries:
        if ids := cited.get(element["c"][0][0][len("ref-"):]):
            attr, inner = element["c"]
            changes[id(element)] = {"t": "Div", "c": [attr, _appended(rebuilt(inner, links), _backrefs(ids, words))]}
            where.add(i)
    return dict(ast, blocks=rebuilt(blocks, changes, sorted(where)))


def _ids(blocks: list[dict[str, Any]]) -> set[str]:
    """Every id the document's elements already have."""
    used: set[str] = set()
    for element in containers(blocks):
        c = element.get("c")
        if element.get("t") in ("Link", "Span", "Div", "Header", "Code", "CodeBlock", "Image") and c:
            attr = c[0] if element["t"] != "Header" else c[1]
            if isinstance(attr, list) and attr and isinstance(attr[0], str) and attr[0]:
                used.add(attr[0])
    return used


def _backrefs(ids: list[str], words: Labels) -> dict[str, Any]:
    """The links from one entry back to its citations: an arrow (and a number when there are several)
    for the eye, the words for a screen reader."""
    out: list[dict[str, Any]] = []
    for n, ident in enumerate(ids, 1):
        label = words.format("back_to_citation_n", n=n) if len(ids) > 1 else words.back_to_citation
        visible = [_span([], [_str("↩")], [["aria-hidden", "true"]])]
        if len(ids) > 1:
            visible.append(_span([], [_str(str(n))], [["aria-hidden", "true"]]))
        hidden_attrs = [["lang", words.fallback]] if words.fallback else []
        content = [*visible, _span(["visually-hidden"], [_str(label)], hidden_attrs)]
        if out:
            out.append({"t": "Space"})
        out.append({"t": "Link", "c": [["", ["backref"], [["role", "doc-backlink"]]], content, ["#" + ident, ""]]})
    return _span(["backrefs"], out)


def _appended(blocks: list[dict[str, Any]], inline: dict[str, Any]) -> list[dict[str, Any]]:
    """New blocks with ``inline`` at the end of the last paragraph (of the last Div, when it ends with one)."""
    last = blocks[-1] if blocks else None
    if last and last.get("t") in ("Para", "Plain"):
        return [*blocks[:-1], {"t": last["t"], "c": [*last["c"], {"t": "Space"}, inline]}]
    if last and last.get("t") == "Div":
        attr, inner = last["c"]
        return [*blocks[:-1], {"t": "Div", "c": [attr, _appended(inner, inline)]}]
    return [*blocks, {"t": "Plain", "c": [inline]}]


def _with_backlinks(doc: Document, words: Labels) -> Document:
    linked = copy.copy(doc)  # shallow: only the AST differs
    linked.ast = add_backlinks(doc.ast, words)
    return linked


def brand_context(brand: Brand) -> dict[str, Any]:
    """What templates know about the clinic (the same for article and index pages). ``lang_of(key)``: the
    ``lang`` and ``dir`` attributes of a text that is not in the reader's language ("details.crisis"), or ""."""

    def lang_of(key: str) -> Markup:
        tag = brand.stand_ins.get(key)
        return Markup(f' lang="{tag}" dir="{"rtl" if is_rtl(tag) else "ltr"}"') if tag else Markup("")

    return {
        "lang_of": lang_of,
        "name": brand.name,
        "full_name": brand.full_name,
        "short_name": brand.short_name,
        "home": brand.home,
        "logo_alt": brand.logo_alt,
        "has_logo": brand.logo is not None,
        "colors": dict(brand.colors),
        "details": brand.details,
        "is_sample": brand.is_sample,
        "paper": brand.paper,
    }


def page_context(doc: Document, brand: Brand, paths: tuple[Path, ...], *, backlinks: bool = False,
                 math: str = "plain", sections: bool = True) -> dict[str, Any]:
    """What every page-like template (HTML page, print handout) is given. One place, so they agree.

    ``paths``: the template search path (labels.yml files there adjust the words around the text);
    ``backlinks``: link each bibliography entry back to its citations (web page: yes; print: no)."""
    s = doc.settings
    words = labels(s.lang, paths)
    return {
        "t": words,
        "languages": languages(doc, brand),
        "doc": {
            "stem": doc.stem,
            "title": s.title,
            "title_html": inline_html(meta_inlines(doc.ast.get("meta", {}), "title")) or s.title,
            "subtitle": s.subtitle,
            "short_title": s.short_title,
            "authors": list(s.authors),
            "date": doc.date.isoformat(),
            "date_text": printed(doc.date, s.lang, s.date_format),
            "review": review(s, words),
            "lang": s.lang,
            "dir": "rtl" if is_rtl(s.lang) else "ltr",
            "description": s.description,
            "keywords": list(s.keywords),
            "publisher": s.publisher or brand.full_name,
            "rights": s.rights,
        },
        "brand": brand_context(brand),
        "toc": toc(doc) if s.toc is not False else [],  # the web page's unless toc: false
        "body": Markup(body_html(_with_backlinks(doc, words) if backlinks else doc, math=math, sections=sections)),
    }


def languages(doc: Document, brand: Brand) -> list[dict[str, Any]]:
    """The handout's language editions for the page's links to them: each named in its own language
    ("Español", from CLDR) and written in its own direction (``dir``: "English" on an Arabic page is an
    isolated left-to-right run), its page beside this one and, with ``base-url``, its web address;
    ``current`` marks this one. Empty for a handout in one language."""
    from ..languages import endonym, is_rtl

    base = doc.settings.base_url
    out = []
    for alt in doc.alternates:
        href = f"{alt.stem}.html"
        out.append({"lang": alt.lang, "name": endonym(alt.lang), "dir": "rtl" if is_rtl(alt.lang) else "ltr",
                    "href": href, "current": alt.stem == doc.stem,
                    "url": f"{base.rstrip('/')}/{brand.name}/{href}" if base else None})
    return out


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
        **({"lastReviewed": doc.settings.reviewed.isoformat()} if doc.settings.reviewed else {}),
        **({"reviewedBy": {"@type": "Person", "name": doc.settings.reviewed_by}} if doc.settings.reviewed_by else {}),
        **({"version": doc.settings.version} if doc.settings.version else {}),
        "keywords": ", ".join(doc.settings.keywords),
        "author": [{"@type": "Organization" if len(a.split()) > 3 else "Person", "name": a}
                   for a in doc.settings.authors],
        "publisher": {"@type": "Organization", "name": brand.full_name, **({"url": brand.home} if brand.home else {})},
        "isAccessibleForFree": True,
        "citation": bibliography_texts(doc),
    }
    if url:
        data["url"] = url
    return data


def bibliography_texts(doc: Document) -> list[str]:
    """The formatted bibliography entries as plain text, in order."""
    from ..inlines import plain_text as _plain

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
    rank = 10
    links_others = True
    labels = ("web_page",)

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

    def render(self, doc: Document, brand: Brand, edition: str = "", links: Sequence[Link] = ()) -> dict[Path, bytes]:
        base = doc.settings.base_url
        url = f"{base}/{brand.name}/{doc.stem}.html" if base else None
        context = page_context(doc, brand, self.template_paths(brand), backlinks=True, math="mathml")
        context.update(
            css_href="assets/site.css",
            logo_src=("assets/logo" + brand.logo.suffix) if brand.logo else None,
            canonical=url,
            json_ld=json_ld(doc, brand, url),
            downloads=[link for link in links if link.href != f"{doc.stem}.{self.ext}"],
        )
        page = render("article.html.j2", self.template_paths(brand), context)
        files = {self.project.output(brand.name, doc.stem, "html"): page.encode("utf-8")}
        files.update(self.asset_files(brand))
        # The page refers to its images by their path relative to the manuscript; copy them to the same
        # place relative to the page (resources.local_images has already kept them inside the project).
        base_dir = doc.source.parent.resolve()
        for image in getattr(doc, "images", []):
            if image.is_relative_to(base_dir):
                files[self.project.build / brand.name / image.relative_to(base_dir)] = image.read_bytes()
        return files

    def render_index(self, brand: Brand, entries: list[dict[str, Any]]) -> dict[Path, bytes]:
        """``build/<brand>/index.html``: every manuscript of the brand with links to its outputs."""
        entries = copy.deepcopy(entries)  # the step's own entries stay as planned
        lang = entries[0]["lang"] if entries else "en"
        brand = brand.in_language(lang)
        from ..languages import endonym

        for e in entries:
            for item in (e, *e.get("editions", ())):
                due = item.get("next_review")
                item["next_review_text"] = printed(dt.date.fromisoformat(due), item["lang"], "long") if due else ""
                item["language"] = endonym(item["lang"])
                item["dir"] = "rtl" if is_rtl(item["lang"]) else "ltr"  # an Arabic title in an English list
            e.setdefault("editions", [])
        context = {
            "t": labels(lang, self.template_paths(brand)),
            "brand": brand_context(brand),
            "entries": sorted(entries, key=lambda e: e["title"].lower()),
            "css_href": "assets/site.css",
            "logo_src": ("assets/logo" + brand.logo.suffix) if brand.logo else None,
            "lang": lang,
            "dir": "rtl" if is_rtl(lang) else "ltr",
        }
        page = render("index.html.j2", self.template_paths(brand), context)
        files = {self.project.build / brand.name / "index.html": page.encode("utf-8")}
        files.update(self.asset_files(brand))
        return files


