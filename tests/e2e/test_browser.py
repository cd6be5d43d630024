"""The HTML pages in a real browser (Debian's chromium through Playwright), for every brand:
axe-core finds no WCAG 2.2 AA or best-practice violation at 320, 375 and 1280 px; nothing scrolls
sideways at 320 px; no console error; no request leaves the machine and none fails; the brand's own
fonts are loaded from the build. Screenshots of every page at every width go to tests/artifacts/.

One browser and one page for the whole module (see tests/browser for the server and the watcher)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import WIDTHS, WatchedPage, axe, chromium, describe, serve
from tests.conftest import ROOT, require_node_module
from tests.projects import BRANDS as BRAND_DIR
from tests.projects import brand_names, manuscript_stems

pytestmark = pytest.mark.e2e

BRANDS = brand_names()
PAGES = ["index.html", *(stem + ".html" for stem in manuscript_stems())]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def site(seed_build: Path) -> Iterator[str]:
    with serve(seed_build) as url:
        yield url


@pytest.fixture(scope="module")
def watched(site: str) -> Iterator[WatchedPage]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=True)
        page = context.new_page()
        try:
            yield WatchedPage(page, site)
        finally:
            context.close()


@pytest.fixture(scope="module")
def axe_js() -> Path:
    return require_node_module("axe-core") / "axe.min.js"


def _load(watched: WatchedPage, url: str) -> None:
    watched.reset()
    response = watched.page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: {response.status if response else 'no response'}"
    watched.page.evaluate("document.fonts.ready.then(() => true)")


@pytest.mark.parametrize("page_name", PAGES)
@pytest.mark.parametrize("brand", BRANDS)
def test_page_in_browser(watched: WatchedPage, site: str, axe_js: Path, brand: str, page_name: str) -> None:
    page = watched.page
    _load(watched, f"{site}{brand}/{page_name}")
    problems: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        violations = axe(page, axe_js)
        if violations:
            problems.append(f"axe at {width}px:\n{describe(violations)}")
        if width == 320:
            sizes: dict[str, Any] = page.evaluate(
                "({doc: document.documentElement.scrollWidth, view: document.documentElement.clientWidth})"
            )
            if sizes["doc"] > sizes["view"]:
                wide = page.evaluate(
                    """() => [...document.querySelectorAll('body *')]
                        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                        .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
                )
                problems.append(f"scrolls sideways at 320px: {sizes['doc']}px wide; too wide: {wide}")
        stem = page_name.removesuffix(".html")
        page.screenshot(path=str(ARTIFACTS / f"{brand}-{stem}-{width}.png"), full_page=True)
    # the print stylesheet: no screen furniture, the article and its sources stay
    page.emulate_media(media="print")
    try:
        page.screenshot(path=str(ARTIFACTS / f"{brand}-{page_name.removesuffix('.html')}-print.png"), full_page=True)
        for hidden in (".skip-link", ".site-nav", ".toc", ".downloads"):
            if page.locator(hidden).count():
                assert not page.locator(hidden).first.is_visible(), f"{hidden} is printed"
        assert page.locator("main h1").is_visible()
    finally:
        page.emulate_media(media="screen")
    assert not problems, "\n".join(problems)
    assert not watched.external, f"requests that leave the machine: {watched.external}"
    assert not watched.failed, f"failed requests: {watched.failed}"
    assert not watched.console_errors, f"console errors: {watched.console_errors}"


@pytest.mark.parametrize("brand", BRANDS)
def test_brand_fonts_are_loaded_from_the_build(watched: WatchedPage, site: str, brand: str) -> None:
    """Every @font-face of the brand is fetched from build/<brand>/assets/fonts and used."""
    from publish.brand import load_brand

    b = load_brand(BRAND_DIR / brand)
    fonts: list[str] = []
    watched.page.on("request", lambda req: fonts.append(req.url) if "/fonts/" in req.url else None)
    _load(watched, f"{site}{brand}/{PAGES[-1]}")
    loaded = watched.page.evaluate(
        "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family.replace(/\"/g, ''))"
    )
    assert b.base_family in loaded, f"{b.base_family} not loaded: {loaded}"
    assert fonts and all(u.startswith(f"{site}{brand}/assets/fonts/") for u in fonts), fonts
    family = watched.page.evaluate("getComputedStyle(document.body).fontFamily")
    assert b.base_family in family
    assert not watched.external and not watched.failed


def test_pages_need_no_javascript(watched: WatchedPage, site: str) -> None:
    """With scripts off, the page is the same: content, contents list and bibliography are all there."""
    ctx = watched.page.context.browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    try:
        page = ctx.new_page()
        external: list[str] = []

        def route(r: Any) -> None:
            if r.request.url.startswith(site):
                r.continue_()
            else:
                external.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(f"{site}{BRANDS[0]}/{PAGES[-1]}")
        assert page.locator("main h1").count() == 1
        assert page.locator("nav.toc a").count() > 1
        assert page.locator(".csl-entry").count() > 0
        assert not external
    finally:
        ctx.close()
