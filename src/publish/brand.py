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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from coloraide import Color

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

    def files(self) -> list[Path]:
        """Every file that shapes this brand's outputs (for the pipeline's keys)."""
        paths = [self.folder / BRAND_FILE, *(f.path for f in self.fonts)]
        if self.logo:
            paths.append(self.logo)
        return sorted(set(paths))

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

    def font_faces(self, url_for: Any) -> str:
        """``@font-face`` rules; ``url_for(FontFile) -> str`` says how each format refers to the file."""
        rules = []
        for f in self.fonts:
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


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two CSS colours."""
    return float(Color(a).contrast(Color(b), method="wcag21"))


def check_contrast(brand: Brand) -> None:
    """Refuse a brand whose text colours fail WCAG 2.2 AA on its background."""
    bg = brand.colors["background"]
    pairs = [
        ("foreground", "body text"),
        ("link", "links"),
        ("heading", "headings"),
        ("primary", "the primary colour (used for text in headers and furniture)"),
    ]
    for key, role in pairs:
        ratio = contrast(brand.colors[key], bg)
        if ratio < AA_TEXT:
            raise PublishError(
                f"brand '{brand.name}' fails WCAG 2.2 AA contrast: {role} {brand.colors[key]} on background "
                f"{bg} is {ratio:.2f}:1, needs at least {AA_TEXT}:1",
                file=brand.folder / BRAND_FILE,
                hint=f"darken color.{key} or lighten color.background",
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


def _line_of(path: Path, key: str) -> int | None:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().startswith(f"{key}:"):
            return n
    return None


def _check_details(path: Path, details: Any) -> dict[str, Any]:
    if details is None:
        details = {}
    if not isinstance(details, dict):
        raise PublishError("defaults.publish must be a mapping", file=path, line=_line_of(path, "publish"),
                           hint="write address:, phone:, ... under it")
    for key, value in details.items():
        if key not in PUBLISH_KEYS:
            raise PublishError(
                f"unknown key defaults.publish.{key}",
                file=path,
                line=_line_of(path, str(key)),
                hint=did_you_mean(str(key), PUBLISH_KEYS) or "known keys: " + ", ".join(PUBLISH_KEYS),
            )
        kind, meaning = PUBLISH_KEYS[key]
        if not isinstance(value, kind):
            raise PublishError(
                f"defaults.publish.{key} must be {meaning}",
                file=path,
                line=_line_of(path, str(key)),
                hint=f"got {type(value).__name__} {value!r}",
            )
    paper = details.get("paper", "a4")
    if paper not in PAPER_SIZES:
        raise PublishError(
            f"defaults.publish.paper '{paper}' is not a paper size",
            file=path,
            line=_line_of(path, "paper"),
            hint="use letter or a4",
        )
    # Every key present (None when unset) so templates can test them under StrictUndefined.
    full = {key: None for key in PUBLISH_KEYS}
    full.update(details)
    full["paper"] = paper
    full["sample"] = bool(details.get("sample", False))
    return full


def _inside(folder: Path, rel: Path, what: str, path: Path) -> Path:
    full = (folder / rel).resolve()
    if not full.is_relative_to(folder.resolve()):
        raise PublishError(f"{what} '{rel}' is outside the brand's folder", file=path,
                           hint="keep logos and fonts inside the brand's folder")
    if not full.is_file():
        raise PublishError(f"{what} '{rel}' does not exist", file=path, line=_line_of(path, "path"),
                           hint="check the path, relative to _brand.yml")
    return full


def load_brand(folder: Path) -> Brand:
    """Read and check one brand folder."""
    from brand_yml import Brand as BrandYml  # imported here: pydantic is slow to import

    path = folder / BRAND_FILE
    raw = _raw_yaml(path)
    try:
        spec = BrandYml.from_yaml(path)
    except Exception as exc:  # brand-yml raises pydantic's ValidationError; say which key is wrong
        errors = getattr(exc, "errors", None)
        if callable(errors):
            first = errors()[0]
            loc = ".".join(str(p) for p in first.get("loc", ()))
            raise PublishError(
                f"brand key '{loc}' is invalid: {first.get('msg')}",
                file=path,
                line=_line_of(path, str(first.get("loc", ("",))[-1]) if first.get("loc") else ""),
                hint="see the brand.yml specification and styles/brands/default/_brand.yml",
            ) from None
        raise PublishError(f"brand file is invalid: {exc}", file=path, hint="see styles/brands/default") from None

    name = spec.meta.name if spec.meta else None
    full = (getattr(name, "full", None) or folder.name) if name else folder.name
    short = (getattr(name, "short", None) or full) if name else full
    home = str(spec.meta.link.home) if spec.meta and spec.meta.link and spec.meta.link.home else None

    colors_raw = spec.color.model_dump() if spec.color else {}
    colors = {k: v for k, v in colors_raw.items() if isinstance(v, str) and k != "palette"}
    for key in ("foreground", "background", "primary"):
        if key not in colors:
            raise PublishError(f"brand has no color.{key}", file=path, hint=f"add color.{key}: '#rrggbb'")
    try:
        for key, value in list(colors.items()):
            colors[key] = Color(value).convert("srgb").to_string(hex=True)
    except ValueError as exc:
        raise PublishError(f"brand colour is not a colour: {exc}", file=path, line=_line_of(path, "color"),
                           hint="use #rrggbb or a palette name") from None

    typo = spec.typography
    link = typo.link.color if typo and typo.link and typo.link.color else None
    heading = typo.headings.color if typo and typo.headings and typo.headings.color else None
    palette = colors_raw.get("palette") or {}

    def resolve(value: str | None, default: str) -> str:
        if not value:
            return default
        value = colors.get(value) or palette.get(value) or value
        return Color(value).convert("srgb").to_string(hex=True)

    colors["link"] = resolve(link, colors["primary"])
    colors["heading"] = resolve(heading, colors["foreground"])

    fonts: list[FontFile] = []
    for font in (typo.fonts or []) if typo else []:
        for f in getattr(font, "files", None) or []:
            rel = Path(str(f.path.root))
            weight = getattr(f.weight, "root", f.weight) or 400
            fonts.append(FontFile(font.family, _inside(folder, rel, "font file", path), int(weight), f.style))
    base_family = typo.base.family if typo and typo.base and typo.base.family else "sans-serif"
    heading_family = typo.headings.family if typo and typo.headings and typo.headings.family else base_family
    base_size = str(typo.base.size) if typo and typo.base and typo.base.size else "18px"
    line_height = str(typo.base.line_height) if typo and typo.base and typo.base.line_height else "1.5"

    logo_path: Path | None = None
    logo_alt = f"{full} logo"
    if spec.logo is not None:
        res = getattr(spec.logo, "small", None) or getattr(spec.logo, "medium", None) or getattr(
            spec.logo, "large", None
        )
        res = getattr(res, "light", None) or res
        if res is not None and hasattr(res, "path"):
            logo_path = _inside(folder, Path(str(res.path.root)), "logo", path)
            logo_alt = res.alt or logo_alt
        elif res is not None:
            raise PublishError("logo has no path", file=path, line=_line_of(path, "logo"),
                               hint="give logo.images.<name>.path and alt")
        if logo_path is not None and not (res.alt or "").strip():
            raise PublishError("logo has no alt text", file=path, line=_line_of(path, "logo"),
                               hint="add alt: describing the logo, for screen readers")

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


@functools.cache
def cached_brand(folder: Path) -> Brand:
    return load_brand(folder)
