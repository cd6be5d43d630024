"""The engine fixes are installed only around the citation step, and parsed styles are cached by content,
boundedly: what a long-running process (a preview server) needs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from citeproc import model
from citeproc.string import String

from publish.cite import cite_document, patches, styles

STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><id>t</id><title>t</title><updated>2020-01-01T00:00:00+00:00</updated></info>
  <citation><layout prefix="(" suffix=")"><text value="{word}"/><text variable="title"/></layout></citation>
</style>
"""


def _ast(key: str) -> dict:
    cite = {"t": "Cite", "c": [[{"citationId": key, "citationPrefix": [], "citationSuffix": [],
                                 "citationMode": {"t": "NormalCitation"}, "citationNoteNum": 1,
                                 "citationHash": 0}], [{"t": "Str", "c": f"@{key}"}]]}
    return {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": [{"t": "Para", "c": [cite]}]}


def _cited_text(result_ast: dict) -> str:
    return json.dumps(result_ast["blocks"][0]["c"][0]["c"][1], ensure_ascii=False)


def test_fixes_are_installed_only_inside_the_block() -> None:
    original = model.Name.process, String.capitalize_first, model.CitationStylesElement.xpath_search
    assert not patches.installed()
    with patches.engine_fixes():
        assert patches.installed()
        assert model.Name.process is not original[0]
        assert String.capitalize_first is not original[1]
        with patches.engine_fixes():  # re-entrant: the inner block leaves the fixes in place
            pass
        assert model.CitationStylesElement.xpath_search is not original[2]
    assert (model.Name.process, String.capitalize_first, model.CitationStylesElement.xpath_search) == original
    with pytest.raises(RuntimeError), patches.engine_fixes():
        raise RuntimeError("boom")
    assert model.Name.process is original[0] and not patches.installed()


def test_cite_document_leaves_citeproc_as_it_found_it(tmp_path: Path) -> None:
    original = {(cls, name): cls.__dict__.get(name) for cls, name, _ in patches._fixes()}
    path = tmp_path / "s.csl"
    path.write_text(STYLE.format(word="See "))
    result = cite_document(_ast("a"), [{"id": "a", "type": "book", "title": "T"}], path, "en-US")
    assert "See" in _cited_text(result.ast)
    assert {(cls, name): cls.__dict__.get(name) for cls, name, _ in patches._fixes()} == original


def test_an_edited_style_is_read_again(tmp_path: Path) -> None:
    """Same path, same size, and (on coarse file systems) the same mtime: the content decides."""
    path = tmp_path / "s.csl"
    refs = [{"id": "a", "type": "book", "title": "T"}]
    path.write_text(STYLE.format(word="Aaa "))
    stamp = path.stat().st_mtime_ns
    first = cite_document(_ast("a"), refs, path, "en-US")
    path.write_text(STYLE.format(word="Bbb "))
    os.utime(path, ns=(stamp, stamp))
    second = cite_document(_ast("a"), refs, path, "en-US")
    assert "Aaa" in _cited_text(first.ast) and "Bbb" in _cited_text(second.ast)


def test_the_style_cache_is_bounded_and_keyed_by_content(tmp_path: Path) -> None:
    styles.clear_cache()
    paths, parsed = [], []
    for i in range(styles.CACHE_SIZE + 3):
        path = tmp_path / f"s{i}.csl"
        path.write_text(STYLE.format(word=f"W{i} "))
        paths.append(path)
        parsed.append(styles.load_engine_style(path, "en-US"))
        assert styles.cached_styles() <= styles.CACHE_SIZE
    assert styles.cached_styles() == styles.CACHE_SIZE
    newest = styles.load_engine_style(paths[-1], "en-US")
    assert styles.load_engine_style(paths[-1], "en-US") is newest
    copy = tmp_path / "copy.csl"
    copy.write_bytes(paths[-1].read_bytes())
    assert styles.load_engine_style(copy, "en-US") is newest  # same content, parsed once
    assert styles.load_engine_style(paths[0], "en-US") is not parsed[0]  # evicted: parsed again
    styles.clear_cache()
    assert styles.cached_styles() == 0
