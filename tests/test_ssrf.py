"""The SSRF guard (issue #6): with fetch.public_addresses_only, sources and
redirects that resolve to non-public addresses, and local files, are refused,
checked on the address actually dialled."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from feedhub.errors import FetchError
from feedhub.fetch import Fetcher, FetchOptions
from feedhub.types import CachingInfo
from httpserver import Reply
from builders import rss, run_once, write_config

OPTIONS = FetchOptions(timeout=3)


def fetch(fetcher, url):
    return fetcher.fetch(url, caching=CachingInfo(), options=OPTIONS, base_dir=Path("."))


def test_off_by_default(http_server):
    http_server.route("/feed", Reply(body=b"<rss/>"))
    with Fetcher() as fetcher:
        assert fetch(fetcher, http_server.url("/feed")).content == b"<rss/>"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_refused(http_server, host):
    http_server.route("/feed", Reply(body=b"<rss/>"))
    with Fetcher(public_only=True) as fetcher:
        with pytest.raises(FetchError, match="non-public address 127.0.0.1"):
            fetch(fetcher, f"http://{host}:{http_server.port}/feed")
    assert http_server.requests == []


def test_dns_rebinding_is_checked_at_connection_time(http_server, monkeypatch):
    """A name that looked public is dialled only after its address is checked."""
    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host == "news.example.org":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with Fetcher(public_only=True) as fetcher:
        with pytest.raises(FetchError, match="refused: news.example.org resolves to the non-public address"):
            fetch(fetcher, f"http://news.example.org:{http_server.port}/feed")
    assert http_server.requests == []


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fc00::1", "0.0.0.0"])
def test_private_and_link_local_refused(monkeypatch, address):
    monkeypatch.setattr(socket, "getaddrinfo",
                        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))])
    with Fetcher(public_only=True) as fetcher:
        with pytest.raises(FetchError, match="non-public address"):
            fetch(fetcher, "http://metadata.example.org/latest")


def test_local_files_refused(tmp_path):
    (tmp_path / "feed.xml").write_bytes(b"<rss/>")
    with Fetcher(public_only=True) as fetcher:
        for url in ("feed.xml", (tmp_path / "feed.xml").as_uri()):
            with pytest.raises(FetchError, match="is a local file"):
                fetcher.fetch(url, caching=CachingInfo(), options=OPTIONS, base_dir=tmp_path)


def test_config_option_reaches_the_fetcher(tmp_path, http_server, capsys):
    http_server.route("/feed", Reply(body=rss([{"title": "x", "link": "https://a.example/x"}])))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\"}}",
                          extra="fetch: {public_addresses_only: true}")
    assert run_once(config) == 3  # its one source was refused
    assert "1 failed" in capsys.readouterr().err
    assert http_server.requests == []
