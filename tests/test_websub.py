"""WebSub: feeds name the hub (rel="hub"), and a publish that changed a feed
tells the hub, with a form-encoded POST to a hub on 127.0.0.1; a publish
that changed nothing tells it nothing, and a hub that fails never fails a
publish."""

from __future__ import annotations

import json
import logging
import socket
import time
from urllib.parse import parse_qs

import feedparser
import pytest
from lxml import etree

import httpserver
from feedhub.config import load_config
from feedhub.errors import ConfigError
from feedhub.publish.websub import ping_websub
from httpserver import Reply
from worlds import BASE, FH, World

ATOM = "{http://www.w3.org/2005/Atom}"


class _HubHandler(httpserver._Handler):
    """The test server's handler, reading (and keeping) POST bodies, which
    the plain one leaves unread."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.pings.append((self.headers.get("Content-Type"), parse_qs(body.decode("ascii"), strict_parsing=True)))
        self._answer()


@pytest.fixture
def hub(http_server):
    http_server.pings = []
    http_server.RequestHandlerClass = _HubHandler
    http_server.route("/hub", Reply(status=204))
    return http_server


def pinged(hub) -> list[str]:
    """The feed URLs the hub was told of, in order; each ping well-formed."""
    urls = []
    for content_type, form in hub.pings:
        assert content_type == "application/x-www-form-urlencoded"
        assert form["hub.mode"] == ["publish"] and len(form["hub.url"]) == 1
        urls.append(form["hub.url"][0])
    return urls


def test_ping_posts_one_form_per_feed(hub):
    urls = [BASE + "markets/atom.xml", BASE + "markets/rss.xml"]

    assert ping_websub(hub.url("/hub"), urls, timeout=5) == []
    assert pinged(hub) == urls
    assert [r.method for r in hub.requests_to("/hub")] == ["POST", "POST"]
    assert hub.requests_to("/hub")[0].headers["user-agent"].startswith("feedhub/")


def test_no_more_pings_once_feedhub_is_stopping(hub):
    # A slow hub must not hold a daemon told to stop, ten seconds a feed.
    urls = [BASE + f"c{i}/atom.xml" for i in range(5)]
    asked = []

    def stopping() -> bool:
        asked.append(1)
        return len(asked) > 2  # the signal arrives after the second ping

    errors = ping_websub(hub.url("/hub"), urls, timeout=5, stopping=stopping)
    assert pinged(hub) == urls[:2]
    assert errors == [f"{hub.url('/hub')}: not notified of {urls[2]} and the rest: feedhub is shutting down"]


def test_ping_failures_are_returned_not_raised(hub):
    hub.route("/down", Reply(status=503, body=b"busy"))
    hub.route("/slow", Reply(status=204, delay=3))
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/hub"

    errors = ping_websub(hub.url("/down"), [BASE + "a/atom.xml"], timeout=5)
    assert errors == [f"{hub.url('/down')}: answered 503 Service Unavailable to the ping for {BASE}a/atom.xml"]
    assert len(ping_websub(closed, [BASE + "a/atom.xml", BASE + "b/atom.xml"], timeout=5)) == 2
    started = time.monotonic()
    assert len(ping_websub(hub.url("/slow"), [BASE + "a/atom.xml"], timeout=0.5)) == 1
    assert time.monotonic() - started < 2.5
    assert len(ping_websub("http://[::1/bad", [BASE + "a/atom.xml"], timeout=1)) == 1


def test_a_hub_answer_is_never_read_beyond_its_status(hub):
    # Only the status matters; the body of an answer could be of any size,
    # or (here) take ten seconds to arrive.
    hub.route("/chatty", Reply(status=202, body=b"x" * 200 * 1024, chunked=True, chunk_size=1024, chunk_delay=0.05))
    started = time.monotonic()
    assert ping_websub(hub.url("/chatty"), [BASE + "a/atom.xml"], timeout=5) == []
    assert time.monotonic() - started < 2.0


def _world_with_hub(tmp_path, hub) -> World:
    world = World(tmp_path, per_feed=2)
    text = (tmp_path / "feedhub.yaml").read_text(encoding="utf-8")
    text = text.replace("site: {", f'site: {{websub_hub: "{hub.url("/hub")}", ', 1)
    (tmp_path / "feedhub.yaml").write_text(text, encoding="utf-8")
    world.config = load_config(tmp_path / "feedhub.yaml")
    return world


def test_every_feed_names_the_hub_and_archives_do_not(tmp_path, hub):
    world = _world_with_hub(tmp_path, hub)
    world.add(5)
    world.publish()
    hub_url = hub.url("/hub")
    folder = world.out / "markets"

    for name in ("atom.xml", "rss.xml"):
        links = feedparser.parse((folder / name).read_bytes()).feed.links
        assert [link.href for link in links if link.rel == "hub"] == [hub_url], name
        assert [link.href for link in links if link.rel == "self"] == [BASE + "markets/" + name]
    document = json.loads((folder / "feed.json").read_text(encoding="utf-8"))
    assert document["hubs"] == [{"type": "WebSub", "url": hub_url}]
    # The rss.xml hub is an atom:link right after the self link.
    channel = etree.parse(str(folder / "rss.xml")).getroot().find("channel")
    links = [(link.get("rel"), link.get("href")) for link in channel.findall(f"{ATOM}link")]
    assert links == [("self", BASE + "markets/rss.xml"), ("hub", hub_url)]
    # Archive documents never change: nothing to subscribe to.
    for archive in sorted((folder / "archive").glob("*.xml")):
        root = etree.parse(str(archive)).getroot()
        assert root.find(f"{FH}archive") is not None
        assert root.find(f"{ATOM}link[@rel='hub']") is None


def test_the_hub_hears_of_changed_feeds_only(tmp_path, hub):
    world = _world_with_hub(tmp_path, hub)
    world.add(3)
    world.publish()
    feeds = [BASE + f"markets/{name}" for name in ("atom.xml", "rss.xml", "feed.json")]
    assert pinged(hub) == feeds

    hub.pings.clear()
    assert world.publish() == []  # nothing new, nothing written
    assert pinged(hub) == []

    world.add(1)
    world.publish()
    assert pinged(hub) == feeds


def test_a_failing_hub_is_logged_and_the_publish_stands(tmp_path, hub, caplog):
    world = _world_with_hub(tmp_path, hub)
    hub.route("/hub", Reply(status=500, body=b"oops"))
    world.add(2)
    with caplog.at_level(logging.WARNING, logger="feedhub.publish"):
        written = world.publish()

    assert world.out / "markets" / "atom.xml" in written
    warnings = [r.getMessage() for r in caplog.records if r.name == "feedhub.publish"]
    assert len(warnings) == 3 and all("answered 500" in w for w in warnings)
    assert world.store.get_meta("publish_pending") == "0"


def test_a_hub_needs_a_base_url(tmp_path):
    path = tmp_path / "feedhub.yaml"
    path.write_text('site: {websub_hub: "https://hub.example/"}\nsources: [{name: A, url: "https://a.example/"}]\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "site.websub_hub: needs site.base_url" in str(error.value)
