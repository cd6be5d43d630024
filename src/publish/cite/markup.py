"""citeproc-py output formatter that yields pandoc inlines, not HTML.

citeproc-py builds its output by string concatenation and runs ``str`` methods (``lower``, ``split``,
``' '.join``) over it, so any rich object we hand it is flattened somewhere along the way. Instead our
formatter wraps formatted text in private-use *marker characters* that survive every string operation,
and :func:`to_inlines` turns the finished marker string into a pandoc inline tree. Text is never escaped
or unescaped (pandoc's writers escape), so the escaping bugs of going through HTML cannot happen: input
strings are cleaned of our marker range in :func:`sanitize` before they reach the engine.

The marker string also lets us fix seams that citeproc-py cannot see across formatting: punctuation
moved inside quotes, doubled punctuation ("et al.." -> "et al."), curly apostrophes, DOI links.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from citeproc.string import MixedString, String

# Formatting markers (open, close). Chosen from the BMP private-use area.
ITALIC = ("\ue000", "\ue001")
BOLD = ("\ue002", "\ue003")
SMALLCAPS = ("\ue004", "\ue005")
SUP = ("\ue006", "\ue007")
SUB = ("\ue008", "\ue009")
UNDERLINE = ("\ue00a", "\ue00b")
NORMAL = ("\ue00c", "\ue00d")  # font-style="normal": flips italics off inside an italic run
QUOTE = ("\ue00e", "\ue00f")
URL = ("\ue010", "\ue011")
DOI = ("\ue012", "\ue013")
# An item inside a citation: ITEM[0] + index char ... ITEM[1]; its text becomes the Link to #ref-KEY.
ITEM = ("\ue014", "\ue015")
# Placeholders for pandoc prefix/suffix inlines: marker + index char.
PREFIX = "\ue016"
SUFFIX = "\ue017"
# Splits a numeric entry into its label (csl-left-margin) and the rest (csl-right-inline).
FIELD_SEP = "\ue018"
NOCASE = ("\ue019", "\ue01a")  # rich-text nocase spans carried through our own title-casing
# The first names of a bibliography entry (for subsequent-author-substitute).
NAMES = ("\ue01b", "\ue01c")
# Rich text's <span class="nodecor">: no italics, bold or small caps from around it (CSL-JSON rich text).
NODECOR = ("\ue01e", "\ue01f")
# display="block" and display="indent" on a bibliography layout's child: csl-block / csl-indent Spans.
BLOCK = ("\ue020", "\ue021")
INDENT = ("\ue022", "\ue023")
INDEX_BASE = 0xF0000  # supplementary private-use area A: index characters

# Each marker pair and the span kind it opens; the three tables below are derived from this one list.
_PAIRS = (
    (ITALIC, "Emph"),
    (BOLD, "Strong"),
    (SMALLCAPS, "SmallCaps"),
    (SUP, "Superscript"),
    (SUB, "Subscript"),
    (UNDERLINE, "Underline"),
    (NORMAL, "Normal"),
    (QUOTE, "Quote"),
    (URL, "Url"),
    (DOI, "Doi"),
    (ITEM, "Item"),
    (NOCASE, "NoCase"),
    (NODECOR, "NoDecor"),
    (BLOCK, "Block"),
    (INDENT, "Indent"),
)
OPENERS = {opener: kind for (opener, _closer), kind in _PAIRS}
CLOSERS = {closer for (_opener, closer), _kind in _PAIRS}
CLOSE_OF = {opener: closer for (opener, closer), _kind in _PAIRS}
MARKER_RE = re.compile("[\ue000-\ue02f\U000f0000-\U000fffff]")
MARKERS = "\ue000-\ue02f"


def index_char(i: int) -> str:
    """An index encoded as one character, so markers never collide with text."""
    return chr(INDEX_BASE + i)


def strip_markers(text: str) -> str:
    """Plain text of a marker string (for sorting and disambiguation comparisons)."""
    return MARKER_RE.sub("", str(text))


def sanitize(text: str) -> str:
    """Remove our marker range from user input so that it can never be mistaken for markup."""
    return MARKER_RE.sub("", text)


# ---------------------------------------------------------------------------------------------------
# The formatter "module" citeproc-py calls: formatter.Italic(text), formatter.preformat(text), ...


def _wrap(markers: tuple[str, str]) -> Callable[[object], object]:
    """A wrapper that keeps citeproc-py's String/MixedString segments (NoCase) intact."""

    def wrap(text: object) -> object:
        if isinstance(text, MixedString):
            return MixedString([String(markers[0]), *list(text), String(markers[1])])
        if isinstance(text, String):
            return MixedString([String(markers[0]), text, String(markers[1])])
        return String(markers[0] + str(text) + markers[1])

    return wrap


