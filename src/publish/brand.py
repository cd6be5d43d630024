"""A clinic's identity: ``styles/brands/<name>/_brand.yml`` -> :class:`Brand`.

The file follows the brand.yml specification and is read with the ``brand-yml`` package (Quarto's
own reader), so a brand written for Quarto works here. brand.yml has no place for a clinic's postal
address, phone, opening hours, crisis notice, disclaimer or paper size: those live under
``defaults.publish`` and are validated here, key by key.

Brand values flow one way: _brand.yml -> Brand -> CSS custom properties -> every format's stylesheet.
The WCAG 2.2 AA contrast gate uses coloraide's WCAG 2.1 contrast (the formula WCAG 2.2 keeps).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .config import BOOL, GRADE, TEXT, Invalid, Key, Reader, YamlPlaces, read_keys
from .errors import PublishError, PublishErrors, Warning_, did_you_mean
from .languages import Texts, is_translations, read_translations

BRAND_FILE = "_brand.yml"
SHARED_FONTS = Path("..", "..", "fonts")  # from a brand's folder: styles/fonts/
AA_TEXT = 4.5  # WCAG 2.2 SC 1.4.3, normal-size text

def _phone(value: Any, file: Path) -> str:
    if not isinstance(value, str):
        raise Invalid("must be a phone number as text",
                      f'got {type(value).__name__} {value!r}; quote it: "+1 555 0100"')
    if sum(ch.isdigit() for ch in value) < 3:
        raise Invalid(f"'{value}' has no phone number in it", 'write digits, e.g. "+1 555 0100"')
    return value.strip()


def _email(value: Any, file: Path) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        raise Invalid(f"'{value}' is not an e-mail address", "write name@example.org")
    return value.strip()


def _translatable(value: Any, file: Path) -> str | Texts | None:
    """Text, or the same text in several languages: ``{en: "...", es: "..."}`` (the first is the fallback)."""
    if is_translations(value):
        texts, problems = read_translations(value, "")
        if texts is None:
            raise Invalid(*problems[0])
        return texts
    if isinstance(value, dict):
        raise Invalid("must be text, or a mapping from language tags to text",
                      'write it as text, or as {en: "...", es: "..."}')
    return TEXT.read(value, file)


def _paper(value: Any, file: Path) -> str:
    if value not in PAPER_SIZES:
        raise Invalid(f"'{value}' is not a paper size", "use " + " or ".join(PAPER_SIZES))
    return str(value)


def _script_fonts(value: Any, file: Path) -> dict[str, str]:
    """``{Arab: Noto Sans Arabic, Hans: Noto Sans SC}``: a fallback family per ISO 15924 script."""
    if not isinstance(value, dict):
        raise Invalid("must map scripts to font families", "write e.g. fonts: {Arab: Noto Sans Arabic}")
    for script, family in value.items():
        if not (isinstance(script, str) and re.fullmatch(r"[A-Z][a-z]{3}", script)):
            raise Invalid(f"names '{script}', which is not an ISO 15924 script code",
                          "use four letters such as Arab, Hebr, Hans, Cyrl")
        if not isinstance(family, str) or not family.strip():
            raise Invalid(f"has no font family for {script}", f"write {script}: <a family of typography.fonts>")
    return {k: v.strip() for k, v in value.items()}


PAPER_SIZES = ("letter", "a4")
TRANSLATABLE = Reader("text, or {language: text}", _translatable, text=True)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: The clinic details brand.yml has no place for, under ``defaults.publish``: one declaration each
#: (see publish.config), which drives the checks, "did you mean" and the README's table.
PUBLISH_SETTINGS: tuple[Key, ...] = (
    Key("address", TRANSLATABLE, None, "the postal address, on one line"),
    Key("phone", Reader("text with a phone number", _phone), None, 'the phone number, as text: "+1 555 0100"'),
    Key("email", Reader("e-mail address", _email), None, "the e-mail address"),
    Key("hours", TRANSLATABLE, None, "opening hours"),
    Key("crisis", TRANSLATABLE, None, "a crisis or emergency notice"),
    Key("disclaimer", TRANSLATABLE, None, "a disclaimer printed on every output"),
    Key("paper", Reader(" or ".join(PAPER_SIZES), _paper), "a4", "the PDF's paper size"),
    Key("fonts", Reader("{script: font family}", _script_fonts), None,
        "a fallback family of typography.fonts per script its own fonts lack: {Arab: Noto Sans Arabic}"),
    Key("sample", BOOL, False, "true for a sample brand that is not a real clinic"),
    Key("reading-grade", GRADE, None, "the highest reading grade this clinic's handouts should need"),
)

# Every (text colour, background) pair that a stylesheet may put together, checked against WCAG 2.2 AA.
# Stylesheets use only these: text in --brand-fg, --brand-link or --brand-heading on --brand-bg or
# --brand-light, and --brand-bg as text on --brand-primary (the header bar). tests/unit/test_brand.py
# reads every stylesheet and fails when one uses a colour as text that this list does not cover.
TEXT_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("foreground", "background", "body text"),
    ("link", "background", "links"),
    ("heading", "background", "headings"),
    ("foreground", "light", "text on light panels (contents, footer)"),
    ("link", "light", "links on light panels (contents, footer)"),
    ("heading", "light", "headings on light panels (contents, footer)"),
    ("background", "primary", "the clinic name in the header (background colour on the primary colour)"),
    ("foreground", "paper", "body text on white paper (PDF)"),
    ("heading", "paper", "headings on white paper (PDF)"),
    ("primary", "paper", "the clinic name on white paper (PDF)"),
)
PAPER = "#ffffff"  # printed pages: the paper, not color.background, is behind the text
TEXT_COLOURS = ("foreground", "link", "heading", "background", "primary")
BACKGROUND_COLOURS = ("background", "light", "primary", "paper")
_CSS_LENGTH = re.compile(r"^\d+(\.\d+)?(px|pt|rem|em|%)$")
_FAMILY = re.compile(r"^[\w][\w .\-]*$")


@dataclass(frozen=True)
class FontFile:
    family: str
    path: Path
    weight: int
    style: str

    @property
    def format(self) -> str:
        return {".woff2": "woff2", ".woff": "woff", ".ttf": "truetype", ".otf": "opentype"}.get(
            self.path.suffix.lower(), "woff2"
        )

    def uncompressed(self) -> FontFile:
        """The same face as a plain .ttf/.otf beside the web font, when the brand ships one.

        WeasyPrint decompresses WOFF2 with fontTools in pure Python, about 0.1 s per face on every PDF;
        a brand that ships the TTF beside its WOFF2 makes each handout that much faster."""
        for suffix in (".ttf", ".otf"):
            sibling = self.path.with_suffix(suffix)
            if sibling != self.path and sibling.is_file():
                return FontFile(self.family, sibling, self.weight, self.style)
        return self


@dataclass(frozen=True)
class Brand:
    """Everything that makes an output look like one clinic."""

    name: str
    folder: Path
    full_name: str  # the brand's first language, where a text is written in several (see in_language)
    short_name: str
    home: str | None
    logo: Path | None
    logo_alt: str
    colors: dict[str, str]
    fonts: tuple[FontFile, ...]
    base_family: str
    heading_family: str
    base_size: str
    line_height: str
    details: dict[str, Any] = field(default_factory=dict)
    #: Each text written in several languages, by where it goes ("full_name", "details.crisis").
    translations: dict[str, Texts] = field(default_factory=dict)
    #: Families for the scripts the brand's own lack (defaults.publish.fonts), in the font stacks after them.
    fallbacks: tuple[str, ...] = ()
    #: After in_language: each text in another language than the reader's (the brand's first stood in), by
    #: where it goes ("full_name", "details.crisis") -> its language, so a page can mark it with lang.
    stand_ins: dict[str, str] = field(default_factory=dict)

    def in_language(self, lang: str) -> Brand:
        """This brand with each text in the reader's language (BCP 47 lookup: es-MX reads es), else in the
        brand's first language: what every format renders with."""
        texts = self.translations
        if not texts:
            return self
        picked = {k: v.pick(lang)[0] for k, v in texts.items()}
        stand_ins = {k: v.languages[0] for k, v in texts.items() if not v.pick(lang)[1]}
        details = {**self.details, **{k.removeprefix("details."): v for k, v in picked.items()
                                      if k.startswith("details.")}}
        return replace(self, details=details, translations={}, stand_ins=stand_ins,
                       **{k: v for k, v in picked.items() if not k.startswith("details.")})

    def untranslated(self, lang: str) -> list[Warning_]:
        """A warning for each text this brand does not have in ``lang`` (the first language stands in)."""
        out = []
        seen: set[Texts] = set()
        for texts in self.translations.values():
            if texts in seen or texts.pick(lang)[1]:
                continue
            seen.add(texts)
            first = texts.languages[0]
            out.append(Warning_(f"brand '{self.name}' has no {lang} text for {texts.field}: its '{first}' text "
                                "is used", str(self.folder / BRAND_FILE), texts.line, texts.col,
                                f"add {lang.split('-')[0]}: \"...\" under {texts.field}"))
        return out

    @property
    def paper(self) -> str:
        return str(self.details.get("paper", "a4"))

    @property
    def is_sample(self) -> bool:
        return bool(self.details.get("sample", False))

    def css_variables(self) -> str:
        """The brand as CSS custom properties; every stylesheet reads only these."""
        c = self.colors
        props = {
            "--brand-fg": c["foreground"],
            "--brand-bg": c["background"],
            "--brand-primary": c["primary"],
            "--brand-secondary": c.get("secondary", c["primary"]),
            "--brand-link": c["link"],
            "--brand-heading": c["heading"],
            "--brand-light": c.get("light", c["background"]),
            "--brand-font": self.font_stack(self.base_family),
            "--brand-heading-font": self.font_stack(self.heading_family),
            "--brand-base-size": self.base_size,
            "--brand-line-height": self.line_height,
        }
        body = "".join(f"  {k}: {v};\n" for k, v in props.items())
        return ":root {\n" + body + "}\n"

    def font_stack(self, family: str) -> str:
        """A CSS font-family list: the family, the script fallbacks, sans-serif."""
        return ", ".join([f'"{f}"' for f in dict.fromkeys((family, *self.fallbacks))] + ["sans-serif"])

    def font_faces(self, url_for: Any, *, uncompressed: bool = False, families: Any = None) -> str:
        """``@font-face`` rules; ``url_for(FontFile) -> str`` says how each format refers to the file;
        ``uncompressed`` prefers a shipped .ttf/.otf over the web font (for print); ``families``: only
        these (a handout's, see coverage.needed_families), else every face."""
        rules = []
        chosen = [f for f in self.fonts if families is None or f.family in families]
        for f in (font.uncompressed() if uncompressed else font for font in chosen):
            rules.append(
                "@font-face {\n"
                f'  font-family: "{f.family}";\n'
                f'  src: url("{url_for(f)}") format("{f.format}");\n'
                f"  font-weight: {f.weight};\n"
                f"  font-style: {f.style};\n"
                "  font-display: swap;\n"
                "}\n"
            )
        return "".join(rules)


