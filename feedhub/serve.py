"""HTTP for output/: what `feedhub serve` and `feedhub run --serve` answer.

Standard library only (http.server). Feed readers poll often, so every answer
is cheap to repeat: a strong ETag from the content and a Last-Modified from
the file (publish/ rewrites a file only when its bytes change, so both stay
put between cycles), 304 to conditional requests, gzip for those that take
it. Only GET and HEAD are served, only regular files under output/, never a
hidden one (publish/files.py writes its temporary files as ".name.*.tmp").

    server = make_server(Path("output"), "127.0.0.1", 8080)
    serve_forever(server, stop)  # returns once ``stop`` is set

The access log (one line per request) goes to the "feedhub.serve.access"
logger at INFO, which the CLI shows only with -v: quiet by default.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import socket
import socketserver
import stat
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from feedhub import __version__
from feedhub.errors import FeedhubError
from feedhub.publish.common import FEED_FORMATS, PAGE_FILE

access_log = logging.getLogger("feedhub.serve.access")
log = logging.getLogger("feedhub.serve")

# Feeds by their file names, with the types their specs name (RFC 4287 §7,
# JSON Feed 1.1; RSS has no registered type, application/rss+xml is what
# readers expect). Every file publish/ writes is UTF-8.
_FEED_TYPES = {fmt.file: f"{fmt.media_type}; charset=utf-8" for fmt in FEED_FORMATS.values()}
_SUFFIX_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",  # the de-facto type; OPML has none registered
    ".xml": "application/xml; charset=utf-8",  # RFC 7303
    ".json": "application/json; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/vnd.microsoft.icon",
}
# The root element of an XML document, past its prolog (declaration, comments,
# doctype): how another Atom or RSS file (an RFC 5005 archive, say) is known.
_XML_ROOT = re.compile(rb"<(?![?!])(?:[\w.-]+:)?([\w.-]+)")
_XML_ROOT_TYPES = {b"feed": _FEED_TYPES["atom.xml"], b"rss": _FEED_TYPES["rss.xml"]}

# Files are read whole (output/ holds feeds and pages, not media libraries);
# the last versions of small ones are kept with their hash and gzip form.
_CACHE_ENTRIES = 256
_CACHE_MAX_FILE = 4 * 1024 * 1024

_ALLOWED = "GET, HEAD"

# Where `feedhub serve` listens unless told otherwise (see parse_bind).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


class ServeError(FeedhubError):
    """The server cannot start (address in use, no permission, bad host)."""


@dataclass(frozen=True)
class Call:
    """A request to a route: the daemon's /healthz, /metrics, a WebSub callback."""

    method: str  # GET, HEAD or POST
    path: str  # what follows the route's own path ("" for an exact one)
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes  # POST only


# An answer made on request: status, content type, body.
Answer = Callable[[Call], tuple[int, str, bytes]]
MAX_POST_BYTES = 10 * 1024 * 1024  # a pushed document, at most (fetch.max_bytes' default)


def make_server(output_dir: Path, host: str, port: int, routes: Mapping[str, Answer] | None = None) -> ThreadingHTTPServer:
    """A server for ``output_dir`` bound to host:port (port 0: any free one,
    read back from ``server.server_address``). It does not answer until
    ``serve_forever`` runs. Raises ServeError when it cannot listen.
    ``routes``: paths answered by a function rather than a file, never
    cached; one ending in "/" answers every path below it, POST included."""
    try:
        return _OutputServer(Path(output_dir), host, port, routes or {})
    except OSError as error:
        raise ServeError(f"cannot serve on {_hostport(host, port)}: {error.strerror or error}") from error
    except ValueError as error:  # e.g. a port out of range
        raise ServeError(f"cannot serve on {_hostport(host, port)}: {error}") from error


def serve_forever(server: ThreadingHTTPServer, stop: threading.Event, *, poll_interval: float = 0.25) -> None:
    """Answer requests until ``stop`` is set, then close the server.

    Requests are handled in threads of their own; a request in progress when
    ``stop`` is set may still finish (they are daemon threads).
    """
    host, port = server.server_address[:2]
    log.info("serving %s on http://%s/", getattr(server, "root", "?"), _hostport(str(host), int(port)))
    server.timeout = poll_interval  # handle_request waits at most this long
    try:
        while not stop.is_set():
            server.handle_request()
    finally:
        server.server_close()


