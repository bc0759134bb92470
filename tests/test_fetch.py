"""feedhub.fetch against a real HTTP server on 127.0.0.1 (tests/httpserver.py)."""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpcore
import httpx
import pytest

import feedhub
from feedhub.errors import FetchError
from feedhub.fetch import Fetcher, FetchOptions
from feedhub.fetch.http import _follow
from feedhub.types import CachingInfo, FetchResult
from httpserver import HTTPTestServer, Reply, Request

FEED = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title></channel></rss>'
MB = 1024 * 1024


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(max_connections=4) as f:
        yield f


def fetch(
    fetcher: Fetcher, url: str, caching: CachingInfo = CachingInfo(), base_dir: Path = Path("."), **options
) -> FetchResult:
    """fetcher.fetch with test-sized timeouts unless the test gives others."""
    options.setdefault("timeout", 5.0)
    options.setdefault("connect_timeout", 2.0)
    return fetcher.fetch(url, caching=caching, options=FetchOptions(**options), base_dir=base_dir)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- plain GET


def test_200_returns_body_and_sends_our_headers(fetcher, http_server):
    url = http_server.route(
        "/feed",
        Reply(
            body=FEED,
            headers={
                "Content-Type": "application/rss+xml; charset=utf-8",
                "ETag": '"abc"',
                "Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT",
                "Cache-Control": "max-age=600",
                "Retry-After": "120",
                "X-Powered-By": "nobody",
            },
        ),
    )
    result = fetch(fetcher, url, headers=(("X-Token", "secret"),))

    assert result.status == 200
    assert result.content == FEED
    assert result.url == url
    assert result.moved_to is None
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert result.caching == CachingInfo(
        etag='"abc"', last_modified="Wed, 21 Oct 2015 07:28:00 GMT", content_hash=sha256(FEED)
    )
    assert ("cache-control", "max-age=600") in result.headers
    assert ("retry-after", "120") in result.headers
    assert all(name != "x-powered-by" for name, _ in result.headers)

    [seen] = http_server.requests_to("/feed")
    assert seen.headers["user-agent"] == feedhub.USER_AGENT
    assert seen.headers["accept"].startswith("application/atom+xml, application/rss+xml")
    assert "application/feed+json" in seen.headers["accept"]
    assert "gzip" in seen.headers["accept-encoding"] and "deflate" in seen.headers["accept-encoding"]
    assert seen.headers["x-token"] == "secret"
    assert "if-none-match" not in seen.headers and "if-modified-since" not in seen.headers


def test_user_agent_and_headers_from_options_win(fetcher, http_server):
    url = http_server.route("/feed", Reply(body=FEED))
    fetch(fetcher, url, user_agent="custom-agent/1", headers=(("Accept", "application/rss+xml"),))
    [seen] = http_server.requests_to("/feed")
    assert seen.headers["user-agent"] == "custom-agent/1"
    assert seen.headers["accept"] == "application/rss+xml"  # replaced, not doubled


# ---------------------------------------------------------------- conditional GET


def test_etag_round_trip_gives_304_and_keeps_caching(fetcher, http_server):
    def handler(request: Request) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(status=304, headers={"ETag": '"v1"', "Cache-Control": "max-age=60"})
        return Reply(body=FEED, headers={"ETag": '"v1"'})

    url = http_server.route("/feed", handler)
    first = fetch(fetcher, url)
    assert first.content == FEED and first.caching.etag == '"v1"'

    second = fetch(fetcher, url, caching=first.caching)
    assert second.status == 304
    assert second.content is None and second.not_modified
    assert second.caching is first.caching
    assert ("cache-control", "max-age=60") in second.headers

    sent = [r.headers.get("if-none-match") for r in http_server.requests_to("/feed")]
    assert sent == [None, '"v1"']


def test_last_modified_round_trip(fetcher, http_server):
    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"

    def handler(request: Request) -> Reply:
        if request.headers.get("if-modified-since") == stamp:
            return Reply(status=304)
        return Reply(body=FEED, headers={"Last-Modified": stamp})

    url = http_server.route("/feed", handler)
    first = fetch(fetcher, url)
    assert first.content == FEED and first.caching.last_modified == stamp and first.caching.etag is None

    second = fetch(fetcher, url, caching=first.caching)
    assert (second.status, second.content, second.caching) == (304, None, first.caching)
    assert [r.headers.get("if-modified-since") for r in http_server.requests_to("/feed")] == [None, stamp]


