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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import PublishError, did_you_mean

BRAND_FILE = "_brand.yml"
AA_TEXT = 4.5  # WCAG 2.2 SC 1.4.3, normal-size text

PUBLISH_KEYS: dict[str, tuple[type, str]] = {
    "address": (str, "a postal address on one line"),
    "phone": (str, "a phone number as text, e.g. \"+1 555 0100\""),
    "email": (str, "an e-mail address"),
    "hours": (str, "opening hours as text"),
    "crisis": (str, "a crisis or emergency notice"),
    "disclaimer": (str, "a disclaimer printed on every output"),
    "paper": (str, "letter or a4"),
    "sample": (bool, "true for a sample brand that is not a real clinic"),
}
PAPER_SIZES = ("letter", "a4")

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
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
    full_name: str
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
            "--brand-font": f'"{self.base_family}", sans-serif',
            "--brand-heading-font": f'"{self.heading_family}", sans-serif',
            "--brand-base-size": self.base_size,
            "--brand-line-height": self.line_height,
        }
        body = "".join(f"  {k}: {v};\n" for k, v in props.items())
        return ":root {\n" + body + "}\n"

    def font_faces(self, url_for: Any, *, uncompressed: bool = False) -> str:
        """``@font-face`` rules; ``url_for(FontFile) -> str`` says how each format refers to the file;
        ``uncompressed`` prefers a shipped .ttf/.otf over the web font (for print)."""
        rules = []
        for f in (font.uncompressed() if uncompressed else font for font in self.fonts):
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


def contrast_failures(colors: dict[str, str]) -> list[str]:
    """Each text/background pair of :data:`TEXT_PAIRS` below WCAG 2.2 AA, described for the user."""
    out = []
    for text, back, role in TEXT_PAIRS:
        fg = colors[text]
        bg = PAPER if back == "paper" else colors.get(back) or colors["background"]
        ratio = contrast(fg, bg)
        if ratio < AA_TEXT:
            where = "white paper" if back == "paper" else f"color.{back}"
            out.append(f"{role}: color.{text} {fg} on {where} {bg} is {ratio:.2f}:1, needs at least {AA_TEXT}:1")
    return out


def check_contrast(brand: Brand) -> None:
    """Refuse a brand whose text colours fail WCAG 2.2 AA on the backgrounds they are used on."""
    failures = contrast_failures(brand.colors)
    if failures:
        raise PublishError(
            f"brand '{brand.name}' fails WCAG 2.2 AA contrast: " + "; ".join(failures),
            file=brand.folder / BRAND_FILE,
            line=_line_at(brand.folder / BRAND_FILE, ("color",)),
            hint="darken the text colour or lighten the background (https://www.w3.org/TR/WCAG22/#contrast-minimum)",
        )


def _raw_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
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
    return data


_KEY_LINE = re.compile(r"^(\s*)(?:-\s+)?([\w.-]+)\s*:")


def _line_at(path: Path, keys: tuple[Any, ...]) -> int | None:
    """The line of a nested key (``("color", "foreground")``) in a YAML file: list indices are skipped,
    and the deepest key found is used, so an error points as close to its cause as the file allows."""
    wanted = [str(k) for k in keys if not isinstance(k, int)]
    if not wanted:
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    stack: list[tuple[int, str]] = []
    best: tuple[int, int] | None = None  # (depth matched, line)
    for n, line in enumerate(lines, 1):
        m = _KEY_LINE.match(line)
        if not m or line.lstrip().startswith("#"):
            continue
        indent = len(m.group(1)) + (2 if line.lstrip().startswith("-") else 0)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, m.group(2)))
        names = [k for _, k in stack]
        depth = 0
        for i, want in enumerate(wanted):  # how much of the wanted path this line's path spells out
            if i < len(names) and names[i] == want:
                depth = i + 1
            else:
                break
        if depth == len(names) and depth and (best is None or depth > best[0]):
            best = (depth, n)
    return best[1] if best else None


def _line_of(path: Path, key: str) -> int | None:
    return _line_at(path, tuple(key.split(".")))


