"""The shared cache on its own: entries by digest, checked on every hit, bounded by prune."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from publish.cache import Cache, parse_size
from publish.cli import main
from publish.errors import PublishError

FILES = {"build/b/one.html": b"<p>one</p>", "build/b/assets/site.css": b"body{}"}


@pytest.fixture(autouse=True)
def _sigterm_as_it_was() -> Iterator[None]:
    """``cli.main`` makes SIGTERM an interrupt for its process: here that is pytest's, so put it back."""
    saved = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, saved)


def test_a_stored_result_comes_back_for_its_digest_only(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "c")
    assert cache.load("d1") is None
    cache.store("d1", FILES)
    assert cache.load("d1") == FILES and cache.hits == 1
    assert cache.load("d2") is None
    assert not list((tmp_path / "c").rglob("*.tmp"))


def test_the_output_shaping_environment_is_part_of_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    cache = Cache.open(tmp_path)
    cache.store("d", FILES)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert cache.load("d") is None


def test_shared_bytes_are_kept_once(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path)
    cache.store("a", FILES)
    cache.store("b", {"build/b/two.html": b"<p>two</p>", "build/b/assets/site.css": b"body{}"})
    stats = cache.stats()
    assert (stats.entries, stats.objects) == (2, 3)


def test_a_damaged_entry_is_ignored_reported_and_replaced(tmp_path: Path) -> None:
    warnings: list[str] = []
    cache = Cache.open(tmp_path, warn=warnings.append)
    cache.store("d", FILES)
    obj = next(p for p in (tmp_path / "objects").rglob("*") if p.is_file() and p.read_bytes() == b"body{}")
    obj.write_bytes(b"body{color:red}")
    assert cache.load("d", "html b/one") is None
    assert len(warnings) == 1 and "html b/one" in warnings[0] and "warning:" in warnings[0]
    assert "assets/site.css does not match its recorded hash" in warnings[0]
    assert not obj.exists()
    cache.store("d", FILES)  # what the rebuilt step does
    assert cache.load("d") == FILES and len(warnings) == 1


def test_an_unreadable_record_is_a_miss_with_a_warning(tmp_path: Path) -> None:
    warnings: list[str] = []
    cache = Cache.open(tmp_path, warn=warnings.append)
    cache.store("d", FILES)
    next((tmp_path / "steps").rglob("*.json")).write_bytes(b"{not json")
    assert cache.load("d") is None and len(warnings) == 1


def test_prune_removes_the_least_recently_used_first(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path)
    big = os.urandom(4000)
    cache.store("old", {"build/x.pdf": big})
    cache.store("new", {"build/y.pdf": os.urandom(4000)})
    entries = sorted((tmp_path / "steps").rglob("*.json"))
    for entry in entries:  # "old" last used long ago, "new" just now
        os.utime(entry, (1, 1))
    cache.load("new")
    removed, freed = cache.prune(6000)
    assert removed == 1 and freed >= 4000
    assert cache.load("old") is None and cache.load("new") is not None
    assert cache.stats().objects == 1 and cache.stats().size <= 6000


@pytest.mark.parametrize(("text", "size"), [("2GB", 2 << 30), ("500MB", 500 << 20), ("1.5k", 1536), ("100", 100),
                                            ("3 GiB", 3 << 30)])
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_a_bad_size_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(PublishError, match="not a size"):
        parse_size("lots")
    assert main(["cache", "prune", "--cache", str(tmp_path), "--max-size", "lots"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--max-size 'lots'" in err


def test_the_cache_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Cache.open(tmp_path).store("d", FILES)
    assert main(["cache", "stats", "--cache", str(tmp_path)]) == 0
    assert "1 step results, 2 files" in capsys.readouterr().out
    assert main(["cache", "prune", "--cache", str(tmp_path), "--max-size", "0"]) == 0
    out = capsys.readouterr().out
    assert "removed 1 step results" in out and "0 step results, 0 files" in out
    assert main(["cache", "stats", "--cache", str(tmp_path / "nowhere")]) == 1
    assert "no cache here" in capsys.readouterr().err


def test_an_entry_with_found_inputs_serves_only_the_same_files(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path)
    cache.store("cite", {"cited": b"doc"}, inputs={"manuscript/a.md": "h1", "manuscript/refs.json": "h2"})
    same = {"manuscript/a.md": "h1", "manuscript/refs.json": "h2"}
    other = {"manuscript/a.md": "h1", "manuscript/refs.json": "h3"}
    assert cache.load("cite", hash_of=same.get) == {"cited": b"doc"}
    assert cache.load("cite", hash_of=other.get) is None
    assert cache.load("cite", hash_of={"manuscript/a.md": "h1"}.get) is None  # a file it read is gone
    assert cache.load("cite") is None