class AstFormatter:
    """The formatter interface citeproc-py expects (same names as ``citeproc.formatter.html``)."""

    @staticmethod
    def preformat(text: object) -> str:
        # Nothing to escape: the output is a pandoc tree, and pandoc's writers escape.
        return str(text)

    Italic = staticmethod(_wrap(ITALIC))
    Oblique = staticmethod(_wrap(ITALIC))
    Bold = staticmethod(_wrap(BOLD))
    Light = staticmethod(lambda text: text)
    Underline = staticmethod(_wrap(UNDERLINE))
    Superscript = staticmethod(_wrap(SUP))
    Subscript = staticmethod(_wrap(SUB))
    SmallCaps = staticmethod(_wrap(SMALLCAPS))
    Normal = staticmethod(_wrap(NORMAL))


# ---------------------------------------------------------------------------------------------------
# Rich text in CSL-JSON fields (the subset of HTML CSL-JSON allows) -> markers.

_RICH_TAG_RE = re.compile(
    r"<(/?)(i|em|b|strong|sup|sub|sc)>|<span\s+(style=\"font-variant:\s*small-caps;?\"|class=\"no(?:case|decor)\")\s*>"
    r"|</span>",
    re.I,
)
_RICH_MARKERS = {
    "i": ITALIC, "em": ITALIC, "b": BOLD, "strong": BOLD, "sup": SUP, "sub": SUB, "sc": SMALLCAPS,
    "smallcaps": SMALLCAPS, "nodecor": NODECOR,
}


def _rich_kind(m: re.Match[str]) -> tuple[str, bool]:
    """(kind, is_closing) of one tag."""
    if m.group(2):
        return m.group(2).lower(), bool(m.group(1))
    if m.group(3):
        attr = m.group(3).lower()
        return ("smallcaps" if "small-caps" in attr else "nodecor" if "nodecor" in attr else "nocase"), False
    return "span", True


def rich_text_to_markers(text: str) -> str:
    """Turn CSL-JSON's inline HTML (``<i>``, ``<b>``, ``<sup>``, ``<sub>``, ``<sc>``, small-caps and
    ``nodecor`` spans) into markers; a tag without its partner stays text ("TwoF</i>" prints as written,
    as citeproc-js prints it).

    ``<span class="nocase">`` is left for citeproc-py's own parser (it makes NoCase segments).
    """
    if "<" not in text:
        return text
    tags = list(_RICH_TAG_RE.finditer(text))
    if not tags:
        return text
    # pair each closing tag with the innermost open tag of its kind (a </span> closes any span)
    partner: dict[int, int] = {}
    stack: list[tuple[str, int]] = []
    spans = ("smallcaps", "nodecor", "nocase")
    for n, m in enumerate(tags):
        kind, closing = _rich_kind(m)
        if not closing:
            stack.append((kind, n))
            continue
        for depth in range(len(stack) - 1, -1, -1):
            open_kind = stack[depth][0]
            if open_kind == kind or (kind == "span" and open_kind in spans):
                partner[stack[depth][1]] = n
                partner[n] = stack[depth][1]
                del stack[depth:]
                break
    out: list[str] = []
    pos = 0
    for n, m in enumerate(tags):
        out.append(text[pos : m.start()])
        pos = m.end()
        if n not in partner:
            out.append(m.group(0))
            continue
        kind, closing = _rich_kind(m)
        if kind == "span":
            kind = _rich_kind(tags[partner[n]])[0]
        if kind == "nocase":
            out.append("</span>" if closing else '<span class="nocase">')
        else:
            out.append(_RICH_MARKERS[kind][1 if closing else 0])
    out.append(text[pos:])
    return "".join(out)


