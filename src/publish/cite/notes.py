"""Note styles (CSL ``class="note"``): citations become footnotes, as pandoc's citeproc makes them.

Every citation outside a footnote becomes a pandoc ``Note`` (kept inside its ``Cite`` node, so the
writers still see a citation), placed after the punctuation that follows it and without the space before
it: "as shown [@doe]." -> "as shown.¹". A citation already inside a footnote renders in place. Each
citation's note number (the footnote it stands in, counting the document's own footnotes and the made
ones in reading order) is what CSL's positions (ibid, near-note) are computed from. Pandoc's writers then
make the footnotes: HTML and EPUB sections with back-links.
"""

from __future__ import annotations

from typing import Any

from ..inlines import TEXT_LEAVES, lists

_PUNCTUATION = ".,;:!?"


def cites_with_notes(blocks: list[Any], note_style: bool) -> list[tuple[dict, int, bool]]:
    """(Cite node, note number, already inside a footnote) for every Cite, in reading order.

    The note number is 0 for a citation in the main text of an in-text style.
    """
    out: list[tuple[dict, int, bool]] = []
    count = 0
    note = 0  # the footnote being walked (0: the main text)
    # A stack, in reading order, past the text leaves (most of a manuscript): a recursive walk called
    # itself for every Str and Space. A Note's contents are followed by the note they interrupted.
    stack: list[Any] = [blocks]
    pop, push = stack.pop, stack.extend
    while stack:
        node = pop()
        kind = type(node)
        if kind is list:
            push(reversed(node))
        elif kind is dict:
            t = node.get("t")
            if t in TEXT_LEAVES:
                continue
            if t == "Cite":
                if note:
                    out.append((node, note, True))
                elif note_style:
                    count += 1
                    out.append((node, count, False))
                else:
                    out.append((node, 0, False))
                continue  # a Cite's own inlines hold no citations
            if t == "Note":
                count += 1
                stack.append((note,))  # back to this note number after the Note
                stack.append(node.get("c"))
                note = count
                continue
            push(reversed([v for v in node.values() if isinstance(v, (list, dict))]))
        elif kind is tuple:
            note = node[0]
    return out


def footnote(inlines: list[dict]) -> list[dict]:
    """The Cite's new content: one Note holding the citation, its first letter capitalised (a note
    starts a sentence: "Ibid.")."""
    return [{"t": "Note", "c": [{"t": "Para", "c": capitalise_first(inlines)}]}]


def capitalise_first(inlines: list[dict]) -> list[dict]:
    """``inlines`` with the first letter upper-cased when it is lowercase, through links and formatting."""
    if not inlines:
        return inlines
    first = inlines[0]
    t = first["t"]
    if t == "Str":
        text = first["c"]
        if not text[:1].islower():
            return inlines
        new = {"t": "Str", "c": text[:1].upper() + text[1:]}
    elif t in ("Emph", "Strong", "SmallCaps", "Underline"):
        new = {"t": t, "c": capitalise_first(first["c"])}
    elif t in ("Link", "Span"):
        c = list(first["c"])
        c[1] = capitalise_first(c[1])
        new = {"t": t, "c": c}
    else:
        return inlines
    return [new, *inlines[1:]]


def move_after_punctuation(node: Any, made: set[int]) -> None:
    """In every inline list, put each Cite whose id is in ``made`` after the punctuation that follows
    it, and drop the space before it (pandoc's placement of a note citation)."""
    for inlines in lists(node):
        if any(isinstance(x, dict) and x.get("t") == "Cite" and id(x) in made for x in inlines):
            _move_after_punctuation(inlines, made)


def _move_after_punctuation(node: list[Any], made: set[int]) -> None:
    out: list[Any] = []
    k = 0
    while k < len(node):
        item = node[k]
        if isinstance(item, dict) and item.get("t") == "Cite" and id(item) in made:
            while out and isinstance(out[-1], dict) and out[-1].get("t") in ("Space", "SoftBreak"):
                out.pop()
            following = node[k + 1] if k + 1 < len(node) else None
            if isinstance(following, dict) and following.get("t") == "Str":
                text = following["c"]
                n = len(text) - len(text.lstrip(_PUNCTUATION))
                if n:
                    if out and isinstance(out[-1], dict) and out[-1].get("t") == "Str":
                        out[-1] = {"t": "Str", "c": out[-1]["c"] + text[:n]}  # "claim" + "." is one word
                    else:
                        out.append({"t": "Str", "c": text[:n]})
                    out.append(item)
                    if text[n:]:
                        out.append({"t": "Str", "c": text[n:]})
                    k += 2
                    continue
            out.append(item)
        else:
            out.append(item)
        k += 1
    node[:] = out


def drop_doubled_periods(node: Any, cites: set[int]) -> None:
    """A citation ending in a period ("Life of Doe.") followed by the sentence's own period prints one,
    as pandoc prints it: "See [@a]." inside a footnote is "See John Doe, Life of Doe."."""
    for inlines in lists(node):
        _drop_doubled_periods(inlines, cites)


def _drop_doubled_periods(node: list[Any], cites: set[int]) -> None:
    for k, item in enumerate(node):
        if not (isinstance(item, dict) and item.get("t") == "Cite" and id(item) in cites):
            continue
        following = node[k + 1] if k + 1 < len(node) else None
        if not (isinstance(following, dict) and following.get("t") == "Str" and following["c"].startswith(".")):
            continue
        if _plain_end(item["c"][1]).endswith("."):
            node[k + 1] = {"t": "Str", "c": following["c"][1:]}
    node[:] = [n for n in node if not (isinstance(n, dict) and n.get("t") == "Str" and n.get("c") == "")]


def _plain_end(inlines: list[dict]) -> str:
    for node in reversed(inlines):
        t = node.get("t")
        if t == "Str":
            return node["c"]
        if t in ("Emph", "Strong", "SmallCaps", "Underline"):
            return _plain_end(node["c"])
        if t in ("Link", "Span", "Quoted"):
            return _plain_end(node["c"][1])
        return ""
    return ""
