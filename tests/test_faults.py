"""Faults around the pipeline (issue #6): an output folder that cannot be
written, a second daemon on one store, a config reload that is invalid."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedhub.config import load_config
from feedhub.errors import FetchError
from feedhub.fetch import Fetcher, FetchOptions
from feedhub.daemon.scheduler import Daemon
from feedhub.store import open_store
from feedhub.types import CachingInfo
from httpserver import Reply
from feedhub.cli import main
from builders import atom_entries, rss, run_once, start_daemon, write_config
from procs import alive, descendants, marked

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
ONE = {"title": "One", "link": "https://a.example/1", "guid": "1", "date": "Wed, 01 May 2024 08:00:00 +0000"}
TWO = {"title": "Two", "link": "https://a.example/2", "guid": "2", "date": "Thu, 02 May 2024 08:00:00 +0000"}


def _start_daemon(config: Path) -> subprocess.Popen:
    """`feedhub run` on ``config`` in a process of its own, stderr captured."""
    return subprocess.Popen([sys.executable, "-m", "feedhub", "run", "--config", str(config)], env=ENV,
                            stderr=subprocess.PIPE, text=True, cwd=config.parent)


def _with_small_files(*argv: str) -> list[str]:
    """``argv`` run where no file may grow past 1 MiB: a full disk, for
    SQLite (bash's ulimit; preexec_fn is unsafe in this threaded process)."""
    return ["bash", "-c", 'ulimit -f 1024 && exec "$@"', "feedhub", *argv]


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
    daemon = _start_daemon(config)
    try:
        deadline = time.monotonic() + 20
        while len(hits) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        config.write_text(good.replace("interval: 1s", "interval: whenever"))
        daemon.send_signal(signal.SIGHUP)
        polled = len(hits)
        # Still polling every second with the old config (seconds; more on a loaded machine).
        deadline = time.monotonic() + 30
        while len(hits) <= polled + 1 and time.monotonic() < deadline and daemon.poll() is None:
            time.sleep(0.1)
        assert daemon.poll() is None, "the daemon kept running"
        assert len(hits) > polled + 1, "with the old config, still polling every second"
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=10) == 0
    stderr = daemon.stderr.read()
    assert "config not reloaded, the running one stays" in stderr and "sources[0].interval" in stderr


@pytest.mark.slow
def test_a_publish_that_fails_in_the_daemon_keeps_the_sources_schedule(tmp_path, http_server):
    # The source asks for an hour between polls; our output folder cannot be
    # written. The daemon says so and keeps running, and the failing publish
    # does not make it poll the source every second (its interval) instead.
    hits = []
    http_server.route("/feed", lambda r: hits.append(1) or Reply(body=rss([ONE]), headers={"Cache-Control": "max-age=3600"}))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\", interval: 1s}}")
    (tmp_path / "out").mkdir()
    chattr("+i", tmp_path / "out")
    log = tmp_path / "daemon.log"
    daemon = start_daemon(config, log)
    try:
        _wait_for_line(daemon, log, "publishing failed: cannot write")
        time.sleep(4)
        assert daemon.poll() is None, "the daemon kept running"
        assert len(hits) == 1
    finally:
        chattr("-i", tmp_path / "out")
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=10) == 0
    assert "tried again in 60 s" in log.read_text()


def _wait_for_line(daemon: subprocess.Popen, log: Path, text: str, seconds: float = 60) -> None:
    """Until the daemon's log says ``text``: seconds, more on a loaded machine."""
    deadline = time.monotonic() + seconds
    while text not in log.read_text():
        assert time.monotonic() < deadline and daemon.poll() is None, log.read_text()
        time.sleep(0.1)


@pytest.mark.slow
def test_a_daemon_publishes_what_the_last_run_could_not_at_once(tmp_path, http_server):
    hits = []
    http_server.route("/feed", lambda r: hits.append(1) or Reply(body=rss([ONE])))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\"}}")
    assert run_once(config) == 0
    feed = tmp_path / "out/a/atom.xml"
    http_server.route("/feed", lambda r: hits.append(1) or Reply(body=rss([ONE, TWO])))
    chattr("+i", feed.parent)
    try:
        assert run_once(config) == 1  # Two is stored, not published
    finally:
        chattr("-i", feed.parent)
    polled = len(hits)
    # The folder is fixed; the source's next poll is an hour away.
    daemon = _start_daemon(config)
    try:
        deadline = time.monotonic() + 15
        while [e["title"] for e in atom_entries(feed)] != ["Two", "One"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [e["title"] for e in atom_entries(feed)] == ["Two", "One"]
        assert len(hits) == polled, "published without polling"
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=10) == 0


