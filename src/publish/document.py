"""A manuscript after citation: the one document every format renders from."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .config import Settings, key_line, key_place
from .errors import PublishError, PublishErrors, Warning_, close_matches
from .manuscript import Manuscript
from .project import Project
from .resources import local_images


@dataclass
class Document:
    """The cited AST plus what templates need to know about it."""

    stem: str
    source: Path
    settings: Settings
    ast: dict[str, Any]
    inputs: list[Path] = field(default_factory=list)
    images: list[Path] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    #: HTML bodies pandoc already wrote for this AST (see formats.base.body_html): the parent writes the
    #: handout's while it waits for the brands, and the PDF worker finds it here.
    bodies: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    #: The handout's language editions a render links (plan.Alternate: lang, stem), itself included; set
    #: by the runner for one render, never kept with the cited document.
    alternates: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    @property
    def date(self) -> dt.date:
        """The document's date: front matter, else SOURCE_DATE_EPOCH, else the epoch (never the clock)."""
        if self.settings.date:
            return self.settings.date
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch and epoch.isdigit():
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        return dt.date(1980, 1, 1)

    @property
    def timestamp(self) -> int:
        """Seconds since the epoch for the document's date (for SOURCE_DATE_EPOCH and zip entries)."""
        return int(dt.datetime.combine(self.date, dt.time(), dt.UTC).timestamp())

    def identifier(self, brand: str) -> str:
        """A stable id for this manuscript in this brand: a UUID5, never random."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"publish:{self.stem}:{brand}"))

    def digest(self) -> str:
        return hashlib.sha256(repr(self.ast).encode()).hexdigest()[:16]

    def portable(self, root: Path) -> Document:
        """This document with its paths relative to the project folder: what the pipeline keeps between
        builds, so a moved or renamed project rebuilds nothing."""
        return self._moved(lambda p: p.relative_to(root) if p.is_absolute() and p.is_relative_to(root) else p,
                           bodies={}, alternates=())

    def located(self, root: Path) -> Document:
        """A :meth:`portable` document placed in the project folder ``root``."""
        return self._moved(lambda p: p if p.is_absolute() else root / p, bodies=self.bodies,
                           alternates=self.alternates)

    def _moved(self, move: Any, bodies: dict[str, str], alternates: tuple[Any, ...]) -> Document:
        settings = self.settings
        if settings.bibliography is not None:
            settings = replace(settings, bibliography=move(settings.bibliography))
        return replace(self, source=move(self.source), settings=settings, inputs=[move(p) for p in self.inputs],
                       images=[move(p) for p in self.images], bodies=bodies, alternates=alternates)


def cite_manuscript(project: Project, ms: Manuscript, *, remember: bool = True) -> Document:
    """Resolve bibliography and style, run the citation layer, and return the document to render.

    The cited result is kept in the build state (``remember=False``: read, never written), so a later
    edit that leaves the citations as they were is cited without the engine.

    An error carries the front matter's warnings with it: a misspelt ``bibliograhpy:`` is what makes
    "citation key ... is not in the bibliography", and the author should read both lines."""
    try:
        return _cite(project, ms, remember)
    except PublishError as exc:
        if not ms.warnings:
            raise
        raise PublishErrors([exc], ms.warnings) from None


def _cite(project: Project, ms: Manuscript, remember: bool) -> Document:
    from . import cite

    settings = ms.settings
    inputs = [ms.path]
    ast = ms.ast
    images = local_images(ast, ms.path, ms.text, project.root)
    inputs += images
    cover = settings.raw.get("cover-image")
    if isinstance(cover, str) and cover.strip():
        cover_path = (ms.path.parent / cover).resolve()
        if not project.contains(cover_path) or not cover_path.is_file():
            raise PublishError(f"cover-image '{cover}' is missing or outside the project", file=ms.path,
                               line=key_line(ms.text, "cover-image"), hint="put the image inside the project")
        inputs.append(cover_path)
    warnings = list(ms.warnings)
    has_cites = _has_citations(ast)
    errors: list[PublishError] = []
    references: list[Any] = []
    if settings.bibliography is not None:
        bib = settings.bibliography
        if not project.contains(bib):
            errors.append(_at_key(ms, "bibliography", f"bibliography '{bib}' is outside the project",
                                  "keep the bibliography inside the project folder"))
        elif not bib.is_file():
            errors.append(_at_key(ms, "bibliography", f"bibliography file '{bib.relative_to(project.root)}' not found",
                                  _near_file(ms, bib)))
        else:
            references = cite.load_references(bib, warnings)
            inputs.append(bib)
    elif not has_cites:
        return Document(ms.stem, ms.path, settings, ast, inputs, images, warnings)
    csl = settings.csl
    style: Path | None = None
    is_path = bool(csl) and ("/" in csl or "\\" in csl or csl.lower().endswith(".csl"))
    if csl and is_path and not project.contains(ms.path.parent / csl):
        # a path, not a style name: like every other input it must stay inside the project
        errors.append(_at_key(ms, "csl", f"citation style '{csl}' is outside the project",
                              "copy the .csl file into the project, or use a style name such as apa"))
    else:
        try:
            style = cite.resolve_style(csl, ms.path.parent)
        except PublishError as exc:
            if exc.file is not None and Path(exc.file).is_file():
                raise  # a .csl file that is itself wrong: its own line is the useful place
            # an unknown style name or a missing file: the place to fix it is the front matter's csl key
            errors.append(_at_key(ms, "csl", exc.message, exc.hint or "use a style name such as apa"))
    PublishErrors.check(errors)
    assert style is not None
    if project.contains(style):
        inputs.append(style)
    ast, labels_file = _with_references_heading(ast, settings, project)
    inputs += labels_file
    result = cite.cite_document(
        ast,
        references,
        style,
        settings.lang,
        source_text=ms.text,
        source_path=ms.path,
        bibliography_path=settings.bibliography,
        memo=cite.CiteMemo(project.cite_memo(ms.stem), write=remember),
        copy=False,  # the manuscript's AST is read once, for this document
    )
    warnings.extend(result.warnings)
    return Document(ms.stem, ms.path, settings, entry_directions(result.ast, settings.lang), inputs, images, warnings)


def entry_directions(ast: dict[str, Any], lang: str) -> dict[str, Any]:
    """The cited AST (changed in place: the cite layer's own copy) with each bibliography entry (and, in a
    right-to-left document, each link) whose first letter runs against the document's direction marked
    ``dir`` (an English reference in an Arabic handout
    reads left to right): Unicode's first-strong rule, decided here once, so every format gets it, print
    included (WeasyPrint has no ``dir="auto"``)."""
    from .inlines import plain_text
    from .languages import first_strong, is_rtl

    page = "rtl" if is_rtl(lang) else "ltr"
    for element in _divs(ast.get("blocks", [])):
        if "csl-entry" in element["c"][0][1]:
            own = first_strong(plain_text([i for b in element["c"][1] for i in _inlines(b)]))
            attrs = element["c"][0][2]
            if own is not None and own != page and not any(k == "dir" for k, _ in attrs):
                attrs.append(["dir", own])
    if page == "rtl":
        # a link (a citation's name and year, a DOI, a web address) whose first letter runs left to right
        # is isolated from the Arabic or Hebrew around it: dir on an inline element isolates it (HTML's
        # bidi rules, EPUB readers included), and WeasyPrint lays it out in its own direction. Only in a
        # right-to-left document, where it matters: the walk enters every paragraph's inlines.
        for link in _links(ast.get("blocks", [])):
            attrs = link["c"][0][2]
            own = first_strong(plain_text(link["c"][1]))
            if own is not None and own != page and not any(k == "dir" for k, _ in attrs):
                attrs.append(["dir", own])
    return ast


def _links(node: Any) -> Iterator[dict[str, Any]]:
    """Every Link under ``node`` (blocks, inlines, a citation's content), in document order."""
    if isinstance(node, list):
        for item in node:
            yield from _links(item)
    elif isinstance(node, dict):
        if node.get("t") == "Link":
            yield node
        content = node.get("c")
        if isinstance(content, list):
            yield from _links(content)


def _divs(blocks: list[Any]) -> Iterator[dict[str, Any]]:
    """Every Div among ``blocks``, however deep in Divs and quotes: the bibliography's entries are Divs
    of blocks, so the walk never enters a paragraph's inlines (most of a long manuscript's nodes)."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block.get("t") == "Div":
            yield block
            yield from _divs(block["c"][1])
        elif block.get("t") == "BlockQuote":
            yield from _divs(block["c"])


def _inlines(block: dict[str, Any]) -> list[Any]:
    """A block's inlines, however deep (an entry's Para, or the Divs of a numeric style)."""
    if block.get("t") in ("Para", "Plain"):
        return block["c"]
    if block.get("t") == "Div":
        return [i for b in block["c"][1] for i in _inlines(b)]
    return []


def _with_references_heading(ast: dict[str, Any], settings: Settings, project: Project,
                             ) -> tuple[dict[str, Any], list[Path]]:
    """The AST with a heading for its bibliography in the document's language ("Referencias",
    "Literatur") when the front matter names none, as pandoc's citeproc gives none by itself; and the
    project's labels.yml when it is one of the words' sources (the cite step then depends on it)."""
    from .labels import LABEL_FILE, labels

    if settings.reference_section_title is not None or "reference-section-title" in ast.get("meta", {}):
        return ast, []
    base = project.templates / "base"
    word = labels(settings.lang, (base,)).references
    meta = {**ast.get("meta", {}), "reference-section-title": {"t": "MetaString", "c": word}}
    file = base / LABEL_FILE
    return {**ast, "meta": meta}, [file] if file.is_file() else []


def _at_key(ms: Manuscript, key: str, message: str, hint: str) -> PublishError:
    """An error at a front-matter key's line and column."""
    line, col = key_place(ms.text, key)
    return PublishError(message, file=ms.path, line=line, col=col, hint=hint)


_BIBLIOGRAPHY_SUFFIXES = (".json", ".yaml", ".yml", ".bib", ".bibtex", ".biblatex")  # what cite reads


def _near_file(ms: Manuscript, missing: Path) -> str:
    """"did you mean sleep.bib?" for near bibliography files in the folder the file was looked for in,
    written as the author wrote the path in the front matter."""
    value = ms.settings.raw.get("bibliography")
    value = value[0] if isinstance(value, list) and value else value
    written = Path(str(value or missing.name).strip())
    folder = missing.parent
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _BIBLIOGRAPHY_SUFFIXES
                   ) if folder.is_dir() else []
    near = [(written.parent / name).as_posix() for name in close_matches(missing.name, names)]
    if near:
        return "did you mean " + ", ".join(near) + "?"
    return "check 'bibliography:' in the front matter (relative to the manuscript)"


def _has_citations(node: Any) -> bool:
    if isinstance(node, dict):
        if node.get("t") == "Cite":
            return True
        return any(_has_citations(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_citations(v) for v in node)
    return False
