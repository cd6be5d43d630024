"""The built HTML pages, read as files: valid (Nu Html Checker), complete (head metadata, JSON-LD,
contents, citations <-> bibliography, footer), offline (every asset local and present), and the
contrast gate refusing a brand from the command line."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from publish.brand import load_brand
from tests.conftest import copy_project, require_cmd, require_node_module, run_publish
from tests.projects import BRANDS as BRAND_DIR
from tests.projects import brand_names, manuscript_stems

pytestmark = pytest.mark.e2e

BRANDS = brand_names()
STEMS = manuscript_stems()


class Page(HTMLParser):
    """Just enough of a DOM: every start tag with its attributes, ids, and the text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script: dict[str, str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "script":
            self._script = a

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts.append((self._script, data))
        else:
            self.text.append(data)

    def all(self, tag: str, **want: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in want.items())]

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if "id" in a}

    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def read(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


# --- validity -------------------------------------------------------------------------------------------

def test_every_page_is_valid_html(seed_build: Path) -> None:
    """Nu Html Checker: zero errors for every built page, index pages included."""
    jar = require_node_module("vnu-jar") / "build" / "dist" / "vnu.jar"
    java = require_cmd("java")
    pages = sorted(p for p in seed_build.glob("*/*.html") if p.parent.name != "reports")
    assert len(pages) == len(BRANDS) * (len(STEMS) + 1), pages
    proc = subprocess.run([java, "-jar", str(jar), "--format", "json", "--errors-only", *map(str, pages)],
                          capture_output=True, text=True, timeout=120)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages
              if m.get("type") in ("error", "non-document-error")]
    assert not errors, "\n".join(errors)


# --- the article page ------------------------------------------------------------------------------------

@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("brand_name", BRANDS)
def test_article_page(seed_build: Path, brand_name: str, stem: str) -> None:
    brand = load_brand(BRAND_DIR / brand_name)
    page = read(seed_build / brand_name / f"{stem}.html")
    html = page.all("html")[0]
    assert re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$", html["lang"])
    assert page.all("meta", name="description")[0]["content"]
    assert page.all("meta", property="og:title")[0]["content"]
    assert page.all("link", rel="stylesheet")[0]["href"] == "assets/site.css"

    # header: logo with the brand's alt text, clinic name linking home
    logo = page.all("img", **{"class": "brand-logo"})
    assert logo and logo[0]["alt"] == brand.logo_alt
    assert page.all("a", **{"class": "brand"})[0]["href"] == (brand.home or "index.html")
    assert brand.full_name in page.plain()

    # contents: every entry points at a heading on the page
    ids = page.ids()
    toc = [a["href"] for t, a in page.tags if t == "a" and a.get("href", "").startswith("#")]
    assert toc, "no in-page links"
    for href in toc:
        assert href[1:] in ids, f"link to missing id {href}"

    # citations link to their entries, entries link back to every citation
    cites = [a for a in page.all("a") if a.get("href", "").startswith("#ref-")]
    backs = [a for a in page.all("a") if "backref" in a.get("class", "").split()]
    assert cites and backs
    assert {a["id"] for a in cites} == {a["href"][1:] for a in backs}
    for a in backs:
        assert a.get("role") == "doc-backlink"

    # DOIs are links
    dois = [a["href"] for a in page.all("a") if "doi.org/10." in a.get("href", "")]
    assert dois, "no DOI links"

    # schema.org JSON-LD: a MedicalWebPage with the bibliography as citations
    (data,) = [json.loads(text) for attrs, text in page.scripts if attrs.get("type") == "application/ld+json"]
    assert data["@type"] == "MedicalWebPage"
    assert data["citation"] and len(data["citation"]) == len([a for a in page.all("div") if "csl-entry" in
                                                               a.get("class", "")])
    assert data["publisher"]["name"] == brand.full_name

    # no scripts besides the JSON-LD: the page needs no JavaScript
    assert all(a.get("type") == "application/ld+json" for a in page.all("script"))

    # footer: contact details, disclaimer, crisis notice when the brand has one
    d = brand.details
    text = page.plain()
    for key in ("address", "phone", "email", "disclaimer"):
        if d[key]:
            assert " ".join(d[key].split()) in text, key
    assert ("In a crisis" in text) == bool(d["crisis"])
    assert ("Sample brand" in text) == brand.is_sample


