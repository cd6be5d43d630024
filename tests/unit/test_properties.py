"""Property-based tests: random Markdown, citation syntax and CSL-JSON end in output or a clean error.

"Clean" means a PublishError (one line for the user); any other exception is a traceback a clinic
would see, and fails the test.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publish.cite import cite_document, load_references, resolve_style
from publish.errors import PublishError
from publish.manuscript import load_manuscript
from tests.projects import SEED_REFERENCES

ROOT = Path(__file__).resolve().parents[2]
STYLE = resolve_style("apa", ROOT)
NUMERIC = resolve_style("ieee", ROOT)
SEED_REFS = json.loads(SEED_REFERENCES.read_text(encoding="utf-8"))
KEYS = [r["id"] for r in SEED_REFS]

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

md_chars = st.sampled_from(list("ab c@[]-;,.:*_#>`\\'\"{}()!\n") + ["p. 33", "chap. 2", "@beck2011", "“", "—"])
markdown = st.lists(md_chars, max_size=80).map("".join)

citation = st.builds(
    lambda prefix, suppress, key, locator, suffix, bracket: (
        f"[{prefix}{'-' if suppress else ''}@{key}{locator}{suffix}]" if bracket else f"@{key}{suffix}"
    ),
    st.sampled_from(["", "see ", "cf. ", "e.g., "]),
    st.booleans(),
    st.sampled_from(KEYS),
    st.sampled_from(["", ", p. 33", ", pp. 3-5", ", chap. 2", ", sec. 4", ", 12", ", para. 3", ", figure 2"]),
    st.sampled_from(["", " and elsewhere", ", emphasis added", "; @beck2011", "; @rogers1961, p. 4"]),
    st.booleans(),
)


def _write(tmp: Path, body: str, extra_meta: str = "") -> Path:
    ms = tmp / "m.md"
    ms.write_text(f"---\ntitle: T\n{extra_meta}---\n\n{body}\n", encoding="utf-8")
    return ms


@SETTINGS
@given(body=markdown)
def test_random_markdown_parses_or_fails_cleanly(tmp_path_factory, body: str) -> None:
    tmp = tmp_path_factory.mktemp("md")
    try:
        ms = load_manuscript(_write(tmp, body))
        cite_document(ms.ast, SEED_REFS, STYLE, "en-US", source_text=ms.text, source_path=ms.path)
    except PublishError as exc:
        assert "\n" not in exc.format()


@SETTINGS
@given(cites=st.lists(citation, min_size=1, max_size=6), style=st.sampled_from([STYLE, NUMERIC]))
def test_random_citation_syntax_renders(tmp_path_factory, cites: list[str], style: Path) -> None:
    tmp = tmp_path_factory.mktemp("cite")
    # (a line starting "@key." would be pandoc example-list syntax, not a citation)
    ms = load_manuscript(_write(tmp, "As said, " + " text ".join(cites) + "."))
    result = cite_document(ms.ast, SEED_REFS, style, "en-US", source_text=ms.text, source_path=ms.path)
    assert "Cite" in json.dumps(result.ast)


name = st.fixed_dictionaries(
    {}, optional={"family": st.text(max_size=12), "given": st.text(max_size=12), "literal": st.text(max_size=12)}
)
date = st.one_of(
    st.fixed_dictionaries({"date-parts": st.lists(st.lists(st.integers(-5, 3000), max_size=3), max_size=2)}),
    st.fixed_dictionaries({"literal": st.text(max_size=10)}),
    st.fixed_dictionaries({"raw": st.text(max_size=10)}),
)
item = st.fixed_dictionaries(
    {"id": st.text(alphabet="abcxyz0123", min_size=1, max_size=6),
     "type": st.sampled_from(["book", "article-journal", "chapter", "webpage", "report", "thesis", "nonsense"])},
    optional={
        "title": st.text(max_size=30),
        "container-title": st.text(max_size=20),
        "author": st.lists(name, max_size=4),
        "editor": st.lists(name, max_size=2),
        "issued": date,
        "page": st.text(max_size=8),
        "volume": st.text(max_size=4),
        "DOI": st.text(max_size=15),
        "URL": st.text(max_size=15),
        "edition": st.one_of(st.text(max_size=3), st.integers(0, 20)),
        "publisher": st.text(max_size=15),
    },
)


@SETTINGS
@given(items=st.lists(item, min_size=1, max_size=6), style=st.sampled_from([STYLE, NUMERIC]))
def test_random_csl_json_renders_or_fails_cleanly(tmp_path_factory, items: list[dict], style: Path) -> None:
    tmp = tmp_path_factory.mktemp("csl")
    bib = tmp / "refs.json"
    bib.write_text(json.dumps(items), encoding="utf-8")
    try:
        refs = load_references(bib)
        ms = load_manuscript(_write(tmp, "Text.", "nocite: '@*'\n"))
        cite_document(ms.ast, refs, style, "en-US", source_text=ms.text, source_path=ms.path)
    except PublishError as exc:
        assert "\n" not in exc.format()