def _color(value: str) -> Any:
    """coloraide's Color, imported on first use: only checking a brand needs it (0.1 s), not rendering."""
    from coloraide import Color as _Color

    return _Color(value)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two CSS colours."""
    return float(_color(a).contrast(_color(b), method="wcag21"))


def _contrast_pairs(colors: dict[str, str]) -> list[tuple[str, str]]:
    """(text colour key, description) for each pair of :data:`TEXT_PAIRS` below WCAG 2.2 AA."""
    out = []
    for text, back, role in TEXT_PAIRS:
        fg = colors[text]
        bg = PAPER if back == "paper" else colors.get(back) or colors["background"]
        ratio = contrast(fg, bg)
        if ratio < AA_TEXT:
            where = "white paper" if back == "paper" else f"color.{back}"
            out.append((text, f"{role}: color.{text} {fg} on {where} {bg} is {ratio:.2f}:1, "
                              f"needs at least {AA_TEXT}:1"))
    return out


def contrast_failures(colors: dict[str, str]) -> list[str]:
    """Each text/background pair of :data:`TEXT_PAIRS` below WCAG 2.2 AA, described for the user."""
    return [text for _key, text in _contrast_pairs(colors)]


# Where the brand file sets each text colour, for a contrast error that points at it: the
# typography key when it is written, else the colour it falls back to.
_TEXT_COLOUR_KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "foreground": (("color", "foreground"),),
    "background": (("color", "background"),),
    "primary": (("color", "primary"),),
    "link": (("typography", "link", "color"), ("color", "primary")),
    "heading": (("typography", "headings", "color"), ("color", "foreground")),
}


def check_contrast(brand: Brand, places: YamlPlaces | None = None) -> None:
    """Refuse a brand whose text colours fail WCAG 2.2 AA on the backgrounds they are used on: one line
    per failing pair, at the key that sets its text colour."""
    path = brand.folder / BRAND_FILE
    if places is None:
        places = YamlPlaces.parse(path.read_text(encoding="utf-8"))
    problems = _Problems(path, places)
    for key, text in _contrast_pairs(brand.colors):
        keys = next((k for k in _TEXT_COLOUR_KEYS[key] if places.scalar(k) is not None), _TEXT_COLOUR_KEYS[key][-1])
        problems.add(f"brand '{brand.name}' fails WCAG 2.2 AA contrast: {text}", keys,
                     "darken the text colour or lighten the background "
                     "(https://www.w3.org/TR/WCAG22/#contrast-minimum)")
    problems.check()


class _Problems:
    """Every problem of one brand file, each at its key's line and column, raised together."""

    def __init__(self, path: Path, places: YamlPlaces) -> None:
        self.path = path
        self.places = places
        self.errors: list[PublishError] = []

    def add(self, message: str, keys: tuple[Any, ...], hint: str) -> None:
        line, col = self.places.of(keys)
        self.errors.append(PublishError(message, file=self.path, line=line, col=col, hint=hint))

    def check(self) -> None:
        PublishErrors.check(self.errors)


