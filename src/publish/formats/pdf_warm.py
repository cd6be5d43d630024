"""What a PDF worker keeps between renders: the print stylesheet as WeasyPrint parsed it, and the font
configuration its ``@font-face`` rules filled, keyed by content.

Why: in a warm worker (``publish serve``; a build's pool worker rendering several handouts) every render
of a brand's edition parses the same stylesheet again (tinycss2, the selectors, the declarations) and
builds a new fontconfig configuration, copying each font face into a temporary folder and registering
it, and Pango then opens and shapes with fonts it has never seen. About a tenth of the seed's PDF; the
text is what changed, not the stylesheet.

The key is the stylesheet's text, the document's base URL and the sandbox's folders, and an entry is
used only while every file the stylesheet fetched when it was parsed (its fonts) still has the bytes it
had then: a font replaced under the same name is a new entry. The handout's HTML still carries the
stylesheet in its ``<style>``; WeasyPrint finds it there and asks for it to be parsed, and gets the kept
one instead (an author stylesheet as before, same cascade). What parsing it did to the document's shared
state (its ``@page`` rules, layers, counter styles, colour profiles) is done again on the kept sheet's
behalf. A stylesheet whose parsing logged anything, or that did not leave that state as this can redo,
is not kept. WeasyPrint offers no public way to hand it an author stylesheet already parsed, so this
replaces the one name ``weasyprint.css.CSS`` (through which it parses ``<style>`` contents) with a
function that returns the kept sheet for the one text being rendered and calls WeasyPrint's class for
everything else; if that name is not a class, nothing is kept and WeasyPrint runs as it is.
``tests/unit/test_pdf_warm.py`` checks that PDFs rendered warm are byte-identical to a cold process's.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Entries kept per process: a brand's two editions, for a few brands.
KEPT = 6

_lock = threading.Lock()
_kept: OrderedDict[str, _Sheet] = OrderedDict()
_current = threading.local()
_installed: list[bool] = []
#: How many renders were given a kept sheet (tests and benchmarks read it).
reused = 0


@dataclass
class _Sheet:
    """One parsed print stylesheet and what parsing it did: enough to do it again on a new document."""

    font_config: Any
    css: Any = None
    source: str = ""  # the <style> element's text as WeasyPrint read it (the stylesheet, as laid out)
    files: dict[Path, str] = field(default_factory=dict)  # fetched while parsing -> sha256 of its bytes
    page_rules: list[Any] = field(default_factory=list)
    before: tuple[int, tuple[str, ...], frozenset[str], frozenset[str]] = (0, (), frozenset(), frozenset())
    layers: list[str] = field(default_factory=list)
    counter_style: dict[str, Any] = field(default_factory=dict)
    color_profiles: dict[str, Any] = field(default_factory=dict)

    def fresh(self) -> bool:
        """Every file its parsing read still has the bytes it had (a file gone: no; the render says why)."""
        try:
            return all(_digest(path) == digest for path, digest in self.files.items())
        except OSError:
            return False


class _Job:
    """The render in progress on this thread: the stylesheet text it inlines, and its entry."""

    def __init__(self, text: str, sheet: _Sheet, fetcher: Any) -> None:
        self.text, self.sheet, self.fetcher = text.strip(), sheet, fetcher
        self.used = False  # WeasyPrint asked for this text to be parsed
        self.keep = False  # ... and it was parsed in a way this module can redo

    def css(self, original: type, kwargs: dict[str, Any]) -> Any:
        state = _state(kwargs)
        sheet = self.sheet
        if sheet.css is not None and not self.used and state == sheet.before and kwargs["string"] == sheet.source:
            self.used = True
            return self.replay(kwargs)
        first = not self.used and self.sheet.css is None
        self.used = True
        if not first or kwargs.get("url_fetcher") is not self.fetcher:  # a second <style> with the same
            return original(**kwargs)  # text, another document state, a fetcher that notes nothing: as it was
        return self.parse(original, kwargs, state)

    def parse(self, original: type, kwargs: dict[str, Any], state: tuple[Any, ...]) -> Any:
        page_rules, layers = kwargs["page_rules"], kwargs["layers"]
        counters, profiles = kwargs["counter_style"], kwargs["color_profiles"]
        old_counters, old_profiles = dict(counters), dict(profiles)
        layers_before = list(layers)
        logged = _Logged()
        logger = logging.getLogger("weasyprint")
        self.fetcher.fetched = []
        logger.addHandler(logged)
        try:
            css = original(**kwargs)
        finally:
            logger.removeHandler(logged)
            fetched, self.fetcher.fetched = self.fetcher.fetched, None
        if logged.count or layers[:len(layers_before)] != layers_before or fetched is None:
            return css
        try:
            files = {path: _digest(path) for path in fetched}
        except OSError:
            return css
        sheet = self.sheet
        sheet.css, sheet.files, sheet.before, sheet.source = css, files, state, kwargs["string"]
        sheet.page_rules = page_rules[state[0]:]
        sheet.layers = layers[len(layers_before):]
        sheet.counter_style = {k: v for k, v in counters.items() if k not in old_counters or old_counters[k] is not v}
        sheet.color_profiles = {k: v for k, v in profiles.items() if k not in old_profiles or old_profiles[k] is not v}
        self.keep = True
        return css

    def replay(self, kwargs: dict[str, Any]) -> Any:
        """The kept sheet, with this document's shared lists (WeasyPrint reads a sheet's ``layers`` and
        ``page_rules``, which are the document's), and what parsing it added to them added again."""
        sheet = self.sheet
        kwargs["page_rules"].extend(sheet.page_rules)
        kwargs["layers"].extend(sheet.layers)
        kwargs["counter_style"].update(sheet.counter_style)
        kwargs["color_profiles"].update(sheet.color_profiles)
        css = copy.copy(sheet.css)
        css.page_rules, css.layers = kwargs["page_rules"], kwargs["layers"]
        self.keep = True
        global reused
        reused += 1
        return css


