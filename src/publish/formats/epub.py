"""The e-book edition: EPUB 3 written by pandoc from the same cited AST, styled from the brand."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..brand import Brand
from ..document import Document
from ..pandoc import run_pandoc
from ..templates import render
from .base import Format, register


@register
class EpubFormat(Format):
    name = "epub"
    ext = "epub"

    def stylesheet(self, brand: Brand) -> str:
        return render(
            "epub.css.j2",
            self.template_paths(brand),
            {"brand_css": brand.css_variables(), "font_faces": brand.font_faces(lambda f: "../fonts/" + f.path.name)},
        )

    def render(self, doc: Document, brand: Brand) -> dict[Path, bytes]:
        s = doc.settings
        with tempfile.TemporaryDirectory(prefix="publish-epub-") as tmp:
            css = Path(tmp) / "stylesheet.css"
            css.write_text(self.stylesheet(brand), encoding="utf-8")
            out = Path(tmp) / "book.epub"
            args = [
                "--from", "json", "--to", "epub3", "--output", str(out),
                "--css", str(css),
                "--toc", "--toc-depth=2", "--split-level=1",
                "--metadata", f"identifier=urn:uuid:{doc.identifier(brand.name)}",
                "--metadata", f"publisher={s.publisher or brand.full_name}",
                "--metadata", f"date={doc.date.isoformat()}",
                "--metadata", f"lang={s.lang}",
            ]
            if s.description:
                args += ["--metadata", f"description={s.description}"]
            for kw in s.keywords:
                args += ["--metadata", f"subject={kw}"]
            for f in brand.fonts:
                args += ["--epub-embed-font", str(f.path)]
            env = dict(os.environ, SOURCE_DATE_EPOCH=str(doc.timestamp))
            data = json.dumps(doc.ast, ensure_ascii=False).encode("utf-8")
            run_pandoc(args, data, what="write the EPUB", cwd=tmp, env=env)
            return {self.project.output(brand.name, doc.stem, "epub"): out.read_bytes()}