def _read(path: Path) -> tuple[dict[str, Any], YamlPlaces]:
    """The brand file as data, and where each of its keys is written."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except FileNotFoundError:
        raise PublishError("brand file not found", file=path, hint="create _brand.yml in the brand's folder") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PublishError(
            f"malformed brand file: {getattr(exc, 'problem', exc)}",
            file=path,
            line=mark.line + 1 if mark else None,
            col=mark.column + 1 if mark else None,
            hint="fix the YAML",
        ) from None
    except UnicodeDecodeError:
        raise PublishError("brand file is not UTF-8", file=path, hint="save it as UTF-8") from None
    if not isinstance(data, dict):
        raise PublishError("brand file must be a YAML mapping", file=path, line=1, hint="see styles/brands/default")
    return data, YamlPlaces.parse(text)


def _check_details(problems: _Problems, details: Any) -> dict[str, Any]:
    """``defaults.publish``, read by its schema (:data:`PUBLISH_SETTINGS`): every key present (None when
    unset) so templates can test them under StrictUndefined."""
    where = ("defaults", "publish")
    if details is None:
        details = {}
    if not isinstance(details, dict):
        problems.add("defaults.publish must be a mapping", where, "write address:, phone:, ... under it")
        details = {}
    values, errors, _ = read_keys(PUBLISH_SETTINGS, details, problems.path, lambda: problems.places, within=where,
                                  unknown_is_error=True, empty_is_error=True)
    problems.errors.extend(errors)
    for name, value in values.items():
        if isinstance(value, Texts):
            values[name] = value._replace(field=f"defaults.publish.{name}", **dict(zip(
                ("line", "col"), problems.places.of((*where, name)), strict=True)))
    values["tel"] = re.sub(r"[^\d+]", "", values["phone"]) if values["phone"] else None
    return values


def _translated_keys(raw: dict[str, Any]) -> list[tuple[str, ...]]:
    """Where brand.yml's own text may be written in several languages: the clinic's name (whole, or its
    full and short forms) and every alt text of the logo."""
    keys: list[tuple[str, ...]] = [("meta", "name"), ("meta", "name", "full"), ("meta", "name", "short")]

    def alts(node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "alt":
                    keys.append((*path, "alt"))
                elif not is_translations(v):
                    alts(v, (*path, str(k)))

    alts(raw.get("logo"), ("logo",))
    return keys


def _split_translations(raw: dict[str, Any], problems: _Problems
                        ) -> tuple[dict[str, Any], dict[tuple[str, ...], Texts]]:
    """The brand file with each text written in several languages replaced by its first language (what
    brand-yml validates), and those texts by key. A bad language is a problem at its key."""
    import copy

    data = copy.deepcopy(raw)
    found: dict[tuple[str, ...], Texts] = {}
    for keys in _translated_keys(raw):
        holder: Any = data
        for k in keys[:-1]:
            holder = holder.get(k) if isinstance(holder, dict) else None
        value = holder.get(keys[-1]) if isinstance(holder, dict) else None
        if not is_translations(value):
            continue
        field = ".".join(keys)
        texts, bad = read_translations(value, field, problems.places.of(keys))
        for problem, hint in bad:
            problems.add(f"{field} {problem}", keys, hint)
        if texts is not None:
            found[keys] = texts
        # brand-yml validates one text in its place (a refused one too, so it is not refused again)
        holder[keys[-1]] = str(texts) if texts is not None else next(
            (str(v) for v in value.values() if isinstance(v, str) and v.strip()), "?")
    return data, found


def _inside(folder: Path, rel: Path, what: str, problems: _Problems, keys: tuple[Any, ...]) -> Path | None:
    full = (folder / rel).resolve()
    shared = (folder / SHARED_FONTS).resolve()  # styles/fonts/: the fonts publish ships for every brand
    if not full.is_relative_to(folder.resolve()) and not (what == "font file" and full.is_relative_to(shared)):
        problems.add(f"{what} '{rel}' is outside the brand's folder", keys,
                     "keep logos and fonts inside the brand's folder (fonts may also come from styles/fonts/)")
        return None
    if not full.is_file():
        problems.add(f"{what} '{rel}' does not exist", keys, "check the path, relative to _brand.yml")
        return None
    return full


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys brand.yml allows where ``loc`` points (for "did you mean" on a misspelt key)."""
    from brand_yml import Brand as BrandYml
    from brand_yml.color import BrandColor
    from brand_yml.meta import BrandMeta
    from brand_yml.typography import BrandTypography

    models = {(): BrandYml, ("color",): BrandColor, ("meta",): BrandMeta, ("typography",): BrandTypography}
    model = models.get(tuple(str(x) for x in loc[:-1]))
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _spec_errors(problems: _Problems, exc: Exception) -> None:
    """brand-yml raises pydantic's ValidationError with every problem: name each key, what is expected,
    and where it is."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        problems.add(f"brand file is invalid: {exc}", (), "see styles/brands/default/_brand.yml")
        return
    seen: set[tuple[Any, ...]] = set()
    for error in errors():
        # pydantic puts the union member it tried into the path ("logo.str", "typography.fonts.0.file");
        # keep the keys the user wrote. A value every member refused is one problem, not one per member.
        loc = tuple(p for p in error.get("loc", ()) if not (isinstance(p, str) and (p[:1].isupper() or p in (
            "str", "file", "google", "bunny", "function-after[validate_dict()]"))))
        if loc in seen:
            continue
        seen.add(loc)
        key = ".".join(str(p) for p in loc) or "(top level)"
        hint = "see the brand.yml specification and styles/brands/default/_brand.yml"
        if error.get("type") == "extra_forbidden" and loc:
            known = _known_keys(loc)
            hint = did_you_mean(str(loc[-1]), known) or ("known keys here: " + ", ".join(known) if known else hint)
            problems.add(f"unknown brand key '{key}'", loc, hint)
            continue
        got = error.get("input")
        got_text = f" (got {type(got).__name__} {got!r})" if not isinstance(got, dict | list) else ""
        problems.add(f"brand key '{key}' is invalid: {error.get('msg')}{got_text}", loc, hint)


def _colour(value: str, key: str, problems: _Problems) -> str | None:
    """One brand colour as opaque #rrggbb; None, with the problem noted at the key, when it is not one."""
    keys = ("color", *key.split("."))
    try:
        c = _color(value)
    except (ValueError, TypeError):
        problems.add(f"color.{key} '{value}' is not a colour", keys,
                     "use #rrggbb, a CSS colour or a name from color.palette")
        return None
    if c.alpha() < 1:
        problems.add(f"color.{key} '{value}' is transparent", keys,
                     "use an opaque colour: contrast cannot be checked for see-through text")
        return None
    return str(c.convert("srgb").fit().to_string(hex=True))