def parse_bind(value: str, *, default_host: str = DEFAULT_HOST) -> tuple[str, int]:
    """``--bind`` as (host, port): "HOST:PORT", "[IPv6]:PORT", ":PORT" or
    "PORT" (on ``default_host``: loopback, so that serving the whole network
    is always asked for by name, e.g. "0.0.0.0:8080").

    Raises ValueError with a message fit for the command line.
    """
    text = value.strip()
    if text.startswith("["):
        host, sep, port = text[1:].partition("]:")
        if not sep or not host:
            raise ValueError(f"invalid bind address {value!r}: write an IPv6 address as [::1]:8080")
    elif ":" in text:
        host, _, port = text.rpartition(":")
        if ":" in host:
            raise ValueError(f"invalid bind address {value!r}: write an IPv6 address as [::1]:8080")
        host = host or default_host
    else:
        host, port = default_host, text
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"invalid bind address {value!r}: the port must be a number from 0 to 65535")
    return host, int(port)


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# --- The files ---------------------------------------------------------------


@dataclass(frozen=True)
class _File:
    """One version of one file, ready to send."""

    body: bytes
    media_type: str
    etag: str  # strong (RFC 9110 §8.8.3), of the identity body
    mtime: float
    gzipped: bytes | None  # when the type is worth compressing

    @property
    def gzip_etag(self) -> str:
        # A strong tag names one exact byte sequence, so the gzip body needs
        # a tag of its own (RFC 9110 §8.8.3.3).
        return self.etag[:-1] + '-gzip"'


