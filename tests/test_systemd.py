"""The daemon under a service manager (issue #15): the unit in deploy/ is
valid, and the daemon speaks systemd's notify protocol to a socket the test
holds, as systemd would (READY, watchdog pings, RELOADING, STOPPING)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builders import rss, start_daemon, write_config
from feedhub.daemon.notify import ServiceManager
from httpserver import Reply

UNIT = Path(__file__).parents[1] / "deploy" / "feedhub.service"


class NotifySocket:
    """What systemd listens on: an AF_UNIX datagram socket."""

    def __init__(self, path: str):
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(path)
        self.messages: list[dict[str, str]] = []

    def next(self, timeout: float) -> dict[str, str]:
        self.socket.settimeout(timeout)
        data = self.socket.recv(4096).decode()
        message = dict(line.split("=", 1) for line in data.splitlines())
        self.messages.append(message)
        return message

    def wait_for(self, key: str, timeout: float) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {key} within {timeout} s; got {self.messages}")
            try:
                message = self.next(left)
            except TimeoutError:
                continue
            if key in message:
                return message


def test_the_unit_file_is_valid(tmp_path):
    # `systemd-analyze verify` checks keys, values and that ExecStart can
    # run: pointed at this checkout's python, as an installer would.
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing: scripts/test installs it (Debian package systemd)")
    unit = tmp_path / "feedhub.service"
    text = UNIT.read_text()
    assert "/opt/feedhub/.venv/bin/feedhub run" in text
    unit.write_text(text.replace("/opt/feedhub/.venv/bin/feedhub", f"{sys.executable} -m feedhub"))
    done = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    # verify exits 0 on some mistakes (an unknown Type= is "ignoring"): its output must be empty.
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    for setting in ("Type=notify", "KillMode=mixed", "ExecReload=/bin/kill -HUP $MAINPID", "WatchdogSec="):
        assert setting in text


def test_the_daemon_notifies_ready_pings_the_watchdog_reloads_and_stops(tmp_path, http_server):
    http_server.route("/feed", Reply(body=rss([{"title": "One", "link": "https://a.example/1", "guid": "1",
                                                "body": "<p>Some text of the story.</p>"}])))
    config = write_config(tmp_path, f'  - {{name: A, url: "{http_server.url("/feed")}"}}')
    listener = NotifySocket(str(tmp_path / "notify.sock"))
    log = tmp_path / "daemon.log"
    daemon = start_daemon(config, log, env={"NOTIFY_SOCKET": str(tmp_path / "notify.sock"),
                                            "WATCHDOG_USEC": "1000000"})
    try:
        ready = listener.wait_for("READY", 60)
        assert ready["READY"] == "1" and ready["STATUS"] == "polling 1 sources"
        assert "feedhub daemon started" in log.read_text()  # READY comes once the schedule is loaded
        # A 1 s watchdog: pings every half second or so, from the loop.
        start = time.monotonic()
        pings = 0
        while time.monotonic() - start < 4:
            pings += "WATCHDOG" in listener.next(5)
        assert pings >= 3, listener.messages
        daemon.send_signal(signal.SIGHUP)
        reloading = listener.wait_for("RELOADING", 30)
        assert int(reloading["MONOTONIC_USEC"]) > 0
        assert listener.wait_for("READY", 30)["READY"] == "1"
        daemon.send_signal(signal.SIGTERM)
        listener.wait_for("STOPPING", 30)
        assert daemon.wait(30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        listener.socket.close()


def test_outside_systemd_nothing_is_sent(tmp_path):
    service = ServiceManager(environ={})
    assert service.address is None and service.ping_every is None
    service.ready("x")
    service.alive()
    service.stopping()  # no socket, no error


def test_the_abstract_namespace_and_the_watchdog_pid(tmp_path):
    name = f"feedhub-test-{time.monotonic_ns()}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind("\0" + name)
    listener.settimeout(5)
    clock = [100.0]
    service = ServiceManager(environ={"NOTIFY_SOCKET": "@" + name, "WATCHDOG_USEC": "2000000"},
                             clock=lambda: clock[0])
    assert service.ping_every == 1.0
    service.alive()
    assert listener.recv(100) == b"WATCHDOG=1"
    service.alive()  # half a period not yet over: nothing
    clock[0] += 1.0
    service.alive()
    service.stopping()
    assert listener.recv(100) == b"WATCHDOG=1"
    assert listener.recv(100) == b"STOPPING=1"
    service.close()
    listener.close()
    # A watchdog meant for another process (WATCHDOG_PID) is not ours to ping.
    other = ServiceManager(environ={"NOTIFY_SOCKET": "@" + name, "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"})
    assert other.ping_every is None
