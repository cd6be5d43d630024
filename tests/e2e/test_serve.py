"""``publish serve`` as a user meets it: the real command on a free loopback port, Debian's Chromium
through Playwright, and edits made on disk the way editors make them.

One server and one browser for the module; the tests run in order and each leaves the project as it
found it (the last one stops the server with SIGTERM and checks build/ is a normal, complete build)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import chromium, http_get
from tests.conftest import copy_project

pytestmark = pytest.mark.e2e

SEED = "cbt-realness"


def make_project(dest: Path) -> Path:
    """The test project: the fixture seed and brands (never the user's own), the product's templates."""
    return copy_project(dest)


SAVED = [0.0]  # when the tests last saved a file (Served.idle waits for a build after it)


def save(path: Path, text: str) -> None:
    """Save as many editors do: write a temporary file beside it, then rename it over the original."""
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    SAVED[0] = time.monotonic()


class Served:
    """``publish serve`` in a child process, its output lines kept as they come."""

    def __init__(self, project: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.project = project
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc = subprocess.Popen([sys.executable, "-m", "publish.cli", "serve", "--port", "0", *args],
                                     cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env)
        self.out: list[str] = []
        self.err: list[str] = []
        self.summaries: list[float] = []  # when each build's summary line came
        self.last = time.monotonic()
        for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._read, args=(stream, lines), daemon=True).start()

    def _read(self, stream: Any, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))
            self.last = time.monotonic()
            if line.startswith("publish: ") and " in " in line:
                self.summaries.append(self.last)

    def wait_for(self, pattern: str, lines: list[str] | None = None, timeout: float = 240) -> re.Match[str]:
        end = time.monotonic() + timeout
        seen = self.out if lines is None else lines
        while time.monotonic() < end:
            for line in list(seen):
                if m := re.search(pattern, line):
                    return m
            if self.proc.poll() is not None and not any(re.search(pattern, x) for x in seen):
                time.sleep(0.2)
                if not any(re.search(pattern, x) for x in seen):
                    break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r}:\n" + "\n".join(self.out + self.err))

    @property
    def url(self) -> str:
        return self.wait_for(r"publish: serving (http://\S+/)").group(1)

    def idle(self, quiet: float = 1.5, timeout: float = 120) -> None:
        """Wait until the server has finished a build started after the last save, then printed nothing
        for ``quiet`` seconds (its rebuilds are done)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and not any(s > SAVED[0] for s in self.summaries):
            time.sleep(0.05)
        while time.monotonic() < end and time.monotonic() - self.last < quiet:
            time.sleep(0.1)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[Served]:
    served = Served(project)
    try:
        served.url  # noqa: B018 (waits for the first build)
        served.idle()
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any, server: Served) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    origin = server.url.rstrip("/")
    external: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(origin):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort("blockedbyclient")

    p.route("**/*", route)
    start = len(server.out), len(server.err)
    try:
        yield p
    finally:
        context.close()
        # shown by pytest only when the test failed: what the server did meanwhile
        print("server output during the test:", *server.out[start[0]:], *server.err[start[1]:], sep="\n")
        assert not external, f"requests left the machine: {external}"


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    return http_get(url, timeout=10)


def _edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    save(path, text.replace(old, new, 1))
    return text


def _first_paragraph_end(text: str) -> str:
    """The last words of the manuscript's first body paragraph (after the front matter)."""
    body = text.split("\n---\n", 1)[1]
    para = next(p for p in body.split("\n\n") if p.strip() and not p.startswith("#"))
    return para.strip()[-40:]


# --- serving ---------------------------------------------------------------------------------------------

def test_listing_links_every_manuscript_brand_and_format(server: Served, project: Path) -> None:
    status, headers, body = _get(server.url)
    assert status == 200 and headers["Cache-Control"] == "no-store"
    html = body.decode()
    brands = sorted(p.parent.name for p in (project / "styles" / "brands").glob("*/_brand.yml"))
    built = sorted(p.relative_to(project / "build").as_posix() for p in (project / "build").glob("*/*.*")
                   if p.suffix in (".html", ".pdf", ".epub") and p.name != "index.html" and p.parent.name != "reports")
    assert 'href="/reports/cbt-realness.readability.html"' in html  # the author's report, when it exists
    assert len(built) == 4 * len(brands)  # web page, PDF, large-print PDF, EPUB in every brand
    for rel in built:
        assert f'href="/{rel}"' in html
        status, headers, data = _get(server.url + rel)
        assert status == 200 and headers["Cache-Control"] == "no-store"
        assert (b"/_serve/reload.js" in data) == rel.endswith(".html")
    for brand in brands:
        assert f'href="/{brand}/"' in html
    assert b"<script" not in (project / "build" / brands[0] / f"{SEED}.html").read_bytes().replace(
        b'<script type="application/ld+json">', b"")
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /../manuscript/" + SEED.encode() + b".md HTTP/1.1\r\n"
                  b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
        reply = s.makefile("rb").read()
    assert reply.startswith(b"HTTP/1.1 404")