class _FileCache:
    """Recently served file versions, keyed by what identifies a version on
    disk. publish/files.py replaces a file by rename (a new inode), so a
    changed file is never mistaken for the cached one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[tuple[int, int, int, int], _File] = {}

    def read(self, path: str) -> _File | None:
        """The file at ``path`` (a resolved path of a regular file), or None
        if it vanished or is not a regular file any more."""
        try:
            # O_NONBLOCK: should a FIFO appear in place of the file, open()
            # must not wait for a writer; fstat then refuses it.
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            # fstat of the open file: the key and the bytes are the same version.
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode):
                return None
            key = (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
            with self._lock:
                cached = self._files.get(key)
            if cached is not None:
                return cached
            body = handle.read()
        found = _prepare(path, body, st.st_mtime)
        if len(body) <= _CACHE_MAX_FILE:
            with self._lock:
                if len(self._files) >= _CACHE_ENTRIES:
                    self._files.pop(next(iter(self._files)))  # the oldest entry
                self._files[key] = found
        return found


def _prepare(path: str, body: bytes, mtime: float) -> _File:
    media_type = _media_type(path, body)
    digest = hashlib.sha256(body).hexdigest()[:32]
    # mtime=0 in the gzip header: the same bytes give the same gzip body.
    gzipped = gzip.compress(body, compresslevel=6, mtime=0) if _compressible(media_type) else None
    return _File(body, media_type, f'"{digest}"', mtime, gzipped)


def _media_type(path: str, body: bytes) -> str:
    name = os.path.basename(path)
    if name in _FEED_TYPES:
        return _FEED_TYPES[name]
    suffix = os.path.splitext(name)[1].lower()
    if suffix == ".xml":
        match = _XML_ROOT.search(body[:4096].lstrip(b"\xef\xbb\xbf"))
        if match and match.group(1) in _XML_ROOT_TYPES:
            return _XML_ROOT_TYPES[match.group(1)]
    return _SUFFIX_TYPES.get(suffix, "application/octet-stream")


def _compressible(media_type: str) -> bool:
    kind = media_type.split(";")[0]
    return kind.startswith("text/") or kind.endswith(("+xml", "+json", "/xml", "/json"))


def _resolve(root: str, target: str) -> tuple[str, list[str]] | None:
    """The real path under ``root`` that a request target names, and its
    decoded segments; None when it names nothing that may be served.

    Works on segments, before anything touches the filesystem: a ".." or a
    hidden name, literal or percent-encoded ("%2e%2e"), and a segment that
    decodes to a separator ("%2F") or NUL, are refused outright. Then the
    real path (symlinks followed) must still lie under the real root: a link
    inside output/ pointing elsewhere serves nothing.
    """
    if target.startswith("/"):
        # origin-form (RFC 9112 §3.2.1). Not urlsplit: it would read
        # "//etc/passwd" as a host "etc" and a path "/passwd".
        path = target.split("?", 1)[0].split("#", 1)[0]
    elif re.match(r"https?://", target, re.IGNORECASE):
        path = urlsplit(target).path or "/"  # absolute-form, which servers must accept (§3.2.2)
    else:
        return None  # "*" or anything else names no file
    segments: list[str] = []
    for raw in path.split("/"):
        try:
            segment = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            return None
        if segment in ("", "."):
            continue
        if segment.startswith(".") or any(c in segment for c in "/\\\x00"):
            return None
        segments.append(segment)
    real = os.path.realpath(os.path.join(root, *segments))
    return (real, segments) if _inside(root, real) else None


def _inside(root: str, real: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


# --- HTTP --------------------------------------------------------------------


class _OutputServer(ThreadingHTTPServer):
    daemon_threads = True  # a slow client never holds up shutdown

    def __init__(self, output_dir: Path, host: str, port: int, routes: Mapping[str, Answer]) -> None:
        self.root = os.path.realpath(output_dir)
        self.routes = routes
        self.files = _FileCache()
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (socket.getfqdn),
        # which can mean a DNS query; nothing here needs the name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class _Handler(BaseHTTPRequestHandler):
    server: _OutputServer
    protocol_version = "HTTP/1.1"  # keep-alive: readers fetch several feeds in a row
    server_version = f"feedhub/{__version__}"
    sys_version = ""
    timeout = 30  # seconds an idle keep-alive connection is kept

    _sent: int | str = "-"  # body bytes of the current response, for the log

    def version_string(self) -> str:
        return self.server_version  # not "BaseHTTP/0.6 Python/3.x"

    def parse_request(self) -> bool:
        self._sent = "-"
        return super().parse_request()

    def do_GET(self) -> None:
        self._serve(with_body=True)

    def do_HEAD(self) -> None:
        self._serve(with_body=False)

    def _not_allowed(self) -> None:
        # 405 for methods HTTP defines but a static site does not allow (RFC
        # 9110 §15.5.6, with Allow); unknown methods get http.server's 501.
        # The connection closes: a request body we will not read may follow.
        self._plain(HTTPStatus.METHOD_NOT_ALLOWED, with_body=True, headers={"Allow": _ALLOWED, "Connection": "close"})

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    def do_POST(self) -> None:
        found = self._route()
        if found is None:
            return self._not_allowed()
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            # 411 (RFC 9110 §15.5.12); a chunked body is not read, so the connection closes.
            return self._plain(HTTPStatus.LENGTH_REQUIRED, with_body=True, headers={"Connection": "close"})
        if int(length) > MAX_POST_BYTES:
            return self._plain(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, with_body=True, headers={"Connection": "close"})
        self._answer(*found, body=self.rfile.read(int(length)), with_body=True)

    def _route(self) -> tuple[Answer, str] | None:
        """The route for this request's path, and the rest of the path below it."""
        path = unquote(urlsplit(self.path).path)
        routes = self.server.routes
        if path in routes:
            return routes[path], ""
        prefix = max((p for p in routes if p.endswith("/") and path.startswith(p)), key=len, default=None)
        return (routes[prefix], path[len(prefix):]) if prefix else None

    def _answer(self, answer: Answer, rest: str, *, body: bytes, with_body: bool) -> None:
        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        status, media_type, content = answer(Call(self.command, rest, query, self.headers, body))
        headers = {"Content-Type": media_type, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
        self._send(HTTPStatus(status), content, headers, with_body=with_body)

    def _serve(self, *, with_body: bool) -> None:
        found = self._route()
        if found is not None:
            return self._answer(*found, body=b"", with_body=with_body)
        resolved = _resolve(self.server.root, self.path)
        if resolved is None:
            return self._plain(HTTPStatus.NOT_FOUND, with_body=with_body)
        path, segments = resolved
        if os.path.isdir(path):
            if not self.path.split("?", 1)[0].endswith("/"):
                # The pages link relatively ("atom.xml", "../index.html"):
                # they need the folder's URL to end with "/".
                location = "/" + "".join(quote(segment) + "/" for segment in segments)
                return self._plain(HTTPStatus.MOVED_PERMANENTLY, with_body=with_body, headers={"Location": location})
            # The folder's index.html may itself be a link leading out.
            path = os.path.realpath(os.path.join(path, PAGE_FILE))
            if not _inside(self.server.root, path):
                return self._plain(HTTPStatus.NOT_FOUND, with_body=with_body)
        found = self.server.files.read(path)
        if found is None:
            return self._plain(HTTPStatus.NOT_FOUND, with_body=with_body)

        use_gzip = found.gzipped is not None and _accepts_gzip(self.headers.get_all("Accept-Encoding"))
        etag = found.gzip_etag if use_gzip else found.etag
        headers = {
            "ETag": etag,
            # Revalidate every time (RFC 9111 §5.2.2.4): a 304 costs nothing,
            # and without it caches guess a freshness (§4.2.2) and show old news.
            "Cache-Control": "no-cache",
        }
        if found.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"  # the body depends on it (RFC 9110 §12.5.5)
        if self._not_modified(found):
            # §15.4.5: a 304 repeats the validators and Vary a 200 would carry.
            return self._send(HTTPStatus.NOT_MODIFIED, b"", headers, with_body=False)
        # Never later than the Date header (RFC 9110 §8.8.2.1), whatever the
        # file's clock says.
        headers["Last-Modified"] = formatdate(min(found.mtime, time.time()), usegmt=True)
        headers["Content-Type"] = found.media_type
        headers["X-Content-Type-Options"] = "nosniff"
        if use_gzip:
            headers["Content-Encoding"] = "gzip"
        body = found.gzipped if use_gzip and found.gzipped is not None else found.body
        self._send(HTTPStatus.OK, body, headers, with_body=with_body)

    def _not_modified(self, found: _File) -> bool:
        """RFC 9110 §13.2.2: If-None-Match decides when present, and then
        If-Modified-Since is ignored; either may only turn GET/HEAD into 304."""
        if_none_match = self.headers.get_all("If-None-Match")
        if if_none_match:
            # Weak comparison (§13.1.2). Both of the file's tags count: they
            # name the same content, and a client holding either has it
            # (Apache's "-gzip" tags that did not match caused endless 200s).
            tags = {tag.strip().removeprefix("W/") for value in if_none_match for tag in value.split(",")}
            return "*" in tags or found.etag in tags or found.gzip_etag in tags
        if_modified_since = self.headers.get_all("If-Modified-Since")
        if not if_modified_since or len(if_modified_since) != 1:
            return False  # §13.1.3: ignore a field with several members
        try:
            since = parsedate_to_datetime(if_modified_since[0]).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False  # not an HTTP-date: ignored
        # HTTP dates have whole seconds; the file's mtime has more.
        return int(found.mtime) <= since

    def _plain(self, status: HTTPStatus, *, with_body: bool, headers: dict[str, str] | None = None) -> None:
        """A short text/plain answer: errors and redirects."""
        body = f"{status.value} {status.phrase}\n".encode("ascii")
        self._send(status, body, {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}, with_body=with_body)

    def _send(self, status: HTTPStatus, body: bytes, headers: dict[str, str], *, with_body: bool) -> None:
        # HEAD: the headers GET would send, Content-Length included (RFC 9110
        # §9.3.2), and no body. 304: no Content-Length at all (§8.6 allows it;
        # it would have to be the 200's).
        self._sent = len(body) if with_body else 0
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body and body:
            self.wfile.write(body)

    # One access-log line per request, through logging; http.server's own
    # messages (errors it answers itself, already in that line) at DEBUG.

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = code.value if isinstance(code, HTTPStatus) else code
        access_log.info('%s "%s" %s %s', self.client_address[0], self.requestline, status, self._sent)

    def log_error(self, format: str, *args: object) -> None:
        log.debug(format, *args)

    def log_message(self, format: str, *args: object) -> None:
        log.debug(format, *args)


def _accepts_gzip(values: list[str] | None) -> bool:
    """Whether Accept-Encoding allows gzip (RFC 9110 §12.5.3): listed with a
    q above 0, or not listed and "*" allowed. No field: identity, which every
    client reads (the RFC allows any coding then, but old clients break)."""
    if not values:
        return False
    weights: dict[str, float] = {}
    for item in ",".join(values).split(","):
        name, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name:
            weights[name.lower()] = weight
    for name in ("gzip", "x-gzip"):  # x-gzip: the same coding (§8.4.1.3)
        if name in weights:
            return weights[name] > 0
    return weights.get("*", 0.0) > 0
