"""The web pages: axe-core's violations and publish's own page rules (from the browser half), and the Nu Html
Checker's errors (from the JVM half, ``jvm.py``: every page in one run)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import PublishError
from . import elements
from .findings import ERROR, WARNING, Raw
from .rules import message_for

#: An output's identity for its findings: (project-relative path, format, brand).
Meta = tuple[str, str, str]


def _fill(where: Mapping[str, Any] | None) -> dict[str, str]:
    where = where or {}
    return {"src": where.get("src") or "", "href": where.get("href") or ""}


def axe_findings(page: Mapping[str, Any], meta: Meta) -> list[Raw]:
    """axe's violations at every width, and the own rules' findings, of one page."""
    output, fmt, brand = meta
    if page.get("error"):
        return [Raw("publish", "page-load", ERROR, f"the page could not be checked ({page['error']})", output,
                    fmt, brand, hint="open it in a browser to see why")]
    found: list[Raw] = []
    for width, violations in page.get("widths", {}).items():
        for v in violations:
            severity = WARNING if "best-practice" in v.get("tags", []) else ERROR
            for node in v.get("nodes", []):
                where = dict(node.get("where") or {})
                data = node.get("data") or {}
                if v["id"] == "color-contrast" and data.get("fgColor"):
                    where["colours"] = [data.get("bgColor", ""), data.get("fgColor", "")]
                message, hint = message_for(v["id"], v.get("help", ""), _fill(where))
                if v["id"] == "color-contrast" and data.get("contrastRatio"):
                    message += (f" ({data.get('fgColor')} on {data.get('bgColor')}: {data['contrastRatio']}:1, "
                                f"needs {data.get('expectedContrastRatio', '4.5:1')})")
                if not hint and v.get("helpUrl"):
                    hint = f"see {v['helpUrl'].split('?')[0]}"
                found.append(Raw("axe", v["id"], severity, message, output, fmt, brand, f"{width} px",
                                 node.get("target", ""), where or None, hint))
    for own in page.get("own", []):
        where = own.get("where")
        message, hint = message_for(own["rule"], own["rule"], _fill(where), own=True)
        found.append(Raw("publish", own["rule"], ERROR, message, output, fmt, brand, "", own.get("selector", ""),
                         where, hint))
    return found


def nu_findings(report: str, meta_of: Callable[[Path], Meta]) -> dict[str, list[Raw]]:
    """The Nu checker's errors (its JSON report), by output, each with the element its line points into."""
    try:
        messages = json.loads(report or '{"messages": []}')["messages"]
    except (ValueError, KeyError):
        raise PublishError(f"the Nu Html Checker gave no report ({report.strip()[:200]})",
                           hint="check that java runs: java -version") from None
    found: dict[str, list[Raw]] = {}
    parsed: dict[str, Any] = {}
    for m in messages:
        url = m.get("url", "")
        path = Path(url.removeprefix("file:"))
        kind = m.get("type")
        if kind == "info" and m.get("subType") != "warning":
            continue
        severity = ERROR if kind in ("error", "non-document-error") else WARNING
        output, fmt, brand = meta_of(path)
        where, element = None, ""
        line = m.get("lastLine") or m.get("firstLine")
        if line and path.is_file():
            if str(path) not in parsed:
                root = elements.parse(path.read_bytes(), xml=False)
                parsed[str(path)] = (root, elements.body_of(root, xml=False))
            root, body = parsed[str(path)]
            el = elements.at_line(root, int(line))
            if el is not None:
                where = elements.describe(el, body)
                element = elements.selector(el)
        rule = _nu_rule(m.get("message", ""))
        found.setdefault(output, []).append(Raw("nu", rule, severity, m.get("message", "").rstrip("."), output,
                                                fmt, brand, "", element or f"line {line}", where))
    return found


#: The Nu checker's messages that are a fault another validator names too, by that fault's rule id.
NU_RULES = (
    (re.compile(r"^The heading .* skipping \d+ heading level"), "heading-order"),
    (re.compile(r"^An .img. element must have an .alt. attribute"), "image-alt"),
    (re.compile(r"^Duplicate ID"), "duplicate-id"),
)


def _nu_rule(message: str) -> str:
    """The Nu checker has no rule ids: a known fault's id, else its message's first words, as a stable name."""
    for pattern, rule in NU_RULES:
        if pattern.search(message):
            return rule
    words = [w for w in message.replace("“", " ").replace("”", " ").split()[:4] if w.isalpha()]
    return "-".join(w.lower() for w in words[:3]) or "message"
