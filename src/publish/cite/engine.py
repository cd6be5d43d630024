"""Drive citeproc-py: register citations, disambiguate, render citations and entries as marker strings.

The output of every ``render_*`` method is a *marker string* (see :mod:`publish.cite.markup`); the
document layer turns it into pandoc inlines. Everything that touches the engine's elements runs inside
:func:`publish.cite.patches.engine_fixes`: our fixes installed, one thread at a time (a parsed style is
cached and shared across documents).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import citeproc
from citeproc import CitationStylesStyle, Locator
from citeproc.source import Date, LiteralDate, VariableError
from citeproc.source.json import CiteProcJSON
from citeproc.string import String, join

from . import disambiguation, fields
from . import markup as mk
from .delimiters import join_cites
from .memo import CitedCluster as Citation
from .memo import CitedItem as CitationItem
from .memo import MemoBibliography, RenderMemo, item_key, watch
from .patches import (
    STATE,
    cites_accessed,
    disambiguate_conditions,
    engine_fixes,
    implicit_year_suffix,
    initialize_given,
)


@dataclass
class CiteItem:
    """One cited key inside a citation, as pandoc's Cite gives it."""

    key: str
    mode: str = "normal"  # normal | suppress-author | author-in-text | author-only
    label: str | None = None  # CSL locator term ("page", "chapter", ...)
    locator: str | None = None
    prefix: bool = False  # the document has prefix inlines for it (a placeholder is rendered)
    suffix: bool = False
    index: int = 0  # position in the document's list of items, used by the placeholders
    prefix_ends_sentence: bool = False  # the prefix is a sentence ("As shown before. "): capitalise after it
    prefix_punct: bool = False  # the prefix opens with punctuation (", cited in"): no delimiter before it
    suffix_punct: bool = False  # the suffix closes with "," or ";": no delimiter after it


_SIMPLE_FIELDS_NUMERIC = ("volume", "issue", "edition", "number", "page", "number-of-pages", "chapter-number")


# Every CSL name variable; names are cleaned for all of them. citeproc-py renders only some of them
# (ENGINE_NAME_VARIABLES); the others are left out of what it is given.
NAME_VARIABLES = frozenset({
    "author",
    "editor",
    "translator",
    "container-author",
    "collection-editor",
    "composer",
    "director",
    "interviewer",
    "illustrator",
    "original-author",
    "recipient",
    "reviewed-author",
    "editorial-director",
    "chair",
    "compiler",
    "contributor",
    "curator",
    "executive-producer",
    "guest",
    "host",
    "narrator",
    "organizer",
    "performer",
    "producer",
    "script-writer",
    "series-creator",
})
ENGINE_NAME_VARIABLES = frozenset({
    "author", "editor", "translator", "container-author", "collection-editor", "composer", "interviewer",
    "illustrator", "original-author", "recipient", "editorial-director",
})


def prepare_reference(ref: dict, internal_id: str) -> dict:
    """A CSL-JSON item cleaned for citeproc-py: rich text to markers, bad dates dropped, ids internal.

    citeproc-py lowercases ids (so "Smith" and "smith" would collide) and chokes on empty date parts, so
    ids are replaced by internal ones and dates are normalised here, once.
    """
    ref = fields.complete(ref)
    out: dict[str, Any] = {"id": internal_id, "type": ref.get("type") or "document"}
    for key, value in ref.items():
        if key in ("id", "type") or value is None or value == "" or value == []:
            continue
        if key in NAME_VARIABLES:
            if not isinstance(value, list):
                continue
            names = []
            for name in value:
                if not isinstance(name, dict):
                    continue
                clean = {
                    k: mk.smart_text(mk.sanitize(str(v))) if k != "comma-suffix" else v
                    for k, v in name.items()
                    if k
                    in (
                        "family",
                        "given",
                        "dropping-particle",
                        "non-dropping-particle",
                        "suffix",
                        "literal",
                        "comma-suffix",
                    )
                    and v not in (None, "")
                }
                if "family" not in clean and "literal" not in clean and "given" in clean:
                    clean = {"literal": clean["given"]}
                split_given_suffix(clean)
                split_particle(clean)
                if clean:
                    names.append(clean)
            if names and key in ENGINE_NAME_VARIABLES:
                out[key] = names
            continue
        if isinstance(value, dict) and ("date-parts" in value or "literal" in value or "raw" in value):
            date = _clean_date(value)
            if date is not None:
                out[key] = date
            continue
        if isinstance(value, (list, dict)):
            continue
        text = mk.sanitize(str(value))
        if key not in ("URL", "DOI", "ISBN", "ISSN", "PMID", "PMCID", "note", "abstract"):
            # typographic quotes for the data only: a style's own affixes and terms print as written
            text = mk.smart_text(mk.quotes_to_markers(mk.rich_text_to_markers(text)))
        out[key] = text
    return out


