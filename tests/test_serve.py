"""feedhub.serve: a real server on 127.0.0.1 (port 0) serving a published
output/, asked the way feed readers, browsers and attackers ask.

Paths that clients would normalise ("/../etc/passwd") are sent as raw
request lines on a socket.
"""

from __future__ import annotations

import gzip
import http.client
import logging
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import pytest

from feedhub.publish import publish_site
from feedhub.serve import ServeError, make_server, parse_bind, serve_forever
from feedhub.types import CategoryView, SiteInfo, SourceInfo, Story, StoryCopy

UTC = timezone.utc
SITE = SiteInfo(title="Market Wire", base_url=None, language="en-GB", timezone="Europe/London")
SOURCE = SourceInfo("Harbour Gazette", "https://harbour.example.org/feed.xml", None, None, None, None)
LINK = "https://harbour.example.org/2024/03/20/fed-holds"
STORY = Story(
    id=LINK,
    category="Markets",
    title="Fed holds rates",
    link=LINK,
    author="Jane Roe",
    content="<p>The central bank kept rates unchanged.</p>" * 40,  # worth compressing
    summary="",
    published=datetime(2024, 3, 20, 18, 5, tzinfo=UTC),
    updated=datetime(2024, 3, 20, 19, 0, tzinfo=UTC),
    tags=(),
    canonical=StoryCopy(SOURCE, LINK, "Fed holds rates", "Jane Roe"),
)
VIEW = CategoryView(name="Markets", slug="markets", stories=(STORY,))
# A fixed, past modification time for every published file.
MTIME = datetime(2024, 3, 20, 19, 0, 30, tzinfo=UTC).timestamp()


