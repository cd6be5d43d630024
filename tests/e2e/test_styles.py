"""Citations in all nine styles the clinics use render through `publish build` with `csl:` in the front matter."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lxml_html

from tests.conftest import copy_project, run_publish
from tests.projects import SEED

STYLES = ["apa", "american-medical-association", "nlm-citation-sequence", "elsevier-vancouver", "nature",
          "chicago-author-date", "harvard-cite-them-right", "ieee", "modern-language-association"]

# Their CSL citation layouts print no locator (pandoc's citeproc appends one anyway; the spec does not).
NO_LOCATOR = {"elsevier-vancouver", "nature", "nlm-citation-sequence"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("styles"), manuscripts=["references.json"])
    seed = SEED.read_text(encoding="utf-8")
    for style in STYLES:
        text = seed.replace("csl: apa", f"csl: {style}")
        text += "\nAs @rogers1961 [p. 33] put it, and elsewhere [see @beck2011, chap. 2; -@neff2003].\n"
        (project / "manuscript" / f"{style}.md").write_text(text, encoding="utf-8")
    run_publish(project, "--format", "html", "--brand", "default")
    return project / "build" / "default"


@pytest.mark.parametrize("style", STYLES)
def test_style_renders_citations_and_bibliography(built: Path, style: str) -> None:
    root = lxml_html.parse(str(built / f"{style}.html")).getroot()
    entries = root.xpath('//div[@id="refs"]/div[contains(@class, "csl-entry")]')
    assert len(entries) == 11
    cites = root.xpath('//span[@class="citation"]')
    assert len(cites) == 19  # the seed's 17 and the two added below
    for cite in cites:
        text = " ".join(cite.text_content().split())
        assert text and "@" not in text and "???" not in text, text
        for a in cite.xpath(".//a"):
            assert root.xpath(f'//*[@id="{a.get("href")[1:]}"]'), a.get("href")
    if style not in NO_LOCATOR:
        assert "33" in " ".join(cites[17].text_content().split())  # the locator is kept