_QUOTED_IN_FIELD = re.compile(
    r'(^|[\s(\[\u2014\u2013-])(?:"|\u201c)([^"\u201c\u201d\s](?:[^"\u201c\u201d]*[^"\u201c\u201d\s])?)(?:"|\u201d)'
    r'(?=$|[\s.,;:!?)\]\u2014\u2013-])'
)


# single quotes too, around words ("'Little'", "‘Amazing’"); an apostrophe inside a word ("You're") is not
# the closing quote
_SINGLE_QUOTED_IN_FIELD = re.compile(
    "(^|[\\s(\\[\u2014\u2013\u201c\"" + QUOTE[0] + "-])['\u2018](?=\\S)((?:[^'\u2018\u2019]|['\u2019](?=\\w))+?)"
    "['\u2019](?=$|[\\s.,;:!?)\\]\u2014\u2013\u201d\"" + QUOTE[1] + "-])"
)


def quotes_to_markers(text: str) -> str:
    """Quotes inside a field, double or single, become quote markers, so nesting flips them (the
    style's quotes outside, the inner ones inside, and back) and punctuation-in-quote applies to them
    too (citeproc-js and pandoc do both)."""
    if "'" in text or "\u2018" in text:
        text = _SINGLE_QUOTED_IN_FIELD.sub(
            # one letter is an elision ("rock 'n' roll"), not a quotation
            lambda m: m.group(0) if len(m.group(2)) < 2 else m.group(1) + QUOTE[0] + m.group(2) + QUOTE[1],
            text,
        )
    if '"' not in text and "\u201c" not in text:
        return text
    return _QUOTED_IN_FIELD.sub(lambda m: m.group(1) + QUOTE[0] + m.group(2) + QUOTE[1], text)


# ---------------------------------------------------------------------------------------------------
# Seams: fixes that need to see across formatting markers.

_OPEN_CLASS = "[\ue000\ue002\ue004\ue006\ue008\ue00a\ue00c\ue00e\ue010\ue012\ue014\ue019]"
_CLOSE_CLASS = "[\ue001\ue003\ue005\ue007\ue009\ue00b\ue00d\ue00f\ue011\ue013\ue015\ue01a]"
_ANY_MARK = f"(?:{_OPEN_CLASS}[\U000f0000-\U000fffff]?|{_CLOSE_CLASS})"

_DOUBLE_PUNCT_RE = re.compile(rf"(?<![.\u2026])([.,;:!?])((?:{_CLOSE_CLASS})*)([.,;:!?])")
_QUOTE_PUNCT_RE = re.compile(rf"{QUOTE[1]}((?:{_CLOSE_CLASS})*)([.,])")
_DOI_PREFIX_RE = re.compile(r"((?:https?://)?(?:dx\.)?doi\.org/)" + DOI[0])
_URL_PREFIX_RE = re.compile(r"(https?://)" + DOI[0])
_SPACE_BEFORE_PUNCT_RE = re.compile(rf" ((?:{_CLOSE_CLASS})*)(?=[.,;:](?:\s|$|{_ANY_MARK}))")
_DOUBLE_SPACE_RE = re.compile(rf" ((?:{_ANY_MARK})*) ")


