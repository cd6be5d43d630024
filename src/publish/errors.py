"""The only exceptions a user sees.

Every stage raises :class:`PublishError` for bad input. The CLI turns it into one line,
``file:line:col: error: what is wrong; what to do``, and exit status 1. A stage that checks a whole
file raises :class:`PublishErrors`, so the author fixes every problem after one run instead of one
per run. Anything else that escapes is a bug in publish, shown as a traceback only under ``--debug``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple


def shown_path(file: str) -> str:
    """``file`` as the author would type it: relative to the working directory when it lies under it.

    Stages name files as they found them, some through the project's resolved root (brands, drafts
    found by a glob) and some as given on the command line, so without this one build printed
    ``/home/ana/clinic/manuscript/a.md`` and ``manuscript/b.md`` side by side."""
    path = Path(file)
    if not path.is_absolute():
        return file
    try:
        here = Path.cwd()
        return file if here == Path(here.anchor) else str(path.relative_to(here))
    except (ValueError, OSError):  # elsewhere, or the working directory is gone
        return file


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
        parts = [shown_path(self.file)] if self.file else []
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


class PublishErrors(PublishError):
    """Every problem found in one pass over a file, one line each, with the warnings found on the way.

    A :class:`PublishError` itself, so every ``except PublishError`` handler keeps working; its own
    ``message``/``file``/``line`` are the first problem's, for code that reads only one. The warnings
    ride along because a misspelt key is often the cause of the error that stops the build.
    """

    def __init__(self, errors: Iterable[PublishError], warnings: Iterable[Warning_] = ()) -> None:
        flat: list[PublishError] = []
        carried: list[Warning_] = list(warnings)
        for err in errors:
            if isinstance(err, PublishErrors):
                flat.extend(err.errors)
                carried.extend(err.warnings)
            else:
                flat.append(err)
        if not flat:
            raise ValueError("PublishErrors needs at least one error")
        first = flat[0]
        super().__init__(first.message, file=first.file, line=first.line, col=first.col, hint=first.hint)
        self.errors = flat
        self.warnings = list(dict.fromkeys(carried))  # the same warning found twice is one line

    @staticmethod
    def check(errors: Iterable[PublishError], warnings: Iterable[Warning_] = ()) -> None:
        """Raise what was found, if anything: a lone error as itself, several (or with warnings) together."""
        errors, warnings = list(errors), list(warnings)
        if not errors:
            return
        if len(errors) == 1 and not warnings and not isinstance(errors[0], PublishErrors):
            raise errors[0]
        raise PublishErrors(errors, warnings)

    def __iter__(self) -> Iterator[PublishError]:
        return iter(self.errors)

    def __len__(self) -> int:
        return len(self.errors)

    def format(self, kind: str = "error") -> str:
        """One line per problem, warnings included, in the order they stand in their files."""
        lines = [(w.file or "", w.line or 0, w.col or 0, 0, w.format()) for w in self.warnings]
        lines += [(e.file or "", e.line or 0, e.col or 0, 1, e.format(kind)) for e in self.errors]
        return "\n".join(line for *_, line in sorted(lines, key=lambda t: t[:4]))

    def __reduce__(self) -> tuple[type, tuple[list[PublishError], list[Warning_]]]:
        # Exceptions pickle as cls(*args); these cross process boundaries from the workers.
        return (PublishErrors, (self.errors, self.warnings))


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
    close = close_matches(word, choices, n)
    if not close:
        return None
    return "did you mean " + ", ".join(close) + "?"


def close_matches(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The choices near ``word``, nearest first (what :func:`did_you_mean` offers)."""
    import difflib  # only when something is wrong

    return difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)


def line_col_of_offset(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in ``text``."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col
