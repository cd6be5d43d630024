"""The HTML formatter's own logic: back-links from bibliography entries to their citations."""

from __future__ import annotations

from typing import Any

from publish.formats.html import add_backlinks


def _link(target: str, ident: str = "") -> dict[str, Any]:
    return {"t": "Link", "c": [[ident, [], []], [{"t": "Str", "c": "x"}], [target, ""]]}


def _entry(key: str) -> dict[str, Any]:
    return {"t": "Div", "c": [[f"ref-{key}", ["csl-entry"], []], [{"t": "Para", "c": [{"t": "Str", "c": key}]}]]}


def _doc(*paras: list[dict[str, Any]], entries: list[dict[str, Any]]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"t": "Para", "c": p} for p in paras]
    blocks.append({"t": "Div", "c": [["refs", ["references", "csl-bib-body"], []], entries]})
    return {"pandoc-api-version": [1, 23], "meta": {}, "blocks": blocks}


def _backrefs(entry: dict[str, Any]) -> list[str]:
    span = entry["c"][1][-1]["c"][-1]
    assert span["t"] == "Span" and span["c"][0][1] == ["backrefs"]
    return [x["c"][2][0] for x in span["c"][1] if x["t"] == "Link"]


def test_each_citation_gets_an_id_and_its_entry_links_back_in_order() -> None:
    ast = _doc([_link("#ref-a"), _link("#ref-b")], [_link("#ref-a")], entries=[_entry("a"), _entry("b")])
    out = add_backlinks(ast)
    ids = [p["c"][i]["c"][0][0] for p, i in ((out["blocks"][0], 0), (out["blocks"][0], 1), (out["blocks"][1], 0))]
    assert ids == ["cite-a-1", "cite-b-1", "cite-a-2"]
    entries = out["blocks"][2]["c"][1]
    assert _backrefs(entries[0]) == ["#cite-a-1", "#cite-a-2"]
    assert _backrefs(entries[1]) == ["#cite-b-1"]
    assert ast["blocks"][0]["c"][0]["c"][0][0] == "", "the input AST is not changed"


def test_ids_from_the_cite_layer_are_kept_and_uncited_entries_get_nothing() -> None:
    ast = _doc([_link("#ref-a", "c1")], entries=[_entry("a"), _entry("z")])
    out = add_backlinks(ast)
    entries = out["blocks"][1]["c"][1]
    assert _backrefs(entries[0]) == ["#c1"]
    assert entries[1] == _entry("z")


def test_back_links_are_accessible() -> None:
    out = add_backlinks(_doc([_link("#ref-a")], entries=[_entry("a")]))
    link = out["blocks"][1]["c"][1][0]["c"][1][-1]["c"][-1]["c"][1][0]
    attr, content, _target = link["c"]
    assert attr[1] == ["backref"] and ["role", "doc-backlink"] in attr[2]
    hidden = [c for c in content if c["c"][0][1] == ["visually-hidden"]]
    assert hidden and "Back to" in hidden[0]["c"][1][0]["c"]


def test_document_without_citations_is_unchanged() -> None:
    ast = {"pandoc-api-version": [1, 23], "meta": {}, "blocks": [{"t": "Para", "c": [_link("https://x.org")]}]}
    assert add_backlinks(ast) == ast


def test_new_ids_do_not_collide_with_existing_ones() -> None:
    ast = _doc([{"t": "Span", "c": [["cite-a-1", [], []], []]}, _link("#ref-a")], entries=[_entry("a")])
    out = add_backlinks(ast)
    assert out["blocks"][0]["c"][1]["c"][0][0] == "cite-a-2"
