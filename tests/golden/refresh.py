"""``make golden``: rebuild the seed and rewrite the normalised golden article bodies.

The project is the one the golden test builds (tests/projects.py: the fixture manuscript and brands, the
product's templates), so a brand or manuscript the user added to the checkout never becomes a golden file.

The reference list and citation files in this folder are the seed's own text and are never refreshed:
they are the ground truth the built bibliography must equal.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.golden.normalise import GOLDEN, article_html, golden_name
from tests.projects import ROOT, copy_project


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp))
        # every format, as the golden test's build does: a page links the outputs that are built beside it
        subprocess.run([sys.executable, "-m", "publish.cli", "build", "-q"], cwd=project, check=True)
        for page in sorted((project / "build").glob("*/*.html")):
            if page.name == "index.html" or page.parent.name == "reports":
                continue
            target = GOLDEN / golden_name(page)
            target.write_text(article_html(page), encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
