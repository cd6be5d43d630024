"""``make golden``: rebuild the seed and rewrite the normalised golden article bodies.

The reference list and citation files in this folder are the seed's own text and are never refreshed:
they are the ground truth the built bibliography must equal.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.golden.normalise import GOLDEN, article_html, golden_name

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(ROOT / "styles", project / "styles")
        shutil.copytree(ROOT / "manuscript", project / "manuscript")
        subprocess.run([sys.executable, "-m", "publish.cli", "build", "-q", "--format", "html"], cwd=project,
                       check=True)
        for page in sorted((project / "build").glob("*/*.html")):
            if page.name == "index.html":
                continue
            target = GOLDEN / golden_name(page)
            target.write_text(article_html(page), encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
