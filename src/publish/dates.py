"""Dates as the reader reads them, and the handout's review record.

Printed dates follow the manuscript's language through CLDR's data (Babel): "January 15, 2025",
"15 de enero de 2025", "15. Januar 2025", "2025年1月15日". ``date-format`` (front matter) picks
``long``, ``medium``, ``short`` or a CLDR pattern. Metadata keeps ISO 8601 (PDF info, EPUB ``dc:date``,
JSON-LD): machines read those.

The review keys (``reviewed``, ``next-review``, ``reviewed-by``, ``version``, ``owner``) are what clinical
governance asks a leaflet to show: when it was last checked and when it is next due.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from typing import Any

STYLES = ("long", "medium", "short", "full")


@functools.lru_cache(maxsize=64)
def _locale(lang: str) -> Any:
    """The CLDR locale for a BCP 47 tag: es-MX, then es, then English."""
    from babel import Locale, UnknownLocaleError

    for tag in (lang, lang.split("-")[0], "en"):
        try:
            return Locale.parse(tag, sep="-")
        except (UnknownLocaleError, ValueError):
            continue
    return Locale("en")


def printed(day: dt.date, lang: str, style: str = "long") -> str:
    """``day`` as the reader of ``lang`` writes it; ``style`` is long/medium/short/full or a CLDR pattern."""
    from babel.dates import format_date

    return format_date(day, format=style, locale=_locale(lang))


def reference_day() -> dt.date | None:
    """The build's declared day (``SOURCE_DATE_EPOCH``), against which an output may mark a review as
    overdue: outputs never depend on the clock, so without it nothing is marked."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return None


def review(settings: Any, words: Any) -> dict[str, Any] | None:
    """The review record for templates: ISO dates, printed dates and one line of text, or None when the
    front matter gives none of the keys."""
    reviewed, due = settings.reviewed, settings.next_review
    by, version, owner = settings.reviewed_by, settings.version, settings.owner
    if not any((reviewed, due, by, version, owner)):
        return None
    style, lang = settings.date_format, settings.lang
    parts = []
    if reviewed:
        parts.append(words.format("last_reviewed", date=printed(reviewed, lang, style)))
    if by:
        parts.append(words.format("reviewed_by", name=by))
    if due:
        parts.append(words.format("next_review", date=printed(due, lang, style)))
    if version:
        parts.append(words.format("version_n", version=version))
    if owner:
        parts.append(words.format("owner_is", owner=owner))
    dates = [words.format(key, date=printed(day, lang, "medium")) for key, day in
             (("last_reviewed", reviewed), ("next_review", due)) if day]
    today = reference_day()
    return {
        "reviewed": reviewed.isoformat() if reviewed else None,
        "next_review": due.isoformat() if due else None,
        "reviewed_by": by, "version": version, "owner": owner,
        "line": " · ".join(parts),
        "footer": " · ".join(dates),  # the PDF's page footer: the dates alone, short
        "overdue": bool(due and today and due < today),
    }
