"""Faults around the pipeline (issue #6): an output folder that cannot be
written, a second daemon on one store, a config reload that is invalid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from httpserver import Reply
from test_end_to_end import atom_entries, rss, run_once, write_config

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
ONE = {"title": "One", "link": "https://a.example/1", "guid": "1", "date": "Wed, 01 May 2024 08:00:00 +0000"}
TWO = {"title": "Two", "link": "https://a.example/2", "guid": "2", "date": "Thu, 02 May 2024 08:00:00 +0000"}


def chattr(flag: str, path: Path) -> None:
    # As root, permissions do not stop writes; the immutable attribute does.
    subprocess.run(["chattr", flag, str(path)], check=True)


def test_unwritable_output_fails_clearly_keeps_old_files_and_recovers(tmp_path, http_server, capsys):
    http_server.route("/feed", Reply(body=rss([ONE])))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\"}}")
    assert run_once(config) == 0
    feed = tmp_path / "out/a/atom.xml"
    before = feed.read_bytes()

    http_server.route("/feed", Reply(body=rss([ONE, TWO])))
    chattr("+i", feed.parent)
    try:
        capsys.readouterr()
        assert run_once(config) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("feedhub: error: cannot write") and "a/atom.xml" in err[0]
        assert feed.read_bytes() == before
        # No temporary file is left behind.
        assert not [p.name for p in feed.parent.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp")]
    finally:
        chattr("-i", feed.parent)

    # The next cycle has nothing new to fetch, but publishes what was missed.
    assert run_once(config) == 0
    assert [e["title"] for e in atom_entries(feed)] == ["Two", "One"]


def test_second_feedhub_on_the_same_store_is_refused(tmp_path, http_server):
    http_server.route("/feed", Reply(body=rss([ONE])))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\"}}")
    first = subprocess.Popen([sys.executable, "-m", "feedhub", "run", "--config", str(config)], env=ENV,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not (tmp_path / "out/a/atom.xml").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        second = subprocess.run([sys.executable, "-m", "feedhub", "run", "--config", str(config)], env=ENV,
                                capture_output=True, text=True, timeout=20)
        assert second.returncode == 1
        assert f"another feedhub (pid {first.pid}) is using the store" in second.stderr
        assert "Traceback" not in second.stderr
        once = subprocess.run([sys.executable, "-m", "feedhub", "run", "--once", "--config", str(config)], env=ENV,
                              capture_output=True, text=True, timeout=20)
        assert once.returncode == 1 and "another feedhub" in once.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=10) == 0


@pytest.mark.slow
def test_invalid_config_on_sighup_keeps_the_old_one_running(tmp_path, http_server):
    hits = []
    http_server.route("/feed", lambda r: hits.append(1) or Reply(body=rss([ONE])))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\", interval: 1s}}")
    good = config.read_text()
    daemon = subprocess.Popen([sys.executable, "-m", "feedhub", "run", "--config", str(config)], env=ENV,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while len(hits) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        config.write_text(good.replace("interval: 1s", "interval: whenever"))
        daemon.send_signal(signal.SIGHUP)
        polled = len(hits)
        time.sleep(3.5)
        assert daemon.poll() is None, "the daemon kept running"
        assert len(hits) > polled, "with the old config, still polling every second"
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=10) == 0
    stderr = daemon.stderr.read()
    assert "config not reloaded, the running one stays" in stderr and "sources[0].interval" in stderr
