"""Controlled fixes to citeproc-py's element classes, installed around the citation step.

citeproc-py (0.11.1) is the engine, but it misses parts of CSL 1.0.2 that every style we ship relies on.
Each fix here replaces one method of one engine class with a version that does what the CSL specification
(and citeproc-js, the reference implementation) does; every fix has a unit test in
``tests/unit/test_cite_engine.py`` that fails without it. Rendering state that CSL keeps per citation item
(suppress-author, disambiguation) travels in :data:`STATE` and in private ``_``-prefixed keys of the
engine's ``Reference``/``CitationItem`` dicts. :func:`engine_fixes` installs the fixes for the duration of
a block and holds :data:`LOCK` meanwhile, so that state is never shared between threads and nothing stays
changed in citeproc-py after the block.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from citeproc import model
from citeproc.source import VariableError
from citeproc.string import MixedString, NoCase, String, join

from . import markup as mk
from .disambiguation import given_level
from .numbers import format_numbers, is_plural

LOCK = threading.RLock()


class _State(threading.local):
    """Per-render flags the patched elements read (set by :mod:`publish.cite.engine`)."""

    def __init__(self) -> None:
        self.in_citation_item = False  # rendering an item's citation text (not a sort key)
        self.names_seen = 0  # top-level cs:names rendered so far for the current item
        self.captured_names: Any = None  # author-only: the first names output
        self.in_bibliography_entry = False
        self.layout: Any = None  # the cs:layout being rendered
        self.recording: list[set[str]] = []  # variables rendered inside cs:substitute
        self.position_subsequent = False  # the item was cited before (et-al-subsequent-*)
        self.names_marked = False  # the entry's first names are wrapped in NAMES markers
        self.name_overrides: dict[str, Any] | None = None  # disambiguation: add names / given names
        self.year_suffix_pending: str | None = None  # implicit year-suffix not yet printed for the item
        self.without_accessed = False  # disambiguation: the accessed date tells no cites apart
        self.force_subsequent = False  # disambiguation: compare the et-al-subsequent form of cites
        self.disambiguate_tests = 0  # the disambiguate conditions the current render has met
        self.variables_called = 0  # variables the rendering elements asked for (cs:group's rule)
        self.variables_rendered = 0  # ... and how many of them printed something


STATE = _State()


def layout_of(*elements: Any) -> Any:
    """The cs:layout an element renders for (macros have none of their own: use the current one)."""
    for el in elements:
        if el is not None:
            found = el.xpath_search("./ancestor-or-self::cs:layout[1]")
            if found:
                return found[0]
    return STATE.layout


# ---------------------------------------------------------------------------------------------------
# Strings: capitalisation must skip our formatting markers (they sit before the first letter).


def _capitalize_first_text(s: str) -> str:
    """Capitalise the first letter, skipping markers, but only when the first word is all lowercase
    (CSL: "arXiv" and "iPhone" stay as they are; citeproc-py printed "ArXiv")."""
    for i, ch in enumerate(s):
        if mk.MARKER_RE.match(ch) or ch.isspace():
            continue
        # any space ends the word, a non-breaking one too (the French "o\u00a0A." of a term)
        word = (mk.strip_markers(s[i:]).split(None, 1) or [""])[0]
        if not word.islower() and any(c.isalpha() for c in word[1:]):
            return s
        return s[:i] + ch.upper() + s[i + 1 :]
    return s


def _string_capitalize_first(self: String) -> String:
    return self.__class__(_capitalize_first_text(str(self)))


def _mixed_capitalize_first(self: MixedString) -> MixedString:
    out = []
    done = False
    for seg in self:
        if done:
            out.append(seg)
            continue
        plain = mk.strip_markers(str(seg)).strip()
        if not plain:
            out.append(seg)
            continue
        out.append(seg.capitalize_first() if hasattr(seg, "capitalize_first") else seg)
        done = True
    return MixedString(out)


def _nocase_capitalize_first(self: NoCase) -> NoCase:
    return self


# ---------------------------------------------------------------------------------------------------
# Text case (CSL 1.0.2 "title" and "sentence" as citeproc-js implements them).

STOP_WORDS = frozenset(
    """a according aboard about across after against ago along alongside among amongst an and around as
    aside astride at atop away before behind below beneath beside besides between beyond but by circa
    concerning considering despite down during except excepting excluding following for from given gone
    in inside into like minus near nor of off on onto opposite or outside over past pending per plus pro
    regarding respecting round save saving since so than the through thru throughout to toward towards
    under underneath unlike until unto up upon versus vs vs. via with within without yet till
    de von van""".split()
)  # with citeproc-js's name particles: "Antiquités de l'Égypte", "John von Doe" keep them lowercase
_WORD_RE = re.compile(r"[^\s\-\u2010\u2013\u2014/]+|[\s\-\u2010\u2013\u2014/]+")


def _segments(text: Any) -> list[tuple[str, bool]]:
    """(text, is_nocase) pieces of a String/MixedString."""
    if isinstance(text, MixedString):
        out = []
        for seg in text:
            out.extend(_segments(seg))
        return out
    return [(str(text), isinstance(text, NoCase))]


def _rebuild(pieces: list[tuple[str, bool]]) -> Any:
    segs = [NoCase(t) if nc else String(t) for t, nc in pieces if t]
    if not segs:
        return String("")
    if len(segs) == 1:
        return segs[0]
    return MixedString(segs)


def _core(word: str) -> str:
    # keep a final period: "A." (an initial) is not the stop word "a"
    return mk.strip_markers(word).strip("\"'“”‘’([{").rstrip(",;:!?)]}\"'“”‘’")


_IMPLICIT_NOCASE = re.compile(
    "((?:" + "|".join(f"{re.escape(a)}.*?{re.escape(b)}" for a, b in (mk.SMALLCAPS, mk.SUP, mk.SUB)) + "))", re.S
)


def _implicit_nocase(pieces: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Small caps, superscript and subscript in the data keep their case under title case, like a
    nocase span (citeproc-js: "My <sc>small caps phrase</sc> in a Title")."""
    out: list[tuple[str, bool]] = []
    for t, nc in pieces:
        if nc or not _IMPLICIT_NOCASE.search(t):
            out.append((t, nc))
            continue
        for k, part in enumerate(_IMPLICIT_NOCASE.split(t)):
            if part:
                out.append((part, k % 2 == 1))
    return out


