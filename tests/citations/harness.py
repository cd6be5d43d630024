"""Differential citation harness: our engine against pandoc's citeproc and citeproc-js.

Every corpus item is cited once (plus the multi-item citations of hard-cases.json) and rendered through
three processors with the same CSL file and locale XML. An entry or citation counts as right when its
normalised text and formatting (see compare.py) equals either reference processor's.

    python tests/citations/harness.py                  # per-style table
    python tests/citations/harness.py --show apa       # also print the mismatches of a style
    python tests/citations/harness.py --styles apa,ieee

citeproc-js needs `npm ci --prefix tests/citations` once (the registry, then offline).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

import pypandoc  # noqa: E402
from citeproc import LOCALES_PATH  # noqa: E402

from publish.cite import cite_document, resolve_style  # noqa: E402
from tests.citations.compare import html_to_marked, marked  # noqa: E402

# A copy of ../shared/citations/dev-corpus.json (see dev-corpus.SOURCES.md), so a clone runs on its own;
# PUBLISH_CORPUS points the harness at other (held-out) references.
CORPUS = Path(os.environ.get("PUBLISH_CORPUS", HERE / "dev-corpus.json"))
HARD_CASES = HERE / "hard-cases.json"
# 63 real works of the kinds the dev corpus lacks (edited books, multi-volume and collected works, chapters in
# single-author collections, theses, translated classics, anonymous works); kinds-corpus.SOURCES.md says where
# each came from. Always rendered with the corpus, like the hard cases.
KINDS = HERE / "kinds-corpus.json"
NODE_MODULES = HERE / "node_modules"

# (style, entries target %, citations target %)
TARGETS = [
    ("apa", 98, 100),
    ("american-medical-association", 98, 100),
    ("nlm-citation-sequence", 98, 100),
    ("elsevier-vancouver", 98, 100),
    ("nature", 98, 100),
    ("chicago-author-date", 95, 98),
    ("harvard-cite-them-right", 95, 98),
    ("ieee", 95, 98),
    ("modern-language-association", 95, 98),
]


@dataclass
class Rendered:
    entries: dict[str, str] = field(default_factory=dict)
    citations: list[str] = field(default_factory=list)


@dataclass
class StyleResult:
    style: str
    entries_total: int
    entries_right: int
    citations_total: int
    citations_right: int
    entries_pandoc: int
    entries_js: int
    mismatches: list[tuple[str, str, str, str]]  # (kind:key, ours, pandoc, citeproc-js)
    seconds: float

    @property
    def entries_pct(self) -> float:
        return 100.0 * self.entries_right / max(self.entries_total, 1)

    @property
    def citations_pct(self) -> float:
        return 100.0 * self.citations_right / max(self.citations_total, 1)


def load_corpus(corpus: Path = CORPUS) -> tuple[list[dict], list[list[str]]]:
    """Items and citations (each item once, then the hard cases' multi-item citations)."""
    items = json.loads(corpus.read_text()) if corpus.exists() else []
    if KINDS.exists() and corpus != KINDS:
        items = items + json.loads(KINDS.read_text())
    groups: list[list[str]] = []
    if HARD_CASES.exists():
        hard = json.loads(HARD_CASES.read_text())
        items = items + hard["items"]
        groups = hard.get("citations", [])
    return items, [[it["id"]] for it in items] + groups


def markdown_for(citations: list[list[str]]) -> str:
    return "\n\n".join("[" + "; ".join(f"@{{{k}}}" for k in group) + "]" for group in citations) + "\n"


def _collect(ast: dict) -> Rendered:
    out = Rendered()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            t = node.get("t")
            if t == "Cite":
                out.citations.append(marked(node["c"][1]))
                return
            if t == "Div" and "csl-entry" in node["c"][0][1]:
                key = node["c"][0][0].removeprefix("ref-")
                blocks = node["c"][1]
                inl = blocks[0]["c"] if blocks and blocks[0]["t"] in ("Para", "Plain") else []
                out.entries[key] = marked(inl)
                return
            walk(node.get("c"))
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(ast["blocks"])
    return out


def render_ours(style: str, items: list[dict], citations: list[list[str]], lang: str = "en-US") -> Rendered:
    text = markdown_for(citations)
    ast = json.loads(pypandoc.convert_text(text, "json", format="markdown"))
    result = cite_document(ast, items, resolve_style(style, ROOT), lang)
    return _collect(result.ast)


def render_pandoc(style: str, items: list[dict], citations: list[list[str]], lang: str = "en-US") -> Rendered:
    with tempfile.TemporaryDirectory() as tmp:
        bib = Path(tmp) / "refs.json"
        bib.write_text(json.dumps(items))
        md = Path(tmp) / "doc.md"
        md.write_text(markdown_for(citations))
        out = subprocess.run(
            [
                pypandoc.get_pandoc_path(),
                str(md),
                "--citeproc",
                "--bibliography",
                str(bib),
                "--csl",
                str(resolve_style(style, ROOT)),
                "-M",
                f"lang={lang}",
                "-t",
                "json",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    return _collect(json.loads(out.stdout))


def _locale_xml(code: str) -> str | None:
    path = Path(LOCALES_PATH) / f"locales-{code}.xml"
    return path.read_text() if path.exists() else None


def render_citeproc_js(
    style: str, items: list[dict], citations: list[list[str]], lang: str = "en-US"
) -> Rendered:
    locales = {code: xml for code in ("en-US", "en-GB", lang) if (xml := _locale_xml(code))}
    job = {
        "style": resolve_style(style, ROOT).read_text(),
        "locales": locales,
        "lang": lang,
        "items": items,
        "citations": [[{"id": k} for k in group] for group in citations],
    }
    out = subprocess.run(
        ["node", str(HERE / "render.js")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE,
    )
    data = json.loads(out.stdout)
    return Rendered(
        entries={k: html_to_marked(v) for k, v in data["entries"].items()},
        citations=[html_to_marked(c) for c in data["citations"]],
    )


def have_citeproc_js() -> bool:
    return (NODE_MODULES / "citeproc").exists()


def run_style(
    style: str, items: list[dict], citations: list[list[str]], *, use_js: bool = True
) -> StyleResult:
    start = time.perf_counter()
    ours = render_ours(style, items, citations)
    pandoc = render_pandoc(style, items, citations)
    js = render_citeproc_js(style, items, citations) if use_js else Rendered()
    mismatches = []
    right = by_pandoc = by_js = 0
    keys = list(pandoc.entries) or list(js.entries)
    for key in keys:
        mine = ours.entries.get(key, "<missing>")
        p, j = pandoc.entries.get(key), js.entries.get(key)
        by_pandoc += mine == p
        by_js += mine == j
        if mine in (p, j):
            right += 1
        else:
            mismatches.append((f"entry:{key}", mine, p or "", j or ""))
    cit_right = 0
    for n, mine in enumerate(ours.citations):
        p = pandoc.citations[n] if n < len(pandoc.citations) else None
        j = js.citations[n] if n < len(js.citations) else None
        if mine in (p, j):
            cit_right += 1
        else:
            mismatches.append((f"citation:{' '.join(citations[n])}", mine, p or "", j or ""))
    return StyleResult(
        style,
        len(keys),
        right,
        len(citations),
        cit_right,
        by_pandoc,
        by_js,
        mismatches,
        time.perf_counter() - start,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--styles", help="comma-separated style names (default: all targets)")
    parser.add_argument("--show", help="print mismatches of these styles (comma-separated, or 'all')")
    parser.add_argument("--limit", type=int, default=40, help="mismatches to print per style")
    args = parser.parse_args(argv)
    styles = args.styles.split(",") if args.styles else [s for s, _, _ in TARGETS]
    show = set(args.show.split(",")) if args.show else set()
    use_js = have_citeproc_js()
    if not use_js:
        msg = "citeproc-js missing: run `npm ci --prefix tests/citations`"
        if os.environ.get("CI") == "true":
            print(msg, file=sys.stderr)
            return 2
        print(msg + " (comparing with pandoc only)", file=sys.stderr)
    items, citations = load_corpus()
    targets = {s: (e, c) for s, e, c in TARGETS}
    total = time.perf_counter()
    print(f"{'style':32} {'entries':>8} {'cites':>8} {'=pandoc':>8} {'=js':>6} {'target':>9} {'secs':>6}")
    ok = True
    for style in styles:
        r = run_style(style, items, citations, use_js=use_js)
        te, tc = targets.get(style, (0, 0))
        passed = r.entries_pct >= te and r.citations_pct >= tc
        ok &= passed
        print(
            f"{style:32} {r.entries_pct:7.1f}% {r.citations_pct:7.1f}% "
            f"{r.entries_pandoc:8d} {r.entries_js:6d} {te:>3}/{tc:<3}"
            f"{'ok' if passed else '!!':>3} {r.seconds:6.1f}"
        )
        if style in show or "all" in show:
            for kind, mine, p, j in r.mismatches[: args.limit]:
                print(f"  {kind}\n    ours   {mine}\n    pandoc {p}\n    js     {j}")
    print(f"total {time.perf_counter() - total:.1f} s, {len(items)} items, {len(citations)} citations")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
