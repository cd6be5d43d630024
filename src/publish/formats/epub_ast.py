"""The cited AST reshaped for an e-book: chapters, a bibliography chapter, citations that link both ways.

pandoc's EPUB writer splits the book into one file per level-1 heading and rewrites ``#id`` links that
cross files, so everything here is expressed in the AST and pandoc does the linking:

* the article gets a level-1 heading (its title) when it has none, so its text is one chapter whose
  file is named after it, not an untitled chunk;
* the bibliography (``Div#refs``, as the cite layer emits it) gets a level-1 heading of its own, with
  ``epub:type=bibliography`` (pandoc turns it into the section's epub:type and a backmatter body);
* every citation link to ``#ref-KEY`` gets a stable id, and every bibliography entry gets DPUB-ARIA
  back-links (``role="doc-backlink"``) to the places that cite it, named after the section they are in.

Nothing is random: ids are numbered in document order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..inlines import plain_text as _plain
from ..labels import Labels
from .tree import containers, containers_of, rebuilt, with_id

Block = dict[str, Any]

BIB_ID = "bibliography"
BACKLINKS_CLASS = "backlinks"
BACKLINK_CLASS = "backlink"

@dataclass
class EbookShape:
    """What the reshaping found out, for the package's post-processing and metadata."""

    blocks: list[Block]
    bibliography: bool = False
    bib_id: str = ""
    images: int = 0
    citations: dict[str, list[str]] = field(default_factory=dict)  # key -> citation link ids, in order


def _str_inlines(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, word in enumerate(text.split()):
        if i:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": word})
    return out


def _slug(text: str) -> str:
    slug = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"[\s_]+", "-", slug).strip("-") or "article"


def _find_refs(blocks: list[Block]) -> int | None:
    for i, b in enumerate(blocks):
        if b.get("t") == "Div":
            (ident, classes, _kv), _inner = b["c"]
            if ident == "refs" or "csl-bib-body" in classes:
                return i
    return None


def _lift_refs(blocks: list[Block]) -> tuple[list[Block], str]:
    """Bring a bibliography nested in a section Div (the cite layer's ``Div#bibliography``) up to the top
    level, where pandoc can split it into a chapter of its own; returns the blocks and the wrapper's id."""
    if _find_refs(blocks) is not None:
        return blocks, ""
    out: list[Block] = []
    wrapper = ""
    for b in blocks:
        if b.get("t") == "Div" and _contains_refs(b["c"][1]):
            inner, inner_id = _lift_refs(b["c"][1])
            wrapper = wrapper or b["c"][0][0] or inner_id
            out.extend(inner)
        else:
            out.append(b)
    return out, wrapper


def _contains_refs(blocks: list[Block]) -> bool:
    return _find_refs(blocks) is not None or any(
        b.get("t") == "Div" and _contains_refs(b["c"][1]) for b in blocks)


def shape(ast: dict[str, Any], *, title: str, short_title: str, words: Labels,
          section_title: str | None) -> EbookShape:
    """A reshaped copy of the document's blocks; the Document itself is not touched."""
    blocks, wrapper_id = _lift_refs(ast.get("blocks", []))
    result = EbookShape(blocks)

    refs_at = _find_refs(blocks)
    body = blocks[:refs_at] if refs_at is not None else blocks
    heading_before_refs = None
    if refs_at is not None and refs_at > 0 and blocks[refs_at - 1].get("t") == "Header":
        heading_before_refs = refs_at - 1
        body = blocks[:heading_before_refs]

    # The article's own chapter: a level-1 heading first, unless the manuscript has chapters of its own.
    if not any(b.get("t") == "Header" and b["c"][0] == 1 for b in body):
        ident = _slug(title)
        header = {"t": "Header", "c": [1, [ident, ["unnumbered"], []], _str_inlines(title)]}
        body = [header, *body]

    tail: list[Block] = []
    if refs_at is not None:
        result.bibliography = True
        refs = blocks[refs_at]
        if heading_before_refs is not None:
            _level, (ident, classes, kv), inlines = blocks[heading_before_refs]["c"]
        else:
            ident, classes, kv, inlines = "", ["unnumbered"], [], _str_inlines(section_title or words.references)
        result.bib_id = ident or wrapper_id or BIB_ID
        kv = [pair for pair in kv if pair[0] not in ("epub:type", "role")] + [["epub:type", "bibliography"]]
        header = {"t": "Header", "c": [1, [result.bib_id, classes, kv], inlines]}
        tail = [header, refs, *blocks[refs_at + 1:]]

    result.blocks = body + tail
    _link_citations(result, short_title, words)
    return result