def test_unchanged_body_without_validators_is_not_new(fetcher, http_server):
    body = {"now": FEED}
    url = http_server.route("/feed", lambda request: Reply(body=body["now"]))

    first = fetch(fetcher, url)
    assert first.content == FEED

    again = fetch(fetcher, url, caching=first.caching)
    assert again.status == 200 and again.content is None
    assert again.caching.content_hash == sha256(FEED)

    body["now"] = FEED + b"\n<!-- edited -->"
    changed = fetch(fetcher, url, caching=again.caching)
    assert changed.content == body["now"]
    assert changed.caching.content_hash == sha256(body["now"])


def test_304_to_an_unconditional_request_is_an_error(fetcher, http_server):
    url = http_server.route("/feed", Reply(status=304))
    with pytest.raises(FetchError, match="304") as caught:
        fetch(fetcher, url)
    assert caught.value.status == 304


def test_validators_and_header_text_survive_non_ascii(fetcher, http_server):
    etag = '"caf\u00e9"'  # the server sends the single octet 0xE9 (RFC 9110 obs-text)

    def handler(request: Request) -> Reply:
        if request.headers.get("if-none-match") == etag:  # compared as Latin-1, i.e. octet for octet
            return Reply(status=304)
        return Reply(body=FEED, headers={"ETag": etag})

    url = http_server.route("/feed", handler)
    first = fetch(fetcher, url, user_agent="阅读器/1")
    assert first.caching.etag == etag
    assert fetch(fetcher, url, caching=first.caching).status == 304
    assert http_server.requests_to("/feed")[0].headers["user-agent"] == "阅读器/1".encode().decode("latin-1")


def test_bad_configured_header_is_a_fetch_error(fetcher, http_server):
    url = http_server.route("/feed", Reply(body=FEED))
    with pytest.raises(FetchError, match="invalid request header"):
        fetch(fetcher, url, headers=(("X-A", "a\r\nInjected: 1"),))
    assert http_server.requests == []


# ---------------------------------------------------------------- status policy


