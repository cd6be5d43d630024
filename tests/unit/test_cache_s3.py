"""The shared cache on S3-compatible storage (``--cache s3://bucket/prefix``, through fsspec and s3fs), against
moto's S3 server on loopback: the same entries, the same hash check on every hit, the same pruning and
commands as a folder, and a second project copy built from it without rendering, byte for byte."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from publish.cache import Cache
from publish.cli import main
from publish.errors import PublishError
from publish.project import Project
from publish.report import Reporter
from publish.run import BuildOptions, build
from tests.projects import SEED, copy_project

s3fs = pytest.importorskip("s3fs", reason="the s3 extra is not installed (pip install 'publish[s3]')")
moto_server = pytest.importorskip("moto.server", reason="moto[server] (the dev extra) is not installed")

FILES = {"build/b/one.html": b"<p>one</p>", "build/b/assets/site.css": b"body{}"}


@pytest.fixture(autouse=True)
def _sigterm_as_it_was() -> Iterator[None]:
    """``cli.main`` makes SIGTERM an interrupt for its process: here that is pytest's, so put it back."""
    saved = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, saved)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """moto's S3 on 127.0.0.1, on a free port: nothing leaves the machine."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(endpoint: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh bucket, reached as a user would reach S3-compatible storage: the standard AWS variables."""
    for name, value in (("AWS_ENDPOINT_URL", endpoint), ("AWS_ACCESS_KEY_ID", "testing"),
                        ("AWS_SECRET_ACCESS_KEY", "testing"), ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    s3fs.S3FileSystem.clear_instance_cache()
    name = "publish-" + request.node.name.replace("_", "-")[:40].lower().rstrip("-")
    fs = s3fs.S3FileSystem()
    fs.mkdir(name)
    yield name
    fs.rm(name, recursive=True)
    s3fs.S3FileSystem.clear_instance_cache()


def _objects(bucket: str) -> dict[str, bytes]:
    fs = s3fs.S3FileSystem()
    fs.invalidate_cache()
    return {p: fs.cat_file(p) for p in fs.find(f"{bucket}/c/objects")}


def test_a_result_round_trips_through_s3_and_is_checked_on_every_hit(bucket: str) -> None:
    warnings: list[str] = []
    cache = Cache.open(f"s3://{bucket}/c", warn=warnings.append)
    assert cache.load("d") is None
    cache.store("d", FILES)
    assert cache.load("d") == FILES and cache.hits == 1
    assert cache.load("other") is None
    assert not [p for p in _objects(bucket) if p.endswith(".tmp")]  # one PUT per object, no temporary names
    css = next(p for p, data in _objects(bucket).items() if data == b"body{}")
    s3fs.S3FileSystem().pipe_file(css, b"body{color:red}")  # damaged behind the cache's back
    assert cache.load("d", "html b/one") is None
    assert len(warnings) == 1 and f"s3://{bucket}/c: warning: cache entry for html b/one is damaged" in warnings[0]
    assert "assets/site.css does not match its recorded hash" in warnings[0]
    cache.store("d", FILES)  # what the rebuilt step does
    assert Cache.open(f"s3://{bucket}/c").load("d") == FILES and len(warnings) == 1


def test_stats_and_prune_on_s3(bucket: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"s3://{bucket}/c"
    cache = Cache.open(url)
    cache.store("new", {"build/y.pdf": os.urandom(4000), **FILES})
    time.sleep(1.1)  # S3 dates an object to the second
    cache.store("old", {"build/x.pdf": os.urandom(4000)})
    time.sleep(1.1)
    assert cache.load("new") is not None  # a hit is a use (its record put again): "old" is now the older
    assert main(["cache", "stats", "--cache", url]) == 0
    assert f"{url}: 2 step results, 4 files" in capsys.readouterr().out
    assert main(["cache", "prune", "--cache", url, "--max-size", "6000"]) == 0
    out = capsys.readouterr().out
    assert "removed 1 step results" in out and "1 step results, 3 files" in out
    assert cache.load("old") is None and cache.load("new") is not None


def test_an_unknown_protocol_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(PublishError, match="not a place fsspec knows"):
        Cache.open("nosuchprotocol://bucket/c")
    assert main(["cache", "stats", "--cache", "nosuchprotocol://bucket/c"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nosuchprotocol://bucket/c" in err


@pytest.mark.e2e
def test_a_second_copy_builds_from_an_s3_cache_byte_for_byte(bucket: str, tmp_path: Path) -> None:
    opts = BuildOptions(formats=["html", "pdf"], editions=["standard"], jobs=1, quiet=False,
                        cache=f"s3://{bucket}/c")

    def built(name: str) -> tuple[dict[str, bytes], list[str]]:
        root = copy_project(tmp_path / name, manuscripts=[p.name for p in SEED.parent.iterdir()])
        out: list[str] = []
        err: list[str] = []
        assert build(Project(root), opts, Reporter(out=out.append, err=err.append)) == 0, err
        files = {p.relative_to(root / "build").as_posix(): p.read_bytes() for p in sorted((root / "build").rglob("*"))
                 if p.is_file() and ".publish" not in p.parts}
        return files, out

    first, _ = built("first")
    second, out = built("second")
    assert second == first
    served = [line for line in out if "step results from the cache in s3://" in line]
    assert served and "(not rendered)" in served[0]