def title_case(text: Any) -> Any:
    """CSL title case: capitalise lowercase words, lowercase stop words in the middle, keep NoCase."""
    pieces = _implicit_nocase(_segments(text))
    plain = "".join(mk.strip_markers(t) for t, nc in pieces if not nc)
    del plain
    tokens: list[tuple[str, bool, int]] = []  # (token, nocase, piece index)
    for pi, (t, nc) in enumerate(pieces):
        for tok in _WORD_RE.findall(t):
            tokens.append((tok, nc, pi))
    words = [
        k
        for k, (tok, _, _) in enumerate(tokens)
        if not tok.isspace() and _WORD_RE.match(tok) and not re.fullmatch(r"[\s\-\u2010\u2013\u2014/]+", tok)
    ]
    out_tokens = [tok for tok, _, _ in tokens]
    prev_word_end = ":"
    for n, k in enumerate(words):
        tok, nc, _ = tokens[k]
        if nc:
            prev_word_end = mk.strip_markers(tok)[-1:] or prev_word_end
            continue
        word = tok
        core = _core(word)
        sep_before = tokens[k - 1][0] if k > 0 else " "
        # CSL 1.0.2: stop words are lowercased "unless they are the first or last word in the string,
        # or follow a colon"
        first = n == 0 or prev_word_end in (":", "?", "!")
        last = n == len(words) - 1  # also after a hyphen: "Working-Through"
        after_hyphen = k > 0 and not sep_before.isspace()
        if after_hyphen and not _core(tokens[k - 2][0] if k > 1 else "")[:1].isalpha():
            # "07-x" is one token of a number, not a compound of words: its letter stays as it is
            out_tokens[k] = word
            prev_word_end = mk.strip_markers(word)[-1:] or prev_word_end
            continue
        # like citeproc-js: only all-lowercase words change; capitalised words (also stop words) stay
        before_hyphen = k + 1 < len(tokens) and tokens[k + 1][0][:1] in "-\u2010"
        # a stop word opening a hyphenated compound is a word of its own ("Pro-Environmental")
        stop = core.lower() in STOP_WORDS and not (before_hyphen and not after_hyphen)
        if core and core.islower() and (first and not after_hyphen or last or not stop):
            word = _capitalize_first_text(word)
        out_tokens[k] = word
        stripped = mk.strip_markers(word)
        prev_word_end = stripped[-1:] if stripped else prev_word_end
    # regroup tokens into pieces
    new_pieces: list[list[str]] = [[] for _ in pieces]
    for (_tok, _nc, pi), new in zip(tokens, out_tokens, strict=True):
        new_pieces[pi].append(new)
    return _rebuild([("".join(p), nc) for p, (_, nc) in zip(new_pieces, pieces, strict=True)])


def sentence_case(text: Any) -> Any:
    """CSL sentence case: lowercase words that are not all caps or mixed case, capitalise the first."""
    pieces = _segments(text)
    out = []
    for t, nc in pieces:
        if nc:
            out.append((t, nc))
            continue
        words = []
        for tok in _WORD_RE.findall(t):
            core = mk.strip_markers(tok)
            if core[1:] and core[1:].islower():
                tok = tok.lower()
            words.append(tok)
        out.append(("".join(words), nc))
    result = _rebuild(out)
    return result.capitalize_first() if hasattr(result, "capitalize_first") else result


def _case(self: Any, text: Any, language: str | None = None) -> Any:
    text_case = self.get("text-case")
    if text_case is None or text is None:
        return text
    if language is None:
        # citeproc-py passes no language for labels, name parts and date parts, and then skipped title
        # case entirely ("(ed.)" instead of "(Ed.)"): default to the style's locale like CSL says.
        root = self.get_root()
        language = (root.get("default-locale") or "en")[:2]
    if text_case in ("lowercase", "uppercase"):
        # nocase spans (a proper name inside a title) keep their case here too
        change = str.lower if text_case == "lowercase" else str.upper
        return _rebuild([(t if nc else change(t), nc) for t, nc in _segments(text)])
    if text_case == "capitalize-first":
        return text.capitalize_first()
    if text_case == "capitalize-all":
        return _rebuild(
            [
                (
                    t
                    if nc
                    else re.sub(r"(^|\s)(\S)", lambda m: m.group(1) + _capitalize_first_text(m.group(2)), t),
                    nc,
                )
                for t, nc in _segments(text)
            ]
        )
    if text_case == "title":
        if language != "en":
            return text
        return title_case(text)
    if text_case == "sentence":
        return sentence_case(text)
    return text


# ---------------------------------------------------------------------------------------------------
# Names: initials, suppress-author/author-only, substitution, et-al overrides for disambiguation.


_SEGMENT_RE = re.compile(r"[^.]+\.?")


_DIGRAPH_RE = re.compile(r"^[A-Z]{2}[a-z]")


def _given_tokens(group: str, initialize: bool) -> list[tuple[str, bool]]:
    """(text, is an initial) for the words of a given name, as citeproc-js reads them.

    A part ending in a period is an abbreviation and kept whole ("Ph.", "Ts.", "ME."); a whole word
    becomes its first letter when initialising ("John" -> J; an all-caps "ME" is one name -> M); a single
    letter is an initial either way; a lowercase particle stays a word ("de").
    """
    out: list[tuple[str, bool]] = []
    for word in group.split():
        if word[:1].islower() and "." not in word:
            out.append((word, False))
            continue
        for seg in _SEGMENT_RE.findall(word):
            core = seg.rstrip(".")
            if not core:
                continue
            if seg.endswith("."):
                out.append((core, True))
            elif core[:1].isdigit():
                out.append((core, initialize))  # "11" in a name is kept as written unless initialising
            elif initialize and _DIGRAPH_RE.match(core):
                # two capitals before the lowercase ("TSerendorjiin") are one letter of a transliteration:
                # its initial is "Ts", as citeproc-js gives it
                out.append((core[0] + core[1].lower(), True))
            elif initialize:
                out.append((core[0].upper(), True))
            elif len(core) == 1:
                out.append((core, True))
            else:
                out.append((core, False))
    return out


def _render_given(tokens: list[tuple[str, bool]], mark: str) -> str:
    """Initials each followed by the mark ("J. R. R.", "JRR"), words by a space."""
    parts: list[str] = []
    run = ""
    for text, initial in tokens:
        if initial:
            run += text + mark
            continue
        if run:
            parts.append(run.strip())
            run = ""
        parts.append(text)
    if run:
        parts.append(run.strip())
    return " ".join(parts)