@pytest.mark.parametrize(("status", "message"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")])
def test_error_status_raises_with_status(fetcher, http_server, status, message):
    url = http_server.route("/feed", Reply(status=status, body=b"<html>oops</html>"))
    with pytest.raises(FetchError) as caught:
        fetch(fetcher, url)
    assert str(caught.value) == message
    assert caught.value.status == status


def test_error_message_carries_retry_after(fetcher, http_server):
    url = http_server.route("/feed", Reply(status=503, headers={"Retry-After": "300"}))
    with pytest.raises(FetchError, match=r"^HTTP 503 Service Unavailable \(Retry-After: 300\)$"):
        fetch(fetcher, url)


# ---------------------------------------------------------------- redirects


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_sets_moved_to(fetcher, http_server, status):
    start = http_server.route("/old", Reply(status=status, headers={"Location": "/new"}))  # relative
    final = http_server.route("/new", Reply(body=FEED))
    result = fetch(fetcher, start)
    assert result.content == FEED
    assert result.url == final
    assert result.moved_to == final


@pytest.mark.parametrize("status", [302, 303, 307])
def test_temporary_redirect_does_not_set_moved_to(fetcher, http_server, status):
    start = http_server.route("/old", Reply(status=status, headers={"Location": http_server.url("/new")}))
    final = http_server.route("/new", Reply(body=FEED))
    result = fetch(fetcher, start)
    assert result.content == FEED
    assert result.url == final
    assert result.moved_to is None


class _ScriptedTransport:
    """Answers each URL from a script, without a network: for what the
    test server cannot do (TLS)."""

    def __init__(self, replies: dict[str, tuple[int, list[tuple[bytes, bytes]], bytes]]):
        self.replies = replies

    def request(self, url, headers, timeouts):
        status, head, body = self.replies[str(url)]
        return httpcore.Response(status, headers=head, content=body)


def test_a_permanent_redirect_from_https_to_http_is_followed_but_not_remembered():
    transport = _ScriptedTransport({
        "https://news.example.org/feed": (301, [(b"Location", b"http://news.example.org/feed")], b""),
        "http://news.example.org/feed": (200, [], FEED),
    })
    result = _follow(transport, httpx.URL("https://news.example.org/feed"), CachingInfo(), FetchOptions(timeout=5))
    assert result.content == FEED and result.url == "http://news.example.org/feed"
    assert result.moved_to is None


def test_mixed_redirect_chain_does_not_set_moved_to(fetcher, http_server):
    start = http_server.route("/a", Reply(status=301, headers={"Location": "/b"}))
    http_server.route("/b", Reply(status=302, headers={"Location": "/c"}))
    final = http_server.route("/c", Reply(body=FEED))
    result = fetch(fetcher, start)
    assert (result.url, result.moved_to) == (final, None)


def test_redirect_loop_is_refused(fetcher, http_server):
    start = http_server.route("/a", Reply(status=302, headers={"Location": "/b"}))
    http_server.route("/b", Reply(status=302, headers={"Location": "/a"}))
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(fetcher, start)
    assert len(http_server.requests) == 2


def test_too_many_redirects(fetcher, http_server):
    for n in range(10):
        http_server.route(f"/r{n}", Reply(status=302, headers={"Location": f"/r{n + 1}"}))
    with pytest.raises(FetchError, match=r"too many redirects \(more than 3\)"):
        fetch(fetcher, http_server.url("/r0"), max_redirects=3)
    assert len(http_server.requests) == 4  # the first request and 3 redirects followed


def test_redirect_to_a_file_is_refused(fetcher, http_server):
    url = http_server.route("/feed", Reply(status=301, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(FetchError, match="non-HTTP"):
        fetch(fetcher, url)


def test_caller_headers_are_not_sent_to_another_origin(fetcher, http_server):
    with HTTPTestServer() as other:
        final = other.route("/feed", Reply(body=FEED))
        start = http_server.route("/feed", Reply(status=302, headers={"Location": final}))
        result = fetch(fetcher, start, headers=(("Authorization", "Bearer secret"),))
        assert result.content == FEED
        assert http_server.requests_to("/feed")[0].headers["authorization"] == "Bearer secret"
        [there] = other.requests_to("/feed")
        assert "authorization" not in there.headers
        assert there.headers["user-agent"] == feedhub.USER_AGENT


# ---------------------------------------------------------------- deadline


def test_body_dripping_one_byte_a_second_is_cut_at_the_deadline(fetcher, http_server):
    url = http_server.route("/drip", Reply(body=b"x" * 100, chunk_size=1, chunk_delay=1.0))
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"^timed out after 1.5 s$"):
        fetch(fetcher, url, timeout=1.5)
    elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 4


def test_headers_dripping_are_cut_at_the_deadline(fetcher, http_server):
    # Each byte comes well within any read timeout, so only a total deadline
    # stops this: the whole response would take 30 s.
    raw = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 120 + b"\r\nContent-Length: 0\r\n\r\n"
    url = http_server.route("/slow-headers", Reply(raw=raw, chunk_size=1, chunk_delay=0.2))
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out after 1.5 s"):
        fetch(fetcher, url, timeout=1.5)
    assert time.monotonic() - started < 4


def test_silent_server_times_out(fetcher, http_server):
    url = http_server.route("/late", Reply(body=FEED, delay=5))
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out after 0.5 s"):
        fetch(fetcher, url, timeout=0.5)
    assert time.monotonic() - started < 2


def test_connect_timeout():
    # A listener whose accept queue is full drops new SYNs: connect hangs.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    try:
        with Fetcher() as fetcher:
            started = time.monotonic()
            with pytest.raises(FetchError, match=rf"timed out after 0.5 s connecting to 127.0.0.1:{port}"):
                fetch(fetcher, f"http://127.0.0.1:{port}/feed", connect_timeout=0.5, timeout=5)
            assert time.monotonic() - started < 2
    finally:
        for s in [*fillers, listener]:
            s.close()


# ---------------------------------------------------------------- encodings and size


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def test_gzip_body_is_decoded(fetcher, http_server):
    url = http_server.route("/feed", Reply(body=gzipped(FEED), headers={"Content-Encoding": "gzip"}))
    result = fetch(fetcher, url)
    assert result.content == FEED
    assert result.caching.content_hash == sha256(FEED)  # of the decoded document


def test_gzip_body_dripped_in_small_pieces(fetcher, http_server):
    big = FEED * 2000
    reply = Reply(body=gzipped(big), chunked=True, chunk_size=7, headers={"Content-Encoding": "gzip"})
    url = http_server.route("/feed", reply)
    assert fetch(fetcher, url).content == big


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_body_is_decoded_in_both_forms(fetcher, http_server, wbits):
    compressor = zlib.compressobj(wbits=wbits)
    body = compressor.compress(FEED) + compressor.flush()
    url = http_server.route("/feed", Reply(body=body, headers={"Content-Encoding": "deflate"}))
    assert fetch(fetcher, url).content == FEED


def test_stacked_codings_are_undone_in_reverse(fetcher, http_server):
    body = zlib.compress(gzipped(FEED))
    url = http_server.route("/feed", Reply(body=body, headers={"Content-Encoding": "gzip, deflate"}))
    assert fetch(fetcher, url).content == FEED


@pytest.mark.parametrize("at_chunk_edge", [False, True])
def test_multi_member_gzip(fetcher, http_server, at_chunk_edge):
    first, second = gzipped(FEED[:40]), gzipped(FEED[40:])
    pieces = {"chunk_size": len(first), "chunk_delay": 0.05} if at_chunk_edge else {}
    url = http_server.route("/feed", Reply(body=first + second, headers={"Content-Encoding": "gzip"}, **pieces))
    assert fetch(fetcher, url).content == FEED


def test_inflate_is_exact_for_any_chunking_and_bounded_per_step():
    import random

    from feedhub.fetch.body import _STEP, _inflate

    rng = random.Random(7)
    # Runs of zeros (1000:1, so one small input chunk yields many steps) between random bytes.
    document = b"".join(bytes(rng.randrange(300_000)) + rng.randbytes(2000) for _ in range(8))
    packed = gzipped(document)
    for _ in range(20):
        cuts = sorted(rng.sample(range(1, len(packed)), 30))
        chunks = [packed[a:b] for a, b in zip([0, *cuts], [*cuts, len(packed)])]
        out = list(_inflate(chunks, wbits=16 + zlib.MAX_WBITS))
        assert b"".join(out) == document
        assert max(map(len, out)) <= _STEP


def test_brotli_body_is_decoded(fetcher, http_server):
    brotli = pytest.importorskip("brotli")
    url = http_server.route("/feed", Reply(body=brotli.compress(FEED), headers={"Content-Encoding": "br"}))
    assert fetch(fetcher, url).content == FEED
    assert "br" in http_server.requests_to("/feed")[0].headers["accept-encoding"]


def test_unknown_coding_and_corrupt_gzip_are_errors(fetcher, http_server):
    odd = http_server.route("/odd", Reply(body=FEED, headers={"Content-Encoding": "compress"}))
    with pytest.raises(FetchError, match="unsupported Content-Encoding 'compress'"):
        fetch(fetcher, odd)
    corrupt = b"\x1f\x8b\x08\x00garbage-garbage"
    bad = http_server.route("/bad", Reply(body=corrupt, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(FetchError, match="invalid compressed body"):
        fetch(fetcher, bad)


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """200 MB of zeros, gzipped by streaming (about 200 KB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MB)
    parts = [compressor.compress(zeros) for _ in range(200)]
    parts.append(compressor.flush())
    return b"".join(parts)


def test_gzip_bomb_is_refused_with_bounded_memory(fetcher, http_server, gzip_bomb):
    assert len(gzip_bomb) < MB
    url = http_server.route("/bomb", Reply(body=gzip_bomb, headers={"Content-Encoding": "gzip"}))
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match=r"^response larger than 10 MB, refused$") as caught:
            fetch(fetcher, url, max_bytes=10 * MB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.status == 200
    # The cap plus a few decoding steps; decoding whole network reads at once
    # (1000:1 for zeros) would peak far higher.
    assert peak < 25 * MB, f"peak {peak / MB:.1f} MB"


def test_body_over_the_cap_is_refused(fetcher, http_server):
    announced = http_server.route("/big", Reply(body=b"x" * 5000))
    with pytest.raises(FetchError, match=r"^response larger than 4000 bytes, refused$"):
        fetch(fetcher, announced, max_bytes=4000)
    # Without Content-Length the count while streaming catches it.
    streamed = http_server.route("/big-chunked", Reply(body=b"x" * 5000, chunked=True, chunk_size=1000))
    with pytest.raises(FetchError, match="larger than 4000 bytes"):
        fetch(fetcher, streamed, max_bytes=4000)
    exact = http_server.route("/exact", Reply(body=b"x" * 4000, chunked=True, chunk_size=1000))
    assert len(fetch(fetcher, exact, max_bytes=4000).content) == 4000


# ---------------------------------------------------------------- network failures


def test_connection_refused(fetcher):
    holder = socket.socket()  # bound, never listening: connects are refused
    holder.bind(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    try:
        with pytest.raises(FetchError, match=rf"^connection refused by 127.0.0.1:{port}$") as caught:
            fetch(fetcher, f"http://127.0.0.1:{port}/feed")
        assert caught.value.status is None
    finally:
        holder.close()


def test_dns_failure(fetcher, monkeypatch):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # no real lookup leaves the machine
    with pytest.raises(FetchError, match=r"^cannot resolve host feeds.example.invalid \(DNS lookup failed\)$"):
        fetch(fetcher, "http://feeds.example.invalid/rss.xml")


def test_tls_failure(fetcher, http_server):
    http_server.route("/feed", Reply(body=FEED))
    with pytest.raises(FetchError, match=rf"^TLS handshake with 127.0.0.1:{http_server.port} failed"):
        fetch(fetcher, f"https://127.0.0.1:{http_server.port}/feed")


@pytest.mark.parametrize(("reset", "what"), [(False, "closed"), (True, "reset")])
def test_connection_ended_mid_body(fetcher, http_server, reset, what):
    url = http_server.route("/feed", Reply(body=FEED * 100, cut_after=500, reset=reset, chunk_size=250))
    expected = rf"^connection {what} by 127.0.0.1:\d+ before the whole response was received$"
    with pytest.raises(FetchError, match=expected):
        fetch(fetcher, url)


def test_connection_closed_mid_chunked_body(fetcher, http_server):
    url = http_server.route("/feed", Reply(body=FEED * 100, chunked=True, chunk_size=300, cut_after=900))
    with pytest.raises(FetchError, match="connection closed"):
        fetch(fetcher, url)


def test_garbage_instead_of_http(fetcher, http_server):
    url = http_server.route("/feed", Reply(raw=b"SSH-2.0-OpenSSH_9.6\r\n\r\n"))
    with pytest.raises(FetchError, match="invalid HTTP response"):
        fetch(fetcher, url)


def test_unsupported_scheme_and_bad_url(fetcher):
    with pytest.raises(FetchError, match="unsupported URL scheme 'ftp'"):
        fetch(fetcher, "ftp://example.invalid/feed.xml")
    with pytest.raises(FetchError, match="invalid URL"):
        fetch(fetcher, "http://[::1/feed")
    for no_host in ("http:///feed", "https://", "http:feed"):
        with pytest.raises(FetchError, match="invalid URL"):
            fetch(fetcher, no_host)


def test_credentials_in_the_url_are_sent_as_basic_auth(fetcher, http_server):
    # RFC 7617; "%40" is "@" in the password. They replace any Authorization
    # the config gives, as the URL is the more specific of the two.
    url = http_server.route("/private", Reply(body=FEED)).replace("http://", "http://reader:p%40ss@")
    assert fetch(fetcher, url, headers=(("Authorization", "Bearer other"),)).content == FEED
    [seen] = http_server.requests_to("/private")
    assert seen.headers["authorization"] == "Basic cmVhZGVyOnBAc3M="  # base64 of "reader:p@ss"


def test_host_and_connection_from_the_config_replace_ours(fetcher, http_server):
    # A virtual host reached by address, as curl -H "Host: ..." does.
    url = http_server.route("/vhost", Reply(body=FEED))
    assert fetch(fetcher, url, headers=(("Host", "news.example"), ("Connection", "close"))).content == FEED
    [seen] = http_server.requests_to("/vhost")
    assert seen.headers["host"] == "news.example"
    assert seen.headers["connection"] == "close"


def test_closing_the_fetcher_ends_a_fetch_waiting_on_a_silent_server(http_server):
    # The daemon closes its fetcher on SIGTERM: a fetch stuck on a server
    # that never answers must end then, not at its 20 s deadline.
    url = http_server.route("/silent", Reply(body=FEED, delay=30))
    fetcher = Fetcher(max_connections=2)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(fetch, fetcher, url, timeout=20.0)
        deadline = time.monotonic() + 5
        while not http_server.requests_to("/silent") and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)  # the request is sent; the fetch now waits for the status line
        closed_at = time.monotonic()
        fetcher.close()
        with pytest.raises(FetchError):
            waiting.result(timeout=10)
        assert time.monotonic() - closed_at < 2


# ---------------------------------------------------------------- files


def test_relative_path_and_file_urls_are_read(fetcher, tmp_path):
    (tmp_path / "feeds").mkdir()
    path = tmp_path / "feeds" / "a.xml"
    path.write_bytes(FEED)
    for url in ("feeds/a.xml", "file:feeds/a.xml", path.as_uri()):
        result = fetch(fetcher, url, base_dir=tmp_path)
        assert result.content == FEED, url
        assert result.status is None
        assert result.url == path.as_uri()
        assert result.caching == CachingInfo(content_hash=sha256(FEED))


def test_unchanged_file_is_not_new(fetcher, tmp_path):
    (tmp_path / "a.xml").write_bytes(FEED)
    first = fetch(fetcher, "a.xml", base_dir=tmp_path)
    assert fetch(fetcher, "a.xml", caching=first.caching, base_dir=tmp_path).content is None
    (tmp_path / "a.xml").write_bytes(FEED + b" ")
    assert fetch(fetcher, "a.xml", caching=first.caching, base_dir=tmp_path).content == FEED + b" "


def test_file_errors(fetcher, tmp_path):
    (tmp_path / "big.xml").write_bytes(b"x" * 2049)
    with pytest.raises(FetchError, match=r"larger than 2 KB, refused$"):
        fetch(fetcher, "big.xml", base_dir=tmp_path, max_bytes=2048)
    (tmp_path / "fits.xml").write_bytes(b"x" * 2048)
    assert len(fetch(fetcher, "fits.xml", base_dir=tmp_path, max_bytes=2048).content) == 2048
    with pytest.raises(FetchError, match="no such file"):
        fetch(fetcher, "missing.xml", base_dir=tmp_path)
    with pytest.raises(FetchError, match="is a folder"):
        fetch(fetcher, ".", base_dir=tmp_path)
    with pytest.raises(FetchError, match="only read local files"):
        fetch(fetcher, "file://feeds/a.xml", base_dir=tmp_path)


# ---------------------------------------------------------------- concurrency


def test_many_threads_share_a_fetcher_within_its_connection_limit(http_server):
    http_server.route("/feed", Reply(body=FEED, delay=0.05))
    urls = [http_server.url(f"/feed?n={n}") for n in range(40)]
    with Fetcher(max_connections=4) as fetcher, ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda url: fetch(fetcher, url), urls))
    assert [r.content for r in results] == [FEED] * 40
    assert len(http_server.requests) == 40
    assert 1 < http_server.max_in_flight <= 4


def test_waiting_for_a_free_connection_does_not_eat_the_deadline(http_server):
    # One connection, two fetches of a 1 s answer with a 1.5 s deadline: the
    # second must wait its turn before its clock starts, or it would time out.
    http_server.route("/feed", Reply(body=FEED, delay=1.0))
    with Fetcher(max_connections=1) as fetcher, ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda url: fetch(fetcher, url, timeout=1.5), [http_server.url("/feed")] * 2))
    assert [r.content for r in results] == [FEED, FEED]
    assert http_server.max_in_flight == 1


def test_a_304_leaves_the_connection_open_for_the_next_source(http_server):
    """A warm cycle is 304s one after another: each must go back to the pool
    alive, or every source pays a new TCP connection (bench/warm_daemon.py)."""
    def handler(request: Request) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(status=304, headers={"ETag": '"v1"'})
        return Reply(body=FEED, headers={"ETag": '"v1"'})

    urls = [http_server.route(f"/feed/{i}", handler) for i in range(5)]
    with Fetcher(max_connections=1, per_host=1) as one_connection:
        cachings = [fetch(one_connection, url).caching for url in urls]
        for _ in range(3):
            for url, caching in zip(urls, cachings):
                assert fetch(one_connection, url, caching=caching).not_modified
    assert len(http_server.requests) == 20
    assert http_server.connections_accepted == 1


def test_a_cookie_one_source_sets_is_never_sent(fetcher, http_server):
    """Sources are independent: no Set-Cookie is kept, for that feed or another."""
    first = http_server.route("/a", Reply(body=FEED, headers={"Set-Cookie": "session=abc; Path=/"}))
    second = http_server.route("/b", Reply(body=FEED))
    for url in (first, second, first):
        assert fetch(fetcher, url).content == FEED
    assert [r.headers.get("cookie") for r in http_server.requests] == [None, None, None]


# ---------------------------------------------------------------- found in review (fifth session)


@pytest.mark.parametrize("bad_host", ["xn--a.example", "xn--"])
def test_an_undecodable_idna_host_is_an_invalid_url(fetcher, http_server, bad_host):
    # httpx decodes an xn-- label only when the host is first read.
    with pytest.raises(FetchError, match="^invalid URL"):
        fetch(fetcher, f"http://{bad_host}/feed")
    url = http_server.route("/moved", Reply(status=302, headers={"Location": f"http://{bad_host}/feed"}))
    with pytest.raises(FetchError, match="redirect to an invalid URL"):
        fetch(fetcher, url)


def test_a_file_path_with_a_nul_character_is_a_fetch_error(fetcher, tmp_path):
    for url in ("file:///tmp/a%00b.xml", "feeds/a\x00.xml"):
        with pytest.raises(FetchError, match="invalid file path"):
            fetch(fetcher, url, base_dir=tmp_path)


def test_a_pipe_is_not_read(fetcher, tmp_path):
    # Opening a FIFO nobody writes to would wait for ever.
    os.mkfifo(tmp_path / "feed.xml")
    started = time.monotonic()
    with pytest.raises(FetchError, match="not a regular file"):
        fetch(fetcher, "feed.xml", base_dir=tmp_path, timeout=1.0)
    assert time.monotonic() - started < 1.0


def test_a_huge_size_limit_does_not_allocate_it(fetcher, tmp_path):
    (tmp_path / "feed.xml").write_bytes(FEED)
    assert fetch(fetcher, "feed.xml", base_dir=tmp_path, max_bytes=2**40).content == FEED


@pytest.mark.parametrize("name", ["Content-Length", "transfer-encoding"])
def test_a_framing_header_from_the_config_is_a_fetch_error(fetcher, http_server, name):
    url = http_server.route("/feed", Reply(body=FEED))
    with pytest.raises(FetchError, match=f"the header {name} cannot be set for a source"):
        fetch(fetcher, url, headers=((name, "5"),))
    assert http_server.requests == []


def test_a_304_with_a_body_does_not_become_the_next_response(http_server):
    # A 304 never has a body (RFC 9110 §15.4.5): bytes a server sends after
    # one would be read as the answer to the next request on the connection.
    smuggled = b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n<spoof>"
    a = http_server.route("/a", Reply(status=304, body=smuggled))
    b = http_server.route("/b", Reply(body=b"<rss>real</rss>"))
    with Fetcher(max_connections=1, per_host=1) as one_connection:
        assert fetch(one_connection, a, caching=CachingInfo(etag='"1"')).not_modified
        assert fetch(one_connection, b).content == b"<rss>real</rss>"


def test_validators_are_not_sent_after_a_permanent_move(fetcher, http_server):
    # The first poll after /rss moved for good to /atom.xml: our validators
    # are /rss's; a server comparing /atom.xml's date with them could answer
    # 304 and the new document would never be read.
    old_date = "Mon, 01 Jan 2024 00:00:00 GMT"

    def atom(request: Request) -> Reply:
        if request.headers.get("if-modified-since") or request.headers.get("if-none-match"):
            return Reply(status=304)
        return Reply(body=FEED, headers={"Last-Modified": old_date})

    http_server.route("/atom.xml", atom)
    rss = http_server.route("/rss", Reply(status=301, headers={"Location": "/atom.xml"}))
    stored = CachingInfo(etag='"rss-1"', last_modified="Sat, 01 Mar 2025 00:00:00 GMT", content_hash="x")
    result = fetch(fetcher, rss, caching=stored)
    assert result.content == FEED and result.moved_to == http_server.url("/atom.xml")
    assert result.caching.last_modified == old_date
    first, second = http_server.requests
    assert first.headers.get("if-none-match") == '"rss-1"'
    assert "if-none-match" not in second.headers and "if-modified-since" not in second.headers


def test_validators_still_go_through_a_temporary_redirect(fetcher, http_server):
    # A feed behind a 302 (a counter, a CDN) is polled through it every
    # time; its validators came from the target, which may answer 304.
    http_server.route("/target", lambda request: Reply(status=304) if request.headers.get("if-none-match") == '"t1"'
                      else Reply(body=FEED, headers={"ETag": '"t1"'}))
    url = http_server.route("/counter", Reply(status=302, headers={"Location": "/target"}))
    first = fetch(fetcher, url)
    assert first.caching.etag == '"t1"'
    assert fetch(fetcher, url, caching=first.caching).not_modified


def test_a_304_with_new_validators_updates_them(fetcher, http_server):
    # RFC 9111 §4.3.4: the stored response takes the 304's validators.
    url = http_server.route("/feed", Reply(status=304, headers={"ETag": '"v2"'}))
    stored = CachingInfo(etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT", content_hash="x")
    result = fetch(fetcher, url, caching=stored)
    assert result.not_modified
    assert result.caching == CachingInfo(etag='"v2"', last_modified=stored.last_modified, content_hash="x")


def test_credentials_in_the_url_stay_out_of_the_result_url(fetcher, http_server):
    # The result's URL is the base of the entries' relative links and the
    # source's self link in published feeds: no user:password there.
    url = http_server.route("/feed", Reply(body=FEED)).replace("http://", "http://reader:s3cret@")
    result = fetch(fetcher, url)
    assert result.content == FEED
    assert result.url == http_server.url("/feed")


def test_a_gzip_member_header_split_across_reads_is_decoded_whole(fetcher, http_server):
    # Two members; the body arrives in pieces, one of which ends one byte
    # into the second member's magic number.
    first, second = gzip.compress(FEED[:40]), gzip.compress(FEED[40:])
    body = first + second
    url = http_server.route("/feed", Reply(body=body, headers={"Content-Encoding": "gzip"}, chunked=True,
                                           chunk_size=len(first) + 1, chunk_delay=0.05))
    assert fetch(fetcher, url).content == FEED


def test_closing_the_fetcher_ends_a_fetch_in_its_tls_handshake():
    # A server that accepts and never answers the TLS ClientHello: the
    # connection is not the pool's yet, but closing must end the wait.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        fetcher = Fetcher(max_connections=2)
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(fetch, fetcher, f"https://127.0.0.1:{listener.getsockname()[1]}/feed",
                                  timeout=20.0, connect_timeout=20.0)
            accepted, _ = listener.accept()
            with accepted:
                time.sleep(0.3)  # the ClientHello is sent; the fetch waits for the ServerHello
                closed_at = time.monotonic()
                fetcher.close()
                with pytest.raises(FetchError, match="TLS handshake"):
                    waiting.result(timeout=10)
                assert time.monotonic() - closed_at < 2
