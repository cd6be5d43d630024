"""The brand reader and the contrast gate: every wrong key or value is one PublishError that names
the key and what is expected; every colour a stylesheet uses for text is checked."""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from publish.brand import (
    AA_TEXT,
    BACKGROUND_COLOURS,
    TEXT_COLOURS,
    TEXT_PAIRS,
    contrast,
    contrast_failures,
    load_brand,
)
from publish.errors import PublishError
from tests.projects import BRANDS, TEMPLATES, brand_folder, brand_names

RIVERSIDE = yaml.safe_load((BRANDS / "riverside" / "_brand.yml").read_text())


def _brand(tmp_path: Path, change: Any) -> Path:
    folder = brand_folder(tmp_path, "clinic")
    data = copy.deepcopy(RIVERSIDE)
    change(data)
    (folder / "_brand.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def _set(path: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split(".")]
        cur: Any = data
        for k in keys[:-1]:
            cur = cur[k] if isinstance(k, int) else cur.setdefault(k, {})
        cur[keys[-1]] = value
    return change


@pytest.mark.parametrize("name", brand_names())
def test_shipped_brands_load_and_pass_contrast(name: str) -> None:
    brand = load_brand(BRANDS / name)
    assert brand.logo and brand.logo.is_file() and brand.logo_alt
    assert brand.fonts and all(f.path.is_file() for f in brand.fonts)
    assert not contrast_failures(brand.colors)


def test_riverside_is_marked_sample_and_default_is_not() -> None:
    river = load_brand(BRANDS / "riverside")
    assert river.is_sample and "sample" in river.full_name.lower()
    assert not load_brand(BRANDS / "default").is_sample


def test_css_variables_carry_every_colour_and_font() -> None:
    brand = load_brand(BRANDS / "riverside")
    css = brand.css_variables()
    for var, key in (("fg", "foreground"), ("bg", "background"), ("link", "link"), ("heading", "heading"),
                     ("primary", "primary"), ("light", "light")):
        assert f"--brand-{var}: {brand.colors[key]};" in css
    assert '"Atkinson Hyperlegible"' in css and "--brand-base-size: 19px;" in css
    faces = brand.font_faces(lambda f: "fonts/" + f.path.name, families=("Atkinson Hyperlegible",))
    assert faces.count("@font-face") == 4 and "font-weight: 700" in faces and "font-style: italic" in faces
    every = brand.font_faces(lambda f: "fonts/" + f.path.name)
    assert every.count("@font-face") == 10 and '"Noto Sans SC"' in every  # the script fallbacks, 2 weights each
    assert '--brand-font: "Atkinson Hyperlegible", "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans SC", ' \
           "sans-serif;" in css


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("color.foreground", 123, r"color\.foreground.*valid string"),
        ("color.foreground", "notacolour", r"color\.foreground 'notacolour' is not a colour"),
        ("color.foreground", "rgba(0,0,0,0.3)", r"color\.foreground .* is transparent"),
        ("color.palette.forest", "xx", r"color\.palette\.forest 'xx' is not a colour"),
        ("color.forground", "#000000", r"unknown brand key 'color\.forground'.*did you mean foreground"),
        ("colour", {"a": 1}, r"unknown brand key 'colour'.*did you mean color"),
        ("typography.bse", {"size": "18px"}, r"typography\.bse.*did you mean base"),
        ("typography.link.color", "nosuch", r"typography\.link\.color 'nosuch' is not a colour"),
        ("typography.headings.color", "#zzz", r"typography\.headings\.color '#zzz' is not a colour"),
        ("typography.base.size", "huge; color: red", r"typography\.base\.size .* is not a font size"),
        ("typography.base.size", 18, r"typography\.base\.size.*valid string"),
        ("typography.base.family", 'A"; } body {', r"font family .* cannot have"),
        ("typography.fonts.0.files.0.path", "fonts/nope.woff2", r"font file 'fonts/nope\.woff2' does not exist"),
        ("typography.fonts.0.files.0.path", "../x.woff2", r"outside the brand's folder"),
        ("typography.fonts.0.files.0.weight", "heavy", r"typography\.fonts\.0\.files\.0\.weight.*font weight"),
        ("meta.name", 5, r"meta\.name.*BrandMetaName"),
        ("meta.link.home", "not a url", r"meta\.link\.home.*URL"),
        ("logo.images.main.path", "nope.svg", r"logo 'nope\.svg' does not exist"),
        ("logo.images.main.alt", "", r"logo has no alt text"),
        ("logo", "logo.svg", r"logo has no alt text"),
        ("defaults", ["a"], r"'defaults'.*dictionary"),
        ("defaults.publish", ["a"], r"defaults\.publish must be a mapping"),
        ("defaults.publish.adress", "x", r"unknown key defaults\.publish\.adress.*did you mean address"),
        ("defaults.publish.phone", 5550100, r"defaults\.publish\.phone must be a phone number as text.*got int"),
        ("defaults.publish.phone", "call us", r"defaults\.publish\.phone .* no phone number"),
        ("defaults.publish.email", "nope", r"defaults\.publish\.email 'nope' is not an e-mail address"),
        ("defaults.publish.sample", "yes", r"defaults\.publish\.sample must be true"),
        ("defaults.publish.address", None, r"defaults\.publish\.address is empty"),
        ("defaults.publish.paper", "a5", r"defaults\.publish\.paper 'a5' is not a paper size"),
    ],
)
def test_wrong_brand_values_name_the_key(tmp_path: Path, path: str, value: Any, expected: str) -> None:
    folder = _brand(tmp_path, _set(path, value))
    with pytest.raises(PublishError) as info:
        load_brand(folder)
    err = info.value
    assert re.search(expected, err.format(), re.S), err.format()
    assert err.file and err.file.endswith("_brand.yml")
    assert err.hint


