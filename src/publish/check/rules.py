"""What a finding says to an author: the words and the fix for the rules an author meets most, by rule id.

The validators' own messages speak of the output (``<img> elements must have an alt attribute``); these
speak of what the author wrote and what to write instead. A rule not listed keeps the validator's message
and points at its documentation.
"""

from __future__ import annotations

#: rule id -> (message, hint). ``{src}``/``{href}`` are the element's.
RULES: dict[str, tuple[str, str]] = {
    "image-alt": ("image has no alternative text", "add a description: ![what it shows]({src})"),
    "role-img-alt": ("image has no alternative text", "give it a description (aria-label or alt)"),
    "svg-img-alt": ("image has no alternative text", "give the SVG a <title> that says what it shows"),
    "input-image-alt": ("image button has no alternative text", "give it alt=\"what the button does\""),
    "object-alt": ("embedded object has no alternative text", "describe it inside the <object>"),
    "link-name": ("link has no text", "write the link's words: [where it goes]({href})"),
    "heading-order": ("heading skips a level", "use one level below the heading before it (## then ###)"),
    "color-contrast": ("text does not contrast enough with its background",
                       "darken the text colour or lighten the background (WCAG 2.2 AA: 4.5:1, large text 3:1)"),
    "td-has-header": ("table has no header cells", "give the table a header row"),
    "empty-heading": ("heading is empty", "write the heading's words, or remove the # line"),
    "page-has-heading-one": ("page has no first-level heading", "give the manuscript a title"),
    "duplicate-id": ("two elements have the same id", "give each heading or {#id} its own name"),
    "list": ("list holds something that is not a list item", "check the list's indentation"),
}

#: publish's own page rules (npm/browser.js ownRules), for what the validators cannot judge.
OWN: dict[str, tuple[str, str]] = {
    "link-purpose": ("link text does not say where the link goes",
                     "name the destination: [the sleep guide]({href}) instead of \"click here\""),
    "table-header": ("table has no header cells",
                     "give the table a header row (a pipe table's first row, above |---|)"),
    "image-alt": ("image's alternative text is a file name, not a description",
                  "say what it shows: ![what it shows]({src})"),
}

#: Link texts that say nothing of the destination (WCAG 2.4.4 Link Purpose), compared lowercased.
GENERIC_LINK_TEXT = (
    "click here", "click", "here", "this", "this link", "link", "more", "read more", "learn more",
    "find out more", "more info", "more information", "details", "go", "see here",
)


def message_for(rule: str, fallback: str, fill: dict[str, str], own: bool = False) -> tuple[str, str]:
    """(message, hint) for a rule, the element's target filled in."""
    table = OWN if own else RULES
    if rule in table:
        message, hint = table[rule]
        safe = {k: (v or "...") for k, v in fill.items()}
        return message, hint.format_map(_Default(safe))
    text = fallback.rstrip(".")
    return (text[:1].lower() + text[1:] if text else rule), ""


class _Default(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "..."
