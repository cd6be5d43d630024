"""The author's reading-level report: ``reports/<stem>.readability.html`` and ``.json`` (paths in build/).

A grade alone does not tell an author what to change. The page shows the figures against the target,
then the body text as the formulas saw it, with the sentences that weigh most marked where they stand
(the longest, and those with the most words of three or more syllables: SMOG counts exactly those),
then plainer words for listed terms the text uses. The JSON holds the same for tools.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .plain_words import SOURCE, Suggestion, suggestions
from .readability import SENTENCE, Readability, locale
from .syllables import cache_dir, save_memo, textstat_for
from .text import body_units

if TYPE_CHECKING:
    import jinja2

    from ..document import Document

#: How many sentences each measure marks.
HEAVIEST = 3


@dataclass(frozen=True)
class Sentence:
    unit: int
    start: int
    end: int
    text: str
    words: int
    polysyllables: int | None
    reasons: tuple[str, ...] = ()


def sentences(units: list[str], lang: str, syllables: bool) -> list[Sentence]:
    """Every sentence of the units (split as textstat splits them), with its words and long words."""
    ts = textstat_for(locale(lang))
    out: list[Sentence] = []
    for i, unit in enumerate(units):
        for m in SENTENCE.finditer(unit):
            text = m.group(0).strip()
            words = ts.lexicon_count(text)
            if words:
                poly = ts.polysyllabcount(text) if syllables else None
                out.append(Sentence(i, m.start(), m.start() + len(m.group(0).rstrip()), text, words, poly))
    return out


def heaviest(all_sentences: list[Sentence]) -> list[Sentence]:
    """The longest and the most polysyllabic sentences (``HEAVIEST`` of each), in reading order; only those
    above the text's own average, so that a short, plain text has nothing marked for the sake of it."""
    reasons: dict[int, list[str]] = {}
    candidates = [(n, s) for n, s in enumerate(all_sentences) if s.words > 2]
    if not candidates:
        return []
    mean_words = sum(s.words for _, s in candidates) / len(candidates)
    mean_poly = sum(s.polysyllables or 0 for _, s in candidates) / len(candidates)
    long = [(n, s) for n, s in candidates if s.words > mean_words]
    for n, s in sorted(long, key=lambda ns: (-ns[1].words, ns[0]))[:HEAVIEST]:
        reasons.setdefault(n, []).append(f"{s.words} words")
    poly = [(n, s) for n, s in candidates if (s.polysyllables or 0) >= 2 and (s.polysyllables or 0) > mean_poly]
    for n, s in sorted(poly, key=lambda ns: (-(ns[1].polysyllables or 0), ns[0]))[:HEAVIEST]:
        reasons.setdefault(n, []).append(f"{s.polysyllables} words of 3+ syllables")
    return [Sentence(**{**asdict(all_sentences[n]), "reasons": tuple(r)}) for n, r in sorted(reasons.items())]


Run = tuple[str, int, tuple[str, ...]]


def _paragraphs(units: list[str], marked: list[Sentence]) -> list[list[Run]]:
    """Each unit as runs of (text, number of the marked sentence or 0, why it is marked)."""
    by_unit: dict[int, list[tuple[int, Sentence]]] = {}
    for n, s in enumerate(marked, 1):
        by_unit.setdefault(s.unit, []).append((n, s))
    out: list[list[Run]] = []
    for i, unit in enumerate(units):
        runs: list[Run] = []
        at = 0
        for n, s in by_unit.get(i, []):
            if s.start > at:
                runs.append((unit[at:s.start], 0, ()))
            runs.append((unit[s.start:s.end], n, s.reasons))
            at = s.end
        if at < len(unit):
            runs.append((unit[at:], 0, ()))
        out.append(runs)
    return out


@functools.cache
def _template() -> jinja2.Template:
    import jinja2

    # Compiling the template costs more than the analysis; Jinja2 keeps the compiled code in the user's
    # cache, keyed by the template's source (a cache that cannot be written is just not used).
    bytecode = None
    with contextlib.suppress(OSError):
        folder = cache_dir() / "jinja"
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            bytecode = jinja2.FileSystemBytecodeCache(str(folder))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parents[1] / "data"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, bytecode_cache=bytecode, auto_reload=False)
    return env.get_template("readability.html.j2")


def report_data(doc: Document, result: Readability, target: float | None) -> tuple[dict[str, Any], list[str],
                                                                             list[Sentence]]:
    """What the report says, as JSON-ready data; with the body's units and the marked sentences for the page."""
    units = body_units(doc.ast)
    marked = heaviest(sentences(units, result.lang, result.polysyllables is not None))
    grade = result.grade
    data = {
        "stem": doc.stem,
        "title": doc.settings.title,
        "target": target,
        "above_target": None if target is None or grade is None else round(grade.value, 1) > target,
        "readability": result.as_dict(),
        "heaviest": [{"text": s.text, "words": s.words, "polysyllables": s.polysyllables, "reasons": list(s.reasons)}
                     for s in marked],
        "plain_words": {"source": SOURCE,
                        "suggestions": [asdict(s) for s in suggestions(units, result.lang)]},
    }
    return data, units, marked


def render_report(doc: Document, result: Readability, target: float | None) -> dict[str, bytes]:
    """The report's files, by path relative to build/."""
    data, units, marked = report_data(doc, result, target)
    html = _template().render(
        data=data, result=result, grade=result.grade, lang=doc.settings.lang,
        paragraphs=_paragraphs(units, marked),
        suggestions=[Suggestion(**s) for s in data["plain_words"]["suggestions"]], source=SOURCE,
    )
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    save_memo()
    base = f"reports/{doc.stem}.readability"
    return {f"{base}.html": html.encode("utf-8"), f"{base}.json": text.encode("utf-8")}
