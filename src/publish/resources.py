"""Images and local links in a manuscript: resolved inside the project, or refused by name.

A manuscript is untrusted input: ``![x](../../etc/passwd)`` or ``![x](https://tracker.example/p.png)``
must not make any stage (pandoc, WeasyPrint, EPUB packaging) read outside the project or reach the
network. This check runs once, on the parsed AST, before any format renders.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .errors import PublishError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


_RAW_URL = re.compile(r"""(?:\b(src|href|poster|data)\s*=\s*["']?|url\(\s*["']?)([^"'\s)>]+)""", re.I)


def _targets(node: Any) -> Iterator[tuple[str, str]]:
    """(kind, target) for every Image and Link in the AST, and every URL inside raw HTML."""
    if isinstance(node, dict):
        t = node.get("t")
        if t in ("Image", "Link"):
            yield t, node["c"][2][0]
        elif t in ("RawInline", "RawBlock") and node["c"][0] in ("html", "html5", "epub", "css"):
            for m in _RAW_URL.finditer(node["c"][1]):
                yield ("Link" if (m.group(1) or "").lower() == "href" else "Image"), m.group(2)
        for v in node.values():
            yield from _targets(v)
    elif isinstance(node, list):
        for v in node:
            yield from _targets(v)


def _where(text: str, target: str) -> tuple[int | None, int | None]:
    at = text.find(target)
    if at < 0:
        return None, None
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def local_images(ast: dict[str, Any], source: Path, text: str, root: Path) -> list[Path]:
    """Check every image and local link; return the image files (inside the project) the document uses."""
    images: list[Path] = []
    base = source.parent
    for kind, target in _targets(ast.get("blocks", [])):
        if not target or target.startswith("#"):
            continue
        line, col = _where(text, target)
        if _SCHEME.match(target):
            scheme = target.split(":", 1)[0].lower()
            if kind == "Link" and scheme in ("http", "https", "mailto", "tel"):
                continue  # an ordinary link: the reader follows it, the build never fetches it
            if kind == "Image" and scheme == "data":
                continue
            raise PublishError(
                f"remote {'image' if kind == 'Image' else 'resource'} refused: {target}",
                file=source, line=line, col=col,
                hint="copy the file into the project and refer to it by a relative path",
            )
        path = Path(unquote(urlsplit(target).path))
        full = (path if path.is_absolute() else base / path).resolve()
        if path.is_absolute() or not full.is_relative_to(root.resolve()):
            raise PublishError(
                f"{'image' if kind == 'Image' else 'link'} '{target}' is outside the project",
                file=source, line=line, col=col,
                hint="keep images and linked files inside the project folder",
            )
        if kind == "Image":
            if not full.is_file():
                raise PublishError(f"image '{target}' not found", file=source, line=line, col=col,
                                   hint="check the path (relative to the manuscript)")
            images.append(full)
    return sorted(set(images))
