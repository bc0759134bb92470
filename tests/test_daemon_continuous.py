"""The daemon polls each source on its own (issue #15): a source that
trickles its body for many seconds holds back neither the stories of the
others nor their next polls."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from builders import rss, start_daemon, write_config
from httpserver import Reply

SLOW_SECONDS = 12


def story(n: int, source: str) -> dict:
    return {"title": f"{source} story {n}", "link": f"https://{source.lower()}.example/{n}", "guid": f"{source}-{n}",
            "date": f"Wed, 01 May 2024 08:{n:02d}:00 +0000", "body": f"<p>What {source} reported, number {n}.</p>"}


@pytest.mark.slow
def test_a_slow_source_holds_back_neither_the_others_news_nor_their_polls(tmp_path: Path, http_server):
    fast = ["Alpha", "Beta", "Gamma"]
    items = {name: [story(1, name)] for name in fast}
    for name in fast:
        http_server.route(f"/{name}", lambda request, name=name: Reply(body=rss(items[name], title=name)))
    # The slow source sends its whole document, a byte at a time, over 12 s.
    slow_body = rss([story(1, "Slow")], title="Slow")
    http_server.route("/Slow", Reply(body=slow_body, chunk_size=max(1, len(slow_body) // 60),
                                     chunk_delay=SLOW_SECONDS / 60))
    sources = "\n".join(f"  - {{name: {n}, url: \"{http_server.url('/' + n)}\", interval: 2s, timeout: 30s, "
                        "categories: [World]}" for n in [*fast, "Slow"])
    config = write_config(tmp_path, sources, extra="categories: [{name: World, slug: world}]")
    log = tmp_path / "daemon.log"
    feed = tmp_path / "out/world/atom.xml"
    daemon = start_daemon(config, log)
    try:
        deadline = time.monotonic() + 30
        while not (feed.exists() and "Gamma story 1" in feed.read_text()):
            assert time.monotonic() < deadline and daemon.poll() is None, log.read_text()
            time.sleep(0.1)
        started = time.monotonic()
        # News at a fast source while the slow one is still trickling.
        items["Beta"].insert(0, story(2, "Beta"))
        while "Beta story 2" not in feed.read_text():
            assert time.monotonic() < deadline + 30 and daemon.poll() is None, log.read_text()
            time.sleep(0.1)
        seen_after = time.monotonic() - started
        slow_done = "Slow story 1" in feed.read_text()
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    # Polled every 2 s and published within a second of storing: well
    # before the slow source's 12 s (a batch daemon waited for it).
    assert seen_after < 6, (seen_after, log.read_text())
    assert not slow_done, "the slow source was still being read"
    polls = {name: len(http_server.requests_to(f"/{name}")) for name in [*fast, "Slow"]}
    assert polls["Slow"] == 1, polls  # never polled twice at once
    assert min(polls[name] for name in fast) >= 2, polls  # polled again while the slow one trickled
    assert "Traceback" not in log.read_text()
