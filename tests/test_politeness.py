"""Fetching like a good citizen, seen from the server's side (issue #3):
conditional GET, Retry-After, server hints, per-host limits, 301/410."""

from __future__ import annotations

import json

from feedhub.cli import main
from httpserver import Reply
from builders import rss, run_once, write_config

FEED = rss([{"title": "One", "link": "https://a.example/1", "guid": "1", "date": "Wed, 01 May 2024 08:00:00 +0000"}])


def status(config, capsys) -> dict:
    capsys.readouterr()
    assert main(["status", "--json", "--config", str(config)]) == 0
    return {row["name"]: row for row in json.loads(capsys.readouterr().out)}


def test_conditional_get_second_cycle_sends_validators_and_parses_nothing(tmp_path, http_server, capsys):
    http_server.route("/feed", lambda r: Reply(status=304) if r.headers.get("if-none-match") == '"v1"'
                      else Reply(body=FEED, headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 May 2024 08:00:00 GMT"}))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\"}}")
    assert run_once(config) == 0
    assert run_once(config) == 0
    second = http_server.requests_to("/feed")[1]
    assert second.headers["if-none-match"] == '"v1"'
    assert second.headers["if-modified-since"] == "Wed, 01 May 2024 08:00:00 GMT"
    assert "feedhub/" in second.headers["user-agent"] and "+http" in second.headers["user-agent"]
    assert "(1 not modified), 0 new entries, 0 files written" in capsys.readouterr().err


def test_retry_after_is_honoured_even_by_once(tmp_path, http_server, capsys):
    http_server.route("/feed", Reply(status=429, headers={"Retry-After": "3600"}))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\", interval: 10m}}")
    assert run_once(config) == 3  # nothing could be read this time
    row = status(config, capsys)["A"]
    assert row["next_poll_reason"] == "Retry-After" and row["last_status"] == 429 and row["failures"] == 1
    assert run_once(config) == 0
    assert "A: not polled: the server asked to wait (Retry-After)" in capsys.readouterr().err
    assert len(http_server.requests_to("/feed")) == 1


def test_cache_control_max_age_delays_the_next_poll(tmp_path, http_server, capsys):
    http_server.route("/feed", Reply(body=FEED, headers={"Cache-Control": "max-age=7200"}))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\", interval: 10m}}")
    assert run_once(config) == 0
    assert status(config, capsys)["A"]["next_poll_reason"] == "Cache-Control/Expires"


def test_failures_back_off_and_recover_by_themselves(tmp_path, http_server, capsys):
    http_server.route("/feed", Reply(status=503, body=b"down"))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\", interval: 10m}}")
    for _ in range(3):
        assert run_once(config) == 3  # nothing could be read this time
    row = status(config, capsys)["A"]
    assert row["failures"] == 3 and row["next_poll_reason"] == "backoff after 3 failures"
    assert row["state"].startswith("failing since") and "HTTP 503" in row["last_error"]
    http_server.route("/feed", Reply(body=FEED))
    assert run_once(config) == 0
    row = status(config, capsys)["A"]
    assert row["state"] == "ok" and row["failures"] == 0 and row["last_error"] is None and row["entries"] == 1


def test_per_host_limit(tmp_path, http_server):
    for i in range(6):
        http_server.route(f"/f{i}", Reply(body=FEED, delay=0.3))
    sources = "\n".join(f"  - {{name: S{i}, url: \"{http_server.url(f'/f{i}')}\"}}" for i in range(6))
    config = write_config(tmp_path, sources, extra="fetch: {per_host: 2, max_connections: 16}")
    assert run_once(config) == 0
    assert len(http_server.requests) == 6
    assert http_server.max_in_flight == 2


def test_permanent_redirect_moves_the_source_temporary_does_not(tmp_path, http_server, capsys):
    http_server.route("/old", Reply(status=301, headers={"Location": "/new"}))
    http_server.route("/new", Reply(body=FEED))
    http_server.route("/tmp", Reply(status=302, headers={"Location": "/new"}))
    config = write_config(tmp_path, f"""  - {{name: Moved, url: "{http_server.url('/old')}"}}
  - {{name: Temp, url: "{http_server.url('/tmp')}"}}""")
    assert run_once(config) == 0
    rows = status(config, capsys)
    assert rows["Moved"]["moved"] and rows["Moved"]["url"] == http_server.url("/new")
    assert not rows["Temp"]["moved"]
    assert run_once(config) == 0
    assert len(http_server.requests_to("/old")) == 1  # the second cycle went straight to /new
    assert len(http_server.requests_to("/tmp")) == 2


def test_gone_disables_the_source_and_says_so(tmp_path, http_server, capsys):
    http_server.route("/feed", Reply(status=410))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\"}}")
    assert run_once(config) == 3  # nothing could be read this time
    assert status(config, capsys)["A"]["state"] == "disabled (410 Gone)"
    assert run_once(config) == 0
    assert "A: not polled: 410 Gone" in capsys.readouterr().err
    assert len(http_server.requests_to("/feed")) == 1
