"""publish check's pure parts: locating a finding in the manuscript, template or brand file; folding; the
cache's keys; severity and the exit status; the acknowledgements of publish.yml."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.check import findings as F
from publish.check.cache import CheckCache, output_key
from publish.check.findings import ERROR, WARNING, Finding, Raw, exit_status, fold
from publish.check.locate import Source, heading_at, line_col, locate, manuscript_place
from publish.check.settings import apply, parse
from publish.config import YamlPlaces
from publish.errors import PublishError
from publish.project import Project

TEXT = """---
title: "A handout"
lang: en-GB
---

Intro with ![chart.png](chart.png) inline.

## What to *write* down

Text, then a link: [click here](chart.png).

Setext heading
--------------

![A chart](other.png)

![A chart](other.png)

-----  ---
Tea    yes
Milk   no
-----  ---
"""


def place(where: dict) -> tuple[int, int]:
    at = manuscript_place(TEXT, where)
    assert at is not None, where
    return line_col(TEXT, at)


def test_image_is_found_by_target_and_nth() -> None:
    assert place({"tag": "img", "src": "chart.png", "region": "body"}) == (6, 12)
    assert place({"tag": "img", "src": "other.png", "nth": 0}) == (15, 1)
    assert place({"tag": "img", "src": "other.png", "nth": 1}) == (17, 1)


def test_link_is_found_at_its_own_bracket_not_an_images() -> None:
    """The image before it has the same target: the link's [ is the place, not the image's ![."""
    assert place({"tag": "a", "href": "chart.png", "text": "click here"}) == (10, 20)


def test_headings_atx_with_markup_and_setext() -> None:
    assert place({"tag": "h2", "text": "What to write down"}) == (8, 1)
    assert place({"tag": "h2", "text": "Setext heading"}) == (12, 1)
    assert heading_at("# A\n\n# A\n", "A", 1) == 5


def test_table_is_found_at_its_first_line() -> None:
    assert place({"tag": "table", "cell": "Tea", "text": "Tea yes Milk no"}) == (19, 1)


def test_other_elements_by_their_first_words_across_markup() -> None:
    assert place({"tag": "p", "text": "Text, then a link: click here."}) == (10, 1)
    assert place({"tag": "em", "text": "write"}) == (8, 13)


def test_front_matter_values_are_not_body_text() -> None:
    """'A handout' is the title's value: a body element with those words is not placed in the front matter."""
    assert manuscript_place(TEXT, {"tag": "p", "text": "A handout"}) is None


def _source(tmp_path: Path) -> Source:
    brand = tmp_path / "styles" / "brands" / "b"
    (brand / "templates").mkdir(parents=True)
    (brand / "_brand.yml").write_text('color:\n  palette:\n    grey: "#767676"\n')
    (brand / "templates" / "site.css.j2").write_text("body {}\n.crisis { background: #E4E4E4; }\n")
    html = tmp_path / "styles" / "templates" / "html"
    base = tmp_path / "styles" / "templates" / "base"
    html.mkdir(parents=True)
    base.mkdir(parents=True)
    (html / "article.html.j2").write_text("{% extends 'base.html.j2' %}\n<main>\n")
    (base / "base.html.j2").write_text('<footer>\n  <section class="crisis wide" id="crisis">\n')
    (tmp_path / "manuscript").mkdir()
    return Source("manuscript/x.md", TEXT, brand, (brand / "templates", html, base), "article.html.j2")


def _raw(where: dict | None, rule: str = "image-alt", tool: str = "axe", **kw: str) -> Raw:
    fields = {"severity": ERROR, "message": "image has no alternative text", "output": "build/b/x.html",
              "format": "html", "brand": "b", "context": "375 px", "element": "main > img", "hint": "add one"}
    fields.update(kw)
    return Raw(tool, rule, fields["severity"], fields["message"], fields["output"], fields["format"],
               fields["brand"], fields["context"], fields["element"], where, fields["hint"])


def test_the_line_format(tmp_path: Path) -> None:
    src = _source(tmp_path)
    f = locate(_raw({"tag": "img", "src": "chart.png", "region": "body"}, hint="add a description: ![...](...)"),
               src, tmp_path)
    assert f.line_text() == ("manuscript/x.md:6:12: error: [axe image-alt] image has no alternative text "
                             "(html, b, 375 px); add a description: ![...](...)")


def test_template_element_names_the_template_by_class(tmp_path: Path) -> None:
    src = _source(tmp_path)
    f = locate(_raw({"tag": "section", "region": "template", "cls": "crisis wide", "id": ""}), src, tmp_path)
    assert (f.file, f.line, f.col) == ("styles/templates/base/base.html.j2", 2, 12)


def test_contrast_names_the_brands_own_stylesheet_then_brand_file(tmp_path: Path) -> None:
    src = _source(tmp_path)
    tinted = locate(_raw({"tag": "h2", "region": "template", "colours": ["#e4e4e4", "#767676"]}), src, tmp_path)
    assert (tinted.file, tinted.line) == ("styles/brands/b/templates/site.css.j2", 2)
    plain = locate(_raw({"tag": "h2", "region": "template", "colours": ["#ffffff", "#767676"]}), src, tmp_path)
    assert (plain.file, plain.line, plain.col) == ("styles/brands/b/_brand.yml", 3, 12)


def test_unlocated_finding_names_output_and_element(tmp_path: Path) -> None:
    f = locate(_raw({"tag": "img", "src": "gone.png", "region": "body"}), _source(tmp_path), tmp_path)
    assert f.file == "build/b/x.html" and f.line is None
    assert f.line_text().startswith("build/b/x.html: error: [axe image-alt]")
    assert " at main > img; add one" in f.line_text()


def _found(rule: str = "axe image-alt", brand: str = "default", width: str = "375 px", severity: str = ERROR,
           line: int | None = 4, fmt: str = "html", hint: str = "fix it") -> Finding:
    file = "manuscript/x.md" if line else f"build/{brand}/x.html"
    return Finding(severity, rule, "image has no alternative text", hint, file, line, 1 if line else None,
                   (f"build/{brand}/x.{fmt}",), (fmt,), (brand,), (width,) if width else (), "img")


def test_fold_widths_and_brands_into_one_line_with_a_count() -> None:
    many = [_found(brand=b, width=w) for b in ("riverside", "default") for w in ("1280 px", "320 px", "375 px")]
    (one,) = fold(many)
    assert one.count == 6 and one.brands == ("default", "riverside")
    assert "(html, default, riverside, 320/375/1280 px; 6 times)" in one.line_text()


def test_fold_one_fault_found_by_several_validators() -> None:
    folded = fold([_found("axe heading-order", severity=WARNING, hint="one level"),
                   _found("ace heading-order", severity=WARNING, fmt="epub", width="", hint="one level"),
                   _found("nu heading-order", severity=ERROR, hint="")])
    (one,) = folded
    assert one.rule == "axe/ace/nu heading-order" and one.severity == ERROR and one.hint == "one level"
    assert one.formats == ("html", "epub")


def test_fold_keeps_different_places_and_folds_unlocated_across_brands() -> None:
    assert len(fold([_found(line=4), _found(line=5)])) == 2
    (one,) = fold([_found(line=None, brand="default"), _found(line=None, brand="riverside")])
    assert one.count == 2 and one.brands == ("default", "riverside")


def test_severity_and_strict() -> None:
    warning = _found(severity=WARNING)
    assert exit_status([warning], strict=False) == 0
    assert exit_status([warning], strict=True) == 1
    assert exit_status([_found()], strict=False) == 1
    assert exit_status([_found()._replace(reason="checked by hand")], strict=True) == 0
    assert warning.line_text(strict=True).split(": ")[1] == "error"


def test_acknowledgements_by_rule_and_file_only() -> None:
    places = YamlPlaces.parse("check:\n  acknowledge:\n    - rule: axe image-alt\n      file: manuscript/x.md\n"
                              "      reason: described in the caption\n    - rule: axe color-contrast\n"
                              "      file: manuscript/y.md\n      reason: gone\n")
    acks = parse({"acknowledge": [{"rule": "axe image-alt", "file": "manuscript/x.md",
                                   "reason": "described in the caption"},
                                  {"rule": "axe color-contrast", "file": "manuscript/y.md", "reason": "gone"}]},
                 places)
    other_file = _found()._replace(file="manuscript/z.md")
    out, stale = apply([_found(), other_file, _found("axe/nu image-alt", line=9)], acks)
    assert out[0].reason == "described in the caption" and out[1].reason == "" and out[2].reason
    assert "acknowledged: described in the caption" in out[0].line_text()
    assert [(w.file, w.line) for w in stale] == [("publish.yml", 6)]
    assert exit_status(out, strict=False) == 1  # the other file's finding still counts


def test_acknowledgement_needs_rule_file_and_reason_with_its_place() -> None:
    text = "check:\n  acknowledge:\n    - rule: axe image-alt\n      reason: because\n"
    with pytest.raises(PublishError) as info:
        parse({"acknowledge": [{"rule": "axe image-alt", "reason": "because"}]}, YamlPlaces.parse(text))
    assert info.value.format().startswith("publish.yml:3:7: error: acknowledgement without file")


def test_cache_keys_by_content_and_assets(tmp_path: Path) -> None:
    project = Project(tmp_path)
    page = tmp_path / "build" / "b" / "x.html"
    (page.parent / "assets").mkdir(parents=True)
    css = page.parent / "assets" / "site.css"
    css.write_text("body { color: black }")
    page.write_text('<link rel="stylesheet" href="assets/site.css"><p>hi</p>')
    key = output_key(page, "v1")
    assert output_key(page, "v1") == key and output_key(page, "v2") != key
    css.write_text("body { color: grey }")
    assert output_key(page, "v1") != key  # a changed stylesheet re-checks the page
    key = output_key(page, "v1")
    cache = CheckCache(project)
    raw = _raw({"tag": "img", "src": "a.png"})
    cache.put("build/b/x.html", key, [raw])
    cache.put("build/b/gone.html", "k", [])
    cache.save(keep=["build/b/x.html"])
    again = CheckCache(project)
    assert again.get("build/b/x.html", key) == [raw]
    assert again.get("build/b/x.html", "other") is None
    assert "build/b/gone.html" not in again.entries  # let go with its output


def test_raw_round_trips_as_json() -> None:
    raw = _raw({"tag": "img", "nth": 2})
    assert F.Raw.from_json(raw.to_json()) == raw


def test_fold_one_fault_named_differently_by_validators_and_editions() -> None:
    """axe's svg-img-alt and the PDF's figure without /Alt at one place are one fault; an unplaced finding
    of both editions of a PDF is one line."""
    (one,) = fold([_found("axe svg-img-alt"), _found("pdf figure-alt", fmt="pdf", width="")])
    assert one.rule == "axe/pdf svg-img-alt" and one.formats == ("html", "pdf")
    unplaced = [_found("pdf tagged", line=None, fmt="pdf", width="")._replace(file=f"build/default/x{e}.pdf")
                for e in ("", ".large-print")]
    assert len(fold(unplaced)) == 1


def test_raw_html_images_without_a_description_are_the_pdfs_bare_figures() -> None:
    from publish.check.pdf import _undescribed

    class Doc:
        ast = {"blocks": [
            {"t": "RawBlock", "c": ["html", '<svg role="img"><title>A chart</title></svg>']},
            {"t": "RawBlock", "c": ["html", '<svg role="img"><rect/></svg>']},
            {"t": "Para", "c": [{"t": "RawInline", "c": ["html", '<img src="a.png">']}]},
            {"t": "RawBlock", "c": ["html", '<svg aria-label="Sleep, by night"></svg>']},
        ]}

    assert _undescribed(Doc()) == [{"tag": "svg", "nth": 1}, {"tag": "img", "nth": 0}]
    text = "---\ntitle: x\n---\n\n<svg role=\"img\"><title>A</title></svg>\n\n<svg role=\"img\"><rect/></svg>\n"
    at = manuscript_place(text, {"tag": "svg", "nth": 1, "region": "body"})
    assert at is not None and line_col(text, at) == (7, 1)


def test_missing_tools_are_one_line_naming_them_and_the_apt_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from publish.check import tools

    monkeypatch.setattr(tools, "_chromium", lambda: None)
    monkeypatch.setattr(tools.shutil, "which", lambda name: None if name == "java" else f"/usr/bin/{name}")
    with pytest.raises(PublishError) as info:
        tools.ensure(lambda line: None)
    assert info.value.format() == (
        "error: publish check needs Java (EPUBCheck, the Nu Html Checker), Chromium (axe-core, Ace); "
        "install them: sudo apt-get install default-jre-headless chromium")


def test_tools_live_in_a_folder_named_by_the_lock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from publish.check import tools

    monkeypatch.setenv("PUBLISH_TOOLS", str(tmp_path))
    assert tools.tools_home() == tmp_path / tools.lock_digest()
    assert not tools.npm_installed()
    assert tools.lock_digest() in tools.versions()