def _check_details(path: Path, details: Any) -> dict[str, Any]:
    where = ("defaults", "publish")
    if details is None:
        details = {}
    if not isinstance(details, dict):
        raise PublishError("defaults.publish must be a mapping", file=path, line=_line_at(path, where),
                           hint="write address:, phone:, ... under it")
    for key, value in details.items():
        line = _line_at(path, (*where, str(key)))
        if key not in PUBLISH_KEYS:
            raise PublishError(
                f"unknown key defaults.publish.{key}",
                file=path,
                line=line,
                hint=did_you_mean(str(key), PUBLISH_KEYS) or "known keys: " + ", ".join(PUBLISH_KEYS),
            )
        kind, meaning = PUBLISH_KEYS[key]
        if value is None or (isinstance(value, str) and not value.strip()):
            raise PublishError(f"defaults.publish.{key} is empty", file=path, line=line,
                               hint=f"give {meaning}, or remove the key")
        if not isinstance(value, kind):
            raise PublishError(
                f"defaults.publish.{key} must be {meaning}",
                file=path,
                line=line,
                hint=f"got {type(value).__name__} {value!r}",
            )
    if "email" in details and not _EMAIL.match(details["email"]):
        raise PublishError(f"defaults.publish.email '{details['email']}' is not an e-mail address", file=path,
                           line=_line_at(path, (*where, "email")), hint="write name@example.org")
    if "phone" in details and sum(ch.isdigit() for ch in details["phone"]) < 3:
        raise PublishError(f"defaults.publish.phone '{details['phone']}' has no phone number in it", file=path,
                           line=_line_at(path, (*where, "phone")), hint='write digits, e.g. "+1 555 0100"')
    paper = details.get("paper", "a4")
    if paper not in PAPER_SIZES:
        raise PublishError(
            f"defaults.publish.paper '{paper}' is not a paper size",
            file=path,
            line=_line_at(path, (*where, "paper")),
            hint="use letter or a4",
        )
    # Every key present (None when unset) so templates can test them under StrictUndefined.
    full = {key: None for key in PUBLISH_KEYS}
    full.update(details)
    full["paper"] = paper
    full["sample"] = bool(details.get("sample", False))
    if full["phone"]:
        full["tel"] = re.sub(r"[^\d+]", "", full["phone"])
    else:
        full["tel"] = None
    return full


def _inside(folder: Path, rel: Path, what: str, path: Path, keys: tuple[Any, ...]) -> Path:
    full = (folder / rel).resolve()
    if not full.is_relative_to(folder.resolve()):
        raise PublishError(f"{what} '{rel}' is outside the brand's folder", file=path, line=_line_at(path, keys),
                           hint="keep logos and fonts inside the brand's folder")
    if not full.is_file():
        raise PublishError(f"{what} '{rel}' does not exist", file=path, line=_line_at(path, keys),
                           hint="check the path, relative to _brand.yml")
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


def _spec_error(path: Path, exc: Exception) -> PublishError:
    """brand-yml raises pydantic's ValidationError: name the key, what is expected, and where it is."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return PublishError(f"brand file is invalid: {exc}", file=path, hint="see styles/brands/default/_brand.yml")
    first = errors()[0]
    # pydantic puts the union member it tried into the path ("logo.str", "typography.fonts.0.file");
    # keep the keys the user wrote.
    loc = tuple(p for p in first.get("loc", ()) if not (isinstance(p, str) and (p[:1].isupper() or p in (
        "str", "file", "google", "bunny", "function-after[validate_dict()]"))))
    key = ".".join(str(p) for p in loc) or "(top level)"
    hint = "see the brand.yml specification and styles/brands/default/_brand.yml"
    if first.get("type") == "extra_forbidden" and loc:
        known = _known_keys(loc)
        hint = did_you_mean(str(loc[-1]), known) or ("known keys here: " + ", ".join(known) if known else hint)
        return PublishError(f"unknown brand key '{key}'", file=path, line=_line_at(path, loc), hint=hint)
    got = first.get("input")
    got_text = f" (got {type(got).__name__} {got!r})" if not isinstance(got, dict | list) else ""
    return PublishError(f"brand key '{key}' is invalid: {first.get('msg')}{got_text}", file=path,
                        line=_line_at(path, loc), hint=hint)


def _colour(value: str, key: str, path: Path) -> str:
    """One brand colour as opaque #rrggbb, or an error naming the key."""
    try:
        c = _color(value)
    except (ValueError, TypeError):
        raise PublishError(f"color.{key} '{value}' is not a colour", file=path,
                           line=_line_at(path, tuple(["color", *key.split(".")])),
                           hint="use #rrggbb, a CSS colour or a name from color.palette") from None
    if c.alpha() < 1:
        raise PublishError(f"color.{key} '{value}' is transparent", file=path,
                           line=_line_at(path, tuple(["color", *key.split(".")])),
                           hint="use an opaque colour: contrast cannot be checked for see-through text")
    return c.convert("srgb").fit().to_string(hex=True)


