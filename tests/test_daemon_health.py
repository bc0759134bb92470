"""What an operator sees of the daemon (issue #15): /healthz, /metrics and
the problems feed of `run --serve`; the verdict and the problem log as pure
logic first, then a real daemon with a failing source."""

from __future__ import annotations

import re
import subprocess
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from builders import rss, start_daemon, write_config
from feedhub.daemon.health import (STALLED_AFTER, Health, HealthSnapshot, Problem, problems_from_json,
                                   problems_to_json, verdict)
from feedhub.daemon.problems_feed import problems_feed
from feedhub.types import SourceOutcome
from httpserver import Reply

OK = HealthSnapshot(started=True, stopping=False, seconds_since_turn=0.5, store_error=None, publish_error=None,
                    sources=3)


def test_the_verdict():
    assert verdict(OK) == (True, "ok: polling 3 sources")
    # A failing source is the source's problem: the daemon is well.
    assert verdict(HealthSnapshot(**{**vars(OK), "failing": frozenset({"B"})})) == (True, "ok: polling 3 sources, 1 failing")
    assert verdict(HealthSnapshot(**{**vars(OK), "started": False})) == (False, "starting: the schedule is not loaded yet")
    assert verdict(HealthSnapshot(**{**vars(OK), "stopping": True})) == (False, "stopping")
    stalled = HealthSnapshot(**{**vars(OK), "seconds_since_turn": STALLED_AFTER + 1})
    assert verdict(stalled) == (False, "stalled: the daemon's loop has not turned for 61 s")
    assert verdict(HealthSnapshot(**{**vars(OK), "store_error": "disk full"})) == (False, "cannot write the store: disk full")
    assert verdict(HealthSnapshot(**{**vars(OK), "publish_error": "read-only"})) == (False, "cannot publish: read-only")


def test_a_source_that_starts_and_stops_failing_is_news_once_each():
    now = [datetime(2026, 12, 8, 8, 0, tzinfo=UTC)]
    health = Health(clock=lambda: 0.0, now=lambda: now[0])
    health.started(2, failing=["C"])  # C failed before the restart: not news
    health.stored([SourceOutcome("B", error="HTTP 500")])
    now[0] += timedelta(minutes=1)
    health.stored([SourceOutcome("B", error="HTTP 500"), SourceOutcome("C", error="HTTP 404")])  # no change: nothing
    now[0] += timedelta(minutes=1)
    health.stored([SourceOutcome("B", new=2), SourceOutcome("A", not_modified=True)])
    problems = health.problems()
    assert [(p.subject, p.kind, p.text) for p in problems] == [
        ("B", "source recovered", "polled successfully again"), ("B", "source failing", "HTTP 500")]
    assert problems[0].at - problems[1].at == timedelta(minutes=2)
    assert health.snapshot().failing == {"C"}
    # Saved in the store's meta and read back by the next run.
    assert problems_from_json(problems_to_json(problems)) == problems
    assert problems_from_json("not json") == [] and problems_from_json(None) == []


def test_store_and_publish_errors_are_news_once_and_end():
    health = Health(clock=lambda: 0.0)
    health.started(1, failing=[])
    health.store_failed("disk I/O error")
    health.store_failed("disk I/O error")
    assert verdict(health.snapshot())[0] is False
    health.stored([])
    health.publish_failed("permission denied")
    health.published({})
    assert [p.kind for p in reversed(health.problems())] == ["store", "store recovered", "publish", "publish recovered"]
    assert verdict(health.snapshot()) == (True, "ok: polling 1 sources")


