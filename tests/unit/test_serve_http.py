"""The preview server's path guard, its one-line socket errors, and the reload tag (serve_http)."""

from __future__ import annotations

import socket
import struct
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from publish.errors import PublishError
from publish.serve_events import Channel
from publish.serve_http import RELOAD_TAG, bind, handler, inject, is_loopback, resolve
from tests.browser import http_get


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """build/ with a page, an asset, hidden records, and symlinks in and out; a secret beside it."""
    b = tmp_path / "build"
    (b / "default" / "assets").mkdir(parents=True)
    (b / "default" / "page.html").write_text("<html><head><title>t</title></head><body>hi</body></html>")
    (b / "default" / "assets" / "site.css").write_text("body{}")
    (b / "default" / "index.html").write_text("<html><head></head><body>index</body></html>")
    (b / "default" / "a b.html").write_text("spaced")
    (b / ".publish").mkdir()
    (b / ".publish" / "state.json").write_text("{}")
    (tmp_path / "secret.txt").write_text("secret")
    (b / "out").symlink_to(tmp_path / "secret.txt")
    (b / "outdir").symlink_to(tmp_path)
    (b / "in.css").symlink_to(b / "default" / "assets" / "site.css")
    (b / "records").symlink_to(b / ".publish")
    return b


@pytest.mark.parametrize("target", [
    "/../secret.txt", "/default/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
    "/default/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/default%2f..%2f..%2fsecret.txt",
    "/%2F" + "etc/passwd", "//etc/passwd", "/%2fetc%2fpasswd", "/default/..\\..\\secret.txt",
    "/out", "/outdir/secret.txt", "/records/state.json", "/.publish/state.json", "/%2epublish/state.json",
    "/default/page.html%00.css", "/%ff%fe", "relative/page.html", "/default/./page.html",
    "http://127.0.0.1//etc/passwd", "/missing.html",
])
def test_guard_refuses(build: Path, target: str) -> None:
    assert resolve(build, target) is None


@pytest.mark.parametrize(("target", "expected"), [
    ("/default/page.html", "default/page.html"),
    ("/default/page.html?x=1#top", "default/page.html"),
    ("/default/a%20b.html", "default/a b.html"),
    ("/default/assets/site.css", "default/assets/site.css"),
    ("/in.css", "default/assets/site.css"),  # a symlink that stays inside build/
    ("/default/", "default"),
    ("/", ""),
])
def test_guard_allows(build: Path, target: str, expected: str) -> None:
    assert resolve(build, target) == (build / expected).resolve()


def test_inject_puts_the_tag_before_head_end() -> None:
    page = b"<html><HEAD><title>x</title></HEAD><body></body></html>"
    out = inject(page, 7)
    tag = RELOAD_TAG % 7
    assert b'data-since="7"' in tag
    assert out.count(tag) == 1 and out.index(tag) < out.index(b"</HEAD>")
    assert out.replace(tag, b"") == page
    assert inject(b"<p>bare</p>").startswith(RELOAD_TAG % 0)


def test_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1") and not is_loopback("example.org")


def test_port_in_use_is_one_line_naming_port_and_flag() -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        with pytest.raises(PublishError) as info:
            bind("127.0.0.1", port, handler(Path("."), Channel(), lambda p: None))
    finally:
        taken.close()
    line = info.value.format()
    assert "\n" not in line and f"port {port}" in line and "--port" in line


def test_port_out_of_range() -> None:
    with pytest.raises(PublishError, match="--port 70000"):
        bind("127.0.0.1", 70000, handler(Path("."), Channel(), lambda p: None))


@pytest.fixture
def channel() -> Channel:
    return Channel(server="test")


@pytest.fixture
def server(build: Path, channel: Channel) -> Iterator[str]:
    httpd = bind("127.0.0.1", 0, handler(build, channel, lambda p: None))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    return http_get(url, timeout=5)


