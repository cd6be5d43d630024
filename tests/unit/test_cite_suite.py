"""The CSL processor test suite as the judge of the citation layer (see tests/citations/csl_suite.py).

The figure can only go up: a fixture that fails and is not in the known-failures list fails this test,
and so does a listed fixture that passes (take it off the list). No fixture that citeproc-py passes on
its own may fail through our layer.
"""

from __future__ import annotations

import os

import pytest

from tests.citations import csl_suite


@pytest.fixture(scope="module")
def outcomes() -> list[csl_suite.Outcome]:
    if not csl_suite.fixture_paths():
        message = f"the CSL test suite is not at {csl_suite.SUITE}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return list(csl_suite.run())


@pytest.mark.slow
def test_no_unexpected_failure_and_no_unexpected_pass(outcomes: list[csl_suite.Outcome]) -> None:
    known = csl_suite.read_known_failures()
    failed = {o.name for o in outcomes if not o.ours}
    unexpected = sorted(failed - set(known))
    fixed = sorted(set(known) - failed)
    detail = "\n".join(
        f"{o.name}\n  expected {o.expected!r}\n  ours     {o.actual!r}" for o in outcomes if o.name in unexpected[:5]
    )
    assert not unexpected, f"{len(unexpected)} fixtures fail that are not in the known-failures list:\n{detail}"
    assert not fixed, f"these pass now, remove them from {csl_suite.KNOWN_FAILURES.name}: {', '.join(fixed)}"


@pytest.mark.slow
def test_nothing_raw_citeproc_py_passes_fails_through_our_layer(outcomes: list[csl_suite.Outcome]) -> None:
    broken = sorted(o.name for o in outcomes if o.raw and not o.ours)
    assert not broken, f"raw citeproc-py passes, we fail: {', '.join(broken)}"


def test_canonical_form_forgives_only_the_html_spelling() -> None:
    """<em>/<i>, entity spelling, font-style:normal inside italics and layout whitespace are the same
    output; a different character, space or formatting is not."""
    canon = csl_suite.canonical
    assert canon("<i>A <span style=\"font-style:normal;\">B</span> C</i>") == canon("<em>A </em>B<i> C</i>")
    assert canon("Smith &#38; Jones") == canon("Smith &amp; Jones")
    assert canon('<div class="csl-bib-body">\n  <div class="csl-entry">X</div>\n</div>') == canon(
        '<div class="csl-bib-body"><div class="csl-entry">X</div></div>'
    )
    assert canon("<b>x</b>") != canon("x")
    assert canon("A  B") != canon("A B")
    assert canon("A, B") != canon("A. B")
    assert canon('<span style="font-variant:small-caps;">x</span>') != canon("x")


def test_citations_pre_and_post_set_the_documents_order_and_note_numbers(tmp_path) -> None:
    """A CITATIONS entry [citation, citationsPre, citationsPost] is citeproc-js's processCitationCluster:
    the document becomes pre + [citation] + post, with the note numbers those lists give."""
    import json

    items = [{"id": k, "type": "book", "title": k} for k in ("x", "y", "z")]
    calls = [
        [{"citationID": "C1", "citationItems": [{"id": "x"}], "properties": {"noteIndex": 1}}, [], []],
        [{"citationID": "C2", "citationItems": [{"id": "y"}], "properties": {"noteIndex": 2}}, [["C1", 1]], []],
        [{"citationID": "C3", "citationItems": [{"id": "z"}], "properties": {"noteIndex": 1}}, [],
         [["C1", 2], ["C2", 3]]],
    ]
    style = '<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0"/>'
    path = tmp_path / "x_Inserted.txt"
    path.write_text(
        ">>===== MODE =====>>\ncitation\n<<===== MODE =====<<\n"
        f">>===== CSL =====>>\n{style}\n<<===== CSL =====<<\n"
        f">>===== INPUT =====>>\n{json.dumps(items)}\n<<===== INPUT =====<<\n"
        f">>===== CITATIONS =====>>\n{json.dumps(calls)}\n<<===== CITATIONS =====<<\n"
        ">>===== RESULT =====>>\n\n<<===== RESULT =====<<\n",
        encoding="utf-8",
    )
    fixture = csl_suite.load_fixture(path)
    assert [(c.items[0].id, c.note_number) for c in fixture.clusters] == [("z", 1), ("x", 2), ("y", 3)]