def split_given_suffix(name: dict) -> None:
    """ "John, III" in a given name is the suffix III; "John,! Jr." the suffix Jr. printed after a comma
    ("John Doe, Jr."), as citeproc-js reads CSL-JSON names without a suffix field."""
    given = name.get("given", "")
    if "suffix" in name or ", " not in given and ",!" not in given:
        return
    head, _, tail = given.partition(",")
    if tail.startswith("!"):
        name["comma-suffix"] = True
        tail = tail[1:]
    if head.strip() and tail.strip():
        name["given"], name["suffix"] = head.strip(), tail.strip()


def split_particle(name: dict) -> None:
    """ "van der Berg" -> non-dropping-particle "van der", family "Berg", as citeproc-js and pandoc parse
    a family name whose leading words are lowercase (unless the particle is given explicitly)."""
    family = name.get("family", "")
    if len(family) > 2 and family[0] in '"\u201c' and family[-1] in '"\u201d':
        name["family"] = family[1:-1]  # a quoted family name is one name, particles and all
        return
    if "non-dropping-particle" in name:
        return
    hyphened = re.match(r"^([a-z]{1,3}-)(\w.*)$", family)
    if hyphened and hyphened.group(2)[:1].isupper():
        # "al-One": a particle joined by a hyphen, as citeproc-js parses it (sorted under "One")
        name["non-dropping-particle"], name["family"] = hyphened.group(1), hyphened.group(2)
        return
    if " " not in family:
        return
    words = family.split(" ")
    k = 0
    while k < len(words) - 1 and words[k][:1].islower():
        k += 1
    if k:
        name["non-dropping-particle"] = " ".join(words[:k])
        name["family"] = " ".join(words[k:])


_RAW_DATE = re.compile(r"^\s*(-?\d{1,4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")


def _valid_date_parts(nums: list[int]) -> list[int]:
    """Year, then month (1-12, or 13-24 for seasons) and day (1-31) while they are valid: citeproc-py
    crashes on a month or day of 0, which real data has ("2020-00-00")."""
    out = nums[:1]
    if len(nums) > 1 and 1 <= nums[1] <= 24:
        out.append(nums[1])
        if len(nums) > 2 and 1 <= nums[2] <= 31 and nums[1] <= 12:
            out.append(nums[2])
    return out


def _clean_date(value: dict) -> dict | None:
    parts = value.get("date-parts")
    clean_parts = []
    if isinstance(parts, list):
        for p in parts:
            if not isinstance(p, list):
                continue
            nums = []
            for x in p[:3]:
                try:
                    nums.append(int(str(x).strip()))
                except ValueError:
                    break
            nums = _valid_date_parts(nums)
            if nums and nums[0] != 0 or len(nums) > 1:
                clean_parts.append(nums)
            elif nums == [0] and len(clean_parts) == 1:
                clean_parts.append(nums)  # the open end of a range ("1987–"), as CSL-JSON writes it
    if not clean_parts and isinstance(value.get("raw"), str):
        m = _RAW_DATE.match(value["raw"])
        if m:
            clean_parts.append([int(g) for g in m.groups() if g])
    out: dict[str, Any] = {}
    if clean_parts:
        out["date-parts"] = clean_parts[:2]
    elif value.get("literal"):
        out["literal"] = str(value["literal"])
    else:
        return None
    if value.get("circa"):
        out["circa"] = 1
    if value.get("season"):
        out["season"] = value["season"]
    return out


