"""The layout delimiter between the cites of one citation, where a prefix or suffix has punctuation.

citeproc-js (and CSL-M) leave the delimiter out before a prefix that opens with punctuation and after a
suffix that closes with a comma or semicolon: "[@a; , cited in @b]" is "Book A, cited in Book B", and
"[@a is one source,; @b]" is "Smith is one source, Jones", not "Book A; , cited in Book B".
"""

from __future__ import annotations

from typing import Any

from citeproc.string import String, join

OPENING = ",.;:"
CLOSING = ",;"


def opens_with_punctuation(prefix: str) -> bool:
    return prefix.lstrip()[:1] in tuple(OPENING)


def closes_with_punctuation(suffix: str) -> bool:
    return suffix.rstrip()[-1:] in tuple(CLOSING)


def join_cites(pieces: list[Any], specs: list[Any], delimiter: str) -> Any:
    """Join rendered cites (``specs``: their CiteItems, one per piece) with the layout delimiter."""
    kept = [(p, s) for p, s in zip(pieces, specs, strict=True) if p is not None]
    if not kept:
        return None
    out: list[Any] = [kept[0][0]]
    for (_, before), (piece, spec) in zip(kept, kept[1:], strict=False):
        if not (spec.prefix_punct or before.suffix_punct):
            out.append(String(delimiter))
        out.append(piece)
    return join(out, "")


__all__ = ["closes_with_punctuation", "join_cites", "opens_with_punctuation"]