def _link_citations(result: EbookShape, first_section: str, words: Labels) -> None:
    """Give every citation link an id and every bibliography entry links back to its citations: the
    blocks are rebuilt where they change and shared with the document everywhere else."""
    places: dict[str, list[tuple[str, str]]] = {}  # key -> [(link id, section label)]
    links: dict[int, Any] = {}  # id() of a citation link without an id -> the link with one
    section = first_section

    def pruned(node: dict[str, Any]) -> bool:  # a heading names a section; the bibliography cites nothing
        return node.get("t") == "Header" or (node.get("t") == "Div" and node["c"][0][0] == "refs")

    where: set[int] = set()  # the blocks that hold what changes
    images = 0
    for i, node in containers_of(result.blocks, pruned):
        t = node.get("t")
        if t == "Image":
            images += 1
        elif pruned(node):  # what is inside is not walked for citations, but its images count
            images += sum(e.get("t") == "Image" for e in containers(node["c"]))
        if t == "Header":
            level, (ident, _c, _kv), inlines = node["c"]
            if ident != result.bib_id and level > 1:
                section = _plain(inlines)
        elif t == "Link":
            attr, _inl, (target, _title) = node["c"]
            if target.startswith("#ref-"):
                key = target[len("#ref-"):]
                n = len(places.get(key, [])) + 1
                ident = attr[0]
                if not ident:
                    ident = f"cite-{key}-{n}"
                    links[id(node)] = with_id(node, ident)
                    where.add(i)
                places.setdefault(key, []).append((ident, section))
    result.images = images
    result.citations = {k: [i for i, _s in v] for k, v in places.items()}
    if not result.bibliography:
        result.blocks = rebuilt(result.blocks, links, sorted(where))
        return
    word, fallback = words.back_to, words.fallback
    changes = dict(links)

    def entries(blocks: list[Block], top: int | None) -> None:
        for n, b in enumerate(blocks):
            if b.get("t") != "Div":
                continue
            (ident, classes, _kv), inner = b["c"]
            if "csl-entry" in classes and ident.startswith("ref-"):
                back = _backlinks(places.get(ident[len("ref-"):], []), word, fallback, words.quote)
                if back is not None:
                    changes[id(b)] = {"t": "Div", "c": [b["c"][0], _appended(rebuilt(inner, links), back)]}
                    where.add(n if top is None else top)
            else:
                entries(inner, n if top is None else top)

    entries(result.blocks, None)
    result.blocks = rebuilt(result.blocks, changes, sorted(where))


def _appended(blocks: list[Block], inline: dict[str, Any]) -> list[Block]:
    """New blocks with ``inline`` at the end of the entry's last paragraph, so the back-links sit on the
    entry's last line."""
    if blocks and blocks[-1].get("t") in ("Para", "Plain"):
        return [*blocks[:-1], {"t": blocks[-1]["t"], "c": [*blocks[-1]["c"], inline]}]
    return [*blocks, {"t": "Plain", "c": [inline]}]


def _backlinks(places: list[tuple[str, str]], word: str, lang: str | None,
               quote: Callable[[str], str] = str) -> dict[str, Any] | None:
    """DPUB-ARIA back-links: named by ``aria-label`` (the section they return to, in the language's
    quotation marks: Back to “Habits”, Zurück zu „Gewohnheiten“), drawn by the stylesheet.

    They add no text to the entry, so the bibliography reads (and compares) exactly as the cite layer wrote it.
    """
    if not places:
        return None
    links: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for ident, label in places:
        seen[label] = seen.get(label, 0) + 1
        where = label if seen[label] == 1 else f"{label} ({seen[label]})"
        kv = [["role", "doc-backlink"], ["aria-label", f"{word} {quote(where)}"]]
        if lang:
            kv.append(["lang", lang])
        links.append({"t": "Link", "c": [["", [BACKLINK_CLASS], kv], [], [f"#{ident}", ""]]})
    return {"t": "Span", "c": [["", [BACKLINKS_CLASS], []], links]}