def test_the_problems_feed_is_atom_every_reader_accepts():
    problems = [Problem(datetime(2026, 12, 8, 9, 0, tzinfo=UTC), "source recovered", "新华网", "polled successfully again"),
                Problem(datetime(2026, 12, 8, 8, 0, tzinfo=UTC), "source failing", "新华网", "HTTP 500 <oops> & more")]
    body = problems_feed("测试站", "site-1", problems, started=datetime(2026, 12, 8, tzinfo=UTC))
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "feedhub problems: 测试站"
    assert parsed.feed.updated == "2026-12-08T09:00:00Z"  # the newest problem
    assert [e.title for e in parsed.entries] == ["新华网: source recovered", "新华网: source failing"]
    assert parsed.entries[1].content[0].value == "HTTP 500 <oops> & more"  # text, escaped, not markup
    ids = [e.id for e in parsed.entries]
    assert len(set(ids)) == 2 and all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", i) for i in ids + [parsed.feed.id])
    # RFC 4287 §4.1.1: a feed's author, or every entry's; the same id for the same site and problem.
    assert parsed.feed.author == "feedhub"
    assert problems_feed("x", "site-1", problems, started=datetime(2026, 1, 1, tzinfo=UTC)).count(ids[0].encode()) == 1
    assert feedparser.parse(problems_feed("x", "site-2", problems, datetime(2026, 1, 1, tzinfo=UTC))).entries[0].id != ids[0]


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read().decode()


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"not within {timeout} s: {what}")


@pytest.mark.slow
def test_a_served_daemon_says_how_it_is(tmp_path, http_server):
    item = {"title": "One", "link": "https://a.example/1", "guid": "1", "body": "<p>Some text of the story.</p>"}
    http_server.route("/a", Reply(body=rss([item])))
    broken = {"on": True}
    http_server.route("/b", lambda r: Reply(status=500, body=b"oops") if broken["on"] else Reply(body=rss([item])))
    config = write_config(tmp_path, f'  - {{name: A, url: "{http_server.url("/a")}", categories: [News]}}\n'
                                    f'  - {{name: B, url: "{http_server.url("/b")}", interval: 2s, categories: [News]}}')
    log = tmp_path / "daemon.log"
    daemon = start_daemon(config, log, "--serve", "127.0.0.1:0")
    try:
        port = _wait(lambda: re.search(r"on http://127\.0\.0\.1:(\d+)/", log.read_text()), 60, "the serving line")[1]
        base = f"http://127.0.0.1:{port}"
        _wait(lambda: re.search(r'^feedhub_publish_seconds_count [1-9]', _get(base + "/metrics")[2], re.M)
              and "B: source failing" in _get(base + "/problems.xml")[2], 60, "a publish, and B's failure")
        status, media_type, text = _get(base + "/healthz")
        assert (status, text) == (200, "ok: polling 2 sources, 1 failing\n") and media_type.startswith("text/plain")

        status, media_type, metrics = _get(base + "/metrics")
        assert status == 200 and media_type.startswith("text/plain; version=")
        assert re.search(r'^feedhub_polls_total\{outcome="failed"\} [1-9]', metrics, re.M)
        assert re.search(r'^feedhub_polls_total\{outcome="new"\} 1\.0$', metrics, re.M)
        assert re.search(r'^feedhub_entries_total\{kind="new"\} 1\.0$', metrics, re.M)
        assert re.search(r'^feedhub_source_failing\{source="B"\} 1\.0$', metrics, re.M)
        assert re.search(r'^feedhub_sources_failing 1\.0$', metrics, re.M)
        assert re.search(r'^feedhub_fetch_seconds_count [2-9]', metrics, re.M)
        # The story's date is the item's (none given: when it was first seen), seconds ago.
        age = float(re.search(r'^feedhub_category_newest_entry_age_seconds\{category="news"\} (\S+)$', metrics, re.M)[1])
        assert 0 <= age < 120
        assert re.search(r'^feedhub_healthy 1\.0$', metrics, re.M)

        feed = feedparser.parse(_get(base + "/problems.xml")[2])
        assert not feed.bozo and [e.title for e in feed.entries] == ["B: source failing"]
        assert "500" in feed.entries[0].content[0].value

        broken["on"] = False  # B recovers at its next poll (every 2 s)
        _wait(lambda: "B: source recovered" in _get(base + "/problems.xml")[2], 60, "B's recovery in the feed")
        _wait(lambda: _get(base + "/healthz")[2] == "ok: polling 2 sources\n", 30, "no failing source")
        # The output is still served beside them.
        assert _get(base + "/news/atom.xml")[0] == 200
    finally:
        daemon.terminate()
        daemon.wait(30)
    # The problems survive a restart (kept in the store).
    daemon = start_daemon(config, tmp_path / "again.log", "--serve", "127.0.0.1:0")
    try:
        port = _wait(lambda: re.search(r"on http://127\.0\.0\.1:(\d+)/", (tmp_path / "again.log").read_text()), 60,
                     "the serving line")[1]
        # Served as soon as the daemon has opened its store.
        _wait(lambda: "daemon started" in (tmp_path / "again.log").read_text(), 60, "the restart")
        titles = [e.title for e in feedparser.parse(_get(f"http://127.0.0.1:{port}/problems.xml")[2]).entries]
        assert titles[-2:] == ["B: source recovered", "B: source failing"]
    finally:
        daemon.terminate()
        daemon.wait(30)