class _Logged(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.count += 1


def _state(kwargs: dict[str, Any]) -> tuple[int, tuple[str, ...], frozenset[str], frozenset[str]]:
    """The document's shared state as a stylesheet finds it (what a replay needs to be the same)."""
    return (len(kwargs["page_rules"]), tuple(kwargs["layers"]), frozenset(kwargs["counter_style"]),
            frozenset(kwargs["color_profiles"]))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _install() -> bool:
    """Route ``weasyprint.css.CSS`` through :func:`_job_css` (once); False if WeasyPrint is not as expected."""
    if _installed:
        return _installed[0]
    import weasyprint.css as css_module

    original = getattr(css_module, "CSS", None)
    if not isinstance(original, type):
        _installed.append(False)
        return False

    def parse_css(*args: Any, **kwargs: Any) -> Any:
        job: _Job | None = getattr(_current, "job", None)
        wanted = ("string", "page_rules", "layers", "counter_style", "color_profiles", "font_config")
        if (job is None or args or not isinstance(kwargs.get("string"), str)
                or kwargs["string"].strip() != job.text
                or kwargs.get("font_config") is not job.sheet.font_config
                or any(kwargs.get(k) is None for k in wanted)):
            return original(*args, **kwargs)
        return job.css(original, kwargs)

    css_module.CSS = parse_css
    _installed.append(True)
    return True


def _key(text: str, base_url: str, fetcher: Any) -> str:
    roots = "\n".join(str(r) for r in getattr(fetcher, "roots", ()))
    denied = "\n".join(str(d) for d in getattr(fetcher, "denied", ()))
    return hashlib.sha256("\0".join((text, base_url, roots, denied)).encode()).hexdigest()


@contextlib.contextmanager
def warm_styles(text: str, base_url: str, fetcher: Any) -> Iterator[Any]:
    """The font configuration to render with (``HTML.render(font_config=...)``); while inside, the
    document's ``<style>`` with ``text`` is the kept parsed sheet when there is one. ``fetcher`` is the
    render's sandbox fetcher (it notes the files it reads while a stylesheet is parsed). A render that
    raises keeps nothing new."""
    from weasyprint.text.fonts import FontConfiguration

    if not _install() or not hasattr(fetcher, "fetched"):
        yield FontConfiguration()
        return
    key = _key(text, base_url, fetcher)
    with _lock:
        sheet = _kept.pop(key, None)
    if sheet is not None and not sheet.fresh():
        sheet = None
    if sheet is None:
        sheet = _Sheet(FontConfiguration())
    job = _Job(text, sheet, fetcher)
    _current.job = job
    try:
        yield sheet.font_config
    finally:
        _current.job = None
    if job.keep:
        with _lock:
            _kept[key] = sheet
            while len(_kept) > KEPT:
                _kept.popitem(last=False)


def forget() -> None:
    """Drop every kept stylesheet (tests; a process that wants its memory back)."""
    with _lock:
        _kept.clear()
