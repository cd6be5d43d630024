"""The pandoc side: find Cite nodes, render them in place, build and place the bibliography.

Conventions follow pandoc's own citeproc so that pandoc's writers treat our output like theirs: the
``Cite`` node is kept (HTML gets ``<span class="citation" data-cites=...>``), each item's text links to
``#ref-KEY``, entries are ``Div#ref-KEY.csl-entry`` inside ``Div#refs.references.csl-bib-body``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publish.errors import PublishError, Warning_, did_you_mean, line_col_of_offset
from publish.inlines import TEXT_LEAVES, elements

from . import markup as mk
from .clusters import ends_sentence
from .delimiters import closes_with_punctuation, opens_with_punctuation
from .engine import CiteItem, Processor
from .incremental import CiteMemo, ClusterKey, Kept, Rendered, copy_tree, digest, style_hash
from .locators import parse_locator
from .notes import cites_with_notes, drop_doubled_periods, footnote, move_after_punctuation
from .patches import engine_fixes
from .styles import load_engine_style, normalize_lang

# pandoc's HTML and EPUB writers add role="list"/"listitem" to csl-bib-body/csl-entry Divs themselves
# and warn "Ignoring duplicate attribute role" when the AST carries them too; the HTML is the same.
EXPLICIT_ROLES = False


@dataclass
class CiteResult:
    """The cited document: new AST, warnings to count, keys in order of first citation."""

    ast: dict
    warnings: list[Warning_] = field(default_factory=list)
    cited_ids: list[str] = field(default_factory=list)


def iter_cites(node: Any) -> Iterator[dict]:
    """Cite nodes in document order (footnotes included where they are anchored; none inside a Cite)."""
    return (e for e in elements(node, _is_cite) if _is_cite(e))


def _is_cite(element: dict) -> bool:
    return element.get("t") == "Cite"


def _plain(inlines: list[dict]) -> str:
    return mk.inlines_to_text(inlines).replace("\u00a0", " ")


def drop_chars(inlines: list[dict], n: int) -> list[dict]:
    """``inlines`` without the first ``n`` characters of their text (Space counts as one)."""
    out: list[dict] = []
    for k, node in enumerate(inlines):
        if n <= 0:
            out.extend(inlines[k:])
            break
        t = node["t"]
        if t == "Str":
            text = node["c"]
            if len(text) <= n:
                n -= len(text)
            else:
                out.append({"t": "Str", "c": text[n:]})
                n = 0
        elif t in ("Space", "SoftBreak", "LineBreak"):
            n -= 1
        elif t in ("Emph", "Strong", "SmallCaps", "Superscript", "Subscript", "Underline", "Strikeout"):
            length = len(mk.inlines_to_text(node["c"]))
            if length <= n:
                n -= length
            else:
                out.append({"t": t, "c": drop_chars(node["c"], n)})
                n = 0
        else:
            length = len(mk.inlines_to_text([node]))
            n -= length
    return out


def _meta_inlines(value: Any) -> list[dict]:
    if not isinstance(value, dict):
        return []
    t = value.get("t")
    if t == "MetaInlines":
        return value["c"]
    if t == "MetaString":
        return mk.str_inlines(value["c"])
    if t == "MetaBlocks":
        blocks = value["c"]
        return blocks[0]["c"] if blocks and blocks[0]["t"] in ("Para", "Plain") else []
    return []


def _nocite_keys(meta: dict) -> list[str]:
    value = meta.get("nocite")
    if value is None:
        return []
    keys = [c["citationId"] for cite in iter_cites(value) for c in cite["c"][0]]
    text = mk.inlines_to_text(_meta_inlines(value)) if not keys else ""
    if isinstance(value, dict) and value.get("t") == "MetaList":
        for v in value["c"]:
            keys.extend(c["citationId"] for cite in iter_cites(v) for c in cite["c"][0])
            text += " " + mk.inlines_to_text(_meta_inlines(v))
    keys.extend(re.findall(r"@([\w*][\w:.#$%&\-+?<>~/]*)", text))
    return keys


def _unknown_key_error(
    key: str,
    known: list[str],
    source_text: str | None,
    source_path: Path | None,
    bibliography_path: Path | None,
) -> PublishError:
    line = col = None
    if source_text:
        m = re.search(r"(?<![\w@])@\{?" + re.escape(key) + r"(?![\w:.#$%&\-+?<>~/]*\w)", source_text)
        if m:
            line, col = line_col_of_offset(source_text, m.start())
    hint = did_you_mean(key, known)
    if hint is None:
        where = f" in {bibliography_path}" if bibliography_path else ""
        hint = f"add an item with id {key!r}{where}"
    return PublishError(
        f"citation key {key!r} is not in the bibliography", file=source_path, line=line, col=col, hint=hint
    )


def cite_document(
    ast: dict,
    references: list[dict],
    style: Path,
    lang: str | None,
    *,
    source_text: str | None = None,
    source_path: Path | None = None,
    bibliography_path: Path | None = None,
    memo: CiteMemo | None = None,
    copy: bool = True,
) -> CiteResult:
    """Render citations and the bibliography into a copy of ``ast`` (see the package docstring), or
    into ``ast`` itself with ``copy=False`` (a caller that has no further use for it saves the copy).

    With a ``memo``, a document whose citations are what they were when the memo was written (see
    :mod:`.incremental`) takes them from it without running the engine. The engine fixes are installed
    for the engine's part only (:func:`.patches.engine_fixes`).
    """
    return _cite_document(
        ast,
        references,
        style,
        lang,
        source_text=source_text,
        source_path=source_path,
        bibliography_path=bibliography_path,
        memo=memo,
        copy=copy,
    )


def _cite_document(
    ast: dict,
    references: list[dict],
    style: Path,
    lang: str | None,
    *,
    source_text: str | None,
    source_path: Path | None,
    bibliography_path: Path | None,
    memo: CiteMemo | None,
    copy: bool,
) -> CiteResult:
    if copy:
        ast = copy_tree(ast)
    meta = ast.setdefault("meta", {})
    blocks = ast.setdefault("blocks", [])
    known = [str(r["id"]) for r in references]
    index_of = {key: i for i, key in enumerate(known)}

    def unknown(key: str) -> PublishError:
        return _unknown_key_error(key, known, source_text, source_path, bibliography_path)

    style_digest = style_hash(Path(style))
    kept = memo.load() if memo is not None else None
    engine_style = None
    if kept is not None and kept.style_digest == style_digest:
        note_style = kept.rendered.note_style
    else:
        kept = None
        engine_style = load_engine_style(Path(style), lang)
        note_style = engine_style.root.get("class") == "note"
    placed = cites_with_notes(blocks, note_style)
    clusters = _clusters(placed, index_of, unknown)
    nocite = _nocite_keys(meta)
    if "*" in nocite:
        nocite = known
    for key in nocite:
        if key not in index_of:
            raise unknown(key)
    key = digest(style_digest, lang, clusters, nocite, references, index_of)
    if kept is not None and kept.digest == key:
        rendered = kept.rendered
    else:
        if engine_style is None:
            engine_style = load_engine_style(Path(style), lang)
        rendered = _render(engine_style, references, lang, clusters, nocite)
        if memo is not None:
            memo.store(Kept(key, style_digest, rendered))
    warnings = _splice(blocks, meta, placed, rendered, source_path)
    cited: list[str] = []
    for k in [*(item[0] for cluster in clusters for item in cluster.items), *nocite]:
        if k not in cited:
            cited.append(k)
    return CiteResult(ast=ast, warnings=warnings, cited_ids=cited)


def _clusters(
    placed: list[tuple[dict, int, bool]], index_of: dict[str, int], unknown: Callable[[str], PublishError]
) -> list[ClusterKey]:
    """Each Cite as the digest and the engine read it: its note, and per item the key, the mode, the
    prefix and suffix inlines (a locator is read from the suffix)."""
    out = []
    for node, note_number, in_note in placed:
        items = []
        for c in node["c"][0]:
            key = c["citationId"]
            if key not in index_of:
                raise unknown(key)
            mode = c.get("citationMode", {}).get("t") or "NormalCitation"
            items.append((key, mode, list(c.get("citationPrefix") or []), list(c.get("citationSuffix") or [])))
        out.append(ClusterKey(note_number, in_note, items))
    return out


def _render(
    engine_style: Any, references: list[dict], lang: str | None, clusters: list[ClusterKey], nocite: list[str]
) -> Rendered:
    """Run the engine over the clusters: every citation's inlines and the bibliography's entries."""
    with engine_fixes():
        proc = Processor(engine_style, references)
        locale = normalize_lang(lang) or engine_style.root.get("default-locale") or "en-US"
        note_style = engine_style.root.get("class") == "note"
        extras: list[tuple[list[dict], list[dict]]] = []  # (prefix, remaining suffix) per item index
        for cluster in clusters:
            specs = []
            for key, citation_mode, prefix, suffix in cluster.items:
                mode = {"AuthorInText": "author-in-text", "SuppressAuthor": "suppress-author"}.get(
                    citation_mode, "normal"
                )
                label, value, used = parse_locator(_plain(suffix), locale)
                rest = drop_chars(suffix, used) if value is not None else suffix
                specs.append(
                    CiteItem(
                        key=key,
                        mode=mode,
                        label=label,
                        locator=value,
                        prefix=bool(prefix),
                        prefix_ends_sentence=ends_sentence(_plain(prefix)),
                        prefix_punct=opens_with_punctuation(_plain(prefix)),
                        suffix=bool(rest),
                        suffix_punct=closes_with_punctuation(_plain(rest)),
                        index=len(extras),
                    )
                )
                extras.append((prefix, rest))
            proc.register(specs, note_number=cluster.note_number)
        proc.register_nocite(nocite)
        proc.finalize()

        root = engine_style.root
        has_bib = engine_style.has_bibliography()
        counters: dict[str, int] = {}
        key_of_index = [key for cluster in clusters for key, _, _, _ in cluster.items]

        def item_link(index: int, inner: list[dict]) -> list[dict]:
            key = key_of_index[index] if 0 <= index < len(key_of_index) else None
            if not key or not has_bib or not inner:
                return inner
            counters[key] = counters.get(key, 0) + 1
            return [{"t": "Link", "c": [[f"cite-{key}-{counters[key]}", [], []], inner, [f"#ref-{key}", ""]]}]

        def prefix(index: int) -> list[dict]:
            pre = copy_tree(extras[index][0])
            if pre and pre[-1]["t"] not in ("Space", "SoftBreak"):
                pre.append({"t": "Space"})
            return pre

        def suffix(index: int) -> list[dict]:
            return copy_tree(extras[index][1])

        ctx, fix = render_context(engine_style, item_link=item_link, prefix=prefix, suffix=suffix)
        citations = [mk.to_inlines(fix(text), ctx) for text in proc.render_citations()]
        entries = None
        bib_attrs: dict[str, str | None] = {}
        if has_bib:
            bib_ctx, _ = render_context(engine_style)
            entries = [(k, mk.to_inlines(fix(t), bib_ctx)) for k, t in proc.render_bibliography()]
            bib_attrs = {name: root.bibliography.get(name) for name in ("hanging-indent", "entry-spacing",
                                                                        "line-spacing")}
        return Rendered(note_style, citations, entries, bib_attrs)


def _splice(
    blocks: list[dict], meta: dict, placed: list[tuple[dict, int, bool]], rendered: Rendered,
    source_path: Path | None,
) -> list[Warning_]:
    """Put rendered citations and the bibliography into the document (a copy of each: the AST is the
    caller's to change, the rendered result may be kept)."""
    warnings: list[Warning_] = []
    note_style = rendered.note_style
    cites = [node for node, _, _ in placed]
    for node, inlines in zip(cites, rendered.citations, strict=True):
        if not inlines:
            keys = ", ".join(c["citationId"] for c in node["c"][0])
            warnings.append(
                Warning_(
                    f"the citation of {keys} prints nothing in this style",
                    file=str(source_path) if source_path else None,
                    hint="the item lacks the fields the style prints (title, author, date)",
                )
            )
        node["c"][1] = copy_tree(inlines)
    made = {id(node) for node, _, in_note in placed if note_style and not in_note}
    for node in cites:
        if id(node) in made and node["c"][1]:
            node["c"][1] = footnote(node["c"][1])
    if made:
        move_after_punctuation(blocks, made)
    if note_style:
        drop_doubled_periods(blocks, {id(node) for node, _, in_note in placed if in_note})
    if rendered.entries:
        _place_bibliography(blocks, meta, copy_tree(rendered.entries), rendered.bib_attrs)
    return warnings


def render_context(
    engine_style: Any,
    *,
    item_link: Callable[[int, list[dict]], list[dict]] | None = None,
    prefix: Callable[[int], list[dict]] | None = None,
    suffix: Callable[[int], list[dict]] | None = None,
) -> tuple[mk.RenderContext, Callable[[str], str]]:
    """The inline builder's context for a style (its locale's quote marks) and the seam fixer (its
    punctuation-in-quote), shared by documents and :func:`.clusters.render_clusters`."""
    root = engine_style.root
    quotes = tuple(
        str(root.get_single_term(name=n)) or d
        for n, d in (
            ("open-quote", "\u201c"),
            ("close-quote", "\u201d"),
            ("open-inner-quote", "\u2018"),
            ("close-inner-quote", "\u2019"),
        )
    )
    piq = str(root.get_locale_option("punctuation-in-quote") or "false").lower() == "true"
    ctx = mk.RenderContext(quotes=quotes, item_link=item_link, prefix=prefix, suffix=suffix)  # type: ignore[arg-type]
    return ctx, lambda text: mk.fix_seams(text, piq)


def _entry_block(key: str, inlines: list[dict]) -> dict:
    attrs = [["role", "listitem"]] if EXPLICIT_ROLES else []
    seps = [i for i, n in enumerate(inlines) if n["t"] == "FieldSep"]
    if seps:
        i = seps[0]
        left = [n for n in inlines[:i] if n["t"] != "FieldSep"]
        right = [n for n in inlines[i + 1 :] if n["t"] != "FieldSep"]
        while left and left[-1]["t"] == "Space":
            left.pop()
        while right and right[0]["t"] == "Space":
            right.pop(0)
        # a display="block" heading before the label stands on its own, above label and text
        heading = []
        while left and left[0]["t"] == "Span" and "csl-block" in left[0]["c"][0][1]:
            heading.append(left.pop(0))
        content = [
            *heading,
            {"t": "Span", "c": [["", ["csl-left-margin"], []], left]},
            {"t": "Span", "c": [["", ["csl-right-inline"], []], right]},
        ]
    else:
        content = _strip_fieldsep(inlines)
    return {"t": "Div", "c": [[f"ref-{key}", ["csl-entry"], attrs], [{"t": "Para", "c": content}]]}


def _strip_fieldsep(inlines: list[dict]) -> list[dict]:
    return [n for n in inlines if n["t"] != "FieldSep"]


def _find_refs(blocks: list[Any]) -> tuple[list[Any], int] | None:
    """The list holding the Div with id "refs", and its index there."""
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        t = block.get("t")
        if t in TEXT_LEAVES:  # most of a paragraph's inlines: neither a Div nor holding one
            continue
        if t == "Div" and block["c"][0][0] == "refs":
            return blocks, i
        c = block.get("c")
        if t in ("Div", "BlockQuote") or isinstance(c, list):
            inner = c[1] if t == "Div" else c
            if isinstance(inner, list):
                found = _find_refs(inner)
                if found:
                    return found
    return None


def _place_bibliography(
    blocks: list[dict], meta: dict, entries: list[tuple[str, list[dict]]], bib_el: dict[str, str | None]
) -> None:
    classes = ["references", "csl-bib-body"]
    if str(bib_el.get("hanging-indent", "false")).lower() == "true":
        classes.append("hanging-indent")
    attrs = [[name, bib_el.get(name)] for name in ("entry-spacing", "line-spacing") if bib_el.get(name)]
    if EXPLICIT_ROLES:
        attrs.insert(0, ["role", "list"])
    found = _find_refs(blocks)
    if found:
        holder, index = found
        old_id, old_classes, old_attrs = holder[index]["c"][0]
        classes += [c for c in old_classes if c not in classes]
        attrs += [a for a in old_attrs if a[0] not in {b[0] for b in attrs}]
    refs = {"t": "Div", "c": [["refs", classes, attrs], [_entry_block(k, inl) for k, inl in entries]]}
    content: list[dict] = []
    title = _meta_inlines(meta.get("reference-section-title"))
    if title:
        content.append({"t": "Header", "c": [2, ["references", ["unnumbered"], []], title]})
    content.append(refs)
    wrapper = {
        "t": "Div",
        "c": [["bibliography", ["section", "bibliography"], [["role", "doc-bibliography"]]], content],
    }
    if found:
        holder, index = found
        holder[index] = wrapper
    else:
        blocks.append(wrapper)