def test_edit_is_visible_within_two_seconds_with_scroll_kept(server: Served, project: Path, page: Any) -> None:
    source = project / "manuscript" / f"{SEED}.md"
    page.goto(f"{server.url}default/{SEED}.html", wait_until="load")
    page.evaluate("window.scrollTo(0, 900); window.__notReloaded = true")
    page.wait_for_function("Math.abs(window.scrollY - 900) <= 1")
    text = source.read_text(encoding="utf-8")
    sentence = f"A sentence added while serving {time.monotonic_ns()}."
    anchor = _first_paragraph_end(text)
    start = time.monotonic()
    _edit(source, anchor, f"{anchor} {sentence}")
    page.wait_for_function("s => document.body.innerText.includes(s)", arg=sentence, timeout=2000)
    seen = time.monotonic() - start
    assert page.evaluate("window.__notReloaded === undefined")  # the page reloaded by itself
    page.wait_for_function("Math.abs(window.scrollY - 900) <= 1", timeout=2000)
    assert seen < 2.0
    server.idle()


def test_stylesheet_only_change_swaps_it_without_reload(server: Served, project: Path, page: Any) -> None:
    css = project / "styles" / "templates" / "html" / "site.css.j2"
    original = css.read_text(encoding="utf-8")
    page.goto(f"{server.url}default/{SEED}.html", wait_until="load")
    page.evaluate("window.__notReloaded = true")
    try:
        save(css, original + "\nbody { outline: 1px solid rgb(1, 2, 3); }\n")
        page.wait_for_function("getComputedStyle(document.body).outlineColor === 'rgb(1, 2, 3)'", timeout=10000)
        assert page.evaluate("window.__notReloaded === true")
        assert page.evaluate("document.querySelectorAll('link[rel~=stylesheet]').length") == 1
    finally:
        save(css, original)
        server.idle()


def test_broken_front_matter_shows_the_error_overlay_until_fixed(server: Served, project: Path, page: Any) -> None:
    source = project / "manuscript" / f"{SEED}.md"
    page.goto(f"{server.url}default/{SEED}.html", wait_until="load")
    before = page.evaluate("document.body.innerText")
    original = _edit(source, "---\n", "---\ntitle: [unclosed\n")
    try:
        overlay = page.locator("publish-serve .overlay")
        overlay.wait_for(state="visible", timeout=10000)
        line = server.wait_for(r": error: malformed front matter", server.err).string
        assert line in overlay.inner_text()
        assert page.evaluate("document.body.innerText") == before  # the last good page stays underneath
        other = page.context.new_page()  # a page opened now shows it too
        other.goto(f"{server.url}riverside/{SEED}.html", wait_until="load")
        other.locator("publish-serve .overlay").wait_for(state="visible", timeout=5000)
        other.close()
    finally:
        save(source, original)
    page.locator("publish-serve .overlay").wait_for(state="detached", timeout=10000)
    server.idle()


def test_warning_shows_as_a_bar_that_can_be_dismissed(server: Served, project: Path, page: Any) -> None:
    source = project / "manuscript" / f"{SEED}.md"
    page.goto(f"{server.url}default/{SEED}.html", wait_until="load")
    original = _edit(source, "---\n", "---\ntitel: a typo\n")
    try:
        bar = page.locator("publish-serve .bar")
        bar.wait_for(state="visible", timeout=10000)
        line = server.wait_for(r"warning: unknown front-matter key 'titel'", server.err).string
        assert line in bar.inner_text()
        assert page.locator("publish-serve .overlay").count() == 0
        bar.get_by_role("button", name="Dismiss").click()
        bar.wait_for(state="detached", timeout=2000)
    finally:
        save(source, original)
    server.idle()
    page.reload(wait_until="load")
    assert page.locator("publish-serve .bar").count() == 0