@dataclass
class Served:
    output: Path
    port: int

    def request(self, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[http.client.HTTPResponse, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            return response, response.read()
        finally:
            conn.close()

    def raw(self, request_line: str) -> bytes:
        """The whole answer to one request sent byte for byte, unnormalised."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(f"{request_line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    output = tmp_path / "output"
    publish_site([VIEW], SITE, output, generator_version="1", formats=("atom", "rss", "json"))
    for path in output.rglob("*"):
        os.utime(path, (MTIME, MTIME))
    # Things that must never be served: a file beside output/, a link to it
    # from inside, a hidden file (publish writes its temporary files so).
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (output / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (output / "leakdir").symlink_to(tmp_path)
    (output / "markets" / ".atom.xml.x1y2.tmp").write_text("half", encoding="utf-8")
    (output / "empty").mkdir()

    server = make_server(output, "127.0.0.1", 0)
    stop = threading.Event()
    thread = threading.Thread(target=serve_forever, args=(server, stop), kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield Served(output, server.server_address[1])
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def status_of(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1])


# --- Conditional requests --------------------------------------------------------


def test_200_then_304_with_if_none_match(served):
    first, body = served.request("GET", "/markets/atom.xml")
    etag = first.getheader("ETag")

    assert first.status == 200
    assert body == (served.output / "markets" / "atom.xml").read_bytes()
    assert etag.startswith('"') and etag.endswith('"')  # strong: no W/
    assert first.getheader("Cache-Control") == "no-cache"

    again, body = served.request("GET", "/markets/atom.xml", {"If-None-Match": etag})
    assert again.status == 304 and body == b""
    assert again.getheader("ETag") == etag  # RFC 9110 §15.4.5: the validators again

    listed, _ = served.request("GET", "/markets/atom.xml", {"If-None-Match": f'"other", W/{etag}'})
    assert listed.status == 304  # weak comparison, any tag of the list
    star, _ = served.request("GET", "/markets/atom.xml", {"If-None-Match": "*"})
    assert star.status == 304
    other, body = served.request("GET", "/markets/atom.xml", {"If-None-Match": '"other"'})
    assert other.status == 200 and body


def test_304_with_if_modified_since(served):
    first, _ = served.request("GET", "/markets/rss.xml")
    last_modified = first.getheader("Last-Modified")

    assert parsedate_to_datetime(last_modified).timestamp() == int(MTIME)
    same, body = served.request("GET", "/markets/rss.xml", {"If-Modified-Since": last_modified})
    assert same.status == 304 and body == b""
    later, _ = served.request("GET", "/markets/rss.xml", {"If-Modified-Since": formatdate(MTIME + 3600, usegmt=True)})
    assert later.status == 304
    earlier, body = served.request("GET", "/markets/rss.xml", {"If-Modified-Since": formatdate(MTIME - 1, usegmt=True)})
    assert earlier.status == 200 and body
    garbage, _ = served.request("GET", "/markets/rss.xml", {"If-Modified-Since": "yesterday"})
    assert garbage.status == 200  # not an HTTP-date: ignored


def test_if_none_match_overrides_if_modified_since(served):
    # RFC 9110 §13.1.3: with If-None-Match present, If-Modified-Since is ignored.
    response, _ = served.request(
        "GET", "/markets/atom.xml", {"If-None-Match": '"stale"', "If-Modified-Since": formatdate(MTIME + 60, usegmt=True)}
    )
    assert response.status == 200


def test_a_republished_file_gets_a_new_etag(served):
    first, _ = served.request("GET", "/markets/atom.xml")
    newer = replace(VIEW, stories=(replace(STORY, title="Fed holds, again"),))
    publish_site([newer], SITE, served.output, generator_version="1", formats=("atom",))

    response, body = served.request("GET", "/markets/atom.xml", {"If-None-Match": first.getheader("ETag")})
    assert response.status == 200
    assert b"Fed holds, again" in body
    assert response.getheader("ETag") != first.getheader("ETag")


# --- gzip -----------------------------------------------------------------------------


def test_gzip_when_accepted(served):
    plain, identity = served.request("GET", "/markets/feed.json")
    zipped, body = served.request("GET", "/markets/feed.json", {"Accept-Encoding": "br;q=1.0, gzip;q=0.8"})

    assert plain.getheader("Content-Encoding") is None
    assert plain.getheader("Vary") == "Accept-Encoding"  # even uncompressed, the answer depends on it
    assert zipped.getheader("Content-Encoding") == "gzip"
    assert zipped.getheader("Vary") == "Accept-Encoding"
    assert int(zipped.getheader("Content-Length")) == len(body) < len(identity)
    assert gzip.decompress(body) == identity
    # A strong ETag names exact bytes: the gzip body has its own, and either
    # one revalidates.
    assert zipped.getheader("ETag") != plain.getheader("ETag")
    for etag in (zipped.getheader("ETag"), plain.getheader("ETag")):
        again, _ = served.request("GET", "/markets/feed.json", {"Accept-Encoding": "gzip", "If-None-Match": etag})
        assert again.status == 304
        assert again.getheader("ETag") == zipped.getheader("ETag")


@pytest.mark.parametrize("accept", ["gzip;q=0", "identity", "br", "*;q=0", "*, gzip;q=0"])
def test_no_gzip_when_refused(served, accept):
    response, body = served.request("GET", "/index.html", {"Accept-Encoding": accept})

    assert response.status == 200
    assert response.getheader("Content-Encoding") is None
    assert body == (served.output / "index.html").read_bytes()


@pytest.mark.parametrize("accept", ["gzip", "GZIP", "x-gzip", "*", "deflate, gzip;q=0.5"])
def test_gzip_spellings(served, accept):
    response, body = served.request("GET", "/index.html", {"Accept-Encoding": accept})

    assert response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == (served.output / "index.html").read_bytes()


# --- Media types, directories, HEAD -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/markets/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/markets/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/markets/feed.json", "application/feed+json; charset=utf-8"),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/markets/index.html", "text/html; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
        ("/markets/archive-1.xml", "application/atom+xml; charset=utf-8"),  # known by its root element
        ("/markets/old-rss.xml", "application/rss+xml; charset=utf-8"),
        ("/markets/other.xml", "application/xml; charset=utf-8"),
    ],
)
def test_media_types(served, path, media_type):
    folder = served.output / "markets"
    (folder / "archive-1.xml").write_bytes(b'<?xml version="1.0"?>\n<!-- old -->\n<feed xmlns="http://www.w3.org/2005/Atom"/>')
    (folder / "old-rss.xml").write_bytes(b'<rss version="2.0"><channel/></rss>')
    (folder / "other.xml").write_bytes(b"<urlset/>")

    response, _ = served.request("GET", path)
    assert response.status == 200
    assert response.getheader("Content-Type") == media_type
    assert response.getheader("X-Content-Type-Options") == "nosniff"


def test_directory_index(served):
    home, body = served.request("GET", "/")
    category, category_body = served.request("GET", "/markets/")
    bare, _ = served.request("GET", "/markets?x=1")

    assert home.status == 200 and body == (served.output / "index.html").read_bytes()
    assert category.status == 200 and category_body == (served.output / "markets" / "index.html").read_bytes()
    # Without the slash, the page's relative links ("atom.xml") would miss.
    assert bare.status == 301 and bare.getheader("Location") == "/markets/"
    empty, _ = served.request("GET", "/empty/")
    assert empty.status == 404  # no index.html, and no directory listings


def test_head_sends_the_headers_of_get_and_no_body(served):
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    try:
        conn.request("HEAD", "/markets/atom.xml")
        head = conn.getresponse()
        assert head.read() == b""
        # Same connection: had HEAD sent a body, this answer would be garbled.
        conn.request("GET", "/markets/atom.xml")
        get = conn.getresponse()
        body = get.read()
    finally:
        conn.close()

    assert head.status == get.status == 200
    assert head.getheader("Content-Length") == get.getheader("Content-Length") == str(len(body))
    for name in ("ETag", "Last-Modified", "Content-Type"):
        assert head.getheader(name) == get.getheader(name)
    assert served.request("HEAD", "/missing.xml")[0].status == 404


# --- What must not be served ---------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/../etc/passwd",
        "/../../../../../../etc/passwd",
        "/../secret.txt",
        "/markets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/markets/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/..%2fsecret.txt",
        "/%2Fetc%2Fpasswd",
        "//etc/passwd",
        "/..\\secret.txt",
        "/%00",
        "/index.html%00.txt",
        "/%ff%fe",
        "http://127.0.0.1/../secret.txt",
        "*",
        "/leak.txt",
        "/leakdir/secret.txt",
        "/markets/.atom.xml.x1y2.tmp",
        "/nothing-here.xml",
    ],
)
def test_404_outside_output_and_for_what_is_hidden(served, target):
    answer = served.raw(f"GET {target} HTTP/1.1")

    assert status_of(answer) == 404, answer[:200]
    assert b"secret" not in answer and b"root:" not in answer


def test_absolute_form_inside_output_is_served(served):
    # RFC 9112 §3.2.2: a server must accept the absolute form.
    answer = served.raw("GET http://127.0.0.1/markets/atom.xml HTTP/1.1")

    assert status_of(answer) == 200
    assert answer.endswith((served.output / "markets" / "atom.xml").read_bytes())


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_405_for_other_methods(served, method):
    response, _ = served.request(method, "/markets/atom.xml")

    assert response.status == 405
    assert response.getheader("Allow") == "GET, HEAD"
    assert (served.output / "markets" / "atom.xml").exists()


def test_501_for_unknown_methods(served):
    assert status_of(served.raw("BREW /index.html HTTP/1.1")) == 501


# --- Logging, starting and stopping -----------------------------------------------------------


def test_one_access_log_line_per_request(served, caplog):
    caplog.set_level(logging.DEBUG, logger="feedhub.serve")
    served.request("GET", "/markets/atom.xml")
    served.raw("GET /../etc/passwd HTTP/1.1")
    served.request("POST", "/")

    lines = [r for r in caplog.records if r.name == "feedhub.serve.access"]
    assert [r.levelno for r in lines] == [logging.INFO] * 3
    assert [r.getMessage().split('"')[1] for r in lines] == [
        "GET /markets/atom.xml HTTP/1.1", "GET /../etc/passwd HTTP/1.1", "POST / HTTP/1.1"]
    assert [r.getMessage().split()[-2] for r in lines] == ["200", "404", "405"]
    # Quiet by default: nothing at WARNING or above, so the CLI (WARNING
    # unless -v) shows no request.
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_stop_closes_the_server(tmp_path):
    server = make_server(tmp_path, "127.0.0.1", 0)
    port = server.server_address[1]
    stop = threading.Event()
    thread = threading.Thread(target=serve_forever, args=(server, stop), kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    stop.set()
    thread.join(timeout=10)

    assert not thread.is_alive()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_an_address_in_use_is_a_serve_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=f"cannot serve on 127.0.0.1:{port}"):
            make_server(tmp_path, "127.0.0.1", port)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        ("localhost:0", ("localhost", 0)),
        ("[::1]:8443", ("::1", 8443)),
        (":9000", ("127.0.0.1", 9000)),  # loopback unless a host is named
        ("9000", ("127.0.0.1", 9000)),
    ],
)
def test_parse_bind(value, expected):
    assert parse_bind(value) == expected


@pytest.mark.parametrize("value", ["", "host:", "host:http", "1.2.3.4:70000", "::1:80", "[::1]", "[]:80", "a:-1"])
def test_parse_bind_refuses(value):
    with pytest.raises(ValueError, match="invalid bind address"):
        parse_bind(value)