def _merge_punct(m: re.Match[str]) -> str:
    """Two punctuation marks meeting at a join, as citeproc-js merges them: one of a doubled mark;
    "!" and "?" absorb a following "." or ":"; ";" and ":" absorb a following "." or ":" and give way to
    a following "!" or "?"; other pairs (".:", ",." ...) both stay."""
    first, closers, second = m.group(1), m.group(2), m.group(3)
    if first == second or (first in "!?;:" and second in ".:"):
        return first + closers
    if first in ";:" and second in "!?":
        return closers + second
    return m.group(0)


def fix_seams(text: str, punctuation_in_quote: bool) -> str:
    """Fix what citeproc-py leaves at the joins between rendered pieces.

    - DOI/URL prefixes printed by the style go inside the link marker, so the link text is the full URL;
    - en-US style punctuation moves inside closing quotes (``“Empathy.”``);
    - doubled punctuation collapses (``et al..`` -> ``et al.``, ``?.`` -> ``?``), but never an ellipsis;
    - doubled spaces collapse.
    """
    text = _DOI_PREFIX_RE.sub(lambda m: DOI[0] + m.group(1), text)
    text = _URL_PREFIX_RE.sub(lambda m: DOI[0] + m.group(1), text)
    # a DOI or URL prints exactly as given ("10.1002/x::y" keeps both colons): hide them from the fixes
    links: list[str] = []

    def hide(m: re.Match[str]) -> str:
        links.append(m.group(0))
        return _LINK_SLOT + index_char(len(links) - 1)

    text = _LINK_RE.sub(hide, text)
    text = _fix_punctuation(text, punctuation_in_quote)
    return _LINK_SLOT_RE.sub(lambda m: links[ord(m.group(1)) - INDEX_BASE], text)


_LINK_RE = re.compile(f"{DOI[0]}[^{DOI[1]}]*{DOI[1]}|{URL[0]}[^{URL[1]}]*{URL[1]}")
_LINK_SLOT = "\ue01d"
_LINK_SLOT_RE = re.compile(_LINK_SLOT + "([\U000f0000-\U000fffff])")


def _fix_punctuation(text: str, punctuation_in_quote: bool) -> str:
    for _ in range(3):
        new = _DOUBLE_PUNCT_RE.sub(_merge_punct, text)
        if new == text:
            break
        text = new
    if punctuation_in_quote:
        for _ in range(3):
            new = _QUOTE_PUNCT_RE.sub(_move_into_quote, text)
            if new == text:
                break
            text = new
    text = _DOUBLE_SPACE_RE.sub(lambda m: " " + m.group(1), text)
    return text


def _move_into_quote(m: re.Match[str]) -> str:
    return m.group(2) + QUOTE[1] + m.group(1)


# ---------------------------------------------------------------------------------------------------
# Marker string -> pandoc inlines


@dataclass
class Node:
    """A node of the parsed marker string before it becomes pandoc JSON."""

    kind: str
    children: list[Node | str] = field(default_factory=list)
    index: int | None = None


def parse(text: str) -> Node:
    """Parse a marker string into a tree, tolerating unbalanced markers (they are dropped)."""
    root = Node("Root")
    stack = [root]
    i = 0
    n = len(text)
    buf: list[str] = []

    def flush() -> None:
        if buf:
            stack[-1].children.append("".join(buf))
            buf.clear()

    while i < n:
        ch = text[i]
        if ch in OPENERS:
            flush()
            node = Node(OPENERS[ch])
            if ch == ITEM[0] and i + 1 < n and ord(text[i + 1]) >= INDEX_BASE:
                node.index = ord(text[i + 1]) - INDEX_BASE
                i += 1
            stack[-1].children.append(node)
            stack.append(node)
        elif ch in CLOSERS:
            flush()
            # close the innermost matching node; unmatched closers are dropped
            for depth in range(len(stack) - 1, 0, -1):
                if CLOSE_OF.get(_opener_of(stack[depth].kind)) == ch:
                    del stack[depth:]
                    break
        elif ch in (PREFIX, SUFFIX) and i + 1 < n and ord(text[i + 1]) >= INDEX_BASE:
            flush()
            stack[-1].children.append(
                Node("Prefix" if ch == PREFIX else "Suffix", index=ord(text[i + 1]) - INDEX_BASE)
            )
            i += 1
        elif ch == FIELD_SEP:
            flush()
            stack[-1].children.append(Node("FieldSep"))
        elif MARKER_RE.match(ch):
            pass  # stray index characters
        else:
            buf.append(ch)
        i += 1
    flush()
    return root


