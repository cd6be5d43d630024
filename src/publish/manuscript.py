"""Markdown with front matter -> :class:`Manuscript` (settings + pandoc JSON AST), parsed once."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .config import Settings, parse_settings, split_front_matter
from .errors import PublishError, Warning_, line_col_of_offset
from .inlines import meta_inlines, plain_text
from .pandoc import markdown_to_ast
from .resources import mark_decorative


@dataclass
class Manuscript:
    """One source document: where it is, what its front matter says, and its parsed AST."""

    path: Path
    text: str
    settings: Settings
    ast: dict[str, Any]
    warnings: list[Warning_] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return self.path.stem


def read_text(path: Path) -> str:
    """The manuscript's text, refusing what is empty or not UTF-8 with the place of the bad byte."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PublishError("manuscript not found", file=path, hint="check the file name") from None
    except IsADirectoryError:
        raise PublishError("manuscript is a folder, not a file", file=path, hint="name a .md file") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", "replace")
        line, col = line_col_of_offset(good, len(good))
        raise PublishError(
            f"manuscript is not UTF-8 (byte 0x{data[exc.start]:02x})",
            file=path,
            line=line,
            col=col,
            hint="save the file as UTF-8",
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not text.strip():
        raise PublishError("manuscript is empty", file=path, hint="write some Markdown, with a front matter title")
    return text


def load_manuscript(path: Path) -> Manuscript:
    """Read, check the front matter, and parse the Markdown into pandoc's AST."""
    text = read_text(path)
    data, body_line = split_front_matter(text, path)
    settings, warnings = parse_settings(data, text, path)
    if body_line > 1 and not text.split("\n", body_line - 1)[-1].strip():
        raise PublishError(
            "manuscript has front matter but no text", file=path, line=body_line, hint="write the article below it"
        )
    ast = markdown_to_ast(text)
    ast["meta"] = _literal_raw(ast.get("meta", {}))
    mark_decorative(ast)
    # Titles are Markdown: the plain text ("everything", not "*everything*") for metadata and running heads.
    plain = {key: plain_text(meta_inlines(ast["meta"], name))
             for key, name in (("title", "title"), ("short_title", "short-title"), ("subtitle", "subtitle"),
                               ("description", "description"))}
    if not plain["short_title"]:
        plain["short_title"] = plain["title"]
    settings = replace(settings, **{k: v for k, v in plain.items() if v})
    return Manuscript(path=path, text=text, settings=settings, ast=ast, warnings=warnings)


def _literal_raw(node: Any) -> Any:
    """Metadata is text, never markup: raw HTML in a title (``<script>``) becomes literal characters.

    pandoc reads metadata values as Markdown, so without this a title could inject markup into the
    EPUB's title page and navigation, where pandoc's writers place it verbatim.
    """
    if isinstance(node, dict):
        if node.get("t") == "RawInline":
            return {"t": "Str", "c": node["c"][1]}
        if node.get("t") == "RawBlock":
            return {"t": "Plain", "c": [{"t": "Str", "c": node["c"][1]}]}
        return {k: _literal_raw(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_literal_raw(v) for v in node]
    return node