def test_brand_colour_edit_restyles_the_page(server: Served, project: Path, page: Any) -> None:
    brand = project / "styles" / "brands" / "default" / "_brand.yml"
    page.goto(f"{server.url}default/{SEED}.html", wait_until="load")
    prop = "getComputedStyle(document.documentElement).getPropertyValue('--brand-primary').trim()"
    old = page.evaluate(prop)
    assert re.fullmatch(r"#[0-9a-f]{6}", old)
    original = _edit(brand, f'"{old}"', '"#7a2f5d"')
    try:
        page.wait_for_function(f"{prop} === '#7a2f5d'", timeout=10000)
        # restyled in place first; the page, whose theme-color changed too, then reloads
        page.wait_for_function("document.querySelector('meta[name=theme-color]').content === '#7a2f5d'",
                               timeout=10000)
    except Exception:
        css = (project / "build" / "default" / "assets" / "site.css").read_text(encoding="utf-8")
        print("on disk:", re.findall(r"--brand-primary: [^;]+", css), "in the page:", page.evaluate(prop))
        raise
    finally:
        save(brand, original)
    page.wait_for_function(f"{prop} === '{old}'", timeout=20000)
    server.idle()


def test_gallery_shows_every_brand_at_two_widths_with_pdf_thumbnails(server: Served, project: Path,
                                                                     page: Any) -> None:
    page.goto(f"{server.url}_gallery/{SEED}", wait_until="load")
    brands = sorted(p.parent.name for p in (project / "styles" / "brands").glob("*/_brand.yml"))
    frames = page.locator("iframe")
    assert frames.count() == 2 * len(brands)
    widths = sorted({int(frames.nth(i).get_attribute("width")) for i in range(frames.count())})
    assert widths == [375, 1280]
    thumbs = page.locator("img[data-serve-watch]")
    assert thumbs.count() == 2 * len(brands)  # standard and large-print PDF
    page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)", timeout=20000)
    for i in range(thumbs.count()):
        src = thumbs.nth(i).get_attribute("src")
        status, headers, data = _get(server.url + src.lstrip("/"))
        assert status == 200 and headers["Content-Type"] == "image/png" and data.startswith(b"\x89PNG")
    source = project / "manuscript" / f"{SEED}.md"
    text = source.read_text(encoding="utf-8")
    sentence = f"Seen in every frame {time.monotonic_ns()}."
    anchor = _first_paragraph_end(text)
    _edit(source, anchor, f"{anchor} {sentence}")
    try:
        for frame in [f for f in page.frames if f != page.main_frame]:
            frame.wait_for_function("s => document.body && document.body.innerText.includes(s)", arg=sentence,
                                    timeout=10000)
    finally:
        save(source, text)
        server.idle()


def test_bibliography_edit_reaches_the_page(server: Served, project: Path, page: Any) -> None:
    """A file the manuscript includes (its bibliography) is watched like the manuscript itself."""
    refs = project / "manuscript" / "references.json"
    page.goto(f"{server.url}default/{SEED}.html", wait_until="load")
    original = _edit(refs, "Houghton Mifflin", "Houghton Mifflin Watched")
    try:
        page.wait_for_function("document.body.innerText.includes('Houghton Mifflin Watched')", timeout=10000)
    finally:
        save(refs, original)
    server.idle()


def test_new_and_removed_manuscripts_update_the_listing(server: Served, project: Path, page: Any) -> None:
    page.goto(server.url, wait_until="load")
    source = project / "manuscript" / f"{SEED}.md"
    added = project / "manuscript" / "added-while-serving.md"
    text = source.read_text(encoding="utf-8")
    title = "A Handout Added While Serving"
    save(added, re.sub(r'(?m)^title: .*$', f'title: "{title}"', text, count=1))
    try:
        page.wait_for_function("t => document.body.innerText.includes(t)", arg=title, timeout=30000)
        server.idle()
        assert (project / "build" / "default" / "added-while-serving.html").is_file()
    finally:
        added.unlink()
    page.wait_for_function("t => !document.body.innerText.includes(t)", arg=title, timeout=30000)
    server.idle()
    assert not list((project / "build").glob("*/added-while-serving.*"))


def test_a_brand_added_while_serving_is_listed_and_built_then_goes_when_removed(server: Served, project: Path,
                                                                                page: Any) -> None:
    """A designer copies a brand folder to start a new clinic's (file by file, as ``cp -r`` does: the
    ``_brand.yml`` may arrive before its fonts); the listing shows its handout, and deleting the folder
    takes it off the listing and out of build/."""
    import shutil

    page.goto(server.url, wait_until="load")
    brands = project / "styles" / "brands"
    added = brands / "added-clinic"
    link = f'a[href="/added-clinic/{SEED}.html"]'
    shutil.copytree(brands / "riverside", added)
    SAVED[0] = time.monotonic()
    try:
        page.wait_for_selector(link, timeout=60000)
        server.idle()
        assert (project / "build" / "added-clinic" / f"{SEED}.html").is_file()
        assert (project / "build" / "added-clinic" / f"{SEED}.pdf").is_file()
    finally:
        shutil.rmtree(added)
        SAVED[0] = time.monotonic()
    page.wait_for_selector(link, state="detached", timeout=60000)
    server.idle()
    assert not (project / "build" / "added-clinic").exists()


