"""Logs and exit codes that fit a service (issue #13): the lifecycle and one
line per daemon cycle at INFO, shown by default; a line per source with -v;
problems only with -q; JSON lines for log shippers; `run --once` exits 3
when not one source could be read."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builders import start_daemon

ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}
RSS = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Good</title>'
       "<link>https://good.example/</link><description>d</description><item><title>Hello</title>"
       "<link>https://good.example/1</link><guid>g1</guid><description>Hello world.</description></item>"
       "</channel></rss>")


def write(tmp_path: Path, sources: str, interval: str = "1h") -> Path:
    (tmp_path / "good.xml").write_text(RSS, encoding="utf-8")
    (tmp_path / "broken.xml").write_text("<html><body>not a feed</body></html>", encoding="utf-8")
    config = tmp_path / "feedhub.yaml"
    config.write_text(f"storage: {{url: 'sqlite:///state/db'}}\noutput: {{dir: out}}\n"
                      f"defaults: {{interval: {interval}}}\nsources:\n{sources}\n", encoding="utf-8")
    return config


def once(config: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "feedhub", "run", "--once", "--config", str(config), *flags],
                          env=ENV, capture_output=True, text=True, timeout=120)


GOOD = "  - {name: Good, url: good.xml}"
BROKEN = "  - {name: Broken, url: broken.xml}"


def test_run_once_exits_3_when_no_source_could_be_read_and_0_when_some_could(tmp_path):
    run = once(write(tmp_path, BROKEN))
    assert run.returncode == 3, run.stderr
    assert "not one of the 1 sources could be read" in run.stderr and "Traceback" not in run.stderr
    run = once(write(tmp_path, GOOD + "\n" + BROKEN))
    assert run.returncode == 0, run.stderr
    assert "2 sources polled (1 failed), 1 new entry" in run.stderr


def test_default_verbose_and_quiet(tmp_path):
    config = write(tmp_path, GOOD + "\n" + BROKEN)
    default = once(config).stderr
    assert "WARNING Broken:" in default  # a problem
    assert "Good: 1 new" not in default and "wrote " not in default
    assert "feedhub: 2 sources polled (1 failed)" in default

    verbose = once(config, "-v").stderr
    assert "VERBOSE Good: 0 new, 0 edited" in verbose

    quiet = once(config, "-q").stderr
    assert "WARNING Broken:" in quiet and "sources polled" not in quiet


def test_json_lines(tmp_path):
    run = once(write(tmp_path, GOOD + "\n" + BROKEN), "-v", "--log-format", "json")
    records = [json.loads(line) for line in run.stderr.splitlines()]
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["level"] == "warning" and r["message"].startswith("Broken:") for r in records)
    assert any(r["level"] == "verbose" and r["message"].startswith("Good: 1 new") for r in records)
    assert any(r["level"] == "info" and "2 sources polled (1 failed)" in r["message"] for r in records)
    assert all(r["time"].endswith("Z") for r in records)


@pytest.mark.slow
def test_the_daemon_says_its_lifecycle_and_one_line_per_cycle_by_default(tmp_path):
    config = write(tmp_path, GOOD, interval="2s")
    log = tmp_path / "daemon.log"
    daemon = start_daemon(config, log)
    try:
        deadline = time.monotonic() + 60
        while "1 source polled (1 not modified)" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            assert daemon.poll() is None, log.read_text()
            time.sleep(0.2)
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    lines = log.read_text().splitlines()
    assert any(" INFO feedhub daemon started: 1 sources" in line for line in lines)
    assert any(" INFO 1 source polled, 1 new entry" in line for line in lines)
    assert any(" INFO 1 source polled (1 not modified), 0 new entries" in line for line in lines)
    assert " INFO feedhub daemon stopped" in lines[-1]
    # Nothing to warn of (a 2 s interval is fine for a file source).
    assert not [line for line in lines if " WARNING " in line or " ERROR " in line], lines
