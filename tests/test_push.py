"""Push (W3C WebSub, issue #15): a source whose feed names a hub is
subscribed, the hub's verification is answered, a signed delivery is stored
and published within seconds, a forged one is dropped, leases are renewed
and polling slows to the fallback interval. The decisions first, without
I/O; then a real daemon and the test hub (tests/websub_hub.py)."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from builders import rss, start_daemon, write_config
from feedhub.cli import main
from feedhub.daemon.push import (RETRY_AFTER, Subscription, Subscriptions, discover, next_request,
                                 signature_matches)
from httpserver import Reply
from websub_hub import Hub

NOW = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
HUB, TOPIC = "https://hub.example/", "https://news.example/feed.xml"


def test_discovery_prefers_link_headers_to_the_document():
    headers = [("Content-Type", "application/rss+xml"),
               ("Link", '<https://hub.example/>; rel="hub", <https://news.example/feed.xml>; rel="self"')]
    assert discover(headers, "https://other-hub.example/", "https://news.example/other") == (HUB, TOPIC)
    assert discover([], "https://other-hub.example/", TOPIC) == ("https://other-hub.example/", TOPIC)
    assert discover([("link", '<https://hub.example/>; rel="hub"')], None, TOPIC) == (HUB, TOPIC)
    # rel may list several types (RFC 8288 §3.3), unquoted too.
    assert discover([("Link", "<https://hub.example/>; rel=\"alternate hub\"")], None, TOPIC) == (HUB, TOPIC)
    # No hub, or a topic a hub cannot reach (a file): no push.
    assert discover([], None, TOPIC) == (None, None)
    assert discover([], HUB, "file:///srv/feed.xml") == (None, None)


def _sub(**changes) -> Subscription:
    return Subscription(**{"source": "A", "hub": HUB, "topic": TOPIC, "token": "t", "secret": "s",
                           "requested": NOW, **changes})


def test_when_to_subscribe_and_renew():
    assert next_request(None, HUB, TOPIC, NOW) == "subscribe"
    waiting = _sub()
    assert next_request(waiting, HUB, TOPIC, NOW + timedelta(minutes=1)) is None  # the hub has not verified yet
    assert next_request(waiting, HUB, TOPIC, NOW + RETRY_AFTER) == "subscribe"  # lost or refused: again
    assert next_request(waiting, "https://new-hub.example/", TOPIC, NOW) == "subscribe"  # the feed moved hubs
    active = _sub(verified=NOW, expires=NOW + timedelta(days=10))
    assert next_request(active, HUB, TOPIC, NOW + timedelta(days=7, hours=23)) is None
    assert next_request(active, HUB, TOPIC, NOW + timedelta(days=8)) == "renew"  # 80 % of the lease
    renewing = _sub(requested=NOW + timedelta(days=8), verified=NOW, expires=NOW + timedelta(days=10))
    assert next_request(renewing, HUB, TOPIC, NOW + timedelta(days=8, minutes=1)) is None  # asked, not yet verified


def test_signatures():
    import hashlib
    import hmac

    body = "新闻".encode()
    good = hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert signature_matches("secret", body, f"sha256={good}")
    assert signature_matches("secret", body, f"SHA256={good.upper()}")
    assert signature_matches("secret", body, "sha1=" + hmac.new(b"secret", body, hashlib.sha1).hexdigest())
    assert not signature_matches("other", body, f"sha256={good}")
    assert not signature_matches("secret", body + b" ", f"sha256={good}")
    assert not signature_matches("secret", body, None) and not signature_matches("secret", body, good)
    assert not signature_matches("secret", body, f"md5={good}")


def test_verification_and_delivery_answers():
    pushed = []
    subs = Subscriptions("http://127.0.0.1:9/websub", timedelta(days=1), clock=lambda: NOW,
                         on_push=lambda: pushed.append(1))
    sub = subs.request("A", HUB, TOPIC)
    form = subs.form(sub)
    assert form["hub.callback"] == f"http://127.0.0.1:9/websub/{sub.token}" and form["hub.lease_seconds"] == "86400"
    assert len(sub.secret) >= 24 and form["hub.secret"] == sub.secret and form["hub.mode"] == "subscribe"
    # A verification for another topic, or an unknown callback, is refused.
    assert subs.verify(sub.token, {"hub.mode": "subscribe", "hub.topic": "https://evil.example/",
                                   "hub.challenge": "c"})[0] == 404
    assert subs.verify("nope", {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.challenge": "c"})[0] == 404
    assert not subs.is_active("A")
    assert subs.verify(sub.token, {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.challenge": "c1",
                                   "hub.lease_seconds": "3600"}) == (200, b"c1")
    assert subs.of("A").expires == NOW + timedelta(hours=1) and subs.is_active("A")
    # Deliveries: unknown callback 410; forged 202 and dropped; good 202 and kept.
    import hashlib
    import hmac

    body = b"<rss/>"
    assert subs.deliver("nope", body, None, None) == 410
    assert subs.deliver(sub.token, body, None, "sha256=00") == 202 and subs.take_pushed() == [] and not pushed
    signature = "sha256=" + hmac.new(sub.secret.encode(), body, hashlib.sha256).hexdigest()
    assert subs.deliver(sub.token, body, "application/rss+xml", signature) == 202
    assert [(p.source, p.body) for p in subs.take_pushed()] == [("A", body)] and pushed
    # Kept across a restart.
    again = Subscriptions("http://127.0.0.1:9/websub", timedelta(days=1), clock=lambda: NOW)
    again.load(Subscriptions.from_json(subs.to_json()))
    assert again.of("A") == subs.of("A")
    # A hub that denies it (§5.2): not active, asked again later.
    assert subs.verify(sub.token, {"hub.mode": "denied", "hub.topic": TOPIC, "hub.reason": "no"}) == (200, b"")
    assert not subs.is_active("A") and subs.of("A").failed == "denied: no"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _feed(hub: Hub, items: list[dict]) -> Reply:
    return Reply(body=rss(items), headers=[("Content-Type", "application/rss+xml"),
                                           ("Link", f'<{hub.url}>; rel="hub"')])


def _titles(path) -> list[str]:
    return [e.title for e in feedparser.parse(path.read_bytes()).entries] if path.exists() else []


def _item(n: int) -> dict:
    return {"title": f"Story {n}", "link": f"https://a.example/{n}", "guid": str(n), "body": f"<p>Text of story {n}.</p>"}


def _pushed_daemon(tmp_path, http_server, hub, items: list[dict]):
    """A daemon serving callbacks, polling one source whose feed names ``hub``: (daemon, topic, port, config, log)."""
    http_server.route("/feed", lambda r: _feed(hub, items))
    topic = http_server.url("/feed")
    port = _free_port()
    config = write_config(tmp_path, f'  - {{name: A, url: "{topic}", categories: [News]}}',
                          extra=f'websub: {{callback: "http://127.0.0.1:{port}/websub/", poll_interval: 2h}}')
    log = tmp_path / "daemon.log"
    return start_daemon(config, log, "--serve", f"127.0.0.1:{port}"), topic, port, config, log


@pytest.fixture
def hub():
    hub = Hub(grant_lease=4)  # short: its renewal is seen within seconds
    yield hub
    hub.close()


@pytest.mark.slow
def test_a_pushed_story_is_published_without_a_poll(tmp_path, http_server, hub):
    items = [_item(1)]
    daemon, topic, port, config, log = _pushed_daemon(tmp_path, http_server, hub, items)
    feed = tmp_path / "out" / "news" / "atom.xml"
    try:
        callback = hub.wait_active(topic)
        assert callback.startswith(f"http://127.0.0.1:{port}/websub/")
        assert hub.requests[0]["hub.topic"] == topic and len(hub.requests[0]["hub.secret"]) >= 24
        polls = len(http_server.requests_to("/feed"))

        items.append(_item(2))
        pushed_at = time.monotonic()
        assert hub.publish(topic, rss(items)) == [202]
        # Seconds, normally (bench/freshness.py measures it); 30 s here for a loaded machine.
        while "Story 2" not in _titles(feed):
            assert time.monotonic() - pushed_at < 30, "not published within 30 s of the push"
            time.sleep(0.1)
        assert len(http_server.requests_to("/feed")) == polls  # the push alone brought it

        # A forged delivery is acknowledged and dropped.
        assert hub.publish(topic, rss([*items, _item(3)]), secret="not the secret") == [202]
        time.sleep(2)
        assert "Story 3" not in _titles(feed)
        assert "without a valid signature was ignored" in log.read_text()

        # The 4 s lease is renewed before it ends (at 80 %), with the same callback.
        deadline = time.monotonic() + 20
        while sum(r["hub.callback"] == callback for r in hub.requests) < 2:
            assert time.monotonic() < deadline, hub.requests
            time.sleep(0.2)
        # An unknown callback is gone (§7); a verification of another topic is refused.
        request = urllib.request.Request(f"http://127.0.0.1:{port}/websub/unknown", data=b"x", method="POST")
        with pytest.raises(urllib.error.HTTPError) as gone:
            urllib.request.urlopen(request, timeout=10)
        assert gone.value.code == 410
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{callback}?hub.mode=subscribe&hub.topic=https%3A%2F%2Fevil.example%2F"
                                   "&hub.challenge=x", timeout=10)
        assert refused.value.code == 404
    finally:
        daemon.terminate()
        assert daemon.wait(30) == 0


def test_status_shows_the_fallback_interval(tmp_path, http_server, hub, capsys):
    items = [_item(1)]
    daemon, topic, _, config, _ = _pushed_daemon(tmp_path, http_server, hub, items)
    try:
        hub.wait_active(topic)
        items.append(_item(2))
        assert hub.publish(topic, rss(items)) == [202]
        deadline = time.monotonic() + 10
        while "Story 2" not in _titles(tmp_path / "out" / "news" / "atom.xml"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        daemon.terminate()
        daemon.wait(30)
    capsys.readouterr()
    assert main(["status", "--config", str(config), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    next_poll = datetime.fromisoformat(row["next_poll"].replace("Z", "+00:00"))
    # Stored with the push: 2 h from it, less its jitter (at most 5 min), not the source's own 1 h.
    assert timedelta(hours=1, minutes=54) < next_poll - datetime.now(UTC) <= timedelta(hours=2, minutes=5)


@pytest.mark.parametrize("document,content_type", [
    (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:x</id>'
     b'<updated>2026-12-08T00:00:00Z</updated><link rel="hub" href="https://hub.example/"/>'
     b'<link rel="self" href="https://news.example/feed.xml"/></feed>', "application/atom+xml"),
    (b'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title>'
     b'<link>https://news.example/</link><atom:link rel="hub" href="https://hub.example/"/>'
     b'<atom:link rel="self" href="https://news.example/feed.xml"/></channel></rss>', "application/rss+xml"),
    (json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": [],
                 "feed_url": "https://news.example/feed.xml",
                 "hubs": [{"type": "rssCloud", "url": "https://cloud.example/"},
                          {"type": "WebSub", "url": "https://hub.example/"}]}).encode(), "application/feed+json"),
], ids=["atom", "rss", "json feed"])
def test_a_document_names_its_hub(document, content_type):
    from feedhub.parse.feed import parse_feed

    feed = parse_feed(document, url="https://news.example/feed.xml", content_type=content_type)
    assert discover([], feed.hub, feed.url) == (HUB, TOPIC)


def test_a_document_without_a_hub():
    from feedhub.parse.feed import parse_feed

    assert parse_feed(rss([_item(1)]), url="https://news.example/feed.xml").hub is None


def test_a_subscription_request_obeys_the_fetch_limits(hub):
    from feedhub.errors import FetchError
    from feedhub.fetch import Fetcher

    form = {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": "http://127.0.0.1:9/websub/x"}
    with Fetcher() as fetcher:
        assert fetcher.post_form(hub.url, form) == (202, "Accepted")
    assert hub.requests[-1] == form  # form-encoded, as the hub reads it
    # A hub named by a feed is as untrusted as the feed: with public_addresses_only, not on loopback.
    with Fetcher(public_only=True) as fetcher, pytest.raises(FetchError):
        fetcher.post_form(hub.url, form)
    with Fetcher() as fetcher, pytest.raises(FetchError, match="not an http"):
        fetcher.post_form("file:///etc/passwd", form)
