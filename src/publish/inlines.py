"""pandoc inlines as plain text or as escaped HTML, for the places that take metadata rather than a body;
and :func:`elements`, the one walk over a pandoc AST that the citation layer and the formats share.

Titles in the front matter are Markdown (pandoc reads them so): ``*everything*`` must become
"everything" in a PDF's /Title and a page's <title>, and <em>everything</em> in its heading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from markupsafe import Markup, escape

QUOTES = {"SingleQuote": ("\u2018", "\u2019"), "DoubleQuote": ("\u201c", "\u201d")}
TAGS = {"Emph": "em", "Strong": "strong", "SmallCaps": "span", "Strikeout": "del", "Underline": "u",
        "Superscript": "sup", "Subscript": "sub"}


#: Elements that hold no other element and no attributes (``Str``, ``Space``, breaks): most of a document's
#: elements, and never what a walk that looks for structure (links, images, notes, divs) wants.
TEXT_LEAVES = frozenset({"Str", "Space", "SoftBreak", "LineBreak"})


def elements(node: Any, prune: Callable[[dict[str, Any]], bool] | None = None) -> Iterator[dict[str, Any]]:
    """Every element (dict) of a pandoc AST in document order, each before what it contains. An element
    ``prune`` accepts is yielded, but nothing inside it is.

    A stack, not nested generators: a long manuscript has a third of a million elements, and a recursive
    generator resumes every generator above an element to hand it on (seven million resumptions a walk).
    An element's contents are read when the walk comes back to it, so a caller may change an element it
    was given (its contents are then walked as changed)."""
    stack = [node]
    pop, push = stack.pop, stack.extend
    while stack:
        x = pop()
        kind = type(x)
        if kind is dict:
            yield x
            if prune is not None and prune(x):
                continue
            if len(x) == 2 and "c" in x and type(x.get("t")) is str:  # a pandoc element: "c" holds the rest
                c = x["c"]
                if type(c) is list or type(c) is dict:
                    stack.append(c)
            else:  # a citation, a table's parts: every value, in order
                push(reversed([v for v in x.values() if type(v) is list or type(v) is dict]))
        elif kind is list:
            push(reversed(x))


def containers(node: Any, prune: Callable[[dict[str, Any]], bool] | None = None) -> Iterator[dict[str, Any]]:
    """:func:`elements` without the text leaves (:data:`TEXT_LEAVES`): for a walk that looks for structure
    (images, links, raw HTML, notes, headings, divs), which then never meets most of a document."""
    stack = [node]
    pop, push = stack.pop, stack.extend
    while stack:
        x = pop()
        kind = type(x)
        if kind is dict:
            t = x.get("t")
            if type(t) is str and t in TEXT_LEAVES:  # (a metadata map may have a key "t")
                continue
            yield x
            if prune is not None and prune(x):
                continue
            if len(x) == 2 and "c" in x and type(t) is str:
                c = x["c"]
                if type(c) is list or type(c) is dict:
                    stack.append(c)
            else:
                push(reversed([v for v in x.values() if type(v) is list or type(v) is dict]))
        elif kind is list:
            push(reversed(x))


def lists(node: Any) -> Iterator[list[Any]]:
    """Every list of a pandoc AST (inline lists, block lists, ...), each after the lists inside it: a
    caller may rewrite a list in place once it is given, its contents already rewritten."""
    if isinstance(node, dict):
        for value in node.values():
            yield from lists(value)
    elif isinstance(node, list):
        for child in node:
            yield from lists(child)
        yield node


def plain_text(inlines: list[dict[str, Any]]) -> str:
    """The text a reader sees, without markup (quotes kept as curly quotes)."""
    out: list[str] = []
    for node in inlines:
        t, c = node.get("t"), node.get("c")
        if t == "Str":
            out.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t in TAGS:
            out.append(plain_text(c))
        elif t == "Quoted":
            opening, closing = QUOTES.get(c[0]["t"], ("", ""))
            out.append(opening + plain_text(c[1]) + closing)
        elif t in ("Link", "Span", "Cite"):
            out.append(plain_text(c[-2] if t == "Link" else c[-1]))
        elif t in ("Code", "Math", "RawInline"):
            out.append(c[1])
        elif t == "Note":
            continue
    return "".join(out)


def html(inlines: list[dict[str, Any]]) -> Markup:
    """Escaped HTML for simple inline formatting; anything richer degrades to its text."""
    out: list[str] = []
    for node in inlines:
        t, c = node.get("t"), node.get("c")
        if t in TAGS:
            attrs = ' style="font-variant: small-caps"' if t == "SmallCaps" else ""
            out.append(f"<{TAGS[t]}{attrs}>{html(c)}</{TAGS[t]}>")
        elif t == "Code":
            out.append(f"<code>{escape(c[1])}</code>")
        elif t == "Quoted":
            opening, closing = QUOTES.get(c[0]["t"], ("", ""))
            out.append(f"{opening}{html(c[1])}{closing}")
        else:
            out.append(str(escape(plain_text([node]))))
    return Markup("".join(out))


def meta_inlines(meta: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """A metadata value as inlines (MetaInlines, or the first block of MetaBlocks); [] when absent."""
    value = meta.get(key)
    if not isinstance(value, dict):
        return []
    if value.get("t") == "MetaInlines":
        return value["c"]
    if value.get("t") == "MetaString":
        return [{"t": "Str", "c": value["c"]}]
    if value.get("t") == "MetaBlocks" and value["c"]:
        first = value["c"][0]
        return first.get("c", []) if first.get("t") in ("Plain", "Para") else []
    return []
