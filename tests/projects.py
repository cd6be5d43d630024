"""The projects the tests build, made from the fixtures in ``tests/fixtures/project/``.

A clinic edits its own ``manuscript/`` and ``styles/brands/``: a brand of its own (even a half-finished
one), an ``images/`` folder, a draft with broken front matter. None of that may change what the suite
tests, so every test project is made from the copies kept here: the seed manuscript with its references
and the two shipped brands. ``styles/templates/`` and ``styles/fonts/`` are the exception and are copied from
the checkout: the templates, stylesheets and shipped fallback fonts are the product's own, not a user's content.

Plain module, no pytest: ``make golden`` (tests/golden/refresh.py) builds its project the same way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "project"
MANUSCRIPTS = FIXTURE / "manuscript"
BRANDS = FIXTURE / "styles" / "brands"
TEMPLATES = ROOT / "styles" / "templates"
FONTS = ROOT / "styles" / "fonts"  # the fallback faces publish ships for every brand (product, like templates)
SEED = MANUSCRIPTS / "cbt-realness.md"
SEED_REFERENCES = MANUSCRIPTS / "references.json"


def brand_names() -> list[str]:
    """The fixture brands (folders with a ``_brand.yml``), sorted as the pipeline sorts them."""
    return sorted(p.parent.name for p in BRANDS.glob("*/_brand.yml"))


def manuscript_stems() -> list[str]:
    """The stems of the fixture manuscripts, i.e. the pages a fixture project's build makes per brand."""
    return sorted(p.stem for p in MANUSCRIPTS.glob("*.md"))


def copy_project(dest: Path, manuscripts: list[str] | None = None) -> Path:
    """A throwaway project in ``dest``: the fixture brands, the product's templates, and the named files of
    the fixture ``manuscript/`` folder (all of them when ``manuscripts`` is None, none for ``[]``)."""
    shutil.copytree(BRANDS, dest / "styles" / "brands")
    shutil.copytree(TEMPLATES, dest / "styles" / "templates")
    shutil.copytree(FONTS, dest / "styles" / "fonts")
    (dest / "manuscript").mkdir(parents=True)
    names = manuscripts if manuscripts is not None else sorted(p.name for p in MANUSCRIPTS.iterdir())
    for name in names:
        shutil.copy2(MANUSCRIPTS / name, dest / "manuscript" / name)
    return dest


LANGUAGES = ROOT / "tests" / "fixtures" / "languages"


def copy_languages(dest: Path, names: list[str] | None = None) -> Path:
    """A project of one handout in several languages (``tests/fixtures/languages/``: sleep.md and its
    es, de, ar, he and zh-Hans editions, one bibliography), with the fixture brands."""
    copy_project(dest, [])
    for path in sorted(LANGUAGES.iterdir()):
        if names is None or path.name in names or path.suffix != ".md":
            shutil.copy2(path, dest / "manuscript" / path.name)
    return dest


def brand_folder(root: Path, name: str, source: str = "riverside") -> Path:
    """A copy of one fixture brand at ``root/styles/brands/<name>``, beside the shipped fallback fonts it names
    (``styles/fonts/``, linked, not copied), for tests that edit a brand file."""
    folder = root / "styles" / "brands" / name
    shutil.copytree(BRANDS / source, folder)
    fonts = root / "styles" / "fonts"
    if not fonts.exists():
        fonts.symlink_to(FONTS, target_is_directory=True)
    return folder