def test_twenty_saves_in_a_second_give_one_or_two_rebuilds(server: Served, project: Path) -> None:
    source = project / "manuscript" / f"{SEED}.md"
    text = source.read_text(encoding="utf-8")
    anchor = _first_paragraph_end(text)
    start = len(server.out)
    try:
        for i in range(20):
            save(source, text.replace(anchor, f"{anchor} Burst save {i}.", 1))
            time.sleep(0.05)
        server.idle(quiet=2.0)
        cites = [line for line in server.out[start:] if "built       cite" in line]
        assert 1 <= len(cites) <= 2, server.out[start:]
        assert "Burst save 19." in (project / "build" / "default" / f"{SEED}.html").read_text(encoding="utf-8")
    finally:
        save(source, text)
        server.idle()


def test_sigterm_stops_cleanly_and_leaves_a_complete_build(server: Served, project: Path) -> None:
    assert server.stop() == 0
    assert any("stopped serving" in line for line in server.err)
    assert not any("Traceback" in line for line in server.err), "\n".join(server.err)
    dry = subprocess.run([sys.executable, "-m", "publish.cli", "build", "--dry-run"], cwd=project,
                         capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0 and "would build" not in dry.stdout, dry.stdout


# --- the command line's answers ----------------------------------------------------------------------------

def test_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        proc = subprocess.run([sys.executable, "-m", "publish.cli", "serve", "--port", str(port)], cwd=project,
                              capture_output=True, text=True, timeout=120)
    finally:
        taken.close()
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port}" in lines[0] and "--port" in lines[0], proc.stderr
    assert not (project / "build").exists()  # refused before building anything


def test_another_host_warns_once(tmp_path: Path) -> None:
    served = Served(make_project(tmp_path), "--host", "0.0.0.0", "--format", "html", "--brand", "default")
    try:
        line = served.wait_for(r"^warning: serving", served.err, timeout=60).string
        assert "0.0.0.0" in line and "--host" in line
        served.wait_for(r"publish: serving http://0\.0\.0\.0:")
    finally:
        assert served.stop() == 0
    assert sum("warning: serving" in x for x in served.err) == 1


def test_unknown_brand_is_refused_before_serving(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "publish.cli", "serve", "--port", "0", "--brand", "riversid"],
                          cwd=make_project(tmp_path), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "unknown brand 'riversid'" in proc.stderr and "riverside" in proc.stderr


def _first_status(url: str) -> dict[str, Any]:
    import json

    with urllib.request.urlopen(url + "_serve/events", timeout=10) as r:
        for raw in r:
            line = raw.decode().rstrip("\n")
            if line.startswith("data: "):
                return dict(json.loads(line[6:]))
    raise AssertionError("no status")


def test_a_broken_manuscript_at_start_is_served_with_its_error(tmp_path: Path) -> None:
    """The first build failing is no reason not to serve: the error is on the page, and fixing it works."""
    project = make_project(tmp_path)
    source = project / "manuscript" / f"{SEED}.md"
    good = source.read_text(encoding="utf-8")
    source.write_text(good.replace("---\n", "---\ntitle: [unclosed\n", 1), encoding="utf-8")
    served = Served(project, "--format", "html", "--brand", "default")
    try:
        status = _first_status(served.url)
        assert status["ok"] is False and len(status["errors"]) == 1
        assert "malformed front matter" in status["errors"][0] and status["errors"][0] in served.err
        assert b"Nothing is built yet" in _get(served.url)[2]
        save(source, good)
        end = time.monotonic() + 30
        while time.monotonic() < end and not (status := _first_status(served.url))["ok"]:
            time.sleep(0.2)
        assert status["ok"] is True and status["errors"] == []
        assert _get(f"{served.url}default/{SEED}.html")[0] == 200
    finally:
        assert served.stop() == 0


def test_open_starts_the_browser_on_the_listing(tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = f"sh -c 'echo %s > {opened}'"  # Python's webbrowser runs $BROWSER with the address
    served = Served(make_project(tmp_path / "p"), "--open", "--format", "html", "--brand", "default",
                    env={"BROWSER": browser})
    try:
        url = served.url
        end = time.monotonic() + 30
        while time.monotonic() < end and not (opened.exists() and opened.read_text().strip()):
            time.sleep(0.1)
        assert opened.read_text().strip() == url
    finally:
        assert served.stop() == 0
