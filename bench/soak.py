#!/usr/bin/env python3
"""Soak (issue #6): the daemon on N local sources, 10 % of them faulty, at
short intervals, for a long time. Reports the daemon's RSS and open file
descriptors over time, and checks at the end that every good source's
entries are published.

    .venv/bin/python bench/soak.py --sources 300 --seconds 1200 --interval 20s

The faulty sources rotate through: a read that never ends (cut by the
timeout), HTTP 500, malformed XML, a connection reset, and an HTML page. Good
sources gain one entry a minute, so the store and the feeds keep changing.
Everything listens on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FAULTS = ("hang", "500", "malformed", "reset", "html")


def feed_body(i: int, now: float) -> bytes:
    minute = int(now // 60)
    items = "".join(
        f"<item><title>Source {i} item {k}</title><link>https://s{i}.example.org/{k}</link><guid>s{i}-{k}</guid>"
        f"<pubDate>{time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(k * 60))}</pubDate>"
        f"<description>&lt;p&gt;Item {k} of source {i}, with some text to parse.&lt;/p&gt;</description></item>"
        for k in range(minute - 9, minute + 1)
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Source {i}</title>'
            f"<link>https://s{i}.example.org/</link><description>soak</description>{items}</channel></rss>").encode()


class Farm(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sources: int, faulty_every: int = 10):
        super().__init__(("127.0.0.1", 0), Handler)
        self.sources = sources
        self.faulty_every = faulty_every
        self.requests = 0
        self.polls: dict[int, int] = {}  # source -> requests it got

    def handle_error(self, request, client_address):
        pass  # resets and hangs are on purpose here; keep the report readable

    def fault(self, i: int) -> str | None:
        return FAULTS[(i // self.faulty_every) % len(FAULTS)] if i % self.faulty_every == 0 else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        farm: Farm = self.server
        farm.requests += 1
        try:
            i = int(self.path.strip("/").split(".")[0])
        except ValueError:
            self.send_error(404)
            return
        farm.polls[i] = farm.polls.get(i, 0) + 1
        fault = farm.fault(i)
        if fault == "hang":
            time.sleep(30)  # longer than the sources' timeout
            return
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            return
        if fault == "500":
            body, status, kind = b"internal error", 500, "text/plain"
        elif fault == "html":
            body, status, kind = b"<!doctype html><html><body>nope</body></html>", 200, "text/html"
        elif fault == "malformed":
            body, status, kind = b"<rss><channel><item><title>broken", 200, "application/rss+xml"
        else:
            body, status, kind = feed_body(i, time.time()), 200, "application/rss+xml"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def tree_rss_kb(pid: int) -> int:
    """Memory of a process and its children (the parse pool), in KB: the
    proportional set size, so that pages the workers share are counted once."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
        for child in list(pids[1:]):
            pids += [int(c) for c in Path(f"/proc/{child}/task/{child}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def fd_count(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def run_soak(sources: int, seconds: float, interval: str, folder: Path, sample_every: float = 5.0) -> dict:
    farm = Farm(sources)
    threading.Thread(target=farm.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{farm.server_address[1]}"
    lines = "\n".join(f"  - {{name: s{i}, url: '{base}/{i}.xml', categories: [c{i % 10}]}}" for i in range(sources))
    config = folder / "feedhub.yaml"
    config.write_text(f"storage: {{url: 'sqlite:///state.db'}}\noutput: {{dir: out, entries_per_feed: 1000}}\n"
                      f"defaults: {{interval: {interval}, timeout: 5s}}\nsources:\n{lines}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    daemon = subprocess.Popen([sys.executable, "-m", "feedhub", "run", "--config", str(config)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    samples = []
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds and daemon.poll() is None:
            time.sleep(sample_every)
            samples.append({"t": round(time.monotonic() - started), "rss_kb": tree_rss_kb(daemon.pid),
                            "fds": fd_count(daemon.pid), "requests": farm.requests})
        daemon.send_signal(signal.SIGTERM)
        exit_code = daemon.wait(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
        farm.shutdown()
    stderr = daemon.stderr.read()
    # Every good source's newest entries are published in its category.
    missing = []
    for i in range(sources):
        if farm.fault(i):
            continue
        feed = folder / f"out/c{i % 10}/atom.xml"
        text = feed.read_text(encoding="utf-8") if feed.exists() else ""
        if f"Source {i} item" not in text:
            missing.append(i)
    return {"sources": sources, "seconds": seconds, "exit_code": exit_code, "samples": samples,
            "good_sources_missing": missing, "tracebacks": stderr.count("Traceback"), "requests": farm.requests,
            "fewest_polls_of_a_good_source": min((farm.polls.get(i, 0) for i in range(sources) if not farm.fault(i)),
                                                 default=0),
            "stderr_tail": stderr[-4000:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=1200)
    parser.add_argument("--interval", default="20s")
    parser.add_argument("--json", type=Path, help="write the report here too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="feedhub-soak-") as folder:
        report = run_soak(args.sources, args.seconds, args.interval, Path(folder), sample_every=10)
    samples = report["samples"]
    print(f"{report['sources']} sources, {report['seconds']:.0f} s, {report['requests']} requests, "
          f"exit {report['exit_code']}, {report['tracebacks']} tracebacks, "
          f"good sources missing from the feeds: {len(report['good_sources_missing'])}")
    print("   t (s)   PSS (MB)   fds")
    for s in samples[:: max(len(samples) // 20, 1)]:
        print(f"{s['t']:>8} {s['rss_kb'] / 1024:>10.1f} {s['fds']:>5}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