class Processor:
    """One document's citations against one style."""

    #: Processors made in this process: what incremental citing must not make on a text-only edit.
    made = 0

    def __init__(self, style: CitationStylesStyle, references: list[dict]) -> None:
        Processor.made += 1
        self.style = style
        self.internal: dict[str, str] = {}
        self.user: dict[str, str] = {}
        prepared = []
        for i, ref in enumerate(references):
            iid = f"r{i}"
            self.internal[str(ref["id"])] = iid
            self.user[iid] = str(ref["id"])
            prepared.append(prepare_reference(ref, iid))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self.source = CiteProcJSON(prepared)
            except TypeError:
                self.source = self._tolerant_source(prepared)
        _alias_hyphenated(self.source)
        self.bib = MemoBibliography(style, self.source, mk.AstFormatter)
        self.memo = RenderMemo()
        # lxml element proxies lose Python attributes (citeproc-py's ``cites``, ``repressed``) when no
        # Python reference keeps them alive: hold the elements the engine stores state on.
        self.citation_el = style.root.citation
        self.citation_layout = self.citation_el.layout
        self.bib_el = style.root.bibliography
        self.bib_layout = self.bib_el.layout if self.bib_el is not None else None
        self.citations: list[tuple[Citation, list[CiteItem]]] = []
        self.nocite: list[str] = []
        self._finalized = False

    @staticmethod
    def _tolerant_source(prepared: list[dict]) -> CiteProcJSON:
        """Load items one by one, dropping the date fields citeproc-py cannot take."""
        source = CiteProcJSON([])
        for item in prepared:
            try:
                part = CiteProcJSON([item])
            except TypeError:
                trimmed = {k: v for k, v in item.items() if not (isinstance(v, dict))}
                part = CiteProcJSON([trimmed])
            source.update(part)
        return source

    # -- registration ------------------------------------------------------------------------------
    def register(self, items: list[CiteItem], note_number: int = 0) -> int:
        """Register one citation (a pandoc Cite) in document order; returns its number.

        ``note_number`` is the footnote the citation stands in (0: in the main text), which CSL's
        positions (near-note, ibid in note styles) are counted in.
        """
        cites = []
        for it in items:
            kwargs: dict[str, Any] = {}
            if it.locator:
                kwargs["locator"] = Locator(it.label or "page", it.locator)
            ci = CitationItem(self.internal[it.key], **kwargs)
            ci["_mode"] = it.mode
            ci["_spec"] = it
            cites.append(ci)
        citation = Citation(cites)
        citation.note_number = note_number
        with engine_fixes():
            self.bib.register(citation)
        self.citations.append((citation, items))
        return len(self.citations) - 1

    def register_nocite(self, keys: list[str]) -> None:
        """Items for the bibliography only (metadata ``nocite``)."""
        fresh = [k for k in keys if k not in self.nocite]
        self.nocite.extend(fresh)
        if fresh:
            citation = Citation([CitationItem(self.internal[k]) for k in fresh])
            with engine_fixes():
                self.bib.register(citation)

    def finalize(self) -> None:
        """Sort the bibliography and disambiguate; call once after all registrations."""
        with engine_fixes():
            self._prepare_style()
            if self.style.has_bibliography():
                self.bib.sort()
            self._disambiguate()
        self._finalized = True

    def _prepare_style(self) -> None:
        # the parsed style is shared (cached); make sure it renders with our formatter
        self.style.root.formatter = mk.AstFormatter
        self.citation_el.cites = self.bib._cites

    # -- citations ---------------------------------------------------------------------------------
    def cited_keys(self) -> list[str]:
        return [self.user[k] for k in self.bib.keys]

    def render_citations(self) -> list[str]:
        """Render all registered citations in document order (positions depend on the order)."""
        with engine_fixes():
            self._prepare_style()
            self.bib._cites = []
            self.citation_el.cites = self.bib._cites
            return [self._render_citation(c, items) for c, items in self.citations]

    def _render_item(self, item: CitationItem) -> Any:
        """One item's citation text, kept in :attr:`memo` under what it reads (see :mod:`.memo`)."""
        subsequent = item.key in (c.key for c in self.bib._cites)
        key = item_key(item, subsequent) if self.memo.enabled else None
        kept = self.memo.renders.get(key) if key is not None else None
        if kept is not None:
            self.memo.hits += 1
            text, STATE.captured_names, STATE.names_seen, repressed = kept
            self.citation_layout.repressed = {kind: list(names) for kind, names in repressed.items()}
            STATE.layout = self.citation_layout
            STATE.position_subsequent = subsequent
            return text
        self.memo.misses += 1
        with watch() as history_read:
            text = self._render_item_now(item, subsequent)
        if key is not None and not history_read[0]:
            repressed = {kind: list(names) for kind, names in self.citation_layout.repressed.items()}
            self.memo.renders[key] = (text, STATE.captured_names, STATE.names_seen, repressed)
        return text

    def _render_item_now(self, item: CitationItem, subsequent: bool) -> Any:
        layout = self.citation_layout
        layout.repressed = {}
        STATE.layout = layout
        STATE.in_citation_item = True
        STATE.names_seen = 0
        STATE.captured_names = None
        STATE.position_subsequent = subsequent
        STATE.year_suffix_pending = self._implicit_suffix(item)
        STATE.disambiguate_tests = 0
        try:
            return layout.render_children(item)
        finally:
            STATE.in_citation_item = False
            STATE.year_suffix_pending = None

    def _sort_group(self, citation_el: Any, group: list[CitationItem], layout: Any) -> list[CitationItem]:
        """cs:citation's cs:sort over one group of cites; a group of one needs no sort keys, and the
        order of a group is kept by the keys of its items (see :mod:`.memo`)."""
        if len(group) < 2 or not self.memo.enabled:
            return group if len(group) < 2 else citation_el.sort.sort(group, layout)
        history = self.bib._cites
        keys = tuple(item_key(it, it.key in (c.key for c in history)) for it in group)
        known = None if None in keys else self.memo.sorts.get(keys)
        if known is not None:
            return [group[i] for i in known]
        with watch() as history_read:
            ordered = citation_el.sort.sort(group, layout)
        if None not in keys and not history_read[0]:
            position = {id(it): i for i, it in enumerate(group)}
            self.memo.sorts[keys] = tuple(position[id(it)] for it in ordered)
        return ordered

    def _implicit_suffix(self, item: CitationItem) -> str | None:
        if not implicit_year_suffix(self.style.root):
            return None
        return item.reference.get("year_suffix")

    def _render_citation(self, citation: Citation, specs: list[CiteItem]) -> str:
        citation_el = self.citation_el
        layout = citation_el.layout
        for cite in citation.cites:
            cite.citation = citation
        citation.bibliography = self.bib
        items = list(citation.cites)
        if citation_el.sort is not None:
            # like pandoc's citeproc: a suffix ends and a prefix starts a group; sort only within groups
            groups: list[list[CitationItem]] = []
            for it in items:
                spec: CiteItem = it["_spec"]
                if not groups or spec.prefix or groups[-1][-1]["_spec"].suffix:
                    groups.append([])
                groups[-1].append(it)
            items = [it for group in groups for it in self._sort_group(citation_el, group, layout)]
        items = self._group_cites(citation_el, items)
        author_in_text = len(items) == 1 and items[0]["_mode"] == "author-in-text"
        author_text = None
        if author_in_text:
            item = items[0]
            item["_mode"] = "author-only"
            self._render_item(item)
            author_text = STATE.captured_names
            item["_mode"] = "suppress-author" if author_text else "normal"
        rendered: list[tuple[CitationItem, Any]] = []
        for item in items:
            text = self._render_item(item)
            if item["_mode"] == "author-only":
                # CSL author-only: the names the item's first cs:names renders, nothing else
                text = STATE.captured_names
            rendered.append((item, text))
            self.bib._cites.append(item)
        if author_in_text:
            items[0]["_mode"] = "author-in-text"

        pieces = self._collapse(citation_el, rendered)
        delimiter = layout.get("delimiter", "")
        if pieces and len(pieces) == len(items):
            body = join_cites(pieces, [it["_spec"] for it in items], delimiter)
        else:
            body = join([p for p in pieces if p is not None], delimiter) if pieces else None
        if body is None or str(body) == "":
            out = ""
        else:
            out = str(layout.format(layout.wrap(body)))
        if author_in_text and author_text:
            out = str(author_text) + " " + out
        first: CiteItem | None = items[0]["_spec"] if items else None
        note = self.style.root.get("class") == "note"
        if first is not None and (first.prefix_ends_sentence or (note and not first.prefix)):
            out = self._capitalise_ibid(out)
        return out

    def _capitalise_ibid(self, text: str) -> str:
        """A note citation, or one after a prefix that is a sentence, opening with the ibid term prints
        "Ibid." (it starts a sentence), as citeproc-js does; other cites keep their case ("de Gaulle")."""
        plain = mk.strip_markers(text).lstrip()
        if mk.PREFIX in text:
            # the prefix comes first: the term follows it
            k = text.index(mk.PREFIX) + 2
            return text[:k] + self._capitalise_ibid(text[k:])
        # the layout's opening punctuation ("(ibid.)") comes before the sentence's first word
        opening = len(plain) - len(plain.lstrip("([{\u201c\u2018\"' "))
        for term in self._opening_terms():
            if term[:1].islower() and plain[opening:].startswith(term):
                k = next(i for i, ch in enumerate(text) if ch == term[0])
                return text[:k] + term[0].upper() + text[k + 1 :]
        return text

    def _opening_terms(self) -> list[str]:
        """The texts of the terms the style prints with cs:text (ibid, and, in ...), longest first: a
        note citation opening with one capitalises it, as citeproc-js does ("Ibid.", "And")."""
        root = self.style.root
        cached = getattr(root, "_publish_opening_terms", None)
        if cached is None:
            found: set[str] = set()
            for node in root.xpath_search(".//cs:text[@term]"):
                form = node.get("form")
                try:
                    term = node.get_single_term(name=node.get("term"), form=None if form == "long" else form)
                except (KeyError, IndexError, AttributeError):
                    term = None
                if term:
                    found.add(str(term))
            for form in (None, "short"):
                term = root.get_single_term(name="ibid", form=form)
                if term:
                    found.add(str(term))
            cached = sorted(found, key=len, reverse=True)
            root._publish_opening_terms = cached
        return cached

    def _wrap_item(self, item: CitationItem, text: Any) -> Any:
        spec: CiteItem = item["_spec"]
        marked = String(mk.ITEM[0] + mk.index_char(spec.index)) + text + String(mk.ITEM[1])
        if spec.prefix:
            marked = String(mk.PREFIX + mk.index_char(spec.index)) + marked
        if spec.suffix:
            marked = marked + String(mk.SUFFIX + mk.index_char(spec.index))
        return marked

    def _collapse(self, citation_el: Any, rendered: list[tuple[CitationItem, Any]]) -> list[Any]:
        """Wrap items in markers; collapse runs of citation numbers ("1–3") as collapse= asks."""
        collapse = citation_el.get("collapse")
        out: list[Any] = []
        if collapse == "citation-number" and len(rendered) > 1:

            def plain(it: CitationItem) -> bool:
                spec: CiteItem = it["_spec"]
                return not (spec.prefix or spec.suffix or spec.locator)

            run: list[tuple[CitationItem, Any]] = []

            def flush() -> None:
                if len(run) >= 3:
                    first, last = run[0], run[-1]
                    out.append(
                        self._wrap_item(first[0], first[1])
                        + String("\u2013")
                        + self._wrap_item(last[0], last[1])
                    )
                else:
                    out.extend(self._wrap_item(it, t) for it, t in run)
                run.clear()

            for item, text in rendered:
                if text is None:
                    continue
                if run and plain(item) and plain(run[-1][0]) and item.number == run[-1][0].number + 1:
                    run.append((item, text))
                    continue
                flush()
                run.append((item, text))
            flush()
            return out
        if collapse in ("year", "year-suffix", "year-suffix-ranged") and len(rendered) > 1:
            return self._collapse_year(citation_el, rendered)
        group_delim = citation_el.get("cite-group-delimiter")
        if group_delim is not None and len(rendered) > 1:
            # cite grouping without collapsing: cites by the same names joined by cite-group-delimiter
            out: list[Any] = []
            for names, group in groupby(rendered, key=lambda p: self._names_key(p[0])):
                wrapped = [self._wrap_item(it, t) for it, t in group if t is not None]
                if names is not None and len(wrapped) > 1:
                    out.append(join(wrapped, group_delim))
                else:
                    out.extend(wrapped)
            return out
        return [self._wrap_item(item, text) for item, text in rendered if text is not None]

    def _group_cites(self, citation_el: Any, items: list[CitationItem]) -> list[CitationItem]:
        """CSL cite grouping: in a sorted citation with collapse or cite-group-delimiter, cites by the same
        names move up to the first of them ("Smith 2003, 2010; Jones 2005"), the order otherwise kept;
        an unsorted citation keeps the author's order, as citeproc-js keeps it."""
        grouping = citation_el.get("collapse") in ("year", "year-suffix", "year-suffix-ranged")
        if not (grouping or citation_el.get("cite-group-delimiter") is not None) or len(items) < 3:
            return items
        if citation_el.sort is None:
            return items
        keys = [self._names_key(it) for it in items]
        placed = [False] * len(items)
        out: list[CitationItem] = []
        for i, it in enumerate(items):
            if placed[i]:
                continue
            placed[i] = True
            out.append(it)
            if keys[i] is None:
                continue
            for j in range(i + 1, len(items)):
                if not placed[j] and keys[j] == keys[i]:
                    placed[j] = True
                    out.append(items[j])
        return out

    def _collapse_year(self, citation_el: Any, rendered: list[tuple[CitationItem, Any]]) -> list[Any]:
        """CSL collapse="year", "year-suffix" and "year-suffix-ranged": consecutive cites by the same names
        print the names once ("Smith 2001, 2005"); with year-suffix, cites of the same year print only
        their suffix ("2000a, b", ranged "2000a–e"). A collapsed group, and a cite with a locator inside
        one, is followed by after-collapse-delimiter. Returns the whole citation body as one piece."""
        collapse = citation_el.get("collapse")
        layout_delim = citation_el.layout.get("delimiter", "")
        # CSL 1.0.2: cite-group-delimiter defaults to ", ", year-suffix-delimiter to the layout's. As
        # citeproc-js reads them, the ", " default holds in in-text styles; a note style keeps the
        # layout's delimiter between the collapsed cites ("Smith 2000a; 2000b"), and a given
        # cite-group-delimiter is also the year-suffix one's default ("Aalto 2015a, b")
        cite_group = citation_el.get("cite-group-delimiter")
        note = self.style.root.get("class") == "note"
        group_delim = cite_group if cite_group is not None else layout_delim if note else ", "
        suffix_delim = citation_el.get("year-suffix-delimiter", cite_group if cite_group is not None else layout_delim)
        after_delim = citation_el.get("after-collapse-delimiter", layout_delim)
        body: Any = None

        def add(piece: Any, delimiter: str) -> None:
            nonlocal body
            body = piece if body is None else body + String(delimiter) + piece

        delimiter_next = layout_delim
        # cites that render no names at all ("1965a") group with each other, as citeproc-js groups them
        # under the empty name string, but only when no cite of the citation renders names
        ungrouped = "" if all(self._names_key(it) is None for it, _ in rendered) else None
        for names, group_iter in groupby(rendered, key=lambda p: self._names_key(p[0], ungrouped)):
            group = [(it, t) for it, t in group_iter if t is not None]
            if not group:
                continue
            if names is None or len(group) == 1:
                for it, t in group:
                    add(self._wrap_item(it, t), delimiter_next)
                    # citeproc-js: in an in-text style every cite of a citation grouped by names
                    # ends with after-collapse-delimiter; a note style keeps it for collapsed groups
                    delimiter_next = after_delim if names is not None and not note else layout_delim
                continue
            piece: Any = None
            piece_delim = group_delim
            previous_bare: str | None = None
            letters: list[tuple[CitationItem, str]] = []  # suffix-only cites after a year's first cite

            first_letter = ""
            for k, (it, t) in enumerate(group):
                spec: CiteItem = it["_spec"]
                text = t if k == 0 else self._render_suppressed(it)
                if text is None:
                    continue
                suffix = it.reference.get("year_suffix")
                bare = None
                if collapse != "year" and suffix and not spec.locator and not spec.prefix and not spec.suffix:
                    bare = self._without_suffix(it)
                if bare is not None and bare == previous_bare and piece is not None:
                    letters.append((it, suffix))
                    continue
                piece = self._add_suffixes(piece, first_letter, letters, collapse, suffix_delim)
                wrapped = self._wrap_item(it, text)
                piece = wrapped if piece is None else piece + String(piece_delim) + wrapped
                piece_delim = after_delim if spec.locator else group_delim
                previous_bare = bare
                first_letter = suffix or ""
            piece = self._add_suffixes(piece, first_letter, letters, collapse, suffix_delim)
            if piece is not None:
                add(piece, delimiter_next)
                delimiter_next = after_delim
        return [body] if body is not None else []

    def _add_suffixes(
        self, piece: Any, first_letter: str, letters: list[tuple[CitationItem, str]], collapse: str, delim: str
    ) -> Any:
        """``piece`` (ending in a year's first cite, "2000a") followed by the suffix-only cites of that
        year: ", b" each, or as ranges of three or more consecutive letters ("–e") when ranged."""
        if not letters:
            return piece
        runs: list[list[tuple[CitationItem | None, str]]] = [[(None, first_letter)]]
        for it, letter in letters:
            if collapse == "year-suffix-ranged" and _next_letter(runs[-1][-1][1]) == letter:
                runs[-1].append((it, letter))
            else:
                runs.append([(it, letter)])
        for n, run in enumerate(runs):
            if len(run) >= 3:
                if n:
                    piece = piece + String(delim) + self._wrap_item(run[0][0], String(run[0][1]))
                piece = piece + String("\u2013") + self._wrap_item(run[-1][0], String(run[-1][1]))
            else:
                for it, letter in run[1:] if n == 0 else run:
                    piece = piece + String(delim) + self._wrap_item(it, String(letter))
        letters.clear()
        return piece

    def _render_suppressed(self, item: CitationItem) -> Any:
        saved = item["_mode"]
        item["_mode"] = "suppress-author"
        try:
            return self._render_item(item)
        finally:
            item["_mode"] = saved

    def _without_suffix(self, item: CitationItem) -> str | None:
        """The cite's suppressed-author text without its year-suffix: equal for cites of the same year."""
        ref = item.reference
        suffix = ref.pop("year_suffix", None)
        saved_cites = list(self.bib._cites)
        try:
            text = self._render_suppressed(item)
        finally:
            if suffix is not None:
                ref["year_suffix"] = suffix
            self.bib._cites[:] = saved_cites
        return mk.strip_markers(str(text)) if text is not None else None

    def _names_key(self, item: CitationItem, default: str | None = None) -> str | None:
        """The names the cite renders (its collapse/grouping key), or ``default`` when it renders none."""
        mode = item["_mode"]
        item["_mode"] = "author-only"
        self._render_item(item)
        item["_mode"] = mode
        return mk.strip_markers(str(STATE.captured_names)) if STATE.captured_names else default

    # -- bibliography ------------------------------------------------------------------------------
    def render_bibliography(self) -> list[tuple[str, str]]:
        """(user key, marker string) per entry, in bibliography order."""
        if not self.style.has_bibliography():
            return []
        with engine_fixes():
            self._prepare_style()
            bib_el = self.bib_el
            layout = self.bib_layout
            second_field = bib_el.get("second-field-align")
            children = list(layout.iterchildren())
            left_idx = next((i for i, c in enumerate(children) if c.get("display") == "left-margin"), None)
            if left_idx is None and second_field:
                left_idx = 0
            substitute = bib_el.get("subsequent-author-substitute")
            rule = bib_el.get("subsequent-author-substitute-rule", "complete-all")
            out: list[tuple[str, str]] = []
            previous_names: str | None = None
            for item in self.bib.items:
                layout.repressed = {}
                STATE.layout = layout
                STATE.in_bibliography_entry = True
                STATE.names_seen = 0
                STATE.names_marked = False
                STATE.year_suffix_pending = self._implicit_suffix(item)
                STATE.disambiguate_tests = 0
                try:
                    text = self._render_entry(item, layout, children, left_idx)
                finally:
                    STATE.in_bibliography_entry = False
                    STATE.year_suffix_pending = None
                if text is None:
                    continue
                text = str(text)
                names = _names_segment(text)
                if substitute is not None and names is not None:
                    plain = mk.strip_markers(names)
                    if previous_names is not None and plain == previous_names:
                        text = _replace_names(text, substitute, rule)
                    previous_names = plain
                elif substitute is not None:
                    previous_names = None
                text = text.replace(mk.NAMES[0], "").replace(mk.NAMES[1], "")
                out.append((self.user[item.key], text))
            return out

    def _render_entry(
        self, item: CitationItem, layout: Any, children: list[Any], left_idx: int | None
    ) -> Any:
        """One entry; with second-field-align the label and the rest are split by FIELD_SEP. A child
        with display="block" or "indent" is wrapped in its markers (csl-block / csl-indent)."""
        displays = [_DISPLAY.get(str(c.get("display"))) for c in children]
        if left_idx is None and not any(displays):
            body = layout.render_children(item)
        else:
            left: list[Any] = []
            right: list[Any] = []
            for i, child in enumerate(children):
                try:
                    text = child.render(item)
                except VariableError:
                    text = None
                if text is not None:
                    if displays[i]:
                        text = String(displays[i][0]) + text + String(displays[i][1])
                    (left if left_idx is not None and i <= left_idx else right).append(text)
            if not left:
                body = join(right, "") if right else None
            else:
                body = join(left, "") + String(mk.FIELD_SEP) + (join(right, "") if right else String(""))
        if body is None:
            return None
        return layout.format(layout.wrap(body))

    # -- disambiguation ----------------------------------------------------------------------------
    def _disambiguate(self) -> None:
        """CSL disambiguation: add names, add given names, the disambiguate condition, year suffixes."""
        citation_el = self.citation_el
        opts = {
            "names": citation_el.get("disambiguate-add-names", "false") == "true",
            "given": citation_el.get("disambiguate-add-givenname", "false") == "true",
            "suffix": citation_el.get("disambiguate-add-year-suffix", "false") == "true",
        }
        items = self._all_items()
        if not items:
            return
        rule = citation_el.get("givenname-disambiguation-rule", "by-cite")
        if opts["given"] and rule != "by-cite":
            disambiguation.global_given_names(items, rule, family_of, given_of)
        levels = (1,) if rule.endswith("with-initials") else (1, 2)
        self.bib._cites = []
        citation_el.cites = self.bib._cites

        # as citeproc-js compares cites: the date a web page was accessed tells no two works apart
        # ("Doe n.d.-a [accessed 1965]"), so cites are compared without it
        without_accessed = cites_accessed(self.style.root)

        def render(it: CitationItem) -> str:
            self.bib._cites = []
            citation_el.cites = self.bib._cites
            if without_accessed or STATE.force_subsequent:
                STATE.without_accessed = without_accessed
                try:
                    text = self._render_item_now(it, STATE.force_subsequent)
                finally:
                    STATE.without_accessed = False
            else:
                text = self._render_item(it)
            return mk.strip_markers(str(text)) if text is not None else ""

        def ambiguous(group_items: list[CitationItem]) -> list[list[CitationItem]]:
            texts: dict[str, list[CitationItem]] = {}
            for it in group_items:
                texts.setdefault(render(it), []).append(it)
            return [g for t, g in texts.items() if len(g) > 1 and t]

        groups = ambiguous(items)
        if not groups:
            self._suffix_subsequent_forms(items, opts["suffix"], render, set())
            return
        if opts["given"] or opts["names"]:
            disambiguation.resolve(
                groups,
                ambiguous,
                add_names=opts["names"],
                add_given=opts["given"],
                levels=levels,
                same_people=_same_people,
                max_names=lambda group: max(len(it.reference.get("author", []) or []) for it in group),
            )
            groups = ambiguous(items)
        # the disambiguate condition: one more of the style's tests true at a time, for the cites still
        # ambiguous ("Smith, Book One" needs the title only, "Smith, Complete Works, ed. 5" the edition too)
        tests = disambiguate_conditions(self.style.root)
        level = 1
        while groups:
            last = level >= min(tests, 8)
            for group in groups:
                for it in group:
                    state = {**(it.reference.get("_disamb") or {}), "condition": True}
                    state.pop("tests", None)
                    if not last:
                        state["tests"] = level  # only the first ``level`` tests hold
                    it.reference["_disamb"] = state
            groups = ambiguous(items)
            if last:
                break
            level += 1
        if opts["suffix"] and groups:
            order = {k: i for i, k in enumerate(self.bib.keys)}
            for group in groups:
                group.sort(key=lambda it: order.get(it.key, 0))
                for n, it in enumerate(group):
                    it.reference["year_suffix"] = _suffix_letters(n)
        suffixed = {it.key for group in groups for it in group} if opts["suffix"] else set()
        self._suffix_subsequent_forms(items, opts["suffix"], render, suffixed)
        self.bib._cites = []

    def _suffix_subsequent_forms(
        self, items: list[CitationItem], on: bool, render: Callable[[CitationItem], str], suffixed: set[str]
    ) -> None:
        """With et-al-subsequent-*, a later cite shortens its names ("Baur et al. 2000"): works the
        subsequent form cannot tell apart get year suffixes too, as citeproc-js gives them."""
        el = self.citation_el
        if not on or (el.get("et-al-subsequent-min") is None and el.get("et-al-subsequent-use-first") is None):
            return
        texts: dict[str, list[CitationItem]] = {}
        STATE.force_subsequent = True
        try:
            for it in items:
                texts.setdefault(render(it), []).append(it)
        finally:
            STATE.force_subsequent = False
        order = {k: i for i, k in enumerate(self.bib.keys)}
        for text, group in texts.items():
            if len(group) < 2 or not text or any(it.key in suffixed for it in group):
                continue
            group.sort(key=lambda it: order.get(it.key, 0))
            for n, it in enumerate(group):
                it.reference["year_suffix"] = _suffix_letters(n)

    def _all_items(self) -> list[CitationItem]:
        """One citation item per distinct key (first-position, no locator) for ambiguity checks."""
        items = []
        for key in self.bib.keys:
            ci = CitationItem(key)
            ci["_mode"] = "normal"
            ci["_spec"] = CiteItem(key=self.user[key])
            c = Citation([ci])
            c.bibliography = self.bib
            items.append(ci)
        return items