def test_a_source_whose_url_was_changed_is_polled_soon_not_at_the_old_urls_time(tmp_path, http_server):
    # The old URL is gone (410): disabled, its next poll far away. The user
    # points the source elsewhere: the daemon polls the new URL within its
    # start-up spread, whatever was stored for the old one.
    http_server.route("/gone", Reply(status=410))
    http_server.route("/feed", Reply(body=rss([ONE])))
    config_path = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/gone')}\", interval: 1d}}")
    assert run_once(config_path) == 3  # its one source failed (EXIT_NOTHING_READ)
    config_path.write_text(config_path.read_text().replace("/gone", "/feed"))
    config = load_config(config_path)
    store = open_store(config.storage_url)
    daemon = Daemon(config)
    daemon.scheduler.start()
    try:
        daemon._schedule_all(store)
        job = daemon.scheduler.get_job("A")
        assert job is not None
        assert job.next_run_time <= datetime.now(UTC) + timedelta(seconds=21)
    finally:
        daemon.scheduler.shutdown(wait=False)
        store.close()


def test_a_reload_applies_the_fetch_settings(tmp_path, http_server):
    # fetch.public_addresses_only is a safety setting: a reload turns it on
    # at once, without a restart.
    url = http_server.route("/feed", Reply(body=rss([ONE])))
    config_path = write_config(tmp_path, f"  - {{name: A, url: \"{url}\"}}")
    daemon = Daemon(load_config(config_path))
    daemon.fetcher = Fetcher()
    store = open_store(daemon.config.storage_url)
    try:
        options = FetchOptions(timeout=5)
        assert daemon.fetcher.fetch(url, caching=CachingInfo(), options=options, base_dir=tmp_path).content
        config_path.write_text(config_path.read_text() + "fetch: {public_addresses_only: true}\n")
        daemon._reload(store)
        with pytest.raises(FetchError, match="refused"):
            daemon.fetcher.fetch(url, caching=CachingInfo(), options=options, base_dir=tmp_path)
    finally:
        daemon.fetcher.close()
        store.close()


