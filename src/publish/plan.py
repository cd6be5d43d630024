"""The build graph as a value: which steps a build has, what each reads and writes, and its settings key.

Pure functions of plain data (no process started, no file read): the runner (``run.py``), ``--dry-run``,
pruning and the index all read the same plan, so what a dry run lists is what a build builds.

doit's vocabulary: a step has ``inputs`` (``file_dep``: project-relative paths known before it runs; a
cite step also records the files it finds as it reads, like a compiler's depfile), a ``config`` digest
(``config_changed``: the settings and publish version that shape it) and ``targets``.

The graph is planned in two stages, because what a manuscript renders into is known only once it is read:

0. :func:`settings_steps`: reading the project's ``publish.yml``, when it has one;
1. :func:`cite_steps`: one ``cite`` step per manuscript (read, parse, cite -> a cited document);
2. :func:`render_steps`: once a manuscript's cite step has run (or was up to date), one ``render`` step per
   brand x format x edition it is built for, keyed on the cited document's digest, and its
   :func:`analysis_steps` (the author's reading-level report); and
   :func:`index_steps`, once every manuscript is known: one ``index`` page per brand.

:func:`plan` is both stages for a whole build, given every manuscript's :class:`DocInfo`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .state import config_hash

if TYPE_CHECKING:
    from .formats.base import FormatInfo, Link

CITE, BRAND, RENDER, ANALYSE, INDEX = "cite", "brand", "render", "readability", "index"
SETTINGS = "settings"


class Alternate(NamedTuple):
    """One language edition of a handout, as a page links it: ``<link rel="alternate" hreflang>``, the
    language switcher, the PDF's list of addresses."""

    lang: str  # a translation's tag as its file name gives it (sleep.es.md: es); the source's front matter lang
    stem: str  # its outputs' name: sleep.es -> build/<brand>/sleep.es.html


class Step(NamedTuple):
    """One unit of work. Its identity is (kind, manuscript, brand, format, edition); ``name`` is how the
    progress lines and the records spell it."""

    kind: str
    manuscript: str = ""  # the manuscript's stem
    brand: str = ""
    format: str = ""
    edition: str = ""  # "" is the standard edition
    inputs: tuple[str, ...] = ()  # project-relative files known before it runs
    config: str = ""
    targets: tuple[str, ...] = ()  # project-relative files it writes (a render may write assets besides)
    heavy: bool = False  # runs where WeasyPrint is imported
    source: str = ""  # a cite step's manuscript file, project-relative
    links: tuple[Link, ...] = ()  # a render's links to the handout's other outputs in this brand
    entries: tuple[Mapping[str, Any], ...] = ()  # an index's handouts
    alternates: tuple[Alternate, ...] = ()  # a render's: every language edition of its handout, itself included

    @property
    def name(self) -> str:
        if self.kind == CITE:
            return f"cite {self.manuscript}"
        if self.kind == SETTINGS:
            return f"settings {self.source}"
        if self.kind in (BRAND, INDEX):
            return f"{self.kind} {self.brand}"
        if self.kind == ANALYSE:
            return f"{self.kind} {self.manuscript}"
        label = f"{self.format}:{self.edition}" if self.edition else self.format
        return f"{label} {self.brand}/{self.manuscript}"

    def identity(self) -> dict[str, str]:
        """What a record keeps of the step, so pruning never parses a name back."""
        return {"kind": self.kind, "manuscript": self.manuscript, "brand": self.brand, "format": self.format,
                "edition": self.edition}


