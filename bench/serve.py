"""``publish serve``, from a one-sentence edit of the seed on disk: until the page is rewritten, until
its HTML, PDF and EPUB are, until the new text shows in the browser (Chromium through Playwright), a
brand-colour edit until the page is restyled, and the server's memory after many edits against after
the first. Beside each, the same edit through ``publish build`` in a fresh process (a copy of the
project of its own, taken in turn with the server's runs), as a user without serve would.

Everything runs in the scratch folder, on loopback only. ``python -m bench --only serve``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.projects import SEED, seed_project
from bench.rows import Context, Row
from bench.timing import publish_build

BRAND = "default"
ANCHOR = "Walking into therapy can feel intimidating."
LIKE_FOR_LIKE = ("--format", "html", "--format", "pdf", "--format", "epub", "--edition", "standard")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children_rss_kib(pid: int) -> int:
    total = 0
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            total += rss_kib(int(child))
        except OSError:
            pass
    return total


class Server:
    """``publish serve --port 0 -q`` in a project, until :meth:`stop`; ``idle`` waits for its quiet."""

    def __init__(self, project: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "publish.cli", "serve", "--port", "0", "-q", *args],
                                     cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=env)
        self.lines: list[str] = []
        self.last = time.monotonic()
        threading.Thread(target=self._read, daemon=True).start()
        wait_until(lambda: any("serving" in x for x in self.lines) or self.proc.poll() is not None, 300, 0.05)
        found = [m for x in self.lines if (m := re.search(r"serving (http://\S+/)", x))]
        if not found:
            raise RuntimeError("publish serve did not start:\n" + "\n".join(self.lines))
        self.url = found[0].group(1)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            self.last = time.monotonic()

    def idle(self, quiet: float = 1.5) -> None:
        while time.monotonic() - self.last < quiet:
            time.sleep(0.05)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def save(path: Path, text: str) -> None:
    """As an editor saves: a temporary file renamed over the old one."""
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def wait_until(check: Callable[[], bool], timeout: float = 60.0, step: float = 0.002) -> float:
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise TimeoutError
        time.sleep(step)
    return time.monotonic() - start


def stamps(paths: list[Path]) -> list[int]:
    return [p.stat().st_mtime_ns if p.exists() else 0 for p in paths]


def mtime(path: Path) -> float:
    """A file's modification time on the monotonic clock (both clocks advance together over a run)."""
    return path.stat().st_mtime - time.time() + time.monotonic()


def med(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}"


def rows(ctx: Context) -> Iterator[Row]:
    from playwright.sync_api import sync_playwright

    runs = max(ctx.runs, 5)
    edits = 40 if ctx.quick else 200
    project = seed_project(ctx.folder("serve"))
    fresh = seed_project(ctx.folder("serve-fresh"))
    publish_build(fresh, "--brand", BRAND)
    source = project / "manuscript" / SEED.name
    brand_file = project / "styles" / "brands" / BRAND / "_brand.yml"
    original = source.read_text(encoding="utf-8")
    brand_text = brand_file.read_text(encoding="utf-8")
    assert ANCHOR in original
    build = project / "build" / BRAND
    html = build / f"{SEED.stem}.html"
    standard = [html, build / f"{SEED.stem}.pdf", build / f"{SEED.stem}.epub"]
    every = [*standard, build / f"{SEED.stem}.large-print.pdf", build / f"{SEED.stem}.docx"]
    got: dict[str, list[float]] = {k: [] for k in ("html", "standard", "every", "browser", "restyle", "f-html",
                                                   "f-standard", "f-every", "f-restyle")}
    n = 0

    def edit(where: Path = source) -> str:
        nonlocal n
        n += 1
        sentence = f"Bench sentence {n}."
        save(where, original.replace(ANCHOR, f"{ANCHOR} {sentence}", 1))
        return sentence

    def fresh_build(key: str, *args: str) -> None:
        edit(fresh / "manuscript" / SEED.name)
        got[key].append(publish_build(fresh, "--brand", BRAND, *args).seconds)

    server = Server(project, "--brand", BRAND)
    try:
        server.idle()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{server.url}{BRAND}/{SEED.stem}.html", wait_until="load")
            for _ in range(runs):
                before = stamps(every)
                start = time.monotonic()
                sentence = edit()
                page.wait_for_function("s => document.body.innerText.includes(s)", arg=sentence, timeout=30000)
                got["browser"].append(time.monotonic() - start)
                wait_until(lambda s=sentence: s in html.read_text(encoding="utf-8"))
                got["html"].append(mtime(html) - start)
                wait_until(lambda b=before: all(x != y for x, y in zip(stamps(every), b, strict=True)), 120)
                got["standard"].append(max(mtime(p) for p in standard) - start)
                got["every"].append(max(mtime(p) for p in every) - start)
                server.idle()
                fresh_build("f-html", "--format", "html")
                fresh_build("f-standard", *LIKE_FOR_LIKE)
                fresh_build("f-every")
            prop = "getComputedStyle(document.documentElement).getPropertyValue('--brand-primary').trim()"
            old = page.evaluate(prop)
            fresh_brand = fresh / "styles" / "brands" / BRAND / "_brand.yml"
            for i in range(runs):
                colour = "#7a2f5d" if i % 2 == 0 else old
                start = time.monotonic()
                save(brand_file, brand_text.replace(f'"{old}"', f'"{colour}"', 1))
                page.wait_for_function(f"{prop} === '{colour}'", timeout=60000)
                got["restyle"].append(time.monotonic() - start)
                server.idle()
                save(fresh_brand, brand_text.replace(f'"{old}"', f'"{colour}"', 1))
                got["f-restyle"].append(publish_build(fresh, "--brand", BRAND, "--format", "html").seconds)
            save(brand_file, brand_text)
            browser.close()
        server.idle()
        first, first_workers = rss_kib(server.proc.pid), children_rss_kib(server.proc.pid)
        for _ in range(edits):
            sentence = edit()
            wait_until(lambda s=sentence: s in html.read_text(encoding="utf-8"), 120)
        server.idle()
        after, after_workers = rss_kib(server.proc.pid), children_rss_kib(server.proc.pid)
    finally:
        server.stop()

    def row(what: str, ours: str, theirs: str) -> Row:
        ratio = statistics.median(got[ours]) / statistics.median(got[theirs])
        return Row(what, med(got[ours]), med(got[theirs]), f"{ratio:.2f}x")

    yield Row("serve (s; beside it: publish build, fresh process)", "serve", "build", "")
    yield row("  edit until the HTML is rewritten (target 0.15)", "html", "f-html")
    yield row("  edit until HTML, PDF, EPUB are rewritten (0.35)", "standard", "f-standard")
    yield row("  ... and the large-print PDF and DOCX", "every", "f-every")
    yield Row("  edit until the new text shows in the browser (0.5)", med(got["browser"]), "", "")
    yield row("  brand-colour edit until restyled (0.2)", "restyle", "f-restyle")
    yield Row(f"  server memory after {edits} edits / the first (1.2x)", f"{after / first:.2f}x",
              f"{first // 1024}->{after // 1024}M", f"w {first_workers // 1024}->{after_workers // 1024}M")