@pytest.mark.slow
def test_healthz_says_503_when_the_output_cannot_be_written(tmp_path, http_server):
    items = [{"title": "One", "link": "https://a.example/1", "guid": "1", "body": "<p>Text one.</p>"}]
    http_server.route("/a", lambda r: Reply(body=rss(items)))
    config = write_config(tmp_path, f'  - {{name: A, url: "{http_server.url("/a")}", interval: 2s}}')
    log = tmp_path / "daemon.log"
    daemon = start_daemon(config, log, "--serve", "127.0.0.1:0")
    out = tmp_path / "out"
    try:
        port = _wait(lambda: re.search(r"on http://127\.0\.0\.1:(\d+)/", log.read_text()), 60, "the serving line")[1]
        base = f"http://127.0.0.1:{port}"
        _wait(lambda: (out / "index.html").exists() and _get(base + "/healthz")[0] == 200, 60, "a first publish")
        subprocess.run(["chattr", "+i", str(out)], check=True)  # as root, only this stops writes
        try:
            items.append({"title": "Two", "link": "https://a.example/2", "guid": "2", "body": "<p>Text two.</p>"})
            status, _, text = _wait(lambda: (r := _get(base + "/healthz"))[0] == 503 and r, 60, "a 503")
            assert text.startswith("cannot publish: ") and str(out) in text
            assert "output: publish" in _get(base + "/problems.xml")[2]
            assert re.search(r'^feedhub_publish_failures_total [1-9]', _get(base + "/metrics")[2], re.M)
        finally:
            subprocess.run(["chattr", "-i", str(out)], check=True)
    finally:
        daemon.terminate()
        daemon.wait(30)


def test_status_shows_how_late_a_due_source_is(tmp_path, http_server, capsys):
    import json
    from dataclasses import replace

    from builders import run_once
    from feedhub.cli import main
    from feedhub.store import open_store

    http_server.route("/a", Reply(body=rss([{"title": "One", "link": "https://a.example/1", "guid": "1",
                                             "body": "<p>Text.</p>"}])))
    config = write_config(tmp_path, f'  - {{name: A, url: "{http_server.url("/a")}"}}')
    assert run_once(config) == 0
    store = open_store(f"sqlite:///{tmp_path / 'state' / 'hub.db'}")
    try:
        with store.transaction():
            store.save_source_state(replace(store.source_state("A"),
                                            next_poll=datetime.now(UTC) - timedelta(minutes=3, seconds=2)))
    finally:
        store.close()
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 0
    assert re.search(r"next poll: +due now, 3m 0[2-9]s late \(interval\)", capsys.readouterr().out)
    assert main(["status", "--config", str(config), "--json"]) == 0
    assert 182 <= json.loads(capsys.readouterr().out)[0]["late_seconds"] < 200