_KIND_TO_OPENER = {v: k for k, v in OPENERS.items()}


def _opener_of(kind: str) -> str:
    return _KIND_TO_OPENER.get(kind, "")


@dataclass
class RenderContext:
    """What the tree builder needs from the citation layer."""

    quotes: tuple[str, str, str, str] = ("\u201c", "\u201d", "\u2018", "\u2019")
    item_link: Callable[[int, list[dict]], list[dict]] | None = None
    prefix: Callable[[int], list[dict]] | None = None
    suffix: Callable[[int], list[dict]] | None = None


def str_inlines(text: str) -> list[dict]:
    """Split text into pandoc ``Str``/``Space`` inlines the way pandoc's reader does."""
    out: list[dict] = []
    for k, part in enumerate(text.split(" ")):
        if k:
            out.append({"t": "Space"})
        if part:
            out.append({"t": "Str", "c": part})
    return out


_APOS_RE = re.compile(r"(?<=\w)'|'(?=\d\ds\b)")
_SINGLE_QUOTED_RE = re.compile(r"(^|[\s(\[])'([^'\s][^']*?)'(?=$|[\s.,;:!?)\]])")
# a quote opens before a word and closes after one: '"Positive Obligations " of' is no pair and stays as typed
_DOUBLE_QUOTED_RE = re.compile(r'(^|[\s(\[])"([^"\s](?:[^"]*[^"\s])?)"(?=$|[\s.,;:!?)\]])')


def _super_base(ch: str) -> str | None:
    """The letter or digit a superscript character stands for ("ª" -> "a", "ʳ" -> "r"), else None."""
    if ch.isascii():
        return None
    decomposition = unicodedata.decomposition(ch)
    if not decomposition.startswith("<super> "):
        return None
    return "".join(chr(int(code, 16)) for code in decomposition.split()[1:])


def _superscripts(inlines: list[dict]) -> list[dict]:
    """Superscript characters ("1ʳᵉ", "1.ª") as Superscript inlines of their letters, as citeproc-js
    prints them ("1<sup>re</sup>"): fonts lack most of those characters."""
    out: list[dict] = []
    for node in inlines:
        text = node.get("c") if node["t"] == "Str" else None
        if not text or not any(_super_base(ch) for ch in text):
            out.append(node)
            continue
        plain, sup = "", ""
        for ch in text:
            base = _super_base(ch)
            if base is not None:
                if plain:
                    out.append({"t": "Str", "c": plain})
                    plain = ""
                sup += base
                continue
            if sup:
                out.append({"t": "Superscript", "c": [{"t": "Str", "c": sup}]})
                sup = ""
            plain += ch
        if sup:
            out.append({"t": "Superscript", "c": [{"t": "Str", "c": sup}]})
        if plain:
            out.append({"t": "Str", "c": plain})
    return out


def smart_text(text: str) -> str:
    """Straight quotes and apostrophes -> typographic ones, as citeproc-js and pandoc print them."""
    if "'" in text:
        text = _SINGLE_QUOTED_RE.sub(lambda m: m.group(1) + "\u2018" + m.group(2) + "\u2019", text)
        text = _APOS_RE.sub("\u2019", text)
        text = text.replace("'", "\u2019")
    if '"' in text:
        text = _DOUBLE_QUOTED_RE.sub(lambda m: m.group(1) + "\u201c" + m.group(2) + "\u201d", text)
    return text


def _plain_text(node: Node | str) -> str:
    if isinstance(node, str):
        return node
    return "".join(_plain_text(c) for c in node.children)


