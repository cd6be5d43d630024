"""Reading a cited AST without its text leaves, and editing it copy-on-write (formats/tree.py)."""

from __future__ import annotations

import copy
import json
from typing import Any

from publish.formats.tree import TEXT_LEAVES, containers, rebuilt, with_id
from publish.inlines import elements


def _ast() -> list[dict[str, Any]]:
    cite = {"t": "Cite", "c": [[{"citationId": "a", "citationPrefix": [{"t": "Emph", "c": [{"t": "Str", "c": "see"}]}],
                                 "citationSuffix": [], "citationMode": {"t": "NormalCitation"},
                                 "citationNoteNum": 1, "citationHash": 0}],
                               [{"t": "Link", "c": [["", [], []], [{"t": "Str", "c": "A"}], ["#ref-a", ""]]}]]}
    table_cell = {"t": "Plain", "c": [{"t": "Code", "c": [["code-1", [], []], "x = 1"]}]}
    return [
        {"t": "Header", "c": [2, ["h", [], []], [{"t": "Str", "c": "Head"}, {"t": "Space"}]]},
        {"t": "Para", "c": [{"t": "Str", "c": "One"}, {"t": "SoftBreak"}, cite]},
        {"t": "BulletList", "c": [[table_cell], [{"t": "Para", "c": [{"t": "LineBreak"}]}]]},
        {"t": "Div", "c": [["refs", ["csl-bib-body"], []],
                           [{"t": "Div", "c": [["ref-a", ["csl-entry"], []], [{"t": "Para", "c": []}]]}]]},
    ]


def test_containers_are_elements_without_text_leaves_in_the_same_order() -> None:
    blocks = _ast()
    expected = [e for e in elements(blocks) if e.get("t") not in TEXT_LEAVES]
    assert [id(e) for e in containers(blocks)] == [id(e) for e in expected]
    assert any(e.get("citationId") == "a" for e in containers(blocks))  # a citation's own dict, like elements


def test_containers_prune_like_elements() -> None:
    blocks = _ast()

    def prune(e: dict[str, Any]) -> bool:
        return e.get("t") in ("Cite", "Div")

    expected = [e for e in elements(blocks, prune) if e.get("t") not in TEXT_LEAVES]
    assert [id(e) for e in containers(blocks, prune)] == [id(e) for e in expected]
    assert not any(e.get("t") == "Link" for e in containers(blocks, prune))


def test_rebuilt_copies_only_the_way_to_what_changed() -> None:
    blocks = _ast()
    before = copy.deepcopy(blocks)
    link = next(e for e in containers(blocks) if e.get("t") == "Link")
    out = rebuilt(blocks, {id(link): with_id(link, "cite-a-1")})
    assert blocks == before, "the original is not changed"
    assert out is not blocks and out[0] is blocks[0] and out[2] is blocks[2] and out[3] is blocks[3]
    new_link = next(e for e in containers(out) if e.get("t") == "Link")
    assert new_link["c"][0][0] == "cite-a-1" and new_link["c"][1] is link["c"][1]
    expected = copy.deepcopy(before)
    expected[1]["c"][2]["c"][1][0]["c"][0][0] = "cite-a-1"
    assert json.dumps(out) == json.dumps(expected)


def test_rebuilt_without_changes_is_the_node_itself() -> None:
    blocks = _ast()
    assert rebuilt(blocks, {}) is blocks
    unrelated = {"t": "Str", "c": "elsewhere"}
    assert rebuilt(blocks, {id(unrelated): {"t": "Space"}}) is blocks