@pytest.mark.parametrize("brand_name", BRANDS)
def test_pages_are_offline(seed_build: Path, brand_name: str) -> None:
    """Every stylesheet, image and font a page uses is a relative path to a file in the build."""
    folder = seed_build / brand_name
    for html in folder.glob("*.html"):
        page = read(html)
        for tag, attr in (("link", "href"), ("img", "src"), ("script", "src"), ("source", "src")):
            for a in page.all(tag):
                if tag == "link" and a.get("rel") == "canonical":
                    continue
                if attr in a:
                    assert not re.match(r"^[a-z]+:|^//", a[attr]), f"{html.name}: external {tag} {a[attr]}"
                    assert (folder / a[attr]).is_file(), f"{html.name}: {a[attr]} missing"
    css = (folder / "assets" / "site.css").read_text()
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    assert urls, "no @font-face in the stylesheet"
    for url in urls:
        assert not re.match(r"^[a-z]+:|^//", url), url
        assert (folder / "assets" / url).is_file(), url
    assert "@import" not in css


@pytest.mark.parametrize("brand_name", BRANDS)
def test_index_lists_every_manuscript(seed_build: Path, brand_name: str) -> None:
    page = read(seed_build / brand_name / "index.html")
    hrefs = {a["href"] for a in page.all("a")}
    for stem in STEMS:
        for ext in ("html", "pdf", "epub"):
            assert f"{stem}.{ext}" in hrefs
            assert (seed_build / brand_name / f"{stem}.{ext}").is_file()
    assert page.all("html")[0]["lang"]
    assert page.all("meta", name="description")


# --- built in a throwaway project --------------------------------------------------------------------

HANDOUT = """---
title: "Sleep & Worry <Test>"
description: "A short handout."
lang: en-GB
base-url: https://library.example.org/
---

Some text.

## Part one

More text.
"""


def _project(tmp_path: Path) -> Path:
    project = copy_project(tmp_path / "p", manuscripts=[])
    (project / "manuscript" / "handout.md").write_text(HANDOUT, encoding="utf-8")
    return project


def test_canonical_and_escaping_with_base_url(tmp_path: Path) -> None:
    project = _project(tmp_path)
    run_publish(project, "--format", "html")
    text = (project / "build" / "default" / "handout.html").read_text()
    page = Page(text)
    url = "https://library.example.org/default/handout.html"
    assert page.all("link", rel="canonical")[0]["href"] == url
    assert page.all("meta", property="og:url")[0]["content"] == url
    assert page.all("meta", property="og:title")[0]["content"] == "Sleep & Worry <Test>"
    assert "<Test>" not in text  # autoescaped
    assert page.all("html")[0]["lang"] == "en-GB"
    (ld,) = [json.loads(t) for a, t in page.scripts if a.get("type") == "application/ld+json"]
    assert ld["url"] == url and ld["citation"] == []


def test_brand_failing_contrast_is_refused(tmp_path: Path) -> None:
    """A brand whose body text fails WCAG AA: exit 1, a message naming the colours and the ratio, and
    nothing built for that brand (the other brand still builds)."""
    project = _project(tmp_path)
    brand_file = project / "styles" / "brands" / "riverside" / "_brand.yml"
    text = brand_file.read_text()
    assert 'bark: "#2b2118"' in text
    brand_file.write_text(text.replace('bark: "#2b2118"', 'bark: "#a8a29a"'))
    proc = run_publish(project, "--format", "html", check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    err = proc.stderr
    assert "riverside" in err and "contrast" in err
    assert "#a8a29a" in err and "#fbf7ef" in err and re.search(r"\d\.\d\d:1", err), err
    assert "_brand.yml" in err
    assert not (project / "build" / "riverside").exists()
    assert (project / "build" / "default" / "handout.html").is_file()