def to_inlines(text: str, ctx: RenderContext | None = None) -> list[dict]:
    """Marker string -> list of pandoc inline JSON objects."""
    ctx = ctx or RenderContext()
    root = parse(text)
    return _merge_adjacent(_flatten_upright(_build(root.children, ctx, quote_level=0)))


def _build(
    children: list[Node | str], ctx: RenderContext, *, active: frozenset[str] = frozenset(), quote_level: int
) -> list[dict]:
    """Marker tree -> inlines. ``active`` holds the flip-flop formatting in force around the children
    (italics, bold, small caps): the same formatting inside it prints without it (CSL flip-flop)."""
    out: list[dict] = []
    for child in children:
        if isinstance(child, str):
            out.extend(_superscripts(str_inlines(child)))
            continue
        kind = child.kind
        if kind in FLIP_FLOP:
            if kind in active:
                inner = _build(child.children, ctx, active=active - {kind}, quote_level=quote_level)
                out.append(_upright(inner, {kind}))
            else:
                inner = _build(child.children, ctx, active=active | {kind}, quote_level=quote_level)
                out.extend(_wrap_split(kind, inner))
        elif kind in ("Normal", "NoDecor"):
            # font-style="normal" undoes italics; rich text's nodecor undoes every decoration around it
            undone = active & ({"Emph"} if kind == "Normal" else FLIP_FLOP)
            inner = _build(child.children, ctx, active=active - undone, quote_level=quote_level)
            out.extend([_upright(inner, undone)] if undone else inner)
        elif kind in ("Superscript", "Subscript", "Underline"):
            inner = _build(child.children, ctx, active=active, quote_level=quote_level)
            out.extend(_wrap_split(kind, inner))
        elif kind == "NoCase":
            out.extend(_build(child.children, ctx, active=active, quote_level=quote_level))
        elif kind == "Quote":
            op, cl = (
                (ctx.quotes[0], ctx.quotes[1]) if quote_level % 2 == 0 else (ctx.quotes[2], ctx.quotes[3])
            )
            inner = _build(child.children, ctx, active=active, quote_level=quote_level + 1)
            out.extend(_merge_adjacent([{"t": "Str", "c": op}, *inner, {"t": "Str", "c": cl}]))
        elif kind in ("Url", "Doi"):
            url = _plain_text(child).strip()
            if kind == "Doi" and not url.lower().startswith(("http://", "https://")):
                target = "https://doi.org/" + url
            else:
                target = url
            out.append({"t": "Link", "c": [["", [], []], [{"t": "Str", "c": url}], [target, ""]]})
        elif kind == "Item":
            inner = _build(child.children, ctx, active=active, quote_level=quote_level)
            if ctx.item_link is not None and child.index is not None:
                out.extend(ctx.item_link(child.index, inner))
            else:
                out.extend(inner)
        elif kind == "Prefix":
            if ctx.prefix is not None and child.index is not None:
                out.extend(ctx.prefix(child.index))
        elif kind == "Suffix":
            if ctx.suffix is not None and child.index is not None:
                out.extend(ctx.suffix(child.index))
        elif kind == "FieldSep":
            out.append({"t": "FieldSep"})
        elif kind in ("Block", "Indent"):
            # CSL display: a block of its own (an entry's heading) or an indented one; empty, none
            inner = _build(child.children, ctx, active=active, quote_level=quote_level)
            if inner:
                out.append({"t": "Span", "c": [["", ["csl-" + kind.lower()], []], inner]})
        else:
            out.extend(_build(child.children, ctx, active=active, quote_level=quote_level))
    return out


UPRIGHT = "_Upright"  # text the enclosing formatting must leave out (never reaches the final tree)
FLIP_FLOP = frozenset({"Emph", "Strong", "SmallCaps"})


def _upright(inner: list[dict], undone: set[str] | frozenset[str]) -> dict:
    """Inlines that the enclosing formatting of the kinds ``undone`` must leave out."""
    return {"t": UPRIGHT, "c": inner, "undone": frozenset(undone)}


