"""Proxies from the environment (issue #3): HTTP_PROXY is used, NO_PROXY is
respected, and the fetch keeps its deadline and limits."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from feedhub.errors import FetchError
from feedhub.fetch import Fetcher, FetchOptions
from feedhub.types import CachingInfo
from httpserver import Reply

OPTIONS = FetchOptions(timeout=5)


def fetch(fetcher, url):
    return fetcher.fetch(url, caching=CachingInfo(), options=OPTIONS, base_dir=Path("."))


@pytest.mark.parametrize("userinfo, scheme, authorization", [
    # The test server plays the proxy: it receives the absolute URI.
    ("", "http://", None),
    # HTTP_PROXY=http://user:secret@proxy:port, as curl and urllib read it.
    ("reader:p%40ss@", "http://", "Basic cmVhZGVyOnBAc3M="),  # "reader:p@ss"
    # RFC 7617 §2.1: user-pass in UTF-8, as curl sends it (it was a TypeError at start-up).
    ("reader:p%C3%A4ss@", "http://", "Basic " + base64.b64encode("reader:päss".encode()).decode("ascii")),
    # HTTP_PROXY=proxy:3128, as curl reads it (it was silently ignored).
    ("", "", None),
])
def test_http_proxy_from_the_environment(http_server, monkeypatch, userinfo, scheme, authorization):
    http_server.route("/feed.xml", Reply(body=b"<rss>via proxy</rss>"))
    monkeypatch.setenv("HTTP_PROXY", scheme + userinfo + http_server.origin.removeprefix("http://"))
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with Fetcher() as fetcher:
        assert fetch(fetcher, "http://news.example.org/feed.xml").content == b"<rss>via proxy</rss>"
    [request] = http_server.requests
    assert request.path == "http://news.example.org/feed.xml"
    assert request.headers.get("proxy-authorization") == authorization


def test_no_proxy_hosts_go_direct(http_server, monkeypatch):
    http_server.route("/feed.xml", Reply(body=b"<rss>direct</rss>"))
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with Fetcher() as fetcher:
        assert fetch(fetcher, http_server.url("/feed.xml")).content == b"<rss>direct</rss>"
    assert http_server.requests[0].path == "/feed.xml"


def test_the_ssrf_guard_does_not_use_proxies(http_server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", http_server.origin)
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with Fetcher(public_only=True) as fetcher:
        # Refused by the guard, not handed to the proxy.
        with pytest.raises(FetchError, match="non-public address"):
            fetch(fetcher, "http://localhost/feed.xml")
    assert http_server.requests == []


@pytest.mark.parametrize("proxy", ["http://[bad", "http://proxy.example:notaport"])
def test_an_unusable_proxy_url_is_one_clear_error(monkeypatch, proxy):
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("http_proxy", raising=False)
    with pytest.raises(FetchError, match=r"HTTP_PROXY=.* is not a usable URL .*correct or unset it"):
        Fetcher()
