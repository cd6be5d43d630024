"""One way to run pandoc: the binary that pypandoc-binary ships, as a subprocess.

We call the binary directly rather than through pypandoc's convert functions: they write temporary
files, re-check the version on every call and cannot pass bytes through, which costs time on every
build. The path is looked up once.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from .errors import PublishError


@functools.cache
def pandoc_path() -> str:
    """The pandoc binary bundled with pypandoc-binary (or the one PYPANDOC_PANDOC names, as in pypandoc).

    Found without importing pypandoc: its import and ``get_pandoc_path`` cost ~0.1 s in every process, and
    the latter prefers a newer pandoc on PATH, which would make output depend on the machine."""
    override = os.environ.get("PYPANDOC_PANDOC")
    if override:
        return override
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        bundled = Path(folder) / "files" / "pandoc"
        if os.access(bundled, os.X_OK):
            return str(bundled)
    import pypandoc  # pypandoc without the binary wheel: let it search

    return pypandoc.get_pandoc_path()


@functools.cache
def pandoc_version() -> str:
    out = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True, check=True).stdout
    return out.split("\n", 1)[0].split()[-1]


def run_pandoc(
    args: list[str], data: bytes, *, what: str, cwd: str | None = None, env: dict[str, str] | None = None
) -> bytes:
    """Run pandoc with ``data`` on stdin; a failure becomes a PublishError that says ``what`` failed."""
    proc = subprocess.run(
        [pandoc_path(), *args], input=data, capture_output=True, cwd=cwd, env=env, check=False
    )
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PublishError(
            f"pandoc could not {what}: {message[-1] if message else 'exit ' + str(proc.returncode)}",
            hint="check the manuscript's Markdown near that place",
        )
    return proc.stdout


def markdown_to_ast(text: str) -> dict[str, Any]:
    """Parse pandoc Markdown once; the JSON AST is what every later stage works on. Read by orjson: a
    third of the standard library's time on a long manuscript (4.5 MB of JSON), the same values."""
    import orjson

    out = run_pandoc(["--from", "markdown", "--to", "json"], text.encode("utf-8"), what="read the Markdown")
    return orjson.loads(out)


def ast_to(fmt: str, ast: dict[str, Any], extra: list[str] | None = None, *, what: str) -> bytes:
    """Write the (cited) AST in another format with pandoc's own writer."""
    data = json.dumps(ast, ensure_ascii=False).encode("utf-8")
    return run_pandoc(["--from", "json", "--to", fmt, *(extra or [])], data, what=what)