class Selection(NamedTuple):
    """What a build covers, checked against the project (see ``run.select``)."""

    manuscripts: tuple[str, ...]  # project-relative .md files to build
    brands: tuple[str, ...]  # brands to build for
    formats: tuple[str, ...]  # format names, in the registry's order
    editions: tuple[str, ...] | None  # "standard", "large-print", ...; None: every edition
    all_manuscripts: tuple[str, ...]  # every manuscript of the project (the index lists them all)
    all_brands: tuple[str, ...]

    def wants(self, edition: str) -> bool:
        return self.editions is None or (edition or "standard") in self.editions

    def heavy_renders(self, formats: Mapping[str, FormatInfo], manuscripts: int) -> int:
        """How many heavy renders (PDFs) a build of ``manuscripts`` of these manuscripts makes at most."""
        per = sum(self.wants(e) for f in self.formats if formats[f].heavy for e in formats[f].editions)
        return per * len(self.brands) * manuscripts

    def everything(self, formats: Sequence[str]) -> Selection:
        """The whole project in every format and edition: what pruning keeps."""
        return Selection(self.all_manuscripts, self.all_brands, tuple(formats), None, self.all_manuscripts,
                         self.all_brands)


class DocInfo(NamedTuple):
    """What a cite step learnt about its manuscript that the rest of the plan needs."""

    stem: str
    source: str  # project-relative
    title: str
    description: str
    lang: str
    brands: tuple[str, ...] | None  # the front matter's ``brands:``; None: every brand
    digest: str  # the cited document's
    next_review: str = ""  # ISO 8601, from the front matter
    content: str = ""  # the manuscript file's content hash (what a translation's translation-of names)
    translation_of: str = ""  # a translation's: the content hash of the source it was translated from

    def to_json(self) -> dict[str, Any]:
        d = self._asdict()
        d["brands"] = list(self.brands) if self.brands is not None else None
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> DocInfo:
        brands = d.get("brands")
        return cls(d["stem"], d["source"], d["title"], d.get("description", ""), d.get("lang", "en"),
                   tuple(brands) if brands is not None else None, d.get("digest", ""), d.get("next_review", ""),
                   d.get("content", ""), d.get("translation_of", ""))


#: (brand, format) -> the project-relative files that can shape that brand's output in that format: the
#: brand's folder and the format's template search path (listed by the runner, so the plan reads nothing).
InputsOf = Callable[[str, str], tuple[str, ...]]

#: (manuscript stem, brand) -> (format, edition) pairs built earlier and still on record.
BuiltOf = Callable[[str, str], set[tuple[str, str]]]


def stem_of(source: str) -> str:
    name = source.rsplit("/", 1)[-1]
    return name[:-3] if name.endswith(".md") else name


_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # a BCP 47 tag's shape (languages.TAG)


def translation_of(stem: str, stems: Sequence[str]) -> tuple[str, str] | None:
    """(source stem, language) when ``stem`` names a translation of another manuscript of ``stems``:
    ``sleep.es`` is the ``es`` edition of ``sleep`` when ``sleep.md`` exists. Known from the file names
    alone, so every page of a build can link every edition before the translations are read."""
    base, dot, tag = stem.rpartition(".")
    if not dot or not _TAG.match(tag) or base not in stems:
        return None
    return base, tag


def editions_of(stem: str, stems: Sequence[str]) -> list[str]:
    """The stems of one handout's language editions, in ``stems``' order: its source first, then each
    translation (``stem`` may be either)."""
    source = (translation_of(stem, stems) or (stem, ""))[0]
    return [source, *(s for s in stems if (t := translation_of(s, stems)) is not None and t[0] == source)]


def cite_steps(selection: Selection, version: str) -> list[Step]:
    """One cite step per selected manuscript, in order, the translations last: a translation's pages name
    their source's language, which its cite step reads."""
    config = config_hash({"version": version})
    return [Step(CITE, stem_of(src), inputs=(src,), config=config, targets=(doc_path(stem_of(src)),), source=src)
            for src in translations_last(selection.manuscripts, selection.all_manuscripts)]


def translations_last(sources: Sequence[str], every: Sequence[str]) -> list[str]:
    """``sources`` in order, except that the translations (of a manuscript among ``every``) come last."""
    stems = [stem_of(src) for src in every]
    return sorted(sources, key=lambda src: translation_of(stem_of(src), stems) is not None)


