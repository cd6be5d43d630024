"""What the preview server tells open pages: the build's status and which served files changed.

:class:`Channel` is a numbered, bounded list of events that every page's event stream reads from its own
place, so a slow page never holds up the build. :class:`Outputs` finds which files in ``build/`` really
changed between two moments: the runner rewrites a brand's shared assets with every render, and a page
must not restyle (or reload) for bytes that are the same as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import deque
from pathlib import Path
from typing import Any


class Channel:
    """Events for the pages, newest last; ``status`` is always the latest build's."""

    def __init__(self, keep: int = 64, server: str = "") -> None:
        self._cond = threading.Condition()
        self._events: deque[tuple[int, str, str]] = deque(maxlen=keep)
        self._seq = 0
        self._status = json.dumps({"ok": True, "errors": [], "warnings": [], "build": 0, "server": server})
        self.server = server
        self.closed = False

    @staticmethod
    def frame(seq: int, kind: str, data: str) -> bytes:
        """One Server-Sent Events message (data is one line of JSON)."""
        return f"id: {seq}\nevent: {kind}\ndata: {data}\n\n".encode()

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        text = json.dumps({**data, "server": self.server}, sort_keys=True)
        with self._cond:
            self._seq += 1
            self._events.append((self._seq, kind, text))
            if kind == "status":
                self._status = text
            self._cond.notify_all()

    def current(self) -> tuple[int, str]:
        """The newest event's number and the latest status, for a page that just connected."""
        with self._cond:
            return self._seq, self._status

    def since(self, seq: int, timeout: float) -> list[tuple[int, str, str]]:
        """The events after ``seq`` (waiting up to ``timeout`` for one)."""
        with self._cond:
            self._cond.wait_for(lambda: self._seq > seq or self.closed, timeout=timeout)
            return [e for e in self._events if e[0] > seq]

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


class Outputs:
    """The files of ``build/`` (not its hidden records) by content, to say which changed."""

    def __init__(self, build: Path) -> None:
        self.build = build
        self._known: dict[str, tuple[int, int, str]] = {}  # url path -> (mtime_ns, size, sha256)
        self.changed()

    def _scan(self) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        for folder, dirs, files in os.walk(self.build):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if name.startswith("."):
                    continue
                path = Path(folder, name)
                try:
                    st = path.stat()
                except OSError:
                    continue
                found["/" + path.relative_to(self.build).as_posix()] = (st.st_mtime_ns, st.st_size)
        return found

    def changed(self) -> tuple[list[str], bool]:
        """The url paths whose content changed (or appeared, or went) since the last call, and whether
        the set of files itself changed (a view that lists them must be redrawn)."""
        now = self._scan()
        changed: list[str] = []
        known: dict[str, tuple[int, int, str]] = {}
        for url, (mtime, size) in sorted(now.items()):
            old = self._known.get(url)
            if old is not None and old[:2] == (mtime, size):
                known[url] = old
                continue
            try:
                digest = hashlib.sha256((self.build / url[1:]).read_bytes()).hexdigest()
            except OSError:
                continue
            known[url] = (mtime, size, digest)
            if old is None or old[2] != digest:
                changed.append(url)
        gone = sorted(set(self._known) - set(known))
        listing = bool(gone) or any(url not in self._known for url in known)
        self._known = known
        return sorted(changed + gone), listing
