"""Reading a cited AST and editing a few of its elements without copying the rest.

The web page and the e-book each change a handful of elements of the cited document (citation links
without an id, the bibliography's entries) and must leave the Document itself untouched, since every
format renders from it. Copying the whole AST for that (``copy.deepcopy``) costs more than anything else
they do with it on a long manuscript, so an edit here is copy-on-write: :func:`rebuilt` returns new
lists and elements only along the way from the root to what changed, and shares every other subtree
with the original (which nobody changes afterwards).

:func:`containers` (from :mod:`publish.inlines`, where the read step's checks use it too) is
:func:`publish.inlines.elements` for readers that look for structure (links, headings, divs, images): it
passes over the text leaves (``Str``, ``Space``, breaks), which are most of a document's elements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ..inlines import TEXT_LEAVES, containers  # the walk past the text leaves, shared with the read step


def rebuilt(node: Any, replacements: Mapping[int, Any], within: Iterable[int] | None = None) -> Any:
    """``node`` with each element whose ``id()`` is a key of ``replacements`` replaced by its value.

    Lists and elements on the way to a replaced element are new; everything else is shared with ``node``
    (so the result must be treated as read-only, like ``node``). With no replacements, ``node`` itself.
    ``within``: for a list, the indices of the items that hold every replaced element (as
    :func:`containers_of` tells them), so that only those are walked again."""
    if not replacements:
        return node
    if within is None:
        return _rebuilt(node, replacements)
    out = list(node)
    for i in within:
        out[i] = replacements[id(node[i])] if id(node[i]) in replacements else _rebuilt(node[i], replacements)
    return out


def containers_of(blocks: list[Any], prune: Callable[[dict[str, Any]], bool] | None = None,
                  ) -> Iterator[tuple[int, dict[str, Any]]]:
    """:func:`containers` of each item of ``blocks`` in turn, with the item's index: what an edit of a few
    elements needs to tell :func:`rebuilt` where they are."""
    for i, block in enumerate(blocks):
        for element in containers(block, prune):
            yield i, element


def _rebuilt(node: Any, new: Mapping[int, Any]) -> Any:
    kind = type(node)
    if kind is list:
        out = None
        for i, x in enumerate(node):
            tx = type(x)
            if tx is dict:
                if x.get("t") in TEXT_LEAVES:
                    continue
            elif tx is not list:
                continue
            y = new[id(x)] if id(x) in new else _rebuilt(x, new)
            if y is not x:
                if out is None:
                    out = list(node)
                out[i] = y
        return node if out is None else out
    if kind is dict:
        changed = None
        for k, v in node.items():
            if type(v) is list or type(v) is dict:
                w = new[id(v)] if id(v) in new else _rebuilt(v, new)
                if w is not v:
                    if changed is None:
                        changed = dict(node)
                    changed[k] = w
        return node if changed is None else changed
    return node


def with_id(element: dict[str, Any], ident: str) -> dict[str, Any]:
    """A new Link, Span, Div, Image, Code or CodeBlock like ``element`` with ``ident`` as its id (its
    contents shared)."""
    (_old, classes, kv), *rest = element["c"]
    return {"t": element["t"], "c": [[ident, classes, kv], *rest]}
