"""Render citation clusters given as data: the citation layer without a document around it.

:func:`render_clusters` is what the CSL processor test suite (``tests/citations/csl_suite.py``) and any
caller that has CSL-JSON items and citations but no pandoc document use. It goes through exactly the
engine, fixes and inline builder that :func:`publish.cite.cite_document` uses, so what the suite measures
is what documents get.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import markup as mk
from .delimiters import closes_with_punctuation, opens_with_punctuation
from .engine import CiteItem, Processor
from .patches import engine_fixes
from .styles import load_engine_style, resolve_style


@dataclass
class ClusterItem:
    """One cited item, as CSL-JSON citation items give it (``citationItems`` of citeproc-js)."""

    id: str
    locator: str | None = None
    label: str | None = None  # a CSL locator term ("page", "chapter", ...); "page" when omitted
    prefix: str = ""  # text before the item, CSL-JSON rich text (<i>, <b>, ...) allowed
    suffix: str = ""
    suppress_author: bool = False
    author_only: bool = False


@dataclass
class Cluster:
    """One citation: the items cited together, and the footnote it stands in (0: the main text)."""

    items: list[ClusterItem]
    note_number: int = 0


@dataclass
class Rendered:
    """Pandoc inlines per cluster (in the order given) and per bibliography entry (with its item id)."""

    citations: list[list[dict]] = field(default_factory=list)
    bibliography: list[tuple[str, list[dict]]] = field(default_factory=list)


def ends_sentence(prefix: str) -> bool:
    """A prefix of more than one word ending in . ! or ? is a sentence; what follows it starts one."""
    text = prefix.strip()
    return " " in text and text[-1:] in ".!?"


def _affix_inlines(text: str) -> list[dict]:
    """A cluster item's prefix or suffix is the author's text: rich text, typographic quotes."""
    return mk.to_inlines(mk.smart_text(mk.rich_text_to_markers(mk.sanitize(text)))) if text else []


def render_clusters(
    items: list[dict],
    style: str | Path,
    locale: str | None,
    clusters: list[Cluster],
    *,
    base_dir: Path = Path("."),
) -> Rendered:
    """Render ``clusters`` of CSL-JSON ``items`` in ``style`` (a style name or a .csl path).

    Citations are rendered in the order given, which is the order CSL positions (first, subsequent,
    ibid, near-note) are computed in. The bibliography holds the cited items only, sorted as the style
    says. ``locale`` None means the style's default locale.
    """
    from .document import render_context  # the document layer owns quotes and seams

    path = resolve_style(str(style), base_dir)
    with engine_fixes():
        engine_style = load_engine_style(path, locale)
        proc = Processor(engine_style, items)
        affixes: list[tuple[list[dict], list[dict]]] = []
        for cluster in clusters:
            specs = []
            for it in cluster.items:
                mode = "author-only" if it.author_only else "suppress-author" if it.suppress_author else "normal"
                specs.append(
                    CiteItem(
                        key=str(it.id),
                        mode=mode,
                        label=it.label,
                        locator=(it.locator or "").strip() or None,
                        prefix=bool(it.prefix),
                        prefix_ends_sentence=ends_sentence(it.prefix),
                        prefix_punct=opens_with_punctuation(it.prefix or ""),
                        suffix_punct=closes_with_punctuation(it.suffix or ""),
                        suffix=bool(it.suffix),
                        index=len(affixes),
                    )
                )
                affixes.append((_affix_inlines(it.prefix), _affix_inlines(it.suffix)))
            proc.register(specs, note_number=cluster.note_number)
        proc.finalize()
        ctx, fix = render_context(
            engine_style,
            prefix=lambda i: list(affixes[i][0]),
            suffix=lambda i: list(affixes[i][1]),
        )
        out = Rendered()
        out.citations = [mk.to_inlines(fix(text), ctx) for text in proc.render_citations()]
        bib_ctx, _ = render_context(engine_style)
        out.bibliography = [(key, mk.to_inlines(fix(text), bib_ctx)) for key, text in proc.render_bibliography()]
        return out
