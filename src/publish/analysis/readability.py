"""Reading level of a handout's body text: textstat's formulas, chosen by the document's language.

Health services grade patient material with SMOG (the AMA advises about a 6th-grade level, the NIH
below 8th), so SMOG is the grade an English handout is held to; Flesch-Kincaid and Flesch Reading
Ease are reported beside it because authors meet them in their word processors. Other languages get
the formulas textstat has for them, never the English ones: their syllables, words and sentences
differ, and an English grade for a German text is a wrong number that looks right. A language with
no formula is reported as such (:data:`FORMULAS` is the table the README lists).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Warning_
from .syllables import save_memo, textstat_for
from .text import body_units

if TYPE_CHECKING:
    from textstat.textstat import textstatistics

    from ..document import Document

#: How textstat finds sentences (``count_sentences``), reused to mark them in the report.
SENTENCE = re.compile(r"\b[^.!?]+[.!?]*", re.UNICODE)


@dataclass(frozen=True)
class Formula:
    """One readability formula: its name, whether it gives a school grade or an ease score, and textstat's
    function for it."""

    name: str
    kind: str  # "grade": school years, higher is harder; "ease": 0-100, higher is easier
    compute: Callable[[textstatistics, str], float]


_SMOG = Formula("SMOG", "grade", lambda ts, text: ts.smog_index(text))
_FKGL = Formula("Flesch-Kincaid grade", "grade", lambda ts, text: ts.flesch_kincaid_grade(text))
_FRE = Formula("Flesch Reading Ease", "ease", lambda ts, text: ts.flesch_reading_ease(text))

#: Language (BCP 47 primary subtag) -> its formulas; the first "grade" formula is the one a target checks.
#: textstat's Flesch Reading Ease takes each language's own constants: Amstad (de), Kandel & Moles (fr),
#: Flesch-Vacca (it), Flesch-Douma (nl), Oborneva (ru).
FORMULAS: dict[str, tuple[Formula, ...]] = {
    "en": (_SMOG, _FKGL, _FRE),
    "es": (Formula("Crawford", "grade", lambda ts, text: ts.crawford(text)),
           Formula("Fernández Huerta", "ease", lambda ts, text: ts.fernandez_huerta(text)),
           Formula("Szigriszt-Pazos", "ease", lambda ts, text: ts.szigriszt_pazos(text))),
    "de": (Formula("Wiener Sachtextformel", "grade", lambda ts, text: ts.wiener_sachtextformel(text, 1)),
           Formula("Flesch Reading Ease (Amstad)", "ease", lambda ts, text: ts.flesch_reading_ease(text))),
    "fr": (Formula("Flesch Reading Ease (Kandel & Moles)", "ease", lambda ts, text: ts.flesch_reading_ease(text)),),
    "it": (Formula("Gulpease", "ease", lambda ts, text: ts.gulpease_index(text)),
           Formula("Flesch Reading Ease (Flesch-Vacca)", "ease", lambda ts, text: ts.flesch_reading_ease(text))),
    "nl": (Formula("Flesch Reading Ease (Flesch-Douma)", "ease", lambda ts, text: ts.flesch_reading_ease(text)),),
    "ru": (Formula("Flesch Reading Ease (Oborneva)", "ease", lambda ts, text: ts.flesch_reading_ease(text)),),
}


@dataclass(frozen=True)
class Score:
    formula: str
    kind: str
    value: float


@dataclass(frozen=True)
class Readability:
    """The figures for one handout's body text (JSON-ready through :meth:`as_dict`)."""

    lang: str
    words: int
    sentences: int
    words_per_sentence: float
    #: words of three or more syllables, and their share of all words (None: no syllable rules for the language)
    polysyllables: int | None
    polysyllable_share: float | None
    scores: tuple[Score, ...]
    #: why there is no score, when there is none
    note: str | None = None

    @property
    def grade(self) -> Score | None:
        """The school grade a target is checked against (SMOG for English)."""
        return next((s for s in self.scores if s.kind == "grade"), None)

    def score(self, formula: str) -> float | None:
        return next((s.value for s in self.scores if s.formula == formula), None)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["scores"] = [asdict(s) for s in self.scores]
        data["grade"] = asdict(self.grade) if self.grade else None
        return data


def locale(lang: str) -> str:
    """``en-US`` -> ``en_US``, the locale id textstat and pyphen take."""
    parts = lang.replace("_", "-").split("-")
    return "_".join([parts[0].lower(), *(p.upper() for p in parts[1:2] if len(p) == 2)])


def prose(units: list[str]) -> str:
    """The units as one text for textstat, each ending in a full stop so that it counts as a sentence."""
    return "\n".join(u if u.rstrip()[-1:] in (".", "!", "?") else u.rstrip() + "." for u in units)


def _has_syllable_rules(loc: str) -> bool:
    if loc.split("_")[0] == "en":
        return True
    import pyphen

    return pyphen.language_fallback(loc) is not None


def _r(value: float) -> float:
    return round(value, 2)


def analyse(doc: Document) -> Readability:
    """Reading-level figures for the body text of a cited document."""
    return analyse_units(body_units(doc.ast), doc.settings.lang)


def analyse_units(units: list[str], lang: str) -> Readability:
    """The figures for prose already taken out of a document (tests and other callers start here)."""
    loc = locale(lang)
    root = loc.split("_")[0]
    ts = textstat_for(loc)
    text = prose(units)
    words = ts.lexicon_count(text) if text else 0
    sentences = ts.sentence_count(text) if text else 0
    wps = _r(words / sentences) if sentences else 0.0
    poly: int | None = None
    share: float | None = None
    if words and _has_syllable_rules(loc):
        poly = ts.polysyllabcount(text)
        share = round(poly / words, 4)
    formulas = FORMULAS.get(root, ())
    note = None
    if not words:
        note = "no body text to score"
    elif not formulas:
        note = f"textstat has no reading-level formula for the language '{lang}'"
    scores = tuple(Score(f.name, f.kind, _r(f.compute(ts, text))) for f in formulas) if words else ()
    save_memo()
    return Readability(lang, words, sentences, wps, poly, share, scores, note)


def check_grade(result: Readability, target: float | None, source: str | Path) -> Warning_ | None:
    """One warning when the handout reads above its target grade (``--strict`` makes it an error)."""
    grade = result.grade
    if target is None or grade is None or round(grade.value, 1) <= target:
        return None
    stem = Path(source).stem
    return Warning_(
        f"reading grade {grade.value:.1f} ({grade.formula}), target {target:g}",
        file=str(source),
        hint=f"shorter sentences and plainer words lower it: see build/reports/{stem}.readability.html",
    )