def initialize_given(given: str, mark: str, hyphen: bool, initialize: bool = True) -> str:
    """Initialise a given name as citeproc-js does: "Jean-Pierre" -> "J.-P.", "Pierre-luc" -> "P.",
    "Ph. M.E." -> "Ph. M. E." (see :func:`_given_tokens`).

    With ``initialize="false"`` names are kept but initials are normalised ("J.R.R." -> "J. R. R.",
    "John R" -> "John R."), as CSL 1.0.2 specifies.
    """
    given = " ".join(given.split())
    if not given:
        return given
    if not initialize:
        return _render_given(_given_tokens(given, False), mark)
    groups = given.split("-") if hyphen else [given.replace("-", " ")]
    # a lowercase part after a hyphen is not initialised ("Pierre-luc" -> "P."), as in citeproc-js
    groups = [g for k, g in enumerate(groups) if k == 0 or not g.strip()[:1].islower()]
    rendered = [_render_given(_given_tokens(group, True), mark) for group in groups]
    return "-".join(r for r in rendered if r).strip()


_IDEOGRAPHIC = re.compile(r"^[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]+$")


def _ideographic(text: str) -> bool:
    """Written in CJK characters only (Han, kana, hangul)."""
    return bool(_IDEOGRAPHIC.match(mk.strip_markers(text)))


def _join_particles(*parts: Any) -> str:
    """Particles and family name joined by spaces, but not after an apostrophe ("d’Jones") or a hyphen
    ("al-One"), nor after a space a name-part suffix already ends with ("John\u00a0" + "Doe")."""
    out = ""
    for part in (str(p) for p in parts if p):
        out = part if not out else out + ("" if out[-1] in "'’-\u00a0 " else " ") + part
    return out


def _name_process(orig: Any) -> Any:
    def process(
        self: Any, item: Any, variable: str, context: Any = None, sort_options: Any = None, **kwargs: Any
    ) -> Any:
        ref = item.reference
        dis = ref.get("_disamb") or {}
        overrides: dict[str, Any] = {}
        in_cit = STATE.in_citation_item
        # names added to tell cites apart are added in the entry too, as citeproc-js and pandoc print
        # them ("Choi, Edward, Mohammad Taha Bahadori, Andy Schuetz, et al." beside "Choi, Edward,
        # Mohammad Taha Bahadori, Le Song, et al.", not "Choi, Edward, et al." and "———")
        if (in_cit or STATE.in_bibliography_entry) and dis.get("names"):
            use_first = self.get_option("et-al-use-first", context, sort_options)
            overrides["et-al-use-first"] = max(use_first, dis["names"])
            if dis["names"] >= len(ref.get(variable, [])):
                overrides["et-al-min"] = 10_000
        # and so are given names expanded to tell them apart ("Abadi, Martin" beside "Abadi, Martín")
        if (in_cit or STATE.in_bibliography_entry) and dis.get("given"):
            overrides["_given"] = dis["given"]
        if (in_cit or STATE.in_bibliography_entry) and dis.get("given_first") and variable == "author":
            overrides["_given_first"] = dis["given_first"]
        previous = getattr(STATE, "name_overrides", None)
        STATE.name_overrides = overrides
        try:
            out = _name_process_impl(self, item, variable, context, sort_options, **kwargs)
        finally:
            STATE.name_overrides = previous
        if out and sort_options is None and STATE.in_bibliography_entry and STATE.names_seen == 1:
            if not STATE.names_marked:
                # the entry's first names, for subsequent-author-substitute: the names alone, not their
                # label, so "Doe, John, ed." and "Doe, John" are the same names (citeproc-js)
                STATE.names_marked = True
                return String(mk.NAMES[0]) + out + String(mk.NAMES[1])
        return out

    return process