def test_served_page_has_the_script_and_build_stays_script_free(server: str, build: Path) -> None:
    status, headers, body = _get(server + "/default/page.html")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert RELOAD_TAG % 0 in body and int(headers["Content-Length"]) == len(body)
    assert b"script" not in (build / "default" / "page.html").read_bytes()
    status, headers, body = _get(server + "/default/assets/site.css")
    assert (status, body, headers["Cache-Control"]) == (200, b"body{}", "no-store")
    assert headers["Content-Type"].startswith("text/css")


def test_served_folders_and_refusals(server: str) -> None:
    assert _get(server + "/default/")[2].endswith(b"index</body></html>")
    for raw in ("/%2e%2e/secret.txt", "/out", "/.publish/state.json", "/default/..%2f..%2fsecret.txt"):
        status, headers, body = _get(server + raw)
        assert status == 404 and b"secret" not in body and headers["Cache-Control"] == "no-store"
    # a raw request line that no client library would send unnormalised
    with socket.create_connection(("127.0.0.1", int(server.rsplit(":", 1)[1])), timeout=5) as s:
        s.sendall(b"GET /../secret.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := s.recv(4096):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 404") and b"secret" not in reply.split(b"\r\n\r\n", 1)[1]


def test_reload_script_is_served(server: str) -> None:
    status, headers, body = _get(server + "/_serve/reload.js")
    assert status == 200 and b"EventSource" in body and headers["Content-Type"].startswith("text/javascript")
    assert _get(server + "/_serve/../serve_http.py")[0] == 404
    assert _get(server + "/_serve/listing.html.j2")[0] == 404  # the views' templates are not files to serve



def _frames(url: str, count: int) -> list[tuple[str, str]]:
    """The first ``count`` (event, data) pairs of an event stream."""
    found: list[tuple[str, str]] = []
    with urllib.request.urlopen(url, timeout=5) as r:
        assert r.headers["Content-Type"] == "text/event-stream"
        kind = ""
        for raw in r:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                found.append((kind, line[6:]))
                if len(found) == count:
                    return found
    return found


def test_a_page_hears_of_changes_made_after_it_was_read(server: str, channel: Channel) -> None:
    """The page is told the event number at the moment it was served; a change between that moment and
    its event stream opening is replayed, not lost (a page reloading mid-build would miss it)."""
    channel.publish("changed", {"files": ["/default/page.html"]})
    body = _get(server + "/default/page.html")[2]
    since = int(body.split(b'data-since="')[1].split(b'"')[0])
    assert since == 1
    channel.publish("changed", {"files": ["/default/page.html"], "build": 2})
    frames = _frames(f"{server}/_serve/events?since={since}", 2)
    assert [k for k, _d in frames] == ["status", "changed"] and '"build": 2' in frames[1][1]
    frames = _frames(f"{server}/_serve/events", 1)  # no since: the status only, then what comes
    assert [k for k, _d in frames] == ["status"]


def test_only_loopback_host_names_are_answered(server: str) -> None:
    """A page elsewhere that points its own name at 127.0.0.1 (DNS rebinding) gets nothing."""
    port = int(server.rsplit(":", 1)[1])
    for host, status in ((b"evil.example", b"403"), (b"evil.example:%d" % port, b"403"),
                         (b"localhost:%d" % port, b"200"), (b"127.0.0.1", b"200"), (b"[::1]:%d" % port, b"200")):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /default/page.html HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
            reply = s.makefile("rb").read()
        assert reply.startswith(b"HTTP/1.1 " + status), (host, reply[:80])


def test_a_browser_dropping_its_connection_prints_nothing(server: str, capfd: Any) -> None:
    host, port = server.removeprefix("http://").split(":")
    for _ in range(3):
        s = socket.create_connection((host, int(port)))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        s.close()
    time.sleep(0.5)
    assert _get(server + "/default/page.html")[0] == 200  # still serving
    out, err = capfd.readouterr()
    assert "Traceback" not in err and "ConnectionResetError" not in err