def test_status_tells_a_changed_url_from_a_move(tmp_path, http_server, capsys):
    http_server.route("/gone", Reply(status=410))
    config_path = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/gone')}\"}}")
    assert run_once(config_path) == 3  # its one source failed (EXIT_NOTHING_READ)
    config_path.write_text(config_path.read_text().replace("/gone", "/feed"))
    capsys.readouterr()
    assert main(["status", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert "A: new URL, not polled yet" in out
    assert "disabled" not in out and "moved to" not in out and "next poll" not in out


def test_a_full_disk_while_storing_is_one_line_not_a_traceback(tmp_path):
    # A file-size limit stands in for a full disk: a first poll of a few MB
    # spills SQLite pages while an entry is being inserted, not at COMMIT.
    items = "".join(f"<item><title>Story {i}</title><link>https://a.example/{i}</link><guid>{i}</guid>"
                    f"<description>{'word ' * 1600}</description></item>" for i in range(400))
    (tmp_path / "big.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>'
                                      f"<link>https://a.example/</link>{items}</channel></rss>", encoding="utf-8")
    config = write_config(tmp_path, "  - {name: Big, url: big.xml}")
    done = subprocess.run(_with_small_files(sys.executable, "-m", "feedhub", "run", "--once", "--config", str(config)),
                          env=ENV, check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert "Traceback" not in done.stderr
    assert lines[-1].startswith("feedhub: error: cannot write the store") and len(lines) <= 2


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM to the process", "Ctrl-C to the process group"])
def test_an_interrupted_run_once_ends_cleanly(tmp_path, how):
    # `timeout`, cron or CI send SIGTERM; a terminal's Ctrl-C reaches the
    # parse pool's workers too. Either way: one line, no traceback, no
    # worker left running, no temporary file left in the output.
    entry = "word " * 800
    for n in range(12):
        items = "".join(f"<item><title>S{n} {i}</title><link>https://a.example/{n}/{i}</link><guid>{n}-{i}</guid>"
                        f"<description>{entry}</description></item>" for i in range(300))
        (tmp_path / f"{n}.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>S{n}</title>'
                                           f"<link>https://a.example/{n}/</link>{items}</channel></rss>",
                                           encoding="utf-8")
    config = write_config(tmp_path, "\n".join(f"  - {{name: S{n}, url: {n}.xml}}" for n in range(12)))
    run = subprocess.Popen([sys.executable, "-m", "feedhub", "run", "--once", "--config", str(config)], env=ENV,
                           cwd=tmp_path, stderr=subprocess.PIPE, text=True, start_new_session=True)
    # Interrupted while it works: once its parse pool runs (a fixed wait was
    # over before Python had started on a loaded machine).
    deadline = time.monotonic() + 60
    while not descendants(run.pid) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    family = descendants(run.pid)
    if how.startswith("SIGTERM"):
        run.send_signal(signal.SIGTERM)
    else:
        os.killpg(run.pid, signal.SIGINT)
    assert run.wait(timeout=60) in (0, 130), "interrupted, or done just before"
    stderr = run.stderr.read()
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    # The pool's processes carry the run's folder on their command line
    # (the fork server's sys.path): those started after the look above too.
    family |= marked(str(tmp_path))
    deadline = time.monotonic() + 10
    while any(alive(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in family if alive(p)], "the pool ended with the run"
    out = tmp_path / "out"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")] if out.exists() else True


@pytest.mark.slow
def test_a_store_that_cannot_be_written_does_not_make_the_daemon_poll_in_a_loop(tmp_path, http_server):
    # The source was polled before; its stored next poll has passed. Now
    # every store write fails (a file-size limit stands in for a full disk):
    # no new next poll is stored, and the source must still wait its
    # interval, not be polled again at once, over and over.
    hits = []
    http_server.route("/feed", lambda r: hits.append(1) or Reply(body=rss([ONE])))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\", interval: 3s}}")
    assert run_once(config) == 0
    big = [{**ONE, "title": f"Story {i}", "link": f"https://a.example/{i}", "guid": str(i),
            "body": "<p>" + "word " * 1600 + "</p>"} for i in range(400)]
    http_server.route("/feed", lambda r: hits.append(1) or Reply(body=rss(big)))
    time.sleep(3)  # the stored next poll passes
    hits.clear()
    log = tmp_path / "daemon.log"
    with log.open("w") as stderr:
        daemon = subprocess.Popen(_with_small_files(sys.executable, "-m", "feedhub", "run", "--config", str(config)),
                                  env=ENV, stderr=stderr, text=True, cwd=tmp_path)
    try:
        # The first store write that fails (seconds, more on a loaded machine) ...
        _wait_for_line(daemon, log, "cannot write the store")
        polled = len(hits)
        # ... then 7 s with a 3 s interval: two or three polls more, not a loop.
        time.sleep(7)
        assert daemon.poll() is None, "the daemon kept running"
        assert len(hits) - polled <= 3, f"{len(hits) - polled} polls in 7 s with a 3 s interval"
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=20) == 0


def test_status_before_the_first_run_creates_no_store(tmp_path, capsys):
    config_path = write_config(tmp_path, "  - {name: A, url: a.xml}")
    (tmp_path / "a.xml").write_bytes(rss([ONE]))
    assert main(["status", "--config", str(config_path)]) == 0
    assert "A: never polled, 0 entries" in capsys.readouterr().out
    assert not (tmp_path / "state").exists()


def _catches(pid: int, signum: int) -> bool:
    """Whether process ``pid`` has a handler for ``signum`` (SigCgt in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (signum - 1)))
    return False


@pytest.mark.slow
def test_a_sighup_while_the_daemon_loads_its_config_is_a_reload_not_its_end(tmp_path):
    # Twenty thousand sources take over a second to validate; logrotate or
    # `systemctl reload` may send SIGHUP meanwhile.
    (tmp_path / "a.xml").write_bytes(rss([ONE]))
    others = "\n".join(f"  - {{name: S{i}, url: s{i}.xml, enabled: false, categories: [Others]}}" for i in range(20000))
    config = write_config(tmp_path, f"  - {{name: A, url: a.xml}}\n{others}")
    log = tmp_path / "daemon.log"
    daemon = start_daemon(config, log)
    try:
        # Once Python has started and feedhub is imported, well before the
        # config is loaded (a second here, more on a loaded machine).
        deadline = time.monotonic() + 10
        while not _catches(daemon.pid, signal.SIGHUP) and time.monotonic() < deadline:
            time.sleep(0.01)
        daemon.send_signal(signal.SIGHUP)
        # Loading twenty thousand sources twice takes seconds; more on a busy machine.
        deadline = time.monotonic() + 60
        while "config reloaded" not in log.read_text() and daemon.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert daemon.poll() is None, "the daemon kept running"
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=20) == 0
    text = log.read_text()
    assert "feedhub daemon started" in text and "config reloaded" in text


def test_a_second_feedhub_during_the_first_ones_schema_setup_is_told_so(tmp_path, capsys):
    # The first feedhub has just created the store and holds it (its lock
    # file, and a write transaction: the schema being set up). The second
    # must name it at once, not wait ten seconds to say "database is locked".
    config = write_config(tmp_path, "  - {name: A, url: a.xml}")
    (tmp_path / "a.xml").write_bytes(rss([ONE]))
    (tmp_path / "state").mkdir()
    first = sqlite3.connect(tmp_path / "state/hub.db", isolation_level=None)
    first.execute("BEGIN IMMEDIATE")
    with open(tmp_path / "state/hub.db.lock", "a+", encoding="utf-8") as claim:
        fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
        claim.write("4242")
        claim.flush()
        started = time.monotonic()
        assert run_once(config) == 1
        assert time.monotonic() - started < 5
    first.close()
    err = capsys.readouterr().err.strip().splitlines()
    expected = (f"feedhub: error: another feedhub (pid 4242) is using the store {tmp_path}/state/hub.db; "
                "stop it first, or wait for it to finish")
    assert err == [expected]
