"""Reading a manuscript: encoding, emptiness, front matter, one pandoc parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.errors import PublishError
from publish.manuscript import load_manuscript


def write(tmp_path: Path, data: bytes) -> Path:
    p = tmp_path / "m.md"
    p.write_bytes(data)
    return p


def test_parses_body_into_pandoc_ast(tmp_path: Path) -> None:
    ms = load_manuscript(write(tmp_path, "---\ntitle: T\n---\n\n## Head\n\nText “quoted” — dash.\n".encode()))
    assert ms.settings.title == "T" and ms.stem == "m"
    kinds = [b["t"] for b in ms.ast["blocks"]]
    assert kinds == ["Header", "Para"]


def test_not_utf8_names_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(PublishError) as err:
        load_manuscript(write(tmp_path, b"---\ntitle: T\n---\n\nok\nbad \xe9 byte\n"))
    assert (err.value.line, err.value.col) == (6, 5) and "UTF-8" in err.value.message


@pytest.mark.parametrize("data", [b"", b"  \n\n", b"---\ntitle: T\n---\n\n"])
def test_empty(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(PublishError, match="empty|no text"):
        load_manuscript(write(tmp_path, data))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="not found"):
        load_manuscript(tmp_path / "nope.md")


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    ms = load_manuscript(write(tmp_path, "\ufeff---\r\ntitle: T\r\n---\r\n\r\nHello\r\n".encode()))
    assert ms.settings.title == "T"
