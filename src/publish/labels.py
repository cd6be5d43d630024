"""The words publish itself puts around a manuscript ("Contents", "Page 3 of 4", "In a crisis"), in the
manuscript's language.

Defaults for ten languages (English, German, French, Spanish, Italian, Dutch, Portuguese, Arabic, Hebrew
and Chinese, with each one's quotation marks) are in ``data/labels.yml``; a project or a brand changes or
adds any of them with a ``labels.yml`` in a template folder (``styles/templates/base/``, or
``styles/brands/<name>/templates/`` for one clinic's wording), written as ``<language>: {<key>: <text>}``.
Unknown languages fall back to English, and say so (``fallback``), so a page can mark those words with ``lang="en"``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import PublishError

LABEL_FILE = "labels.yml"

DEFAULTS = Path(__file__).parent / "data" / LABEL_FILE


@functools.cache
def defaults() -> dict[str, dict[str, str]]:
    """publish's own labels (src/publish/data/labels.yml), in ten languages. Read with libyaml when
    PyYAML has it: the pure-Python reader takes 20 ms on it."""
    return yaml.load(DEFAULTS.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@dataclass(frozen=True)
class Labels:
    """The words for one language; ``fallback`` is "en" when the language had none and English stands in."""

    words: dict[str, str]
    fallback: str | None = None

    def __getattr__(self, key: str) -> str:
        try:
            return self.words[key]
        except KeyError:
            raise AttributeError(key) from None

    def format(self, key: str, **values: object) -> str:
        return self.words[key].format(**values)

    def quote(self, text: str) -> str:
        """``text`` between the language's quotation marks: “Habits”, „Gewohnheiten“, «Hábitos»."""
        return f"{self.words['quote_open']}{text}{self.words['quote_close']}"


def _read(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PublishError(f"malformed labels file: {getattr(exc, 'problem', exc)}", file=path,
                           line=mark.line + 1 if mark else None, hint="write <language>: {<key>: <text>}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise PublishError("labels file must map languages to {key: text}", file=path, line=1,
                           hint="e.g. de: {contents: Inhalt}")
    unknown = sorted({k for table in data.values() for k in table} - set(defaults()["en"]))
    if unknown:
        raise PublishError(f"unknown label '{unknown[0]}'", file=path,
                           hint="known labels: " + ", ".join(sorted(defaults()["en"])))
    return {str(lang).lower(): {k: str(v) for k, v in table.items()} for lang, table in data.items()}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def labels(lang: str, search_path: tuple[Path, ...] = ()) -> Labels:
    """The labels for ``lang`` (de-AT, then de, then English), with every labels.yml on the template
    search path applied, the most specific folder (a brand's) last.

    Kept per language, search path and the labels files' stamps: a long-running process (``serve``)
    reads an edited labels.yml again, and keeps only the most recent few tables."""
    stamps = tuple(_stamp(folder / LABEL_FILE) for folder in search_path)
    return _labels(lang, search_path, stamps)


@functools.lru_cache(maxsize=64)
def _labels(lang: str, search_path: tuple[Path, ...], stamps: tuple[tuple[int, int] | None, ...]) -> Labels:
    tables = {k: dict(v) for k, v in defaults().items()}
    for folder in reversed(search_path):
        path = folder / LABEL_FILE
        if path.is_file():
            for code, words in _read(path).items():
                tables.setdefault(code, {}).update(words)
    tag = lang.lower()
    for code in (tag, tag.split("-")[0]):
        if code in tables:
            return Labels({**tables["en"], **tables[code]}, None)
    return Labels(tables["en"], "en")