def settings_steps(settings: tuple[str, ...], version: str) -> list[Step]:
    """Reading the project's settings file (``publish.yml``), when it exists: one step of its own, so its
    problems are reported once (not once per handout), its warnings repeat while their cause lasts, and
    ``--dry-run`` names it. ``settings`` is the files that exist, project-relative."""
    config = config_hash({"version": version})
    return [Step(SETTINGS, inputs=(src,), config=config, source=src) for src in settings]


def doc_path(stem: str) -> str:
    """Where a cite step keeps its cited document between builds (project-relative)."""
    return f"build/.publish/docs/{stem}.pickle"


def brand_steps(selection: Selection, inputs_of: InputsOf) -> list[Step]:
    """Checking each selected brand (its contrast gate included) before anything is rendered for it."""
    return [Step(BRAND, brand=b, inputs=inputs_of(b, "")) for b in selection.brands]


def builds_for(info: DocInfo, brand: str) -> bool:
    return info.brands is None or brand in info.brands


def _links(info: DocInfo, brand: str, selection: Selection, formats: Mapping[str, FormatInfo],
           built: BuiltOf, *, standard_only: bool = False) -> tuple[Link, ...]:
    """Every output of one handout in one brand once this build is done: what it builds now and what
    earlier builds left on record, in the registry's order (``standard_only``: one per format)."""
    have = set(built(info.stem, brand))
    have |= {(f, e) for f in selection.formats for e in formats[f].editions if selection.wants(e)}
    links = []
    for name, fmt in formats.items():
        for edition in fmt.editions[:1] if standard_only else fmt.editions:
            if (name, edition) in have and (link := fmt.link(info.stem, edition)) is not None:
                links.append(link)
    return tuple(links)


def alternates(selection: Selection, info: DocInfo, brand: str, docs: Mapping[str, DocInfo],
               built: BuiltOf) -> tuple[Alternate, ...]:
    """The language editions of ``info``'s handout that have a web page in ``brand`` once this build is done
    (itself included), or () when it has no other. A translation's language is its file name's; the
    source's is its front matter's (its cite step comes first), so a second build plans the same links."""
    stems = [stem_of(src) for src in selection.all_manuscripts]
    out = []
    for stem in editions_of(info.stem, stems):
        other = info if stem == info.stem else docs.get(stem)
        tag = translation_of(stem, stems)
        lang = tag[1] if tag else other.lang if other is not None else ""
        if not lang or (other is not None and not builds_for(other, brand)):
            continue
        if stem != info.stem and "html" not in selection.formats and ("html", "") not in built(stem, brand):
            continue
        out.append(Alternate(lang, stem))
    return tuple(out) if len(out) > 1 else ()


def render_steps(selection: Selection, info: DocInfo, formats: Mapping[str, FormatInfo], inputs_of: InputsOf,
                 built: BuiltOf, version: str, docs: Mapping[str, DocInfo] | None = None) -> list[Step]:
    """One manuscript's outputs: brand x format x edition, heavy formats first (the longest renders start
    first, so the build does not end waiting for one), except one web page before them: the page that
    links the others is what a reader, and the preview, opens first, and it costs the heavy renders only
    its hand-over (it runs in the other pool, and before the handout's body is written for the PDFs).
    ``docs``: what is known of the other manuscripts, for the links between a handout's language editions."""
    steps = []
    langs = {b: alternates(selection, info, b, docs or {}, built) for b in selection.brands}
    for name in sorted(selection.formats, key=lambda f: not formats[f].heavy):
        fmt = formats[name]
        for edition in fmt.editions:
            if not selection.wants(edition):
                continue
            for brand in selection.brands:
                if not builds_for(info, brand):
                    continue
                links = _links(info, brand, selection, formats, built) if fmt.links_others else ()
                settings = {"version": version, "doc": info.digest, "format": name, "edition": edition,
                            "brand": brand, "links": links}
                if langs[brand]:
                    settings["alternates"] = langs[brand]
                steps.append(Step(RENDER, info.stem, brand, name, edition, inputs=inputs_of(brand, name),
                                  config=config_hash(settings),
                                  targets=(f"build/{brand}/{fmt.filename(info.stem, edition)}",),
                                  heavy=fmt.heavy, links=links, alternates=langs[brand]))
    page = next((i for i, s in enumerate(steps) if formats[s.format].links_others), None)
    return steps if page is None else [steps[page], *steps[:page], *steps[page + 1:]]


