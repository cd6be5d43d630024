"""The preview server's HTTP side: which file a URL may name, and the answers it gets.

Only files under ``build/`` are served, never its hidden ``.publish/`` records; a URL that climbs out
(``..``, encoded or not), names an absolute path through an encoded slash, or reaches a symlink that
leads out of ``build/`` gets the same 404 as a missing file, so probing learns nothing. Every answer
carries ``Cache-Control: no-store``: a preview must never show yesterday's page from the browser's cache.

HTML pages get one ``<script>`` tag on the way out (the reload channel); the files in ``build/`` are
never changed, so what is deployed stays script-free.
"""

from __future__ import annotations

import contextlib
import errno
import http.server
import ipaddress
import mimetypes
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .errors import PublishError
from .serve_events import Channel

#: What a served page gets before ``</head>``: the reload script (see data/serve/reload.js), told the
#: number of the last event sent before the page was read, so it hears of every change made after.
RELOAD_TAG = b'<script src="/_serve/reload.js" data-since="%d" defer></script>'
SERVE_DATA = Path(__file__).resolve().parent / "data" / "serve"
TYPES = {".epub": "application/epub+zip", ".woff2": "font/woff2", ".svg": "image/svg+xml",
         ".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".pdf": "application/pdf"}


def resolve(build: Path, target: str) -> Path | None:
    """The file or folder under ``build`` a request target names, or None when it names nothing that
    may be served. Pure but for the file system's answer to where symlinks lead."""
    path = urlsplit(target).path
    try:
        text = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if not text.startswith("/") or "\x00" in text or "\\" in text:
        return None
    parts = text[1:].split("/")
    if parts and parts[-1] == "":  # a trailing slash names a folder
        parts.pop()
    if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None  # an empty part is an encoded or doubled slash: an absolute path in disguise
    root = build.resolve()
    try:
        real = root.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root) or any(p.startswith(".") for p in real.relative_to(root).parts):
        return None
    return real


def inject(html: bytes, since: int = 0) -> bytes:
    """The page with the reload script before ``</head>`` (or at the top, when it has no head)."""
    tag = RELOAD_TAG % since
    at = html.lower().find(b"</head>")
    if at < 0:
        return tag + html
    return html[:at] + tag + html[at:]


def content_type(path: Path | str) -> str:
    suffix = Path(path).suffix.lower()
    kind = TYPES.get(suffix) or mimetypes.guess_type(str(path))[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


# --- the socket ------------------------------------------------------------------------------------------

def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # an open event stream never holds up the exit
    allow_reuse_port = False  # a second server on the same port is an error, not a silent twin

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that drops a connection (a page reloading while its stylesheet is still being read,
        a speculative connection it never used) is not an error of the server: say nothing of it. Any
        other failure keeps the standard library's report."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


def bind(host: str, port: int, handler: type[http.server.BaseHTTPRequestHandler]) -> http.server.ThreadingHTTPServer:
    """The listening socket, or one line saying why not (the port taken, the host not this machine's)."""
    if not 0 <= port <= 65535:
        raise PublishError(f"--port {port} is not a port", hint="use --port 8000 (1-65535; 0 picks a free one)")
    cls = _Server6 if ":" in host else _Server
    try:
        return cls((host.strip("[]"), port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PublishError(f"port {port} is already in use on {host}",
                               hint=f"stop the program using it, or choose another port with --port {port + 1}"
                               ) from None
        if exc.errno == errno.EACCES:
            raise PublishError(f"not allowed to listen on port {port}",
                               hint="ports below 1024 need privileges: use --port 8000") from None
        raise PublishError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                           hint="use --host 127.0.0.1 or an address of this machine") from None


# --- the answers -----------------------------------------------------------------------------------------

class Page(NamedTuple):
    """A page the server makes itself (the listing, a gallery, a thumbnail)."""

    body: bytes
    type: str


#: A server-made view: the request's path -> its page, or None when it names nothing.
Views = Callable[[str], Page | None]


class Handler(http.server.BaseHTTPRequestHandler):
    """One request. ``build``, ``channel`` and ``views`` are set on the subclass :func:`handler` makes."""

    build: Path
    channel: Channel
    views: Views
    local_only: bool = True
    server_version = "publish-serve"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        pass  # the terminal is for the build's lines

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, *, head: bool) -> None:
        if self.local_only and not is_loopback(_hostname(self.headers.get("Host", ""))):
            self._send(403, b"this preview answers only to 127.0.0.1 or localhost\n", "text/plain; charset=utf-8",
                       head=head)
            return
        url = urlsplit(self.path)
        path = url.path
        if path == "/_serve/events":
            self._events(url.query)
            return
        since = self.channel.current()[0]  # before the file is read: a change after it is an event after this
        name = path[len("/_serve/"):]
        if path.startswith("/_serve/") and name.endswith((".js", ".css")) and (SERVE_DATA / name).is_file() \
                and "/" not in name:
            self._send(200, (SERVE_DATA / name).read_bytes(), content_type(name), head=head)
            return
        if path == "/" or path.startswith("/_"):
            page = self.views(path)
            if page is None:
                self._not_found(head)
            else:
                self._send(200, inject(page.body, since) if page.type.startswith("text/html") else page.body,
                           page.type, head=head)
            return
        real = resolve(self.build, self.path)
        if real is not None and real.is_dir():
            if not path.endswith("/"):
                self._redirect(quote(unquote(path)) + "/")
                return
            real = real / "index.html"
        if real is None or not real.is_file():
            self._not_found(head)
            return
        try:
            data = real.read_bytes()
        except OSError:
            self._not_found(head)
            return
        kind = content_type(real)
        self._send(200, inject(data, since) if kind.startswith("text/html") else data, kind, head=head)

    def _send(self, status: int, body: bytes, kind: str, *, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            with contextlib.suppress(ConnectionError):
                self.wfile.write(body)

    def _not_found(self, head: bool) -> None:
        self._send(404, b"not found\n", "text/plain; charset=utf-8", head=head)

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _events(self, query: str) -> None:
        """Server-Sent Events: the build's status at once, then every change after the one the page
        last heard of (``since``, or the browser's Last-Event-ID on a reconnect), until the page goes."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            seq, status = self.channel.current()
            since = _number(self.headers.get("Last-Event-ID")) or _number(parse_qs(query).get("since", [""])[0])
            self.wfile.write(b"retry: 500\n" + Channel.frame(seq, "status", status))
            if since is not None and since < seq:
                seq = since  # what happened between the page being read and it listening
            self.wfile.flush()
            while not self.channel.closed:
                events = self.channel.since(seq, timeout=10.0)
                if not events:
                    self.wfile.write(b": still here\n\n")  # finds a page that went away
                for seq, kind, data in events:
                    self.wfile.write(Channel.frame(seq, kind, data))
                self.wfile.flush()
        except (ConnectionError, OSError):
            return


def _hostname(host: str) -> str:
    """The name in a Host header, without its port ("[::1]:8000" -> "::1")."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def handler(build: Path, channel: Channel, views: Views, *, local_only: bool = True) -> type[Handler]:
    """A handler class bound to one server's build folder, channel and views. ``local_only``: answer
    only requests addressed to this machine by a loopback name, so a web page elsewhere cannot read the
    preview by pointing its own host name at 127.0.0.1 (DNS rebinding)."""
    return type("BoundHandler", (Handler,), {"build": build, "channel": channel, "views": staticmethod(views),
                                             "local_only": local_only})
