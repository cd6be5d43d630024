"""The reviewer's copy: a Word document written by pandoc from the same cited AST, dressed in the brand.

Clinicians review handouts in Word and send tracked changes back to the author, so the DOCX must say
exactly what the other formats say: pandoc's docx writer reads the AST our citation layer has already
cited (never pandoc's own citeproc), so citations and bibliography are those of the page and the PDF.

What the brand decides lives in ``styles/templates/docx/`` (a brand may override either file):

- ``styles.yml``: which Word style takes which brand font and colour, and whether Track Changes is on
  when the reviewer opens the file;
- ``header.xml.j2``: the page header, the clinic's name on every page.

The page is the brand's paper size (``defaults.publish.paper``), as in its PDF.

From them and pandoc's default reference document we build the brand's reference document (cached by
its content: a long-running process lets go of an edited brand's old one). pandoc writes the zip with
fixed timestamps (SOURCE_DATE_EPOCH, the document's own date) and a fixed order, so a rebuild is
byte-identical; the tests check it.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..brand import AA_TEXT, PAPER, TEXT_PAIRS, Brand, contrast
from ..document import Document
from ..errors import PublishError, did_you_mean
from ..inlines import elements
from ..pandoc import run_pandoc
from ..resources import DECORATIVE
from ..templates import render
from .base import Format, Link, register

STYLES_FILE = "styles.yml"
HEADER_TEMPLATE = "header.xml.j2"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER_REL = R + "/header"
HEADER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
#: Front-matter keys the reviewer's copy carries (title page and document properties); the rest are
#: build settings (bibliography, csl, ...) that pandoc would otherwise list as custom properties.
KEPT_META = ("title", "subtitle", "description", "keywords", "subject")
#: CSS's generic families: a brand may name one, Word knows none, so the style keeps pandoc's theme font.
GENERIC_FAMILIES = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "ui-serif",
                    "ui-sans-serif", "ui-monospace", "ui-rounded", "math", "emoji", "fangsong"}
FONT_ROLES = ("base", "heading")
#: Brand colours the brand check has already tried as text on white paper (brand.TEXT_PAIRS).
ON_PAPER = frozenset(text for text, back, _role in TEXT_PAIRS if back == "paper")
TOP_KEYS = ("document", "styles", "track-changes")
#: WordprocessingML's order of run properties (CT_RPr): Word refuses a file whose children are out of it.
RPR_ORDER = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
             "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
             "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
             "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath")
#: The settings (CT_Settings) that come before w:trackRevisions.
SETTINGS_BEFORE_TRACK = ("writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
                         "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
                         "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
                         "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges",
                         "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter", "gutterAtTop",
                         "hideSpellingErrors", "hideGrammaticalErrors", "activeWritingStyle", "proofState",
                         "formsDesign", "attachedTemplate", "linkStyles", "stylePaneFormatFilter",
                         "stylePaneSortMethod", "documentType", "mailMerge", "revisionView")
#: A paragraph's properties (CT_PPrBase) before its indentation.
PPR_BEFORE_IND = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
                  "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
                  "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
                  "snapToGrid", "spacing")
#: A section's properties (CT_SectPr) before its page size.
SECT_BEFORE_PGSZ = ("headerReference", "footerReference", "footnotePr", "endnotePr", "type")
#: Paper sizes (brand.yml's defaults.publish.paper) in twentieths of a point, width and height.
PAPER_TWIPS = {"a4": (11906, 16838), "letter": (12240, 15840)}
#: The children of a style (CT_Style) that come before its run properties.
BEFORE_STYLE_RPR = ("name", "aliases", "basedOn", "next", "link", "autoRedefine", "hidden", "uiPriority",
                    "semiHidden", "unhideWhenUsed", "qFormat", "locked", "personal", "personalCompose",
                    "personalReply", "rsid", "pPr")


@register
class DocxFormat(Format):
    name = "docx"
    ext = "docx"
    labels = ("word_document",)
    rank = 40

    def render(self, doc: Document, brand: Brand, edition: str = "",
               links: Sequence[Link] = ()) -> dict[Path, bytes]:
        reference = reference_docx(self.reference_spec(brand, hanging_indent=hanging_indent(doc)))
        ast = dict(doc.ast, meta=self.metadata(doc), blocks=doc.ast.get("blocks", []) + self.review_blocks(doc, brand))
        args = ["--from", "json", "--to", "docx", "--output", "-", "--reference-doc", "reference.docx",
                "--resource-path", str(doc.source.parent)]  # the manuscript's images, embedded
        shift = heading_shift(doc)
        if shift:
            args.append(f"--shift-heading-level-by={shift}")
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(doc.timestamp))
        data = json.dumps(ast, ensure_ascii=False).encode("utf-8")
        with tempfile.TemporaryDirectory(prefix="publish-docx-") as tmp:
            (Path(tmp) / "reference.docx").write_bytes(reference)
            out = run_pandoc(args, data, what="write the DOCX", cwd=tmp, env=env)
        if any(n.get("t") == "Image" and DECORATIVE in n["c"][0][1] for n in elements(doc.ast.get("blocks", []))):
            out = _replace_part(out, "word/document.xml", decorative_pictures)
        if "dir" in ast["meta"]:
            out = _replace_part(out, "word/document.xml", right_to_left_paragraphs)
        return {self.output(doc.stem, brand, edition): out}

    def review_blocks(self, doc: Document, brand: Brand) -> list[dict[str, Any]]:
        """The review record (last reviewed, by whom, next review, version, owner) as the document's last
        paragraph, in Word's own "Review" paragraph style (pandoc's custom-style)."""
        from ..dates import review
        from ..labels import labels

        record = review(doc.settings, labels(doc.settings.lang, self.template_paths(brand)))
        if record is None:
            return []
        para = {"t": "Para", "c": [{"t": "Str", "c": record["line"]}]}
        return [{"t": "Div", "c": [["", ["review"], [["custom-style", "Review"]]], [para]]}]

    def metadata(self, doc: Document) -> dict[str, Any]:
        """What pandoc puts on the title lines and in the document properties: the Document's title,
        authors, language, writing direction and date (its own date, never the clock, printed in the
        reader's language as every format prints it; the properties' date is SOURCE_DATE_EPOCH's).

        ``dir: rtl`` is pandoc's own switch for a right-to-left document: its DOCX writer then marks
        every paragraph ``w:bidi`` and every run ``w:rtl``, so Word lays out Arabic and Hebrew from the
        right, numbers and Latin runs inside them keeping their own direction."""
        from ..dates import printed
        from ..languages import is_rtl

        s = doc.settings
        meta = {k: v for k, v in doc.ast.get("meta", {}).items() if k in KEPT_META}
        meta.setdefault("title", _meta_string(s.title))
        meta["lang"] = _meta_string(s.lang)
        if is_rtl(s.lang):
            meta["dir"] = _meta_string("rtl")
        if s.authors:
            meta["author"] = {"t": "MetaList", "c": [_meta_string(a) for a in s.authors]}
        if s.date:
            meta["date"] = _meta_string(printed(doc.date, s.lang, s.date_format))
        return meta

    def reference_spec(self, brand: Brand, *, hanging_indent: bool = False) -> str:
        """Everything the brand's reference document is made of, as one JSON text: the key of its cache.
        Checked here, outside the cache, so every build reports a mistake in styles.yml or the header.
        ``hanging_indent``: the citation style wants its entries so (APA does), as the page and PDF show."""
        from lxml import etree

        paths = self.template_paths(brand)
        colors = {name: value.lstrip("#").upper() for name, value in sorted(brand.colors.items())}
        fonts = {"base": _word_family(brand.base_family), "heading": _word_family(brand.heading_family)}
        design = read_design(_find(paths, STYLES_FILE), fonts, colors, reference_style_ids())
        text = render(HEADER_TEMPLATE, paths, {
            "clinic": {"name": brand.full_name, "short_name": brand.short_name, "sample": brand.is_sample},
            "fonts": fonts, "colors": colors,
        })
        where = _find(paths, HEADER_TEMPLATE)
        try:
            header = etree.fromstring(text.strip().encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            raise PublishError(f"the DOCX header is not well-formed XML: {exc.msg}", file=where,
                               hint="the template must render one w:hdr element") from None
        if header.tag != f"{{{W}}}hdr":
            raise PublishError("the DOCX header template must render a w:hdr element", file=where,
                               hint=f"its root element is {header.tag}")
        return json.dumps({**design, "header": etree.tostring(header, encoding="unicode"), "paper": brand.paper,
                           "hanging_indent": hanging_indent}, sort_keys=True, ensure_ascii=False)


def _meta_string(text: str) -> dict[str, Any]:
    return {"t": "MetaString", "c": text}


def _word_family(family: str) -> str | None:
    return None if family.strip().lower() in GENERIC_FAMILIES else family


def hanging_indent(doc: Document) -> bool:
    """Whether the bibliography asks for hanging indents (the CSL style's ``hanging-indent``, which the
    citation layer writes as a class of the ``refs`` Div)."""
    return any(e.get("t") == "Div" and e["c"][0][0] == "refs" and "hanging-indent" in e["c"][0][1]
               for e in elements(doc.ast.get("blocks", [])))


def heading_shift(doc: Document) -> int:
    """How far to move headings so the top level is Word's Heading 1: manuscripts start sections at ``##``
    because the title is the page's ``<h1>``, and Word shows the title with its own Title style."""
    levels = [e["c"][0] for e in elements(doc.ast.get("blocks", [])) if e.get("t") == "Header"]
    return 1 - min(levels) if levels and min(levels) > 1 else 0


def _find(paths: tuple[Path, ...], name: str) -> Path:
    for folder in paths:
        if (folder / name).is_file():
            return folder / name
    raise PublishError(f"template '{name}' not found", hint="searched " + ", ".join(str(p) for p in paths))


def read_design(path: Path, fonts: dict[str, str | None], colors: dict[str, str],
                known: tuple[str, ...]) -> dict[str, Any]:
    """``styles.yml`` with the brand's values filled in: ``styles`` maps a style id to {"font": family,
    "color": RRGGBB} ("" is the document defaults); ``track_changes`` turns on Word's Track Changes.
    Every mistake is named with its line and what to write instead."""
    import yaml

    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PublishError(f"malformed {STYLES_FILE}: {getattr(exc, 'problem', exc)}", file=path,
                           line=mark.line + 1 if mark else None, col=mark.column + 1 if mark else None,
                           hint="fix the YAML") from None
    if not isinstance(data, dict) or set(data) - set(TOP_KEYS):
        extra = sorted(set(data) - set(TOP_KEYS)) if isinstance(data, dict) else []
        raise PublishError(f"{STYLES_FILE} must be a mapping of " + ", ".join(f"{k}:" for k in TOP_KEYS)
                           + (f" (unknown key {extra[0]!r})" if extra else ""), file=path,
                           **(_at(node, (extra[0],)) if extra else {"line": 1}),
                           hint=(did_you_mean(str(extra[0]), TOP_KEYS) if extra else None)
                           or "see styles/templates/docx/styles.yml")
    entries: list[tuple[tuple[str, ...], str, Any]] = [(("document",), "", data.get("document") or {})]
    styles = data.get("styles") or {}
    if not isinstance(styles, dict):
        raise PublishError("styles: must map style ids to a font and a colour", file=path,
                           **_at(node, ("styles",), value=True),
                           hint="write e.g. Heading1: {font: heading, color: heading}")
    entries += [(("styles", str(k)), str(k), v) for k, v in styles.items()]
    rules: dict[str, dict[str, str]] = {}
    for keys, style, rule in entries:
        where = ".".join(keys)
        if style and style not in known:
            raise PublishError(f"{where}: pandoc's Word styles have no style '{style}'", file=path,
                               **_at(node, keys),
                               hint=did_you_mean(style, known) or "known styles: " + ", ".join(known))
        if not isinstance(rule, dict) or set(rule) - {"font", "color"}:
            bad = sorted(set(rule) - {"font", "color"}) if isinstance(rule, dict) else []
            raise PublishError(f"{where} takes font: and color:" + (f", not {bad[0]}:" if bad else ""), file=path,
                               **_at(node, (*keys, bad[0]) if bad else keys, value=not bad),
                               hint=(did_you_mean(str(bad[0]), ["font", "color"]) if bad else None)
                               or "write e.g. {font: heading, color: heading}")
        resolved: dict[str, str] = {}
        if "font" in rule:
            role = str(rule["font"])
            if role not in FONT_ROLES:
                raise PublishError(f"{where}.font '{role}' is not a brand font", file=path,
                                   **_at(node, (*keys, "font"), value=True),
                                   hint=did_you_mean(role, FONT_ROLES) or "use base or heading")
            if fonts[role]:
                resolved["font"] = str(fonts[role])
        if "color" in rule:
            name = str(rule["color"])
            if name not in colors:
                raise PublishError(f"{where}.color '{name}' is not a brand colour", file=path,
                                   **_at(node, (*keys, "color"), value=True),
                                   hint=did_you_mean(name, colors) or "use one of: " + ", ".join(colors))
            ratio = paper_contrast(name, colors[name])
            if ratio is not None:
                raise PublishError(f"{where}.color '{name}' (#{colors[name]}) on white paper is {ratio:.2f}:1, "
                                   f"needs at least {AA_TEXT}:1 (WCAG 2.2 AA)", file=path,
                                   **_at(node, (*keys, "color"), value=True),
                                   hint="use a darker brand colour, e.g. foreground or heading")
            resolved["color"] = colors[name]
        rules[style] = resolved
    track = data.get("track-changes", False)
    if not isinstance(track, bool):
        raise PublishError(f"track-changes must be true or false, not {track!r}", file=path,
                           **_at(node, ("track-changes",), value=True), hint="write track-changes: true")
    return {"styles": rules, "track_changes": track}


def paper_contrast(name: str, rrggbb: str) -> float | None:
    """The contrast of a brand colour as text on white paper when it fails WCAG 2.2 AA, else None. The
    colours the brand check has already tried on paper pass without coloraide being imported."""
    if name in ON_PAPER:
        return None
    ratio = contrast("#" + rrggbb, PAPER)
    return ratio if ratio < AA_TEXT else None


def _at(node: Any, keys: tuple[str, ...], *, value: bool = False) -> dict[str, int | None]:
    """``line=`` and ``col=`` of a nested key in a composed YAML document (of its value with ``value``),
    or of the deepest part of the path that exists."""
    mark = None
    for key in keys:
        pairs = getattr(node, "value", None)
        if not isinstance(pairs, list) or not all(isinstance(p, tuple) for p in pairs):
            break
        found = next(((k, v) for k, v in pairs if getattr(k, "value", None) == key), None)
        if found is None:
            break
        mark, node = found[0].start_mark, found[1]
        if value and key == keys[-1]:
            mark = found[1].start_mark
    return {"line": mark.line + 1, "col": mark.column + 1} if mark else {"line": None, "col": None}


@functools.cache
def default_reference() -> bytes:
    """pandoc's own reference.docx (its styles, page setup and parts), asked of the bundled pandoc."""
    return run_pandoc(["--print-default-data-file", "reference.docx"], b"", what="print its reference.docx")


@functools.lru_cache(maxsize=16)
def reference_docx(spec: str) -> bytes:
    """The brand's reference document: pandoc's default one with the styles dressed and the header added.
    Keyed by :meth:`DocxFormat.reference_spec`'s text, so an edited brand gets a new one and the old one
    ages out of the bounded cache."""
    from lxml import etree

    values = json.loads(spec)
    parts = _read_zip(default_reference())
    parts["word/styles.xml"] = dress_styles(parts["word/styles.xml"], values["styles"],
                                            hanging_indent=values["hanging_indent"])
    if values["track_changes"]:
        parts["word/settings.xml"] = track_changes(parts["word/settings.xml"])
    header = etree.fromstring(values["header"].encode("utf-8"))
    parts.update(add_header(parts, _xml(header)))
    parts["word/document.xml"] = page_setup(parts["word/document.xml"], values["paper"])
    return _write_zip(parts)


@functools.cache
def reference_style_ids() -> tuple[str, ...]:
    """The style ids of pandoc's reference document: the names styles.yml may use."""
    from lxml import etree

    root = etree.fromstring(_read_zip(default_reference())["word/styles.xml"])
    return tuple(s.get(f"{{{W}}}styleId") for s in root.iter(f"{{{W}}}style") if s.get(f"{{{W}}}styleId"))


def _xml(root: Any) -> bytes:
    from lxml import etree

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def dress_styles(styles_xml: bytes, rules: dict[str, dict[str, str]], *, hanging_indent: bool = False) -> bytes:
    """Set each named style's font and colour (theme references removed: Word prefers them to a value);
    with ``hanging_indent``, the Bibliography style's entries hang by half an inch."""
    from lxml import etree

    root = etree.fromstring(styles_xml)
    known = {s.get(f"{{{W}}}styleId"): s for s in root.iter(f"{{{W}}}style")}
    if hanging_indent and "Bibliography" in known:
        ppr = _child(known["Bibliography"], "pPr", BEFORE_STYLE_RPR[:-1])
        ind = _child(ppr, "ind", PPR_BEFORE_IND)
        ind.set(f"{{{W}}}left", "720")
        ind.set(f"{{{W}}}hanging", "720")
    for style_id, rule in rules.items():
        if style_id == "":
            rpr = _child(_child(_child(root, "docDefaults", ()), "rPrDefault", ()), "rPr", ())
        else:  # read_design has checked the name
            rpr = _child(known[style_id], "rPr", BEFORE_STYLE_RPR)
        if "font" in rule:
            fonts = _child(rpr, "rFonts", RPR_ORDER[:RPR_ORDER.index("rFonts")])
            for attr in ("asciiTheme", "hAnsiTheme", "cstheme"):
                fonts.attrib.pop(f"{{{W}}}{attr}", None)
            for attr in ("ascii", "hAnsi", "cs"):
                fonts.set(f"{{{W}}}{attr}", rule["font"])
        if "color" in rule:
            color = _child(rpr, "color", RPR_ORDER[:RPR_ORDER.index("color")])
            for attr in ("themeColor", "themeShade", "themeTint"):
                color.attrib.pop(f"{{{W}}}{attr}", None)
            color.set(f"{{{W}}}val", rule["color"])
    return _xml(root)


def track_changes(settings_xml: bytes) -> bytes:
    """Word's Track Changes on from the first edit, so a reviewer's changes come back as revisions the
    author accepts or rejects (pandoc keeps this setting of the reference document)."""
    from lxml import etree

    root = etree.fromstring(settings_xml)
    _child(root, "trackRevisions", SETTINGS_BEFORE_TRACK)
    return _xml(root)


def _child(parent: Any, name: str, before: tuple[str, ...]) -> Any:
    """``parent``'s w:``name`` child, made at its schema place (after every child named in ``before``)."""
    from lxml import etree

    found = parent.find(f"{{{W}}}{name}")
    if found is not None:
        return found
    element = etree.Element(f"{{{W}}}{name}")
    position = 0
    for i, child in enumerate(parent):
        if isinstance(child.tag, str) and etree.QName(child).localname in before:
            position = i + 1
    parent.insert(position, element)
    return element


def add_header(parts: dict[str, bytes], header: bytes) -> dict[str, bytes]:
    """The header part, its relationship, its content type and the section's reference to it: pandoc
    keeps a reference document's headers (and their section properties) in what it writes."""
    from lxml import etree

    rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
    ids = {r.get("Id") for r in rels}
    rel_id = next(f"rIdPublishHeader{n}" for n in range(len(ids) + 1) if f"rIdPublishHeader{n}" not in ids)
    name = next(f"header{n}.xml" for n in range(1, len(parts) + 2) if f"word/header{n}.xml" not in parts)
    ns_rel = etree.QName(rels).namespace
    etree.SubElement(rels, f"{{{ns_rel}}}Relationship", Id=rel_id, Type=HEADER_REL, Target=name)

    types = etree.fromstring(parts["[Content_Types].xml"])
    ns_types = etree.QName(types).namespace
    etree.SubElement(types, f"{{{ns_types}}}Override", PartName=f"/word/{name}", ContentType=HEADER_TYPE)

    document = etree.fromstring(parts["word/document.xml"])
    body = document.find(f"{{{W}}}body")
    sect = body.find(f"{{{W}}}sectPr") if body is not None else None
    if sect is None:
        raise PublishError("pandoc's reference document has no section properties", hint="report this")
    for old in sect.findall(f"{{{W}}}headerReference"):
        if old.get(f"{{{W}}}type") == "default":
            sect.remove(old)
    reference = etree.Element(f"{{{W}}}headerReference")
    reference.set(f"{{{W}}}type", "default")
    reference.set(f"{{{R}}}id", rel_id)
    sect.insert(0, reference)  # header and footer references come first in a section's properties

    return {"word/_rels/document.xml.rels": _xml(rels), "[Content_Types].xml": _xml(types),
            "word/document.xml": _xml(document), f"word/{name}": header}


def page_setup(document_xml: bytes, paper: str) -> bytes:
    """The brand's paper size (as its PDF has) and one-inch margins, in the section properties pandoc
    keeps; without them Word falls back to its own default paper."""
    from lxml import etree

    document = etree.fromstring(document_xml)
    sect = document.find(f"{{{W}}}body/{{{W}}}sectPr")
    width, height = PAPER_TWIPS[paper]
    size = _child(sect, "pgSz", SECT_BEFORE_PGSZ)
    size.attrib.clear()
    size.set(f"{{{W}}}w", str(width))
    size.set(f"{{{W}}}h", str(height))
    margins = _child(sect, "pgMar", (*SECT_BEFORE_PGSZ, "pgSz"))
    margins.attrib.clear()
    for side, value in (("top", 1440), ("right", 1440), ("bottom", 1440), ("left", 1440), ("header", 720),
                        ("footer", 720), ("gutter", 0)):
        margins.set(f"{{{W}}}{side}", str(value))
    return _xml(document)


#: Word's own mark for a decorative picture ("Mark as decorative" in its Alt Text pane; the schema is
#: [MS-ODRAWXML] 5.32, .../office/drawing/2017/decorative): an extension of the drawing's non-visual
#: properties. Word's accessibility checker then skips the picture instead of reporting missing alt
#: text, and a screen reader in Word passes over it.
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
ADEC = "http://schemas.microsoft.com/office/drawing/2017/decorative"
DECORATIVE_EXT = "{C183D7F6-B498-43B3-948B-1728B52AA6E4}"


def decorative_pictures(document_xml: bytes) -> bytes:
    """Mark every picture without a description as decorative, Word's way. A picture reaches the DOCX
    with an empty description only when it is ``{.decorative}`` (an undescribed one stops the build), so
    the empty ``descr`` pandoc writes is the sign. pandoc also names the picture's file in its
    ``pic:cNvPr`` description, which a screen reader would read out: emptied for these."""
    from lxml import etree

    root = etree.fromstring(document_xml)
    for inline in root.iter(f"{{{WP}}}inline", f"{{{WP}}}anchor"):
        doc_pr = inline.find(f"{{{WP}}}docPr")
        if doc_pr is None or doc_pr.get("descr", "").strip():
            continue
        ext_list = doc_pr.find(f"{{{A}}}extLst")
        if ext_list is None:
            ext_list = etree.SubElement(doc_pr, f"{{{A}}}extLst")  # last of CT_NonVisualDrawingProps
        if not any(e.get("uri") == DECORATIVE_EXT for e in ext_list):
            ext = etree.SubElement(ext_list, f"{{{A}}}ext", uri=DECORATIVE_EXT)
            etree.SubElement(ext, f"{{{ADEC}}}decorative", nsmap={"adec": ADEC}, val="1")
        for c_nv_pr in inline.iter(f"{{{PIC}}}cNvPr"):
            c_nv_pr.set("descr", "")
    return _xml(root)


def right_to_left_paragraphs(document_xml: bytes) -> bytes:
    """``w:bidi`` on every paragraph whose runs are all right to left (``w:rtl``): pandoc's ``dir: rtl``
    marks the body's paragraphs but not the title block's (title, author, date), which Word would then
    align left. A paragraph pandoc wrote left to right (an English reference, ``dir="ltr"``) stays so."""
    from lxml import etree

    root = etree.fromstring(document_xml)
    for para in root.iter(f"{{{W}}}p"):
        runs = [r for r in para.iter(f"{{{W}}}r") if "".join(t.text or "" for t in r.iter(f"{{{W}}}t")).strip()]
        if runs and all(r.find(f"{{{W}}}rPr/{{{W}}}rtl") is not None for r in runs):
            _child(_child(para, "pPr", ()), "bidi", PPR_BEFORE_IND[:PPR_BEFORE_IND.index("bidi")])
    return _xml(root)


def _replace_part(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The zip ``data`` with one part changed, every other entry (its order, stamp, compression) as it
    was, so pandoc's reproducible file stays reproducible."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, change(body) if info.filename == name else body)
    return out.getvalue()


def _read_zip(data: bytes) -> dict[str, bytes]:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _write_zip(parts: dict[str, bytes]) -> bytes:
    """A zip with the content types first, then the parts in name order, every stamp the same: the
    reference document is an input to pandoc and a cached value, so it is made reproducibly too."""
    import io
    import zipfile

    buffer = io.BytesIO()
    order = sorted(parts, key=lambda n: (n != "[Content_Types].xml", n))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, parts[name])
    return buffer.getvalue()