def analysis_steps(selection: Selection, info: DocInfo, inputs_of: InputsOf, version: str,
                   settings: tuple[str, ...] = ()) -> list[Step]:
    """The author's report on one manuscript (its reading level, against the target its front matter,
    the brands it is built for or the project's ``publish.yml`` set): ``build/reports/<stem>.readability.html``
    and ``.json``. Its inputs are the files that can set a target (the brands' ``_brand.yml`` and the
    ``settings`` files that exist); the analysis itself is publish's code (in ``version``)."""
    brands = [b for b in selection.brands if builds_for(info, b)]
    inputs = tuple(f for b in brands for f in inputs_of(b, "") if f.endswith("/_brand.yml")) + settings
    config = config_hash({"version": version, "doc": info.digest, "brands": brands})
    base = f"build/reports/{info.stem}.readability"
    return [Step(ANALYSE, info.stem, inputs=inputs, config=config, targets=(f"{base}.html", f"{base}.json"))]


def index_steps(selection: Selection, docs: Mapping[str, DocInfo], formats: Mapping[str, FormatInfo],
                inputs_of: InputsOf, built: BuiltOf, version: str, as_of: str = "") -> list[Step]:
    """One index page per selected brand, listing every handout of the project built for it (not only the
    ones selected now), with links to the outputs it has. Only a build that makes web pages makes it.
    ``as_of``: the build's declared day (SOURCE_DATE_EPOCH), before which a next review is overdue."""
    if "html" not in selection.formats:
        return []
    steps = []
    stems = [stem_of(src) for src in selection.all_manuscripts]

    def entry(info: DocInfo, brand: str) -> dict[str, Any]:
        links = _links(info, brand, selection, formats, built, standard_only=True)
        page = next((link.href for link in links if link.href == f"{info.stem}.html"), None)
        return {"stem": info.stem, "title": info.title, "description": info.description,
                "lang": info.lang, "page": page, "links": [link._asdict() for link in links],
                "next_review": info.next_review,
                "overdue": bool(as_of and info.next_review and info.next_review < as_of), "editions": []}

    for brand in selection.brands:
        entries = []
        by_stem: dict[str, dict[str, Any]] = {}
        for src in translations_last(selection.all_manuscripts, selection.all_manuscripts):
            info = docs.get(stem_of(src))
            if info is None or not builds_for(info, brand):
                continue
            e = entry(info, brand)
            source = translation_of(info.stem, stems)
            if source is not None and source[0] in by_stem:
                by_stem[source[0]]["editions"].append(e)
            else:
                by_stem[info.stem] = e
                entries.append(e)
        config = config_hash({"version": version, "entries": entries})
        steps.append(Step(INDEX, brand=brand, format="html", inputs=inputs_of(brand, "html"), config=config,
                          targets=(f"build/{brand}/index.html",), entries=tuple(entries)))
    return steps


def plan(selection: Selection, docs: Mapping[str, DocInfo], formats: Mapping[str, FormatInfo],
         inputs_of: InputsOf, built: BuiltOf, version: str, as_of: str = "",
         settings: tuple[str, ...] = ()) -> list[Step]:
    """Every step of a build, in the order the runner starts them; a manuscript without a DocInfo (never
    cited) contributes its cite step only. ``settings``: the project's settings files that exist."""
    steps = settings_steps(settings, version) + cite_steps(selection, version) + brand_steps(selection, inputs_of)
    for src in selection.manuscripts:
        info = docs.get(stem_of(src))
        if info is not None:
            steps += render_steps(selection, info, formats, inputs_of, built, version, docs)
            steps += analysis_steps(selection, info, inputs_of, version, settings)
    return steps + index_steps(selection, docs, formats, inputs_of, built, version, as_of)