def load_brand(folder: Path) -> Brand:
    """Read and check one brand folder."""
    from brand_yml import Brand as BrandYml  # imported here: pydantic is slow to import

    path = folder / BRAND_FILE
    raw = _raw_yaml(path)
    try:
        spec = BrandYml.from_yaml(path)
    except Exception as exc:
        raise _spec_error(path, exc) from None

    name = spec.meta.name if spec.meta else None
    full = (getattr(name, "full", None) or folder.name) if name else folder.name
    short = (getattr(name, "short", None) or full) if name else full
    home = str(spec.meta.link.home) if spec.meta and spec.meta.link and spec.meta.link.home else None
    if home and not re.match(r"^https?://", home):
        raise PublishError(f"meta.link.home '{home}' is not a web address", file=path,
                           line=_line_at(path, ("meta", "link", "home")), hint="write https://...")

    colors_raw = spec.color.model_dump() if spec.color else {}
    palette: dict[str, str] = {}
    for key, value in (colors_raw.get("palette") or {}).items():
        palette[key] = _colour(value, f"palette.{key}", path)
    colors: dict[str, str] = {}
    for key, value in colors_raw.items():
        if key == "palette" or value is None:
            continue
        colors[key] = palette.get(value) or _colour(value, key, path)
    for key in ("foreground", "background", "primary"):
        if key not in colors:
            raise PublishError(f"brand has no color.{key}", file=path, line=_line_at(path, ("color",)),
                               hint=f"add color.{key}: '#rrggbb'")

    typo = spec.typography

    def resolve(value: str | None, default: str, key: str) -> str:
        """typography.*.color: a theme colour name (primary), a palette name, or a colour."""
        if not value:
            return default
        if value in colors:
            return colors[value]
        if value in palette:
            return palette[value]
        try:
            return _colour(value, key, path)
        except PublishError:
            raise PublishError(
                f"typography.{key} '{value}' is not a colour", file=path,
                line=_line_at(path, ("typography", *key.split("."))),
                hint="use a colour, a name under color (primary, foreground, ...) or one under color.palette"
                     + (f" ({did_you_mean(value, [*colors, *palette])})" if did_you_mean(value, [*colors, *palette])
                        else ""),
            ) from None

    link = typo.link.color if typo and typo.link and typo.link.color else None
    heading = typo.headings.color if typo and typo.headings and typo.headings.color else None
    colors["link"] = resolve(link, colors["primary"], "link.color")
    colors["heading"] = resolve(heading, colors["foreground"], "headings.color")
    colors.setdefault("light", colors["background"])

    base_family = typo.base.family if typo and typo.base and typo.base.family else "sans-serif"
    heading_family = typo.headings.family if typo and typo.headings and typo.headings.family else base_family
    _check_family(base_family, path, ("typography", "base", "family"))
    _check_family(heading_family, path, ("typography", "headings", "family"))
    fonts: list[FontFile] = []
    for i, font in enumerate((typo.fonts or []) if typo else []):
        if getattr(font, "source", "file") in ("google", "bunny"):
            raise PublishError(
                f"typography.fonts: '{font.family}' comes from {font.source}, outside the machine",
                file=path, line=_line_at(path, ("typography", "fonts")),
                hint="outputs are offline: put the font files in the brand's folder and use source: file",
            )
        _check_family(font.family, path, ("typography", "fonts", i, "family"))
        for j, f in enumerate(getattr(font, "files", None) or []):
            rel = Path(str(f.path.root))
            weight = getattr(f.weight, "root", f.weight) or 400
            if not isinstance(weight, int):
                weight = {"normal": 400, "regular": 400, "bold": 700}.get(str(weight), 400)
            keys = ("typography", "fonts", i, "files", j, "path")
            fonts.append(FontFile(font.family, _inside(folder, rel, "font file", path, keys), int(weight), f.style))
    base_size = str(typo.base.size) if typo and typo.base and typo.base.size else "18px"
    if not _CSS_LENGTH.match(base_size):
        raise PublishError(f"typography.base.size '{base_size}' is not a font size", file=path,
                           line=_line_at(path, ("typography", "base", "size")), hint="write e.g. 18px or 1.125rem")
    line_height = str(typo.base.line_height) if typo and typo.base and typo.base.line_height else "1.5"

    logo_path: Path | None = None
    logo_alt = f"{full} logo"
    if spec.logo is not None:
        res = getattr(spec.logo, "small", None) or getattr(spec.logo, "medium", None) or getattr(
            spec.logo, "large", None
        )
        if res is None and hasattr(spec.logo, "path"):
            res = spec.logo  # logo: file.svg
        res = getattr(res, "light", None) or res
        if res is None or not hasattr(res, "path"):
            raise PublishError("logo has no image", file=path, line=_line_at(path, ("logo",)),
                               hint="give logo.images.<name> with path and alt, and logo.small: <name>")
        logo_path = _inside(folder, Path(str(res.path.root)), "logo", path, ("logo",))
        if not (getattr(res, "alt", None) or "").strip():
            raise PublishError("logo has no alt text", file=path, line=_line_at(path, ("logo",)),
                               hint="give logo.images.<name> a path and an alt: describing the logo, "
                                    "for screen readers")
        logo_alt = res.alt.strip()

    defaults = raw.get("defaults") or {}
    details = _check_details(path, defaults.get("publish") if isinstance(defaults, dict) else None)
    brand = Brand(
        name=folder.name,
        folder=folder.resolve(),
        full_name=str(full),
        short_name=str(short),
        home=home,
        logo=logo_path,
        logo_alt=logo_alt,
        colors=colors,
        fonts=tuple(fonts),
        base_family=base_family,
        heading_family=heading_family,
        base_size=base_size,
        line_height=line_height,
        details=details,
    )
    check_contrast(brand)
    return brand


def _check_family(family: str, path: Path, keys: tuple[Any, ...]) -> None:
    if not _FAMILY.match(family):
        raise PublishError(f"font family '{family}' has characters a font name cannot have", file=path,
                           line=_line_at(path, keys), hint="use letters, digits, spaces, dots and hyphens")


@functools.cache
def cached_brand(folder: Path) -> Brand:
    return load_brand(folder)
