#!/usr/bin/env python3
"""Peak memory of a `run --once` cycle with a gzip bomb and a 50 MB feed
among 20 ordinary sources (issue #3). Everything on 127.0.0.1.

    .venv/bin/python bench/hostile_memory.py

Prints the peak PSS (shared pages split between the processes that share
them) and the peak RSS summed over feedhub and its parse workers, sampled
every 20 ms, with and without the two hostile sources.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from httpserver import HTTPTestServer, Reply  # noqa: E402


def rss(n: int, i: int, size: int = 2000) -> bytes:
    items = "".join(f"<item><title>S{i} item {k}</title><link>https://s{i}.example/{k}</link><guid>{k}</guid>"
                    f"<description>&lt;p&gt;{'text ' * (size // 5)}&lt;/p&gt;</description></item>" for k in range(n))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>S{i}</title><link>https://s{i}.example/</link>'
            f"<description>d</description>{items}</channel></rss>").encode()


def tree_kb(pid: int, field: str) -> int:
    pids = [pid]
    for _ in range(2):
        for p in list(pids):
            try:
                pids += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split() if int(c) not in pids]
            except OSError:
                pass
    total = 0
    for p in set(pids):
        source = "smaps_rollup" if field == "Pss:" else "status"
        try:
            total += sum(int(line.split()[1]) for line in Path(f"/proc/{p}/{source}").read_text().splitlines()
                         if line.startswith(field))
        except OSError:
            pass
    return total


def measure(config: Path) -> tuple[int, int, str]:
    process = subprocess.Popen([str(REPO / ".venv/bin/feedhub"), "run", "--once", "--config", str(config)],
                               stderr=subprocess.PIPE, text=True)
    pss = rss_peak = 0
    while process.poll() is None:
        pss = max(pss, tree_kb(process.pid, "Pss:"))
        rss_peak = max(rss_peak, tree_kb(process.pid, "VmRSS:"))
        time.sleep(0.02)
    return pss // 1024, rss_peak // 1024, process.stderr.read().strip().splitlines()[-1]


def main() -> None:
    big = rss(5000, 999, size=10000)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = compressor.compress(b"\0" * (300 * 1024 * 1024)) + compressor.flush()
    with HTTPTestServer() as server, tempfile.TemporaryDirectory() as folder:
        server.route("/big", Reply(body=big))
        server.route("/big-chunked", Reply(body=big, chunked=True))
        server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
        for i in range(20):
            server.route(f"/f{i}", Reply(body=rss(50, i)))
        ordinary = "".join(f"  - {{name: s{i}, url: '{server.url(f'/f{i}')}', categories: [c{i % 4}]}}\n"
                           for i in range(20))
        hostile = "".join(f"  - {{name: {name}, url: '{server.url('/' + name)}'}}\n"
                          for name in ("big", "big-chunked", "bomb"))
        print(f"50 MB feed: {len(big) / 1e6:.0f} MB; gzip bomb: {len(bomb) // 1000} KB -> 300 MB")
        for label, sources in (("20 sources", ordinary), ("20 sources + bomb + 50 MB feed (twice)", ordinary + hostile)):
            run = Path(folder) / label.split()[0] / str(len(sources))
            run.mkdir(parents=True)
            config = run / "feedhub.yaml"
            config.write_text(f"storage: {{url: 'sqlite:///db'}}\noutput: {{dir: out}}\nsources:\n{sources}")
            pss, rss_sum, summary = measure(config)
            print(f"{label}: peak PSS {pss} MiB, peak RSS summed {rss_sum} MiB | {summary}")


if __name__ == "__main__":
    main()
