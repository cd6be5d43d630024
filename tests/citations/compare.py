"""Normalised text of pandoc inlines, for comparing our output with pandoc's and citeproc-js's.

Formatting that matters for a citation (italic, bold, small caps, super/subscript) is kept as HTML-like
tags; everything else (links, spans, quotes as Str) is reduced to its text. Both reference processors'
outputs are normalised the same way, so only differences a reader could see remain.
"""

from __future__ import annotations

import html
import re
import unicodedata

TAGS = {"Emph": "i", "Strong": "b", "SmallCaps": "sc", "Superscript": "sup", "Subscript": "sub"}


def marked(inlines: list[dict]) -> str:
    """Pandoc inlines -> text with <i>, <b>, <sc>, <sup>, <sub> tags."""
    out: list[str] = []
    for node in inlines:
        t = node["t"]
        if t == "Str":
            out.append(node["c"])
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t in TAGS:
            out.append(f"<{TAGS[t]}>{marked(node['c'])}</{TAGS[t]}>")
        elif t in ("Link", "Span"):
            inner = marked(node["c"][1])
            classes = node["c"][0][1]
            if "csl-left-margin" in classes:
                inner = inner.rstrip() + "\u2063"  # the gap after a label is layout: normalised below
            out.append(inner)
        elif t == "Cite":
            out.append(marked(node["c"][1]))
        elif t == "Quoted":
            q = ("\u201c", "\u201d") if node["c"][0]["t"] == "DoubleQuote" else ("\u2018", "\u2019")
            out.append(q[0] + marked(node["c"][1]) + q[1])
        elif t == "Underline":
            out.append(marked(node["c"]))
        elif t == "Code":
            out.append(node["c"][1])
    return normalise("".join(out))


def normalise(text: str) -> str:
    """Merge adjacent equal tags, move spaces out of tags, squeeze whitespace, label gap as one space."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    prev = None
    while prev != text:
        prev = text
        for tag in TAGS.values():
            text = text.replace(f"</{tag}><{tag}>", "")
            text = re.sub(rf"<{tag}>(\s+)", rf"\1<{tag}>", text)
            text = re.sub(rf"(\s+)</{tag}>", rf"</{tag}>\1", text)
            text = text.replace(f"<{tag}></{tag}>", "")
    text = re.sub(r"\s*\u2063\s*", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text


def html_to_marked(fragment: str) -> str:
    """citeproc-js HTML output -> the same normalised form."""
    s = fragment
    s = re.sub(
        r'<div class="csl-left-margin">(.*?)</div>', lambda m: m.group(1).rstrip() + "\u2063", s, flags=re.S
    )
    s = re.sub(r"<(/?)(i|em)>", r"<\1i>", s)
    s = re.sub(r"<(/?)(b|strong)>", r"<\1b>", s)
    s = re.sub(r'<span style="font-variant:\s*small-caps;?">(.*?)</span>', r"<sc>\1</sc>", s, flags=re.S)
    s = re.sub(r'<span style="font-style:\s*normal;?">(.*?)</span>', r"\1", s, flags=re.S)
    s = re.sub(r"<(?!/?(?:i|b|sc|sup|sub)>)[^>]*>", "", s)
    s = html.unescape(s)
    return normalise(s)