def load_brand(folder: Path) -> Brand:
    """Read and check one brand folder; every problem of its ``_brand.yml`` is reported at once
    (:class:`PublishErrors`), each at its key's line and column."""
    from brand_yml import Brand as BrandYml  # imported here: pydantic is slow to import

    path = folder / BRAND_FILE
    raw, places = _read(path)
    problems = _Problems(path, places)
    defaults = raw.get("defaults") or {}
    details = _check_details(problems, defaults.get("publish") if isinstance(defaults, dict) else None)
    spec_data, texts = _split_translations(raw, problems)
    try:
        # a brand with texts in several languages is validated with each text in its first language
        spec = BrandYml.from_yaml_str(yaml.safe_dump(spec_data, allow_unicode=True), path) if spec_data != raw \
            else BrandYml.from_yaml(path)
    except Exception as exc:
        _spec_errors(problems, exc)
        problems.check()
        raise  # not reached: a failed spec always adds a problem

    name = spec.meta.name if spec.meta else None
    full: str | Texts = (getattr(name, "full", None) or folder.name) if name else folder.name
    full = texts.get(("meta", "name")) or texts.get(("meta", "name", "full")) or full
    short: str | Texts = (getattr(name, "short", None) or full) if name else full
    short = texts.get(("meta", "name", "short")) or (full if ("meta", "name") in texts else short)
    home = str(spec.meta.link.home) if spec.meta and spec.meta.link and spec.meta.link.home else None
    if home and not re.match(r"^https?://", home):
        problems.add(f"meta.link.home '{home}' is not a web address", ("meta", "link", "home"), "write https://...")

    colors_raw = spec.color.model_dump() if spec.color else {}
    palette: dict[str, str] = {}
    bad_colours = False
    bad_palette: set[str] = set()  # a bad palette colour is one problem, not one more per colour using it
    for key, value in (colors_raw.get("palette") or {}).items():
        if (colour := _colour(value, f"palette.{key}", problems)) is not None:
            palette[key] = colour
        else:
            bad_colours = True
            bad_palette.add(key)
    colors: dict[str, str] = {}
    for key, value in colors_raw.items():
        if key == "palette" or value is None:
            continue
        if places.scalar(("color", key)) in bad_palette:
            bad_palette.add(key)  # primary: slate, slate bad: a name that uses primary is reported at slate too
            continue
        if (colour := palette.get(value) or _colour(value, key, problems)) is not None:
            colors[key] = colour
        else:
            bad_colours = True
    for key in ("foreground", "background", "primary"):
        if key not in colors and colors_raw.get(key) is None:
            problems.add(f"brand has no color.{key}", ("color",), f"add color.{key}: '#rrggbb'")
            bad_colours = True

    typo = spec.typography

    def resolve(value: str | None, fallback: str, key: str) -> str | None:
        """typography.*.color: a theme colour name (primary), a palette name, or a colour."""
        default = colors.get(fallback)
        if not value:
            return default
        if places.scalar(("typography", *key.split("."))) in bad_palette:
            return None  # already reported at the palette
        if value in colors:
            return colors[value]
        if value in palette:
            return palette[value]
        try:
            return str(_color(value).convert("srgb").fit().to_string(hex=True))
        except (ValueError, TypeError):
            near = did_you_mean(value, [*colors, *palette])
            problems.add(f"typography.{key} '{value}' is not a colour", ("typography", *key.split(".")),
                         "use a colour, a name under color (primary, foreground, ...) or one under color.palette"
                         + (f" ({near})" if near else ""))
            return None

    link = typo.link.color if typo and typo.link and typo.link.color else None
    heading = typo.headings.color if typo and typo.headings and typo.headings.color else None
    for key, value, fallback, where in (("link", link, "primary", "link.color"),
                                        ("heading", heading, "foreground", "headings.color")):
        if (colour := resolve(value, fallback, where)) is not None:
            colors[key] = colour
        else:
            bad_colours = True
    if "background" in colors:
        colors.setdefault("light", colors["background"])

    base_family = typo.base.family if typo and typo.base and typo.base.family else "sans-serif"
    heading_family = typo.headings.family if typo and typo.headings and typo.headings.family else base_family
    _check_family(base_family, problems, ("typography", "base", "family"))
    if heading_family != base_family:
        _check_family(heading_family, problems, ("typography", "headings", "family"))
    checked = {base_family, heading_family}  # brand-yml lists the base family again under fonts
    fonts: list[FontFile] = []
    fallbacks: list[str] = []
    for i, font in enumerate((typo.fonts or []) if typo else []):
        if getattr(font, "source", "file") in ("google", "bunny"):
            problems.add(f"typography.fonts: '{font.family}' comes from {font.source}, outside the machine",
                         ("typography", "fonts", i),
                         "outputs are offline: put the font files in the brand's folder and use source: file")
            continue
        if font.family not in checked:
            checked.add(font.family)
            _check_family(font.family, problems, ("typography", "fonts", i, "family"))
        for j, f in enumerate(getattr(font, "files", None) or []):
            rel = Path(str(f.path.root))
            weight = getattr(f.weight, "root", f.weight) or 400
            if not isinstance(weight, int):
                weight = {"normal": 400, "regular": 400, "bold": 700}.get(str(weight), 400)
            keys = ("typography", "fonts", i, "files", j, "path")
            if (file := _inside(folder, rel, "font file", problems, keys)) is not None:
                fonts.append(FontFile(font.family, file, int(weight), f.style))
    declared = {f.family for f in fonts}
    for script, family in (details.get("fonts") or {}).items():
        if family not in declared:
            problems.add(f"defaults.publish.fonts.{script} names '{family}', which typography.fonts does not declare",
                         ("defaults", "publish", "fonts", script),
                         "declare it with its files under typography.fonts" + (
                             f" ({near})" if (near := did_you_mean(family, declared)) else ""))
        fallbacks.append(family)
    base_size = str(typo.base.size) if typo and typo.base and typo.base.size else "18px"
    if not _CSS_LENGTH.match(base_size):
        problems.add(f"typography.base.size '{base_size}' is not a font size", ("typography", "base", "size"),
                     "write e.g. 18px or 1.125rem")
    line_height = str(typo.base.line_height) if typo and typo.base and typo.base.line_height else "1.5"

    logo_path: Path | None = None
    logo_alt = f"{full} logo"
    if spec.logo is not None:
        logo_path, logo_alt = _logo(spec.logo, folder, problems, logo_alt)
        keys = _logo_keys(places)
        logo_alt = texts.get((*keys[:-1], "alt") if keys[-1] == "path" else ("logo", "alt")) or logo_alt

    problems.check()
    translations = {attr: v for attr, v in (("full_name", full), ("short_name", short), ("logo_alt", logo_alt))
                    if isinstance(v, Texts)}
    translations.update({f"details.{k}": v for k, v in details.items() if isinstance(v, Texts)})
    details = {k: str(v) if isinstance(v, Texts) else v for k, v in details.items()}
    brand = Brand(
        name=folder.name,
        folder=folder.resolve(),
        full_name=str(full),
        short_name=str(short),
        home=home,
        logo=logo_path,
        logo_alt=str(logo_alt),
        colors=colors,
        fonts=tuple(fonts),
        base_family=base_family,
        heading_family=heading_family,
        base_size=base_size,
        line_height=line_height,
        details=details,
        translations=translations,
        fallbacks=tuple(dict.fromkeys(fallbacks)),
    )
    if not bad_colours:
        check_contrast(brand, places)
    return brand