def family_of(name: Any) -> str:
    """The family name as the short form prints it: "dos Santos" and "Santos" are not the same."""
    return " ".join(str(name[k]) for k in ("non-dropping-particle", "family") if name.get(k))


def given_of(name: Any) -> str:
    """A given name with its initials normalised: "J. J." and "J.J." are one name spelt two ways."""
    return initialize_given(str(name.get("given", "")), ". ", True, initialize=False)


def _same_people(group: list[Any]) -> bool:
    """Whether every item of the group has the same authors, so given names cannot tell them apart."""
    people = {
        tuple((family_of(n), given_of(n), str(n.get("literal", ""))) for n in it.reference.get("author") or [])
        for it in group
    }
    return len(people) == 1


def _alias_hyphenated(source: Any) -> None:
    """Give name and number variables their CSL (hyphenated) name beside the engine's Python one.

    citeproc-py stores "container-author" as ``container_author`` but cs:names and cs:number look it up
    as written in the style, so a container author, a collection editor or number-of-volumes
    ("(Vols. 1–3)") never printed.
    """
    for ref in source.values():
        for key in list(ref):
            if "_" in key and (key in citeproc.NAMES or key in citeproc.NUMBERS):
                ref[key.replace("_", "-")] = ref[key]


_DISPLAY = {"block": mk.BLOCK, "indent": mk.INDENT}


def _next_letter(letters: str) -> str:
    """The year-suffix after ``letters`` ("a" -> "b", "z" -> "aa")."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - ord("a") + 1)
    return _suffix_letters(n)


def _suffix_letters(n: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa (CSL year-suffix sequence)."""
    letters = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(ord("a") + r) + letters
    return letters


def _names_segment(text: str) -> str | None:
    start = text.find(mk.NAMES[0])
    end = text.find(mk.NAMES[1], start + 1)
    if start < 0 or end < 0:
        return None
    return text[start + 1 : end]


def _replace_names(text: str, substitute: str, rule: str) -> str:
    start = text.find(mk.NAMES[0])
    end = text.find(mk.NAMES[1], start + 1)
    return text[: start + 1] + substitute + text[end:]


__all__ = ["CiteItem", "Processor", "prepare_reference", "Date", "LiteralDate"]
