"""CSL-JSON field conventions that CSL processors read beyond the plain variables.

- Zotero's field names ``journalAbbreviation`` and ``shortTitle`` are ``container-title-short`` and
  ``title-short`` (citeproc-js and pandoc read both spellings).
- Variables written into ``note`` as ``key: value`` lines ("original-date: 1867", "container-title:
  ..."), the convention Zotero uses for variables it has no field for, and which citeproc-js and
  pandoc read. A variable the item already has is not overwritten; the lines are taken out of the note.
- Seasons written as months 13-24, and ``raw`` dates that are words (see :func:`season_date`).
- ``citation-label``: CSL 1.0.2 lets the processor assign it. Like citeproc-js (its default "trigraph"
  ``Aaaa00:AaAa00:AaAA00``), it is made from the first authors' family names and the year's last two
  digits: four letters of one author, two of each of two, or two of the first and one of the next two.

They run on the raw item, before :func:`publish.cite.engine.prepare_reference` cleans it, so what they
add is cleaned like everything else.
"""

from __future__ import annotations

import re
from typing import Any

ALIASES = {"journalAbbreviation": "container-title-short", "shortTitle": "title-short"}

_DATE_VARIABLES = frozenset({"accessed", "container", "event-date", "issued", "original-date", "submitted"})
_NAME_VARIABLES = frozenset({
    "author", "editor", "translator", "container-author", "collection-editor", "composer", "director",
    "interviewer", "illustrator", "original-author", "recipient", "reviewed-author", "editorial-director",
})
_TEXT_VARIABLES = frozenset({
    "abstract", "annote", "archive", "archive-place", "archive_location", "authority", "call-number",
    "chapter-number", "citation-label", "collection-number", "collection-title", "collection-title-short",
    "container-title", "container-title-short", "dimensions", "DOI", "edition", "event", "event-place",
    "event-title", "genre", "ISBN", "ISSN", "issue", "jurisdiction", "keyword", "language", "medium",
    "number", "number-of-pages", "number-of-volumes", "original-publisher", "original-publisher-place",
    "original-title", "page", "PMCID", "PMID", "publisher", "publisher-place", "references",
    "reviewed-title", "scale", "section", "source", "status", "title", "title-short", "URL", "version",
    "volume", "year-suffix", "type",
})
_NOTE_LINE = re.compile(r"^\s*\{?:?([A-Za-z][A-Za-z_-]*):\s*(.+?)\s*\}?\s*$")
_ISO_DATE = re.compile(r"^(-?\d{1,4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
_TRIGRAPH = ((4,), (2, 2), (2, 1, 1))


def note_variables(ref: dict) -> dict:
    """The item with the note's ``key: value`` lines read as variables (and taken out of the note)."""
    note = ref.get("note")
    if not isinstance(note, str) or ":" not in note:
        return ref
    out = dict(ref)
    kept = []
    for line in note.split("\n"):
        m = _NOTE_LINE.match(line)
        key = m.group(1) if m else ""
        if not m or key not in _TEXT_VARIABLES | _DATE_VARIABLES | _NAME_VARIABLES:
            kept.append(line)
            continue
        value = m.group(2)
        if key in out and key != "type":
            continue
        if key in _DATE_VARIABLES:
            d = _ISO_DATE.match(value)
            out[key] = {"date-parts": [[int(g) for g in d.groups() if g]]} if d else {"literal": value}
        elif key in _NAME_VARIABLES:
            family, _, given = value.partition("||")
            name = {"family": family.strip(), "given": given.strip()} if given else {"literal": value}
            out.setdefault(key, [])
            out[key] = [*out[key], name]
        else:
            out[key] = value
    rest = "\n".join(kept).strip()
    if rest:
        out["note"] = rest
    else:
        out.pop("note", None)
    return out


def aliases(ref: dict) -> dict:
    """Zotero's field names read as the CSL variables they are."""
    if not any(k in ref for k in ALIASES):
        return ref
    out = dict(ref)
    for src, dst in ALIASES.items():
        if src in out:
            value = out.pop(src)
            out.setdefault(dst, value)
    return out


def _year(ref: dict) -> str:
    issued = ref.get("issued")
    parts = issued.get("date-parts") if isinstance(issued, dict) else None
    try:
        year = int(parts[0][0])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return ""
    return f"{abs(year) % 100:02d}"


def citation_label(ref: dict) -> str | None:
    """The trigraph label of an item ("Asth00", "BrCh98", "AsBrCo80"), or None without a name."""
    for role in ("author", "editor", "translator", "composer", "director"):
        names = [n for n in ref.get(role) or [] if isinstance(n, dict) and (n.get("family") or n.get("literal"))]
        if names:
            break
    else:
        return None
    pattern = _TRIGRAPH[min(len(names), len(_TRIGRAPH)) - 1]
    letters = []
    for name, count in zip(names, pattern, strict=False):
        family = str(name.get("family") or name.get("literal") or "")
        word = "".join(ch for ch in family if ch.isalnum())
        letters.append(word[:count])
    return "".join(letters) + _year(ref)


_RAW_NUMERIC = re.compile(r"^\s*-?\d")


def season_date(value: Any) -> Any:
    """CSL-JSON's seasons written as months: 13-24 (21 spring ... 24 winter, 13-16 and 17-20 likewise)
    are the date's ``season`` (1-4), as citeproc-js reads them, not a month; a month out of range goes.
    A ``raw`` date that is not numeric prints as written ("Bogus Date"), as a literal.
    The seasons of a range's two ends can differ only where both have the same season."""
    if not isinstance(value, dict):
        return value
    parts = value.get("date-parts")
    if not parts and isinstance(value.get("raw"), str) and not _RAW_NUMERIC.match(value["raw"]):
        return {k: v for k, v in value.items() if k not in ("raw", "date-parts")} | {"literal": value["raw"]}
    if not isinstance(parts, list) or not parts or not all(isinstance(p, list) for p in parts):
        return value
    seasons = set()
    clean = []
    for p in parts:
        try:
            month = int(str(p[1])) if len(p) > 1 else 0
        except ValueError:
            return value
        if 13 <= month <= 24:
            seasons.add((month - 13) % 4 + 1)
            clean.append(p[:1])
        elif month > 24 or month < 0:
            clean.append(p[:1])
        else:
            clean.append(p)
    if len(seasons) > 1:
        return value
    out = {**value, "date-parts": clean}
    if seasons and "season" not in value:
        out["season"] = seasons.pop()
    return out


def complete(ref: dict) -> dict:
    """The raw item with every convention above applied."""
    ref = aliases(note_variables(ref))
    for key in _DATE_VARIABLES & ref.keys():
        ref = {**ref, key: season_date(ref[key])}
    if "citation-label" not in ref:
        label = citation_label(ref)
        if label:
            ref = {**ref, "citation-label": label}
    return ref


__all__ = ["aliases", "citation_label", "complete", "note_variables"]