def test_error_points_at_the_line(tmp_path: Path) -> None:
    folder = _brand(tmp_path, _set("defaults.publish.email", "nope"))
    with pytest.raises(PublishError) as info:
        load_brand(folder)
    lines = (folder / "_brand.yml").read_text().splitlines()
    assert info.value.line and lines[info.value.line - 1].strip().startswith("email:")


def test_missing_required_colour(tmp_path: Path) -> None:
    folder = _brand(tmp_path, lambda d: d["color"].pop("primary"))
    with pytest.raises(PublishError, match=r"no color\.primary"):
        load_brand(folder)


def test_online_fonts_are_refused(tmp_path: Path) -> None:
    folder = _brand(tmp_path, _set("typography.fonts", [{"family": "Roboto", "source": "google"}]))
    with pytest.raises(PublishError, match="offline|outside the machine"):
        load_brand(folder)


@pytest.mark.parametrize(
    ("path", "value", "pair"),
    [
        ("color.palette.bark", "#a8a29a", "color.foreground #a8a29a on color.background #fbf7ef"),
        ("color.palette.river", "#8fb3cf", "color.link #8fb3cf on color.background"),
        ("color.palette.forest", "#9cc5b5", "color.heading #9cc5b5 on color.background"),
        ("color.light", "#777777", "color.foreground #2b2118 on color.light #777777"),
        ("color.primary", "#f0e8d8", "color.background #fbf7ef on color.primary #f0e8d8"),
    ],
)
def test_contrast_gate_names_pair_and_ratio(tmp_path: Path, path: str, value: str, pair: str) -> None:
    folder = _brand(tmp_path, _set(path, value))
    with pytest.raises(PublishError) as info:
        load_brand(folder)
    msg = info.value.message
    assert "WCAG 2.2 AA contrast" in msg and pair in msg, msg
    assert re.search(r"is \d+\.\d\d:1, needs at least 4\.5:1", msg)


def test_contrast_ratio() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") >= AA_TEXT > contrast("#777777", "#ffffff")


STYLESHEETS = sorted(TEMPLATES.glob("*/*.css.j2"))


