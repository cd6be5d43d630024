"""Benchmark of ``publish serve`` (a benchmark, not a test): medians from a one-sentence edit of the seed.

Rows: until the HTML is rewritten; until HTML, PDF and EPUB are all rewritten (one brand); until the new
text is visible in the browser (Chromium through Playwright); a brand-colour edit until the page is
restyled; the server's memory after many edits against after the first. Beside them, the same edit
through ``publish build`` in a fresh process, as a user without serve would.

    .venv/bin/python tests/bench_serve.py [--runs 7] [--edits 200]

Everything runs in a temporary copy of the project, on loopback only.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STEM = "cbt-realness"
BRAND = "default"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def copy_project(dest: Path) -> Path:
    fixture = ROOT / "tests" / "fixtures" / "project"
    source = fixture if (fixture / "manuscript").is_dir() else ROOT
    shutil.copytree(source / "manuscript", dest / "manuscript")
    shutil.copytree(source / "styles" / "brands", dest / "styles" / "brands")
    shutil.copytree(ROOT / "styles" / "templates", dest / "styles" / "templates")
    return dest


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
    def __init__(self, project: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "publish.cli", "serve", "--port", "0", "-q", *args],
                                     cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=env)
        self.lines: list[str] = []
        self.last = time.monotonic()
        threading.Thread(target=self._read, daemon=True).start()
        end = time.monotonic() + 300
        while time.monotonic() < end and not any("serving" in x for x in self.lines):
            time.sleep(0.05)
        m = next(re.search(r"(http://\S+/)", x) for x in self.lines if "serving" in x)
        self.url = m.group(1) if m else ""

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
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def wait_until(check: Any, timeout: float = 60.0, step: float = 0.002) -> float:
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise TimeoutError
        time.sleep(step)
    return time.monotonic() - start


def stamps(paths: list[Path]) -> list[tuple[int, int]]:
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((0, 0))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--edits", type=int, default=200)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp))
        source = project / "manuscript" / f"{STEM}.md"
        brand_file = project / "styles" / "brands" / BRAND / "_brand.yml"
        original = source.read_text(encoding="utf-8")
        anchor = "Walking into therapy can feel intimidating."
        assert anchor in original
        build = project / "build" / BRAND
        html = build / f"{STEM}.html"
        others = [build / f"{STEM}.pdf", build / f"{STEM}.large-print.pdf", build / f"{STEM}.epub"]
        server = Server(project, "--brand", BRAND)
        server.idle()
        rows: dict[str, list[float]] = {"html": [], "all": [], "browser": [], "restyle": []}
        n = 0

        def edit() -> str:
            nonlocal n
            n += 1
            sentence = f"Bench sentence {n}."
            save(source, original.replace(anchor, f"{anchor} {sentence}", 1))
            return sentence

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{server.url}{BRAND}/{STEM}.html", wait_until="load")
            for _ in range(args.runs):
                before = stamps(others)
                start = time.monotonic()
                sentence = edit()
                page.wait_for_function("s => document.body.innerText.includes(s)", arg=sentence, timeout=30000)
                rows["browser"].append(time.monotonic() - start)
                wait_until(lambda s=sentence: s in html.read_text(encoding="utf-8"))
                rows["html"].append(_mtime(html) - start)
                wait_until(lambda b=before: all(x != y for x, y in zip(stamps(others), b, strict=True)), 120)
                rows["all"].append(max(_mtime(p) for p in others) - start)
                server.idle()
            brand_text = brand_file.read_text(encoding="utf-8")
            prop = "getComputedStyle(document.documentElement).getPropertyValue('--brand-primary').trim()"
            old = page.evaluate(prop)
            for i in range(args.runs):
                colour = "#7a2f5d" if i % 2 == 0 else old
                start = time.monotonic()
                save(brand_file, brand_text.replace(f'"{old}"', f'"{colour}"', 1))
                page.wait_for_function(f"{prop} === '{colour}'", timeout=60000)
                rows["restyle"].append(time.monotonic() - start)
                server.idle()
            save(brand_file, brand_text)
            browser.close()
        server.idle()
        first = rss_kib(server.proc.pid)
        first_children = children_rss_kib(server.proc.pid)
        for _ in range(args.edits):
            sentence = edit()
            wait_until(lambda s=sentence: s in html.read_text(encoding="utf-8"), 120)
        server.idle()
        after = rss_kib(server.proc.pid)
        after_children = children_rss_kib(server.proc.pid)
        server.stop()

        save(source, original.replace(anchor, f"{anchor} Fresh process.", 1))
        fresh_html = _timed([sys.executable, "-m", "publish.cli", "build", "-q", "--brand", BRAND, "--format",
                             "html"], project)
        save(source, original.replace(anchor, f"{anchor} Fresh process again.", 1))
        fresh_all = _timed([sys.executable, "-m", "publish.cli", "build", "-q", "--brand", BRAND], project)

    def med(key: str) -> str:
        return f"{statistics.median(rows[key]):.2f} s"

    print(f"| row | publish serve (median of {args.runs}) | publish build, fresh process |")
    print("|---|---|---|")
    print(f"| edit until the HTML is rewritten | {med('html')} | {fresh_html:.2f} s (--format html) |")
    print(f"| edit until HTML, PDF and EPUB are rewritten, one brand | {med('all')} | {fresh_all:.2f} s |")
    print(f"| edit until the new text is visible in the browser | {med('browser')} | (manual reload) |")
    print(f"| brand-colour edit until the page is restyled | {med('restyle')} | |")
    print(f"| server memory after {args.edits} edits / after the first | {after / first:.2f}x "
          f"({first // 1024} -> {after // 1024} MiB; workers {first_children // 1024} -> "
          f"{after_children // 1024} MiB) | |")
    return 0


def _mtime(path: Path) -> float:
    """A file's modification time on the monotonic clock (both clocks advance together over a run)."""
    return path.stat().st_mtime - time.time() + time.monotonic()


def _timed(cmd: list[str], cwd: Path) -> float:
    start = time.monotonic()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.monotonic() - start


if __name__ == "__main__":
    sys.exit(main())