def _wrap_split(kind: str, inner: list[dict]) -> list[dict]:
    """Wrap ``inner`` in ``kind``; upright pieces inside split it ("<i>My </i>Amazing<i> Title</i>")
    and pass through any other formatting, keeping it, to the formatting above that they undo."""
    if not any(n["t"] == UPRIGHT for n in inner):
        return _wrap_node(kind, inner)
    out: list[dict] = []
    seg: list[dict] = []
    for node in inner:
        if node["t"] != UPRIGHT:
            seg.append(node)
            continue
        if seg:
            out.append({"t": kind, "c": seg})
            seg = []
        undone = node.get("undone", frozenset({"Emph"}))
        if kind in undone:
            rest = undone - {kind}
            out.extend([_upright(node["c"], rest)] if rest else node["c"])
        else:
            out.append(_upright([{"t": kind, "c": node["c"]}], undone))
    if seg:
        out.append({"t": kind, "c": seg})
    return out


def _flatten_upright(inlines: list[dict]) -> list[dict]:
    """Upright pieces no italics took out (inside a link inside italics, say) are plain content."""
    out: list[dict] = []
    for node in inlines:
        if node["t"] == UPRIGHT:
            out.extend(_flatten_upright(node["c"]))
            continue
        c = node.get("c")
        if node["t"] in ("Link", "Span", "Quoted") and isinstance(c, list) and len(c) > 1:
            node = {"t": node["t"], "c": [c[0], _flatten_upright(c[1]), *c[2:]]}
        elif isinstance(c, list) and c and isinstance(c[0], dict):
            node = {"t": node["t"], "c": _flatten_upright(c)}
        out.append(node)
    return out


def _wrap_node(kind: str, inner: list[dict]) -> list[dict]:
    if not inner:
        return []
    # keep the spaces at the edges outside the formatting, as pandoc does
    lead = []
    trail = []
    while inner and inner[0]["t"] == "Space":
        lead.append(inner.pop(0))
    while inner and inner[-1]["t"] == "Space":
        trail.insert(0, inner.pop())
    if not inner:
        return lead + trail
    return [*lead, {"t": kind, "c": inner}, *trail]


def _merge_adjacent(inlines: list[dict]) -> list[dict]:
    """Merge neighbouring Str nodes and collapse double spaces, so trees compare as pandoc's do."""
    out: list[dict] = []
    for node in inlines:
        if out and node["t"] == "Str" and out[-1]["t"] == "Str":
            out[-1] = {"t": "Str", "c": out[-1]["c"] + node["c"]}
        elif out and node["t"] == "Space" and out[-1]["t"] == "Space":
            continue
        elif out and node["t"] == out[-1]["t"] and node["t"] in ("Emph", "Strong", "SmallCaps"):
            out[-1] = {"t": node["t"], "c": _merge_adjacent(out[-1]["c"] + node["c"])}
        else:
            out.append(node)
    return out


def inlines_to_text(inlines: list[dict]) -> str:
    """Plain text of pandoc inlines (for tests, error messages and comparisons)."""
    parts: list[str] = []
    for node in inlines:
        t = node["t"]
        if t == "Str":
            parts.append(node["c"])
        elif t in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif t in ("Emph", "Strong", "SmallCaps", "Superscript", "Subscript", "Underline", "Strikeout"):
            parts.append(inlines_to_text(node["c"]))
        elif t in ("Span", "Link", "Cite"):
            parts.append(inlines_to_text(node["c"][1] if t != "Cite" else node["c"][1]))
        elif t == "Quoted":
            q = ("\u201c", "\u201d") if node["c"][0]["t"] == "DoubleQuote" else ("\u2018", "\u2019")
            parts.append(q[0] + inlines_to_text(node["c"][1]) + q[1])
        elif t == "Code":
            parts.append(node["c"][1])
        elif t == "Note":
            pass
    return "".join(parts)