@pytest.mark.parametrize("sheet", STYLESHEETS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stylesheets_use_only_checked_colours_for_text(sheet: Path) -> None:
    """Every ``color:`` in a stylesheet is a text colour the gate checks, every background one it checks
    against, and no stylesheet writes a literal brand-independent colour for text."""
    var = {"fg": "foreground", "bg": "background", "link": "link", "heading": "heading", "primary": "primary",
           "light": "light", "secondary": "secondary"}
    css = re.sub(r"/\*.*?\*/", "", sheet.read_text(), flags=re.S)
    css = re.sub(r"@media print\s*\{.*\Z", "", css, flags=re.S)  # paper is white: print rules set black text
    texts = re.findall(r"(?<![\w-])color:\s*var\(--brand-(\w+)\)", css)
    backs = re.findall(r"background(?:-color)?:\s*var\(--brand-(\w+)\)", css)
    checked = {t for t, _b, _r in TEXT_PAIRS} | {b for _t, b, _r in TEXT_PAIRS}  # contrast is symmetric
    for t in texts:
        assert var[t] in TEXT_COLOURS and var[t] in checked, f"{sheet.name}: text in {t}"
    for b in backs:
        assert var[b] in BACKGROUND_COLOURS, f"{sheet.name}: background {b}"
    assert not re.findall(r"(?<![\w-])color:\s*#", css), f"{sheet.name}: literal text colour"


# --- Every problem of a _brand.yml at once, each at its key's own line and column ---

PLAIN = Path(__file__).parent / "fixtures" / "settings" / "brands" / "plain"


def _plain(tmp_path: Path, edit: Any) -> Path:
    """The plain test brand with its text edited by ``edit(text) -> text``."""
    folder = tmp_path / "plain"
    shutil.copytree(PLAIN, folder)
    brand_file = folder / "_brand.yml"
    brand_file.write_text(edit(brand_file.read_text()))
    return folder


def _place(folder: Path, needle: str) -> tuple[int, int]:
    """1-based line and column where ``needle`` (a key as written, "email:") starts in the brand file."""
    for n, line in enumerate((folder / "_brand.yml").read_text().splitlines(), 1):
        if line.lstrip().startswith(needle):
            return n, len(line) - len(line.lstrip()) + 1
    raise AssertionError(needle)


def _problems(folder: Path) -> list[str]:
    with pytest.raises(PublishError) as info:
        load_brand(folder)
    return info.value.format().splitlines()


def test_plain_fixture_loads() -> None:
    brand = load_brand(PLAIN)
    assert brand.details["email"] == "hello@plain.example" and brand.details["reading-grade"] is None


def test_every_brand_problem_at_once_at_its_key(tmp_path: Path) -> None:
    folder = _plain(tmp_path, lambda t: t.replace('ink: "#1f2328"', "ink: nocolour")
                    .replace("email: hello@plain.example", "email: nope")
                    .replace("paper: a4", "papr: a4")
                    .replace("size: 18px", "size: huge")
                    .replace("family: sans-serif", "family: 'A\"; } body {'"))
    lines = _problems(folder)
    f = folder / "_brand.yml"
    expected = {
        "ink:": "color.palette.ink 'nocolour' is not a colour",
        "email:": "defaults.publish.email 'nope' is not an e-mail address",
        "papr:": "unknown key defaults.publish.papr; did you mean paper?",
        "size:": "typography.base.size 'huge' is not a font size",
        "family:": "font family 'A\"; } body {' has characters a font name cannot have",
    }
    assert len(lines) == len(expected), lines
    for needle, message in expected.items():
        line, col = _place(folder, needle)
        assert any(x.startswith(f"{f}:{line}:{col}: error: {message}") for x in lines), (needle, lines)


def test_a_bad_palette_colour_is_one_problem(tmp_path: Path) -> None:
    """slate is used by color.primary and typography's links and headings: one line, at slate."""
    folder = _plain(tmp_path, lambda t: t.replace('slate: "#2f5d8a"', "slate: nocolour"))
    line, col = _place(folder, "slate:")
    assert _problems(folder) == [f"{folder / '_brand.yml'}:{line}:{col}: error: color.palette.slate 'nocolour' is "
                                 "not a colour; use #rrggbb, a CSS colour or a name from color.palette"]


def test_a_bad_palette_colour_used_through_a_theme_name_is_one_problem(tmp_path: Path) -> None:
    """The shipped brands' shape: links are `primary`, primary is `slate`; a typo in slate is one line, at
    slate, not one more at typography.link.color naming a value that was never written there."""
    folder = _plain(tmp_path, lambda t: t.replace('slate: "#2f5d8a"', 'slate: "#2f5d8z"')
                    .replace("  link:\n    color: slate", "  link:\n    color: primary"))
    assert "color: primary" in (folder / "_brand.yml").read_text()
    line, col = _place(folder, "slate:")
    assert _problems(folder) == [f"{folder / '_brand.yml'}:{line}:{col}: error: color.palette.slate '#2f5d8z' is "
                                 "not a colour; use #rrggbb, a CSS colour or a name from color.palette"]


def test_colour_error_points_at_the_colour_key_not_the_section(tmp_path: Path) -> None:
    folder = _plain(tmp_path, lambda t: t.replace("foreground: ink", "foreground: '#zzz'"))
    line, col = _place(folder, "foreground:")
    assert _problems(folder) == [f"{folder / '_brand.yml'}:{line}:{col}: error: color.foreground '#zzz' is not a "
                                 "colour; use #rrggbb, a CSS colour or a name from color.palette"]
    assert col == 3


def test_contrast_failures_point_at_the_text_colour(tmp_path: Path) -> None:
    """slate is the primary colour and, through typography, the links' and headings' colour: each failing
    pair is its own line, at the key that sets the pair's text colour."""
    folder = _plain(tmp_path, lambda t: t.replace('slate: "#2f5d8a"', 'slate: "#9fb8cf"'))
    lines = _problems(folder)
    assert all("fails WCAG 2.2 AA contrast" in x for x in lines), lines
    text = (folder / "_brand.yml").read_text().splitlines()
    for x in lines:
        colour = re.search(r": color\.(\w+) #", x)
        assert colour, x
        key = text[int(x.split(":")[1]) - 1].strip()
        expected = {"link": "color: slate", "heading": "color: slate"}.get(colour[1], f"{colour[1]}:")
        assert key.startswith(expected), (x, key)
    assert {re.search(r": color\.(\w+) #", x)[1] for x in lines} >= {"link", "heading", "background"}


def test_spec_errors_are_all_reported(tmp_path: Path) -> None:
    folder = _plain(tmp_path, lambda t: t.replace("  foreground: ink", "  forground: ink\n  backgrond: paper"))
    lines = _problems(folder)
    assert len(lines) == 2, lines
    assert "unknown brand key 'color.forground'; did you mean foreground" in lines[0]
    assert "unknown brand key 'color.backgrond'; did you mean background" in lines[1]
    assert lines[0].split(":")[1:3] == [str(n) for n in _place(folder, "forground:")]


def test_publish_defaults_declared_once(tmp_path: Path) -> None:
    from publish.brand import PUBLISH_SETTINGS

    folder = _plain(tmp_path, lambda t: t + "    reading-grade: 7\n")
    assert load_brand(folder).details["reading-grade"] == 7.0
    assert {k.name for k in PUBLISH_SETTINGS} <= set(load_brand(PLAIN).details)
