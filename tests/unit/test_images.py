"""Images: a missing description is an error at its place in the manuscript; a decorative image is
marked for every format; the e-book's accessibility metadata is read from what the book contains."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.errors import PublishError
from publish.formats.epub_package import PackageInfo, finish, image_facts
from publish.pandoc import ast_to, markdown_to_ast
from publish.resources import check_alt_text, decorative_as_backgrounds, mark_decorative

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "images"


def _check(text: str) -> None:
    check_alt_text(mark_decorative(markdown_to_ast(text)), Path("m.md"), text)


def _error(text: str) -> PublishError:
    with pytest.raises(PublishError) as info:
        _check(text)
    return info.value


@pytest.mark.parametrize("text, line, col", [
    ("Text.\n\n![](a.png)\n", 3, 1),
    ("Text.\n\nSee ![ ](a.png \"a title\") here.\n", 3, 5),
    ("![A cat](a.png)\n\nAgain: ![](a.png)\n", 3, 8),  # the second use of the same file, not the first
    ("Text ![][pic].\n\n[pic]: a.png\n", 3, 8),  # reference style: where the file is named
    ("Text ![](data:image/png;base64,iVBORw0KGgo=).\n", 1, 6),
])
def test_an_image_without_a_description_is_an_error_at_its_place(text: str, line: int, col: int) -> None:
    exc = _error(text)
    assert (exc.file, exc.line, exc.col) == ("m.md", line, col)
    assert "has no alternative text" in exc.message and "{.decorative}" in (exc.hint or "")
    assert exc.format().startswith(f"m.md:{line}:{col}: error: image ")


def test_raw_html_images_need_alt_too() -> None:
    exc = _error('Text.\n\n<img src="a.png">\n')
    assert (exc.line, exc.col) == (3, 1) and "a.png" in exc.message
    assert _error("Text <img src='b.png' alt=' '> here.\n").line == 1
    _check('Text <img src="a.png" alt="A cat"> here.\n')


def test_described_and_decorative_images_pass() -> None:
    _check("![A cat asleep](a.png)\n\nText ![](line.png){.decorative} and ![Bold *cat*](b.png).\n")


def test_decorative_images_are_hidden_in_html() -> None:
    ast = mark_decorative(markdown_to_ast(
        'Text ![ignored words](line.png){.decorative role="presentation" aria-label="a line"} ![A cat](a.png).\n'))
    html = " ".join(ast_to("html5", ast, what="test").decode().split())  # pandoc wraps long tags
    # alt="" is the presentation role; aria-hidden="true" what WAI-ARIA calls its equivalent on an img, and
    # the one explicit mark the Nu checker accepts beside alt="" (resources.mark_decorative says why)
    assert '<img src="line.png" class="decorative" alt="" aria-hidden="true" />' in html
    assert "ignored words" not in html and "role=" not in html and "a line" not in html
    assert '<img src="a.png" alt="A cat" />' in html


def test_decorative_images_become_backgrounds_for_the_pdf() -> None:
    html = ('<p>Text <img src="divider.png" class="decorative" alt="" /> and <img src="chart.png" alt="A chart" />'
            ' <img src="x.png" class="not-decorative" alt="" /></p>')
    out = decorative_as_backgrounds(html, FIXTURES)
    assert '<img src="chart.png" alt="A chart" />' in out  # a described image stays a tagged figure
    assert "<img src=\"divider.png\"" not in out
    assert '<img src="x.png" class="not-decorative" alt="" />' in out  # only the class says decorative
    assert ('<span class="decorative" style="display: inline-block; width: 40px; '
            "height: 10px; max-width: 100%; background: url('divider.png') center / contain no-repeat\"></span>"
            ) in out


PAGE = ('<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" lang="en">'
        "<head><title>t</title></head><body>{body}</body></html>")
OPF = ('<package><metadata>\n    <meta property="schema:accessibilityFeature">alternativeText</meta>'
       '\n  </metadata><manifest>\n</manifest></package>')


def _opf(*bodies: str) -> str:
    files = {"EPUB/content.opf": OPF.encode(), "EPUB/nav.xhtml": PAGE.format(body="").encode()}
    for n, body in enumerate(bodies, 1):
        files[f"EPUB/text/ch{n:03d}.xhtml"] = PAGE.format(body=body).encode()
    out = finish(files, PackageInfo(cover_alt="Cover", certified_by="Clinic", summary="Summary."))
    return out["EPUB/content.opf"].decode()


def test_epub_metadata_follows_the_images_the_book_has() -> None:
    described = '<p><img src="a.png" alt="A chart" /></p>'
    decorative = '<p><img src="b.png" class="decorative" alt="" /></p>'
    assert image_facts({"x.xhtml": (described + decorative).encode(), "y.css": b"<img>"}) == (1, 1, 0)

    text_only = _opf("<p>Words.</p>", decorative)
    assert "alternativeText" not in text_only and ">visual<" not in text_only
    assert "Decorative images are marked" in text_only and "Every image" not in text_only
    assert "WCAG 2.1 Level AA" in text_only

    pictured = _opf(described)
    assert '<meta property="schema:accessibilityFeature">alternativeText</meta>' in pictured
    assert '<meta property="schema:accessMode">visual</meta>' in pictured
    assert "Every image has a text alternative." in pictured

    undescribed = _opf(described, '<p><img src="c.png" /></p>')
    assert "alternativeText" not in undescribed and "conformsTo" not in undescribed
    assert '<meta property="schema:accessModeSufficient">textual,visual</meta>' in undescribed