def _name_process_impl(
    self: Any, item: Any, variable: str, context: Any = None, sort_options: Any = None, **kwargs: Any
) -> Any:
    """citeproc-py's Name.process with CSL initialisation and the disambiguation overrides."""

    def get_option(name: str) -> Any:
        return self.get_option(name, context, sort_options)

    over = STATE.name_overrides or {}
    # a sort key compares names, not the "and" before the last one ("Baines, Lightfoot, and Kay" sorts
    # after "Baines, Lightfoot, Benedettini"), as citeproc-js and pandoc sort
    and_ = get_option("and") if sort_options is None else None
    delimiter = get_option("delimiter")
    delimiter_precedes_et_al = get_option("delimiter-precedes-et-al")
    delimiter_precedes_last = get_option("delimiter-precedes-last")
    et_al_min = get_option("et-al-min")
    et_al_use_first = get_option("et-al-use-first")
    if sort_options is None and not _option_set(self, context, "et-al-use-first"):
        et_al_min = 0  # CSL: et-al-min and et-al-use-first together enable et-al (no default of 1)
    if STATE.in_citation_item and STATE.position_subsequent:
        sub_min = get_option("et-al-subsequent-min")
        if sub_min:
            et_al_min = sub_min
            et_al_use_first = get_option("et-al-subsequent-use-first")
    et_al_min = over.get("et-al-min", et_al_min)
    et_al_use_first = over.get("et-al-use-first", et_al_use_first)
    et_al_use_last = get_option("et-al-use-last")
    initialize_with = get_option("initialize-with")
    initialize = self.get("initialize", "true").lower() != "false"
    hyphen = get_option("initialize-with-hyphen")
    name_as_sort_order = get_option("name-as-sort-order")
    sort_separator = get_option("sort-separator")
    form = get_option("form")
    demote_ndp = get_option("demote-non-dropping-particle")

    def format_name_parts(given: Any, family: Any) -> tuple[Any, Any]:
        for part in self.findall("cs:name-part", self.nsmap):
            given, family = part.format_part(given, family)
        return given, family

    names = item.reference.get(variable, [])
    and_term = None
    if and_ == "text":
        and_term = self.get_single_term(name="and")
    elif and_ == "symbol":
        and_term = self.preformat("&")

    et_al = self.et_al()
    if form == "count":
        return min(len(names), et_al_use_first) if et_al_min and len(names) >= et_al_min else len(names)

    et_al_truncate = len(names) > 1 and et_al_min and len(names) >= et_al_min and et_al_use_first < len(names)
    et_al_last = et_al_use_last and et_al_use_first <= et_al_min - 2
    if et_al_truncate and et_al_use_first <= 0:
        raise VariableError  # no names to show: the names print nothing, not "et al." alone (citeproc-js)
    if et_al_truncate:
        if et_al_last:
            names = names[:et_al_use_first] + [names[-1]]
        else:
            names = names[:et_al_use_first]
    output = []
    for i, name in enumerate(names):
        given, family, dp, ndp, suffix = name.parts()
        name_form, name_init = form, initialize_with
        level = max(given_level(over, i), over.get("_given_first", 0) if i == 0 else 0)
        if level and form == "short":
            name_form = "long"
        if level >= 2:
            name_init = None
        if given is not None and name_init is not None:
            given = initialize_given(str(given), name_init, hyphen, initialize)
        if "literal" in name:
            # an institution's name takes the family name-part's formatting (text-case, affixes), as
            # citeproc-js and citeproc-py itself apply it
            _, text = format_name_parts(None, family)
        elif name_form == "long" and given and _ideographic(str(family)) and _ideographic(str(given)):
            # a Chinese, Japanese or Korean name prints family name first, with no space ("我妻栄"), in
            # any name order (CSL 1.0.2: non-romanic names)
            given, family = format_name_parts(given, family)
            text = str(family) + str(given)
        elif name_form == "long":
            if name_as_sort_order == "all" or (name_as_sort_order == "first" and i == 0):
                if demote_ndp in ("never", "sort-only"):
                    family = _join_particles(ndp, family)
                    given = " ".join([str(n) for n in (given, dp) if n])
                else:
                    given = " ".join([str(n) for n in (given, dp, ndp) if n])
                given, family = format_name_parts(given, family)
                order = family, given, suffix
                text = join([n for n in order if n], sort_separator)
            else:
                family = _join_particles(dp, ndp, family)
                given, family = format_name_parts(given, family)
                if suffix:
                    sep = ", " if name.get("comma-suffix") else " "
                    text = _join_particles(given, family) + sep + str(suffix)
                else:
                    text = _join_particles(given, family)
        else:
            family = _join_particles(ndp, family)
            given, family = format_name_parts(given, family)
            text = family
        output.append(String(str(text)) if not isinstance(text, (String, MixedString)) else text)

    if et_al_truncate and et_al:
        if et_al_last:
            ellipsis = self.unicode_character("horizontal ellipsis")
            output[-1] = ellipsis + " " + output[-1]
            return self.join(output, delimiter)
        if (
            delimiter_precedes_et_al == "always"
            or (delimiter_precedes_et_al == "contextual" and len(output) >= 2)
            or (
                delimiter_precedes_et_al == "after-inverted-name"
                and name_as_sort_order
                and (name_as_sort_order == "all" or len(output) == 1)
            )
        ):
            output.append(et_al)
            return self.join(output, delimiter)
        return self.join(output, delimiter) + " " + et_al
    if and_term is not None and len(output) > 1:
        text = self.join(output[:-1], delimiter)
        inverted_last = name_as_sort_order == "all" or (name_as_sort_order == "first" and len(output) == 1)
        # an institution's name is never inverted, so it takes no "after-inverted-name" delimiter
        inverted_before_last = "literal" not in names[len(output) - 2] and (
            name_as_sort_order == "all" or (name_as_sort_order == "first" and len(output) == 2)
        )
        if (
            delimiter_precedes_last == "always"
            or (delimiter_precedes_last == "contextual" and len(output) > 2)
            or (delimiter_precedes_last == "after-inverted-name" and inverted_before_last)
        ):
            text = text + delimiter
        else:
            text = text + " "
        del inverted_last
        return text + String(f"{and_term} ") + output[-1]
    return self.join(output, delimiter)


def _option_set(name_el: Any, context: Any, option: str) -> bool:
    """Whether a name option is written on the cs:name, on its cs:citation or cs:bibliography, or on
    cs:style (the places CSL inherits name options from): the option of a cs:citation does not reach
    the bibliography."""
    if name_el.get(option) is not None:
        return True
    node = context if context is not None else name_el
    parents = node.xpath_search("./ancestor::*[self::cs:citation or self::cs:bibliography][1]")
    if parents and parents[0].get(option) is not None:
        return True
    return name_el.get_root().get(option) is not None


def _names_process(orig: Any) -> Any:
    def process(self: Any, item: Any, names_context: Any = None, context: Any = None, **kwargs: Any) -> Any:
        if names_context is None and self.name is None:
            # a bare <names> inside cs:substitute (also under cs:choose) takes the enclosing names' name
            # and label; citeproc-py only handled direct children and otherwise inserted a default
            # <name/> into the (cached) style for good
            enclosing = self.xpath_search("./ancestor::cs:substitute[1]/parent::cs:names[1]")
            if enclosing:
                names_context = enclosing[0]
        top_level = (
            (STATE.in_citation_item or STATE.in_bibliography_entry)
            and STATE.names_seen == 0
            and not STATE.recording
            and names_context is None
        )
        # honour variables already used up by a cs:substitute (CSL: "substituted variables are suppressed")
        repressed = getattr(layout_of(context, self), "repressed", {}).get("names", [])
        if repressed and not [r for r in (self.get("variable") or "").split() if r not in repressed]:
            raise VariableError
        if STATE.recording:
            for role in (self.get("variable") or "").split():
                if role in item.reference:
                    STATE.recording[-1].add("names:" + role)
        roles = (self.get("variable") or "").split()
        keep = [r for r in roles if r not in repressed]
        name_el = (names_context if names_context is not None else self).name
        if name_el is not None and name_el.get("form") == "count" and any(r in item.reference for r in keep):
            # CSL: the count of all the variables' names together ("5" for 3 authors and 2 editors);
            # citeproc-py printed each count as text, side by side ("32")
            total = sum(
                int(name_el.process(item, role, context=context, **kwargs) or 0)
                for role in keep
                if role in item.reference
            )
            if kwargs.get("sort_options") is not None:
                return total  # a sort key compares counts as numbers (2 before 10)
            return String(str(total))
        if len(keep) != len(roles):
            # render only the roles a substitution has not used up
            self.set("variable", " ".join(keep))
            try:
                return process(self, item, names_context=names_context, context=context, **kwargs)
            finally:
                self.set("variable", " ".join(roles))
        if top_level:
            STATE.names_seen += 1
            mode = item.get("_mode") if hasattr(item, "get") else None
            text = orig(self, item, names_context=names_context, context=context, **kwargs)
            if mode == "suppress-author" and STATE.in_citation_item:
                return None
            if mode == "author-only" and STATE.in_citation_item:
                STATE.captured_names = self.markup(text) if text else None
            return text
        return orig(self, item, names_context=names_context, context=context, **kwargs)

    return process


