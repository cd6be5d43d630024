"""Check results kept per output, keyed by content, in the build state (``build/.publish/check.json``).

The key of an output is the hash of its bytes (a web page's with the stylesheet, images and fonts it uses),
the validators' versions, the check's settings and publish check's own code: an unchanged handout is never
checked twice, and a new validator or rule checks everything again. What is kept is what the validators
said, not where it was located: locating reads the manuscript as it is now, so a line moved by an edit that
did not change the output is still named right.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..project import Project
from ..state import file_hash, write_atomic
from .findings import Raw

FILE = "check.json"
LAYOUT = 1
_REFS = re.compile(rb"""(?:\b(?:src|href)\s*=\s*["']|url\(\s*["']?)([^"'#?)\s]+)""", re.I)


@functools.cache
def code_digest() -> str:
    """publish check's modules, its browser script and its JVM driver."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in sorted([*here.glob("*.py"), *(here / "npm").glob("*.js"), *(here / "jvm").glob("*.java")]):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _local_refs(page: Path, seen: set[Path]) -> Iterable[Path]:
    """The local files a page or stylesheet uses (stylesheets followed for their fonts)."""
    try:
        data = page.read_bytes()
    except OSError:
        return
    for m in _REFS.finditer(data):
        ref = m.group(1).decode("utf-8", "replace")
        if re.match(r"^[a-z][a-z0-9+.-]*:|^//", ref, re.I):
            continue
        path = (page.parent / ref).resolve()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        yield path
        if path.suffix in (".css", ".html"):
            yield from _local_refs(path, seen)


def output_key(path: Path, settings: str) -> str:
    """What the findings of this output depend on."""
    h = hashlib.sha256(settings.encode())
    h.update(file_hash(path).encode())
    if path.suffix == ".html":
        for ref in sorted(_local_refs(path, {path.resolve()})):
            h.update(ref.name.encode())
            h.update(file_hash(ref).encode())
    return h.hexdigest()


class CheckCache:
    """output (project-relative) -> (key, raw findings)."""

    def __init__(self, project: Project) -> None:
        self.root = project.root
        self.path = project.state / FILE
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            data = {}
        self.entries: dict[str, Any] = data.get("outputs", {}) if data.get("layout") == LAYOUT else {}
        self.saved = dict(self.entries)

    def get(self, output: str, key: str) -> list[Raw] | None:
        entry = self.entries.get(output)
        if not entry or entry.get("key") != key:
            return None
        return [Raw.from_json(r) for r in entry["findings"]]

    def put(self, output: str, key: str, findings: list[Raw]) -> None:
        self.entries[output] = {"key": key, "findings": [r.to_json() for r in findings]}

    def save(self, keep: Iterable[str] | None = None) -> None:
        """Write when something changed; entries of outputs that no longer exist are let go."""
        if keep is not None:
            alive = set(keep)
            self.entries = {k: v for k, v in self.entries.items() if k in alive or (self.root / k).exists()}
        if self.entries != self.saved:
            blob = json.dumps({"layout": LAYOUT, "outputs": self.entries}, sort_keys=True, indent=1).encode()
            write_atomic(self.path, blob)
            self.saved = dict(self.entries)