def _logo(logo: Any, folder: Path, problems: _Problems, alt: str) -> tuple[Path | None, str]:
    """The logo's file and alt text (the small one, else medium, else large; the light variant)."""
    res = getattr(logo, "small", None) or getattr(logo, "medium", None) or getattr(logo, "large", None)
    if res is None and hasattr(logo, "path"):
        res = logo  # logo: file.svg
    res = getattr(res, "light", None) or res
    if res is None or not hasattr(res, "path"):
        problems.add("logo has no image", ("logo",),
                     "give logo.images.<name> with path and alt, and logo.small: <name>")
        return None, alt
    keys = _logo_keys(problems.places)
    path = _inside(folder, Path(str(res.path.root)), "logo", problems, keys)
    if not (getattr(res, "alt", None) or "").strip():
        problems.add("logo has no alt text", keys[:-1] + ("alt",) if keys[-1] == "path" else keys,
                     "give logo.images.<name> a path and an alt: describing the logo, for screen readers")
        return path, alt
    return path, res.alt.strip()


def _logo_keys(places: YamlPlaces) -> tuple[Any, ...]:
    """Where the logo's file is named: ``logo.images.<name>.path`` for the size used, or ``logo`` itself."""
    for size in ("small", "medium", "large"):
        name = places.scalar(("logo", size))
        if name is not None and places.scalar(("logo", "images", name, "path")) is not None:
            return ("logo", "images", name, "path")
    return ("logo",)


def _check_family(family: str, problems: _Problems, keys: tuple[Any, ...]) -> None:
    if not _FAMILY.match(family):
        problems.add(f"font family '{family}' has characters a font name cannot have", keys,
                     "use letters, digits, spaces, dots and hyphens")


@functools.cache
def cached_brand(folder: Path) -> Brand:
    return load_brand(folder)
