"""The only exceptions a user sees.

Every stage raises :class:`PublishError` for bad input. The CLI turns it into one line,
``file:line:col: error: what is wrong; what to do``, and exit status 1. Anything else that
escapes is a bug in publish, shown as a traceback only under ``--debug``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple


class PublishError(Exception):
    """Bad input, with where it is and what to do about it."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        col: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.col = col
        self.hint = hint

    def location(self) -> str:
        """``file:line:col`` with the parts that are known."""
        parts = [self.file] if self.file else []
        if self.file and self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def format(self, kind: str = "error") -> str:
        """The single line the user reads."""
        where = self.location()
        text = f"{kind}: {self.message}"
        if self.hint:
            text += f"; {self.hint}"
        return f"{where}: {text}" if where else text

    def __str__(self) -> str:
        return self.format()


class Warning_(NamedTuple):
    """A problem that does not stop the build (``--strict`` makes it one)."""

    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    hint: str | None = None

    def as_error(self) -> PublishError:
        return PublishError(self.message, file=self.file, line=self.line, col=self.col, hint=self.hint)

    def format(self) -> str:
        return self.as_error().format("warning")


def did_you_mean(word: str, choices: Iterable[str], n: int = 3) -> str | None:
    """A ``did you mean X, Y?`` hint, or None when nothing is close."""
    import difflib  # only when something is wrong

    close = difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + ", ".join(close) + "?"


def line_col_of_offset(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in ``text``."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col
