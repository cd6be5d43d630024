"""Front-matter settings as a frozen dataclass, checked in one pass.

Like MkDocs' config schema: every key declares its type next to its meaning, and every problem is
reported with the line it sits on, so a typo in the front matter names itself instead of quietly
producing a handout without a bibliography.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import PublishError, Warning_, did_you_mean

# The keys pandoc users write, and ours. Unknown keys are kept (pandoc templates may use them) but a
# key that is close to a known one is almost always a typo, so it gets a warning.
KNOWN_KEYS: dict[str, str] = {
    "title": "the document's title",
    "subtitle": "a subtitle",
    "short-title": "a short title for running heads",
    "author": "one author or a list of authors",
    "date": "the date of this version, ISO 8601 (YYYY-MM-DD)",
    "lang": "a BCP 47 language tag such as en-US",
    "description": "a one-sentence summary",
    "abstract": "an abstract",
    "keywords": "a list of keywords",
    "subject": "the subject",
    "bibliography": "a bibliography file (CSL-JSON, CSL-YAML or BibTeX)",
    "csl": "a CSL style name (apa, ieee, ...) or a path to a .csl file",
    "nocite": "citations listed in the bibliography without being cited",
    "reference-section-title": "the heading above the bibliography",
    "link-citations": "ignored: citations always link to their entries",
    "lang-direction": "text direction",
    "rights": "a rights statement",
    "publisher": "the publisher (defaults to the brand's name)",
    "base-url": "the URL under which the HTML is published (canonical links, QR code)",
    "brands": "the brands to build this manuscript for (default: every brand)",
    "toc": "whether to show a table of contents",
    "toc-title": "the heading of the table of contents",
    "references": "inline bibliography entries (CSL)",
    "cover-image": "an image for the e-book cover",
    "suppress-bibliography": "leave the bibliography out",
    "notes-after-punctuation": "pandoc's note placement",
    "header-includes": "pandoc header includes",
    "citation-abbreviations": "pandoc citation abbreviations",
}

_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Settings:
    """What a manuscript's front matter says, checked and normalised."""

    title: str
    authors: tuple[str, ...]
    date: dt.date | None
    lang: str
    description: str
    keywords: tuple[str, ...]
    bibliography: Path | None
    csl: str | None
    short_title: str
    subtitle: str = ""
    reference_section_title: str | None = None
    base_url: str | None = None
    publisher: str | None = None
    rights: str | None = None
    toc: bool = True
    brands: tuple[str, ...] | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], int]:
    """Parse the YAML block at the top of ``text``; returns it and the line where the body starts.

    Errors carry the manuscript's own line numbers, not the YAML block's.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return {}, 1
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        raise PublishError(
            "front matter is not closed",
            file=path,
            line=1,
            col=1,
            hint="end the YAML block with a line holding only '---'",
        )
    block = "\n".join(lines[1:end])
    try:
        data = yaml.safe_load(block) if block.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark is not None else 1
        col = mark.column + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PublishError(
            f"malformed front matter: {problem}",
            file=path,
            line=line,
            col=col,
            hint="fix the YAML (quote values that contain ':' or start with '@')",
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PublishError(
            "front matter must be a YAML mapping of keys to values",
            file=path,
            line=2,
            hint="write it as 'key: value' lines",
        )
    return data, end + 2


def key_line(text: str, key: str) -> int | None:
    """The line of a top-level front-matter key, for errors that point at it."""
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_as_text(v) for v in value)
    if isinstance(value, dict):
        return _as_text(value.get("name") or value.get("literal") or "")
    return str(value).strip()


def parse_settings(data: dict[str, Any], text: str, path: Path) -> tuple[Settings, list[Warning_]]:
    """Turn the front-matter mapping into :class:`Settings`, with every problem found at once."""
    errors: list[PublishError] = []
    warnings: list[Warning_] = []

    def fail(key: str, message: str, hint: str) -> None:
        errors.append(PublishError(message, file=path, line=key_line(text, key), hint=hint))

    for key in data:
        if not isinstance(key, str):
            fail(str(key), f"front-matter key {key!r} is not a name", "use names such as title, date")
            continue
        if key not in KNOWN_KEYS:
            hint = did_you_mean(key, KNOWN_KEYS)
            if hint:
                warnings.append(
                    Warning_(f"unknown front-matter key '{key}'", str(path), key_line(text, key), hint=hint)
                )

    title = _as_text(data.get("title"))
    if not title:
        fail("title", "the manuscript has no title", "add 'title: ...' to the front matter")

    author = data.get("author")
    authors: tuple[str, ...]
    if author is None:
        authors = ()
    elif isinstance(author, list):
        authors = tuple(_as_text(a) for a in author if _as_text(a))
    else:
        authors = (_as_text(author),)

    date: dt.date | None = None
    raw_date = data.get("date")
    if isinstance(raw_date, dt.datetime):
        date = raw_date.date()
    elif isinstance(raw_date, dt.date):
        date = raw_date
    elif raw_date is not None:
        try:
            date = dt.date.fromisoformat(str(raw_date).strip())
        except ValueError:
            fail("date", f"date '{raw_date}' is not a date", "write it as YYYY-MM-DD, e.g. 2025-01-31")

    lang = _as_text(data.get("lang")) or "en-US"
    if not _LANG.match(lang):
        fail("lang", f"lang '{lang}' is not a language tag", "use a BCP 47 tag such as en-US or de-DE")

    keywords_raw = data.get("keywords", [])
    if isinstance(keywords_raw, str):
        keywords = tuple(k.strip() for k in keywords_raw.split(",") if k.strip())
    elif isinstance(keywords_raw, list):
        keywords = tuple(_as_text(k) for k in keywords_raw if _as_text(k))
    else:
        fail("keywords", "keywords must be a list", "write keywords: [one, two]")
        keywords = ()

    bibliography: Path | None = None
    bib = data.get("bibliography")
    if isinstance(bib, list):
        if len(bib) > 1:
            fail("bibliography", "only one bibliography file is supported", "merge the files into one")
        bib = bib[0] if bib else None
    if bib is not None:
        if not isinstance(bib, str) or not bib.strip():
            fail("bibliography", "bibliography must be a file name", "write bibliography: references.json")
        else:
            bibliography = (path.parent / bib).resolve() if not Path(bib).is_absolute() else Path(bib)

    csl = data.get("csl")
    if csl is not None and not isinstance(csl, str):
        fail("csl", "csl must be a style name or a .csl path", "write csl: apa")
        csl = None

    base_url = _as_text(data.get("base-url")) or None
    if base_url and not re.match(r"^https?://", base_url):
        fail("base-url", f"base-url '{base_url}' is not an http(s) URL", "write base-url: https://...")

    brands_raw = data.get("brands")
    brands: tuple[str, ...] | None = None
    if brands_raw is not None:
        brands = tuple(_as_text(b) for b in (brands_raw if isinstance(brands_raw, list) else [brands_raw]))

    toc = data.get("toc", True)
    if errors:
        raise errors[0]
    settings = Settings(
        title=title,
        authors=authors,
        date=date,
        lang=lang,
        description=_as_text(data.get("description")),
        keywords=keywords,
        bibliography=bibliography,
        csl=csl.strip() if isinstance(csl, str) else None,
        short_title=_as_text(data.get("short-title")) or title,
        subtitle=_as_text(data.get("subtitle")),
        reference_section_title=_as_text(data.get("reference-section-title")) or None,
        base_url=base_url.rstrip("/") if base_url else None,
        publisher=_as_text(data.get("publisher")) or None,
        rights=_as_text(data.get("rights")) or None,
        toc=bool(toc),
        brands=brands,
        raw=data,
    )
    return settings, warnings