def _names_markup(orig: Any) -> Any:
    def markup(self: Any, text: Any) -> Any:
        out = orig(self, text)
        if out and STATE.in_bibliography_entry and STATE.names_seen == 1 and not STATE.names_marked:
            # no cs:name marked its names (a cs:substitute printed a title instead): the whole output
            # stands for the names
            STATE.names_marked = True
            return String(mk.NAMES[0]) + out + String(mk.NAMES[1])
        return out

    return markup


def _substitute_render(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
    """cs:substitute that represses every variable the substitution used, also through macros."""
    text = None
    for child in self.getchildren():
        STATE.recording.append(set())
        try:
            if isinstance(child, model.Names) and child.name is None:
                names = self.xpath_search("./parent::cs:names[1]")[0]
                text = child.render(item, names_context=names, context=context, **kwargs)
            else:
                text = child.render(item, context=context, **kwargs)
        except VariableError:
            text = None
        finally:
            used = STATE.recording.pop()
        if STATE.recording:
            STATE.recording[-1].update(used)
        if text:
            layout = layout_of(context, self)
            for var in used:
                kind, _, name = var.partition(":")
                layout.repressed.setdefault(kind, []).append(name)
            if isinstance(child, model.Names):
                for role in (child.get("variable") or "").split():
                    layout.repressed.setdefault("names", []).append(role)
            break
    return text or None


# ---------------------------------------------------------------------------------------------------
# Text variables: substitution repression, DOI/URL links, quotes through markers.


def _text_variable(orig: Any) -> Any:
    def _variable(self: Any, item: Any, context: Any) -> Any:
        variable = self.get("variable")
        if _repressed(context, self, variable, self.tag):
            return None
        if variable in ("year-suffix",) and "year_suffix" not in item.reference:
            return None
        if variable == "first-reference-note-number":
            # a variable like any other for cs:group: empty on a first cite, it suppresses its group
            STATE.variables_called += 1
            return _rendered(variable, _first_note_number(self, item, context))
        if variable == "locator":
            STATE.variables_called += 1
            try:
                return _rendered(variable, _locator_text(self, item))
            except (VariableError, KeyError, AttributeError):
                return None
        STATE.variables_called += 1
        text = orig(self, item, context)
        if variable in _RANGED_NUMBER_VARIABLES and text and "-" in str(text):
            # a number variable's range prints through cs:text with the locale's page-range-delimiter,
            # an en dash unless a style redefines it ("n. 3–4"; AMA's "-"), as citeproc-js prints it;
            # "3-B" or "N110-5" keep their hyphen (:mod:`.numbers`)
            delimiter = self.get_single_term(name="page-range-delimiter") or "\u2013"
            text = String(format_numbers(str(text), str(delimiter), ampersand=_ampersand(self)))
        if variable == "citation-label" and text and STATE.year_suffix_pending:
            # the implicit year-suffix of a label style follows the label ("Asth00a"), as in citeproc-js
            text = text + String(STATE.year_suffix_pending)
            STATE.year_suffix_pending = None
        return _rendered(variable, text)

    return _variable


# CSL number variables whose ranges are ranges (a report's "number" is an identifier, "2019-01")
_RANGED_NUMBER_VARIABLES = frozenset(
    {"issue", "volume", "number-of-volumes", "number-of-pages", "collection-number", "chapter-number"}
)


def _repressed(context: Any, node: Any, variable: str, tag: str) -> bool:
    """Whether cs:substitute has used ``variable`` up for this layout (as text, or as a ``tag``)."""
    repressed = getattr(layout_of(context, node), "repressed", {})
    return variable in repressed.get("text", []) or variable in repressed.get(tag, [])


def _rendered(variable: str, text: Any) -> Any:
    """Count a variable that printed something, and note it for the group being recorded."""
    if text:
        STATE.variables_rendered += 1
    if STATE.recording and text:
        STATE.recording[-1].add("text:" + variable)
    return text


def _number_render(orig: Any) -> Any:
    """cs:number honours and feeds cs:substitute's repression like cs:text: an anonymous book whose title
    (with its edition) stands in for the author does not print the edition a second time."""

    def render(self: Any, item: Any, *args: Any, **kwargs: Any) -> Any:
        variable = self.get("variable")
        STATE.variables_called += 1
        if _repressed(kwargs.get("context"), self, variable, "number"):
            raise VariableError  # empty to the enclosing group, so its label goes too
        return _rendered(variable, orig(self, item, *args, **kwargs))

    return render


def _label_render(orig: Any) -> Any:
    """A cs:label of a variable that cs:substitute used up is empty too (its variable is, for CSL)."""

    def render(self: Any, item: Any, *args: Any, **kwargs: Any) -> Any:
        if _repressed(kwargs.get("context"), self, self.get("variable"), "number"):
            return None
        if kwargs.get("sort_options") is not None and str(self.getparent().tag).endswith("names"):
            return None  # a sort key compares names, not their role ("Doe, John ed." sorts as "Doe, John")
        return orig(self, item, *args, **kwargs)

    return render


def _first_note_number(self: Any, item: Any, context: Any) -> Any:
    """CSL first-reference-note-number: the note of the item's first cite ("supra note 1")."""
    if not STATE.in_citation_item:
        return None
    cites = (context if context is not None else self).get_layout().getparent().cites
    for cite in cites:
        if cite.key == item.key:
            number = getattr(cite.citation, "note_number", 0)
            return String(str(number)) if number else None
    return None


def _text_markup(orig: Any) -> Any:
    def markup(self: Any, text: Any, language: Any) -> Any:
        variable = self.get("variable")
        if text and variable in ("DOI", "URL"):
            marks = mk.DOI if variable == "DOI" else mk.URL
            text = String(marks[0]) + text + String(marks[1])
        return orig(self, text, language)

    return markup


def _quote(self: Any, string: Any) -> Any:
    if self.get("quotes", "false").lower() == "true":
        return String(mk.QUOTE[0]) + string + String(mk.QUOTE[1])
    return string


# ---------------------------------------------------------------------------------------------------
# Groups: CSL's rule counts the variables actually rendered, through macros and cs:choose.


def _counting_render(orig: Any) -> Any:
    """cs:names and cs:date each call a variable: count the call and whether it printed."""

    def render(self: Any, *args: Any, **kwargs: Any) -> Any:
        STATE.variables_called += 1
        if STATE.without_accessed and self.get("variable") == "accessed":
            return None
        text = orig(self, *args, **kwargs)
        if text:
            STATE.variables_rendered += 1
        return text

    return render


def _suppressed(called: int, rendered: int) -> bool:
    return STATE.variables_called > called and STATE.variables_rendered == rendered


def _group_process(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
    """cs:group is suppressed when it calls variables and none of them prints (CSL 1.0.2, "Group").

    citeproc-py asked each child whether it *could* call a variable, so a cs:choose whose branch printed
    only a value ("Publication" before an empty thesis number) counted as a rendered variable.
    """
    called, rendered = STATE.variables_called, STATE.variables_rendered
    output = []
    delimiter = self.get("delimiter", "")
    for child in self.iterchildren():
        try:
            if isinstance(child, model.Choose):
                text = child.render(item, context=context, delimiter=delimiter, **kwargs)
            else:
                text = child.render(item, context=context, **kwargs)
        except VariableError:
            continue
        if text is not None:
            output.append(text)
    if _suppressed(called, rendered) or not output:
        raise VariableError
    # a group that prints is content to the group around it, as a macro is (citeproc-js)
    STATE.variables_called += 1
    STATE.variables_rendered += 1
    return self.join(output)


def _macro_render(orig: Any) -> Any:
    """A macro call is a group of its own, as citeproc-js treats it: "In " before an empty container
    title goes with it; and what a macro prints counts as a rendered variable for the group around it."""

    def render(self: Any, *args: Any, **kwargs: Any) -> Any:
        called, rendered = STATE.variables_called, STATE.variables_rendered
        text = orig(self, *args, **kwargs)
        if not text:
            return text
        if _suppressed(called, rendered):
            return None
        # a macro that prints something is content to the group around it, like a variable ("Anon.",
        # "n.d." from a macro keep their group; a bare value or term beside empty variables does not)
        STATE.variables_called += 1
        STATE.variables_rendered += 1
        return text

    return render


# ---------------------------------------------------------------------------------------------------
# Conditions: disambiguate, position with our subsequent flag.


_NUMERIC_RE = re.compile(
    r"^\s*[a-z]{0,3}\d+[a-z]{0,3}(?:\s*(?:[-\u2013&,]|and)\s*[a-z]{0,3}\d+[a-z]{0,3})*\s*$", re.I
)


def _is_numeric(self: Any, item: Any) -> list[bool]:
    """CSL is-numeric: "12", "2nd", "12-15", "1, 3" are numeric; "II" and "forthcoming" are not."""
    out = []
    for var in self.get("is-numeric").split():
        key = var.replace("-", "_")
        if key == "locator":
            out.append("locator" in item and bool(_NUMERIC_RE.match(str(item.locator.identifier))))
            continue
        if key not in item.reference:
            out.append(False)
            continue
        out.append(bool(_NUMERIC_RE.match(mk.strip_markers(str(item.reference[key])))))
    return out


def _position(orig: Any) -> Any:
    """near-note from real note numbers: the item's previous cite stands in a note at most
    near-note-distance (default 5) notes back. citeproc-py counted citations instead of notes, and
    crashed on a style that leaves the distance out."""

    def position(self: Any, item: Any, context: Any) -> list[bool]:
        tokens = self.get("position").split()
        if "near-note" not in tokens:
            return _same_locator_is_ibid(self, item, context, tokens, orig(self, item, context))
        others = [t for t in tokens if t != "near-note"]
        results: list[bool] = []
        if others:
            self.set("position", " ".join(others))
            try:
                results = orig(self, item, context)
            finally:
                self.set("position", " ".join(tokens))
        if (context if context is not None else self).xpath_search("./ancestor::*[self::cs:bibliography]"):
            near = False
        else:
            near = _near_note(self, item, context)
        by_token = iter(_same_locator_is_ibid(self, item, context, others, results))
        return [near if t == "near-note" else next(by_token) for t in tokens]

    return position


def _locator_key(cite: Any) -> tuple[str, str] | None:
    if not cite.has_locator:
        return None
    return (str(cite.locator.label), str(cite.locator.identifier))


def _same_locator_is_ibid(self: Any, item: Any, context: Any, tokens: list[str], results: list[bool]) -> list[bool]:
    """CSL ibid / ibid-with-locator compare the locators' values: a cite with the same locator as the
    cite before it is "ibid", not "ibid-with-locator" (citeproc-py compared Locator objects, which are
    never equal)."""
    if "ibid" not in tokens and "ibid-with-locator" not in tokens:
        return results
    node = context if context is not None else self
    if node.xpath_search("./ancestor::*[self::cs:bibliography]"):
        return results
    cites = node.get_layout().getparent().cites
    last = cites[-1] if cites else None
    possibly = (
        last is not None
        and item.key == last.key
        and (item.citation is last.citation or len(last.citation.cites) == 1)
    )
    mine, before = _locator_key(item), (_locator_key(last) if last is not None else None)
    out = list(results)
    for k, token in enumerate(tokens):
        if token == "ibid":
            out[k] = possibly and (mine is not None or before is None)
        elif token == "ibid-with-locator":
            out[k] = possibly and mine is not None and mine != before
    return out


def _near_note(self: Any, item: Any, context: Any) -> bool:
    cites = (context if context is not None else self).get_layout().getparent().cites
    earlier = [c for c in cites if c.key == item.key]
    if not earlier:
        return False
    note = getattr(item.citation, "note_number", 0)
    last_note = getattr(earlier[-1].citation, "note_number", 0)
    try:
        distance = int(self.get_root().get("near-note-distance") or 5)
    except ValueError:
        distance = 5
    if not note or not last_note:
        return True  # no notes to count: a cite seen before in the same run of text is near
    return 0 <= note - last_note <= distance


def _if_render(self: Any, item: Any, context: Any = None, delimiter: str = "", **kwargs: Any) -> Any:
    """cs:if with the ``disambiguate`` condition citeproc-py ignored."""
    results: list[bool] = []
    if "type" in self.attrib:
        results += self._type(item)
    if "variable" in self.attrib:
        results += self._variable(item)
    if "is-numeric" in self.attrib:
        results += self._is_numeric(item)
    if "is-uncertain-date" in self.attrib:
        results += self._is_uncertain_date(item)
    if "locator" in self.attrib:
        results += self._locator(item)
    if "position" in self.attrib:
        results += self._position(item, context)
    if "disambiguate" in self.attrib:
        # like the names it adds, what disambiguation decides shows in the entry too (citeproc-js, pandoc)
        # with "tests" n, only the first n disambiguate tests a render meets are true, the later ones
        # not yet (citeproc-js tries them one more at a time); without it, all of them
        state = item.reference.get("_disamb") or {}
        flag = bool(state.get("condition")) and (STATE.in_citation_item or STATE.in_bibliography_entry)
        if flag and "tests" in state:
            STATE.disambiguate_tests += 1
            flag = STATE.disambiguate_tests <= state["tests"]
        results.append(flag == (self.get("disambiguate").lower() == "true"))
    match = self.get("match")
    if match == "any":
        result = any(results)
    elif match == "none":
        result = not any(results)
    else:
        result = all(results)
    if not result:
        raise model.ConditionFailed
    return self.render_children(item, context=context, delimiter=delimiter, **kwargs)


# ---------------------------------------------------------------------------------------------------
# Dates: citeproc-py merged the style's date-part attributes into the locale's element for good.


def _date_part_render(orig: Any) -> Any:
    def render(self: Any, *args: Any, **kwargs: Any) -> Any:
        saved = dict(self.attrib)
        try:
            return orig(self, *args, **kwargs)
        finally:
            self.attrib.clear()
            self.attrib.update(saved)

    return render


def disambiguate_conditions(root: Any) -> int:
    """How many cs:if / cs:else-if test the disambiguate condition in the style."""
    cached = getattr(root, "_publish_disambiguate_conditions", None)
    if cached is None:
        cached = len(_xpath_search(root, ".//cs:if[@disambiguate]")) + len(
            _xpath_search(root, ".//cs:else-if[@disambiguate]")
        )
        root._publish_disambiguate_conditions = cached
    return cached


def cites_accessed(root: Any) -> bool:
    """Whether the citation layout can print the accessed date (its macros included)."""
    cached = getattr(root, "_publish_cites_accessed", None)
    if cached is None:
        cached = False
        todo = [root.citation] if root.citation is not None else []
        seen: set[str] = set()
        while todo and not cached:
            node = todo.pop()
            cached = bool(_xpath_search(node, ".//cs:date[@variable='accessed']"))
            for text in _xpath_search(node, ".//cs:text[@macro]"):
                name = text.get("macro")
                if name not in seen:
                    seen.add(name)
                    todo.extend(_xpath_search(root, f"cs:macro[@name='{name}']"))
        root._publish_cites_accessed = cached
    return cached


def implicit_year_suffix(root: Any) -> bool:
    """CSL: with disambiguate-add-year-suffix and no cs:text for the year-suffix variable anywhere in the
    style, the suffix follows the first year a cite or entry renders ("2001a")."""
    cached = getattr(root, "_publish_implicit_suffix", None)
    if cached is None:
        citation = root.citation
        on = citation is not None and citation.get("disambiguate-add-year-suffix", "false") == "true"
        explicit = bool(_xpath_search(root, ".//cs:text[@variable='year-suffix']"))
        cached = on and not explicit
        root._publish_implicit_suffix = cached
    return cached


def _date_part_process(orig: Any) -> Any:
    def process(self: Any, date: Any, context: Any = None) -> Any:
        text = orig(self, date, context)
        if text is not None and STATE.year_suffix_pending and self.get("name") == "year":
            text = str(text) + STATE.year_suffix_pending
            STATE.year_suffix_pending = None
        return text

    return process


# ---------------------------------------------------------------------------------------------------
# Sorting: compare plain text, without our markers, accents folded like a collation would.


def sort_text(value: Any) -> str:
    text = mk.strip_markers(str(value))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"^[\s\"'“”‘’(\[]+", "", text)
    text = text.replace("\u2019", "").replace("'", "")
    # quotes and punctuation do not order titles ("Simple title, here A" before "“Simple title here B”")
    text = re.sub(r"[\"“”‘’(),;:!?\[\]]", "", text)
    return text.lower()


def _key_sort_keys(orig: Any) -> Any:
    def sort_keys(self: Any, items: Any, context: Any) -> list[Any]:
        keys = orig(self, items, context)
        out = []
        for k in keys:
            if k is None or isinstance(k, int):
                out.append(k)
            else:
                s = sort_text(k)
                out.append(s if s != "" else None)
        return out

    return sort_keys


def _render_single_date(self: Any, date: Any, show_parts: Any = None, context: Any = None) -> Any:
    """Join date parts with the delimiter of the cs:date that lists them (a locale's "text" date has one).

    citeproc-py used the calling element's delimiter, which a localized date call never has: "2016Apr".
    """
    parts = self.parts(date, show_parts, context) if context != self else self.parts(date, show_parts)
    if not parts:
        return None
    if "delimiter" not in self.attrib and isinstance(context, model.Date) and "delimiter" in context.attrib:
        return context.join(parts)
    return self.join(parts)


_RANGE_PART = re.compile(r"^(\D*?)(\d+)$")


def format_last_page(first: str, last: str, range_format: str | None) -> str:
    """The second number of a page range under CSL's page-range-format (citeproc-js's algorithm).

    citeproc-py cut "1-11" to "1–1" and "e6-e6" to "e6–" (it compared strings of different lengths).
    """
    m1, m2 = _RANGE_PART.match(first.strip()), _RANGE_PART.match(last.strip())
    if not m1 or not m2 or (m2.group(1) and m2.group(1) != m1.group(1)):
        return last
    prefix, a, b = m1.group(1), m1.group(2), m2.group(2)
    if len(b) < len(a):
        b = a[: len(a) - len(b)] + b
    if not range_format:
        return last.strip()  # CSL: without page-range-format, ranges print as given ("110-5")
    if int(b) < int(a) or range_format == "expanded":
        return (m2.group(1) + m2.group(2)) if int(b) < int(a) else prefix + b if m2.group(1) else b
    fmt = range_format
    if fmt in ("chicago", "chicago-15", "chicago-16"):
        n = int(a)
        if n < 100 or n % 100 == 0:
            return b
        common = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
        if fmt in ("chicago", "chicago-15") and len(a) == 4 and len(a) - common >= 3:
            # CSL 1.0.2: "chicago" is the 15th edition's rule; four digits with three changing print in
            # full ("1496–1504")
            return b
        fmt = "minimal" if n % 100 < 10 else "minimal-two"
    if len(a) != len(b):
        return b
    common = 0
    while common < len(a) and a[common] == b[common]:
        common += 1
    keep = 1 if fmt == "minimal" else 2
    return b[min(common, max(len(b) - keep, 0)) :]


def _number_process(self: Any, value: Any, variable: str) -> Any:
    """citeproc-py's FormatNumber._process with citeproc-js's reading of ranges (:mod:`.numbers`): it made
    every hyphen an en dash ("N110–5", "Michaelson–Morely") and printed an escaped hyphen's backslash."""
    page = variable.startswith("page")
    delimiter = (self.get_single_term(name="page-range-delimiter") if page else None) or "\u2013"
    last_page = (lambda a, b: self._format_last_page(a, b)) if variable == "page" else None
    return String(
        format_numbers(
            str(value), str(delimiter), last_page, lambda n: str(self.format_number(n)),
            first_only=variable == "page-first", ampersand=_ampersand(self),
        )
    )


def _locator_text(self: Any, item: Any) -> Any:
    """A locator prints its ranges like a page variable: page-range-format for page locators too."""
    locator = item.locator
    label = getattr(locator, "label", "page") or "page"
    last_page = (lambda a, b: self._format_last_page(a, b)) if label == "page" else None
    delimiter = (self.get_single_term(name="page-range-delimiter") if label == "page" else None) or "\u2013"
    return String(format_numbers(str(locator.identifier), str(delimiter), last_page, ampersand=_ampersand(self)))


def _ampersand(node: Any) -> str:
    """The "&" between numbers: the locale's symbol form of "and" (a style may redefine it)."""
    try:
        term = node.get_single_term(name="and", form="symbol")
    except (KeyError, IndexError, AttributeError):
        term = None
    return str(term) if term else "&"


def _format_last_page(self: Any, first: str, last: str) -> str:
    return format_last_page(first, last, self.get_root().get_option("page-range-format"))


def _label_is_plural(self: Any, item: Any) -> bool:
    """Plural labels: "338 p." for number-of-pages > 1 (citeproc-py read it from the wrong object)."""
    variable = self.get("variable")
    if variable == "locator":
        value = item.locator.identifier
    else:
        try:
            value = item.reference[variable.replace("-", "_")]
        except VariableError:
            return False
    if variable.startswith("number-of"):
        try:
            return int(str(value).strip()) > 1
        except ValueError:
            return False
    return is_plural(str(value))


def _style_cache(root: Any, name: str) -> dict:
    """A cache that lives on a parsed style's root element, so it goes when the style goes (the parsed
    style cache in :mod:`.styles` is bounded) and a re-read style never sees another's answers."""
    cache = getattr(root, name, None)
    if cache is None:
        cache = {}
        setattr(root, name, cache)
    return cache


def _get_macro(self: Any, name: str) -> Any:
    """citeproc-py finds a macro with an XPath query on every use (thousands per document, a third of
    the citation time). Macros never change after a style is parsed, so each is looked up once per
    parsed style."""
    root = self.get_root()
    macros = _style_cache(root, "_publish_macros")
    if name not in macros:
        macros[name] = _xpath_search(root, f"cs:macro[@name='{name}'][1]")[0]
    return macros[name]


_xpath_search = model.CitationStylesElement.xpath_search


def _cached_xpath_search(self: Any, expression: str) -> list[Any]:
    """citeproc-py runs an XPath query on the style for every option and ancestor it needs, thousands of
    times per document with the same few dozen (element, query) pairs. The style tree never changes after
    it is parsed, so each answer is kept per parsed style. The key holds the element itself, which keeps
    lxml's proxy (and so its identity) alive; callers get a copy of the list."""
    answers = _style_cache(self.get_root(), "_publish_xpaths")
    key = (self, expression)
    found = answers.get(key)
    if found is None:
        found = answers[key] = _xpath_search(self, expression)
    return list(found)


def _fixes() -> list[tuple[Any, str, Any]]:
    """(class, attribute, our version) for every fix; wrappers are built over citeproc-py's originals."""
    return [
        (String, "capitalize_first", _string_capitalize_first),
        (NoCase, "capitalize_first", _nocase_capitalize_first),
        (MixedString, "capitalize_first", _mixed_capitalize_first),
        (model.TextCased, "case", _case),
        (model.Name, "process", _name_process(model.Name.process)),
        (model.Names, "process", _names_process(model.Names.process)),
        (model.Names, "markup", _names_markup(model.Names.markup)),
        (model.Substitute, "render", _substitute_render),
        (model.Group, "process", _group_process),
        (model.Names, "render", _counting_render(model.Names.render)),
        (model.Date, "render", _counting_render(model.Date.render)),
        (model.Macro, "render", _macro_render(model.Macro.render)),
        (model.Text, "_variable", _text_variable(model.Text._variable)),
        (model.Text, "markup", _text_markup(model.Text.markup)),
        (model.Number, "render", _number_render(model.Number.render)),
        (model.Label, "render", _label_render(model.Label.render)),
        (model.Quoted, "quote", _quote),
        (model.If, "render", _if_render),
        (model.If, "_is_numeric", _is_numeric),
        (model.If, "_position", _position(model.If._position)),
        (model.Date_Part, "render", _date_part_render(model.Date_Part.render)),
        (model.Date_Part, "process", _date_part_process(model.Date_Part.process)),
        (model.Date, "render_single_date", _render_single_date),
        (model.FormatNumber, "_format_last_page", _format_last_page),
        (model.FormatNumber, "_process", _number_process),
        (model.Label, "_is_plural", _label_is_plural),
        (model.Key, "sort_keys", _key_sort_keys(model.Key.sort_keys)),
        (model.CitationStylesElement, "get_macro", _get_macro),
        (model.CitationStylesElement, "xpath_search", _cached_xpath_search),
    ]


_depth = 0


@contextmanager
def engine_fixes() -> Iterator[None]:
    """Run a block with the fixes installed in citeproc-py's classes, under :data:`LOCK`.

    Installed on entry and taken back off on exit (re-entrant: only the outermost block installs), so
    importing :mod:`publish.cite` changes nothing for other users of citeproc-py in the process, and
    every render happens in one thread at a time because the installed methods are process-wide.
    """
    global _depth
    with LOCK:
        saved: list[tuple[Any, str, Any]] = []
        if _depth == 0:
            STATE.__init__()  # type: ignore[misc]
            for owner, name, fixed in _fixes():
                saved.append((owner, name, owner.__dict__.get(name, _MISSING)))
                setattr(owner, name, fixed)
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
            for owner, name, original in reversed(saved):
                if original is _MISSING:
                    delattr(owner, name)
                else:
                    setattr(owner, name, original)


def installed() -> bool:
    """Whether the calling thread is inside :func:`engine_fixes` (tests check it is left)."""
    return _depth > 0


_MISSING = object()
