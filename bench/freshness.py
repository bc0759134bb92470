#!/usr/bin/env python3
"""How fresh is what the daemon publishes? (issue #15)

    python3 bench/freshness.py --sources 300 --interval 1m --duration 6m
    python3 bench/freshness.py --sources 1000 --interval 1m --duration 10m --json /tmp/fresh-1000.json
    python3 bench/freshness.py --sources 5000 --interval 5m --duration 10m
    python3 bench/freshness.py --sources 30 --interval 1m --duration 2m --warmup 20s --websub

    # a commit of its own, while the work tree changes under you: a `git
    # archive` snapshot (with a COMMIT file naming it) and a wrapper script
    # that runs the .venv's python with PYTHONPATH=<snapshot>
    python3 bench/freshness.py --feedhub-python /tmp/fh-snap/python

It starts a loopback feed farm (this same file, as a child process), writes a
config of the farm's sources in 10 categories with the given interval and
feedhub's defaults otherwise, runs the daemon (`python -m feedhub run
--config ...` from the repository's .venv) and watches three things at once:
what the farm is asked and answers (the farm logs every request), what the
daemon publishes (every category's atom.xml and archive/*.xml, looked at every
--watch-every second, 1 s by default), and the daemon's process tree in /proc.
Standard library only; all traffic stays on 127.0.0.0/8.

The farm
--------
One asyncio HTTP/1.1 server (keep-alive) per loopback address, every address
bound explicitly, all on one port, so that each is a separate host to
feedhub: 127.0.0.2 serves many feeds (--big-host, by default a tenth of the
sources: feedhub's fetch.per_host limit, 2, applies to it), and 127.0.0.3 and
up serve --per-host feeds each (3 by default). Even sources are RSS 2.0, odd
ones Atom 1.0; every source starts with --initial-items items (dated in the
last six hours) and keeps its newest 20.

Items appear at random moments: a Poisson process, on average one item per
source every --item-every (3 minutes by default), at a uniformly chosen
source. The farm records each item's creation time (time.time()) and writes
it into the item: the id (`urn:fhbench:s<source>:i<n>:<ms>`), the link
(`https://fh.bench.example/s<source>/i<n>`) and the date (pubDate or
published/updated). Titles and texts are random words, so that feedhub's
near-duplicate detection never merges two items into one story. The ETag
is the source's newest item, and a request whose If-None-Match carries it is
answered 304, so a quiet poll costs almost nothing. A 200's document is the
source's state when the request arrived.

--slow-share of the sources (5 %, chosen at random) are slow: every answer
of theirs (200 or 304) takes --slow-seconds (25 s). Half of them trickle: the
answer (head and body) is written in pieces, one a second, over 25 s; the
other half hang: nothing for 25 s, then the whole answer (--slow-mode picks
one kind for all). feedhub's default timeout is 30 s, so a slow source is
slow, not failing; with --slow-seconds above the timeout they fail instead
(and feedhub backs off).

Phases
------
warm-up: the daemon starts with an empty store; the cold start (every
source's first answer, and every initial item published) is awaited, then
--warmup more seconds (60 s by default). measurement: --duration (5 min by
default): only items created, requests received and samples taken in this
window count. drain: the farm and the daemon go on until every item of the
window has been published, --drain at most (by default 2 intervals + 60 s,
plus twice the longest daemon cycle of the window); an item still unseen
then is reported as missing, and counted in the freshness percentiles at its
age at the end (so they are then lower bounds, and say so).

What is measured
----------------
freshness      per item: first seen in the published output (the first time
               the driver finds its id in a category's atom.xml or one of its
               archive/*.xml, read every second) minus its creation at the
               farm. Its resolution is the watch period; the file's mtime
               (when feedhub wrote it) gives a lower bound, reported in the
               JSON as freshness_mtime. Reported for all items, and for fast
               and slow sources' items apart.
wait for poll  per item: the request that first carried it (the first answer
               200 of its source whose document held it) arrived, minus its
               creation. freshness = wait for poll + transfer + publish lag.
poll gap       per source: time between successive requests the farm
               received from feedhub (every gap ending in the window). Fast (non-slow)
               sources are reported apart: theirs is what an interval of 1m
               with feedhub's jitter (at most 10 % of the interval) should give.
poll lateness  per request after a completed answer (200 or 304): request time
               minus when it was due, due = the farm's completion of the
               previous answer + the interval + the source's fixed jitter
               (feedhub.policy.jitter_for, reproduced here). feedhub reckons
               its next poll from the moment its loop takes the fetch's
               result, which is at or after the farm's completion, so any
               delay there counts as lateness too. Failed fetches (time-outs)
               are left out (feedhub backs off after them).
publish lag    per item: first seen in the output minus the moment the farm
               finished sending the answer that carried it (the fetch's
               completion); by file mtime in the JSON as publish_lag_mtime.
daemon CPU     user+sys of the daemon's process tree (main process, fork
               server, parse/publish workers) over the window, from
               /proc/<pid>/stat (utime+stime+cutime+cstime of every member,
               so that workers reaped meanwhile still count; this driver is a
               child subreaper, so orphans stay counted), as a share of one
               CPU; the main process alone beside it.
memory         peak of the summed RSS, and of the summed PSS, of the
               daemon's process tree, sampled every second; in the window,
               and over the whole run (the cold start included).
machine        /proc/loadavg (1-minute load: min, mean, max over the window)
               and the CPU the rest of the machine used meanwhile (/proc/stat
               busy time minus the daemon, the farm and this driver): the
               machine may be shared, and the figures depend on it.
cycles         the daemon's one line per cycle (--log-format json): how many
               cycles in the window, sources per cycle, cycle seconds.

The targets of issue #15 are checked at the end (MET / NOT MET):
interval 1m: freshness p99 <= 70 s, fast sources' poll gap p99 <= 66 s,
publish lag p99 <= 5 s (1,000 sources: and the daemon under half a CPU);
interval 5m: freshness p99 <= 5m + 15 s, RSS under 200 MB.

The WebSub case (--websub)
-------------------------
Issue #15's "a WebSub source pushed by the test hub: in the output within
5 s of the push". The daemon runs with `run --serve 127.0.0.1:<free port>`
and the config gains `websub: {callback: "http://127.0.0.1:<port>/websub/",
poll_interval: 1h}` (--websub-poll-interval). The farm is also the hub, on
an address of its own (the next one after the feed hosts, same port, path
/hub), for --websub-share of the sources (chosen at random; by default all
of them up to 50 sources, a tenth above): their answers carry `Link:
<http://<hub>/hub>; rel="hub"`. The hub answers a subscription request
(hub.mode=subscribe, a form POST) 202, then verifies the intent at once:
GET callback?hub.mode=subscribe&hub.topic=..&hub.challenge=X&
hub.lease_seconds=N (granting the lease asked), and the subscription is
active if the answer is 200 with X as its body. From then on, each new item
of that source is delivered at once: a POST of the source's whole new
document to the callback, signed (X-Hub-Signature: sha256=<HMAC of the body
keyed by the subscription's secret>); the farm records when it began
sending it (the push time) and when the 202 came back. A 410 drops the
subscription. The cold start also waits for every hub source's
subscription to be verified.

Reported besides the above: for the window's pushed items, push -> output
(first seen minus the push time; by file mtime too), created -> output and
created -> push; the subscriptions requested and verified; the pushes and
their answers; the polls of hub sources in the window, split into those
scheduled before the source's subscription was verified (at the source's
own interval: at most one each) and those after it (none expected sooner
than websub.poll_interval: the daemon must not need a poll); and the pushed
items that a poll carried before they were seen (none expected). The poll
gap, lateness and "not polled" rows then cover the sources without a hub
only. --watch-every is 0.25 s by default in this case (1 s otherwise), a
finer resolution for a 5 s target. Targets: pushed items' push -> output
p99 <= 5 s, no early poll of a subscribed source, no pushed item carried
by a poll first.

Options: --sources, --interval, --slow-share, --slow-seconds, --slow-mode,
--duration, --warmup, --drain, --item-every, --initial-items, --per-host
(feeds per ordinary host), --big-host (feeds on 127.0.0.2), --fetch-per-host
and --max-connections (feedhub's fetch settings; its defaults otherwise),
--json FILE (every measurement, per item and per request), --keep (keep the
temp folder: config, store, output, farm log, daemon log), --seed,
--feedhub-python, --websub, --websub-share, --websub-poll-interval.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import ctypes
import hashlib
import hmac
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_FEEDHUB_PY = REPO / ".venv" / "bin" / "python"
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024
KEEP_ITEMS = 20  # items a farm document lists, newest first
CATEGORIES = 10


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def parse_duration(text: str) -> float:
    """'90s', '1m', '5m', '1h', '1m30s' or a bare number of seconds."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    total, pos = 0.0, 0
    for m in re.finditer(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)", text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
        pos = m.end()
    if pos != len(text) or pos == 0:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (say 90s, 1m, 5m)")
    return total


def feedhub_duration(seconds: float) -> str:
    """A duration as feedhub's config reads it."""
    if seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    if seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    return f"{seconds:g}s"


def jitter_for(name: str, interval: float) -> float:
    """feedhub.policy.jitter_for, in seconds: a fixed offset per source in
    [0, min(10 % of the interval, 5 min))."""
    fraction = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big") / 2**32
    return min(interval * 0.1, 300.0) * fraction


def pct(values: list[float], p: float) -> float | None:
    """Percentile p (0..100) with linear interpolation between ranks."""
    if not values:
        return None
    v = sorted(values)
    k = (len(v) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50": pct(values, 50), "p90": pct(values, 90), "p99": pct(values, 99),
            "max": max(values) if values else None, "min": min(values) if values else None,
            "mean": sum(values) / len(values) if values else None}


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.0/8,localhost"
    env.pop("FEEDHUB_CONFIG", None)
    return env


def host_address(k: int) -> str:
    """The k-th farm host: 127.0.0.2, 127.0.0.3, ... skipping last octets 0,
    1 and 255 in every /24 (127.0.0.1 is left to others)."""
    per_block = 253  # .2 .. .254
    block, offset = divmod(k, per_block)
    n = (127 << 24) + (block << 8) + 2 + offset
    return socket.inet_ntoa(n.to_bytes(4, "big"))


WORDS_RNG_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def words(rng: random.Random, n: int) -> str:
    return " ".join("".join(rng.choice(WORDS_RNG_LETTERS) for _ in range(rng.randint(3, 9))) for _ in range(n))


def xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rfc822(ts: float) -> str:
    return format_datetime(datetime.fromtimestamp(ts, timezone.utc), usegmt=True)


ITEM_ID = re.compile(r"urn:fhbench:s(\d+):i(\d+)")
ITEM_LINK = re.compile(r"fh\.bench\.example/s(\d+)/i(\d+)")


# ---------------------------------------------------------------------------
# The farm (run as a child process: `freshness.py --farm-child SPEC.json`)
# ---------------------------------------------------------------------------


@dataclass
class Item:
    seq: int
    created: float
    title: str
    text: str


@dataclass
class FarmSource:
    idx: int
    slow: str | None  # None, "trickle" or "hang"
    items: deque = field(default_factory=lambda: deque(maxlen=KEEP_ITEMS))
    seq: int = 0
    doc: bytes | None = None
    ctype: str = ""

    @property
    def etag(self) -> str:
        return f'"s{self.idx}-{self.seq}"'

    def document(self) -> bytes:
        if self.doc is None:
            self.doc = render(self)
        return self.doc


def render(src: FarmSource) -> bytes:
    items = list(reversed(src.items))  # newest first
    i = src.idx
    if i % 2 == 0:
        src.ctype = "application/rss+xml; charset=utf-8"
        out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>\n',
               f"<title>Bench source {i}</title><link>https://fh.bench.example/s{i}/</link>\n",
               f"<description>freshness bench source {i}</description>\n"]
        for it in items:
            out.append(f"<item><title>{xml_escape(it.title)}</title>"
                       f"<link>https://fh.bench.example/s{i}/i{it.seq}</link>"
                       f'<guid isPermaLink="false">urn:fhbench:s{i}:i{it.seq}:{int(it.created * 1000)}</guid>'
                       f"<pubDate>{rfc822(it.created)}</pubDate>"
                       f"<description>{xml_escape(it.text)}</description></item>\n")
        out.append("</channel></rss>\n")
    else:
        src.ctype = "application/atom+xml; charset=utf-8"
        updated = rfc3339(items[0].created if items else 0)
        out = ['<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n',
               f"<id>urn:fhbench:feed:{i}</id><title>Bench source {i}</title><updated>{updated}</updated>\n",
               f'<link rel="alternate" href="https://fh.bench.example/s{i}/"/>\n']
        for it in items:
            out.append(f"<entry><id>urn:fhbench:s{i}:i{it.seq}:{int(it.created * 1000)}</id>"
                       f'<title type="text">{xml_escape(it.title)}</title>'
                       f'<link rel="alternate" href="https://fh.bench.example/s{i}/i{it.seq}"/>'
                       f"<published>{rfc3339(it.created)}</published><updated>{rfc3339(it.created)}</updated>"
                       f'<author><name>bench</name></author><content type="html">{xml_escape(it.text)}</content>'
                       "</entry>\n")
        out.append("</feed>\n")
    return "".join(out).encode("utf-8")


class Farm:
    def __init__(self, spec: dict):
        self.spec = spec
        self.rng = random.Random(spec["seed"])
        self.sources = [FarmSource(i, spec["slow"].get(str(i))) for i in range(spec["sources"])]
        self.log: list[str] = []
        self.log_file = open(spec["log"], "a", buffering=1 << 16)
        self.slow_seconds = spec["slow_seconds"]
        # The hub (--websub): the sources that name it, and the verified
        # subscriptions by source: {"callback", "secret"}.
        self.hub_sources = set(spec.get("hub_sources") or ())
        self.hub_url: str | None = None  # known once the port is
        self.subs: dict[int, dict] = {}
        self.tasks: set[asyncio.Task] = set()  # verifications and deliveries under way

    def new_item(self, src: FarmSource, created: float) -> None:
        src.seq += 1
        n = src.seq
        rng = self.rng
        title = f"S{src.idx} item {n}: {words(rng, 6)}"
        text = f"<p>{words(rng, 40)}</p><p>{words(rng, 25)}</p>"
        src.items.append(Item(n, created, title, text))
        src.doc = None
        self.log.append(json.dumps(["i", src.idx, n, round(created, 4)]))

    def seed_items(self) -> None:
        now = time.time()
        for src in self.sources:
            for created in sorted(now - self.rng.uniform(60, 6 * 3600) for _ in range(self.spec["initial_items"])):
                self.new_item(src, created)

    async def items_forever(self) -> None:
        rate = len(self.sources) / self.spec["item_every"]
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at += self.rng.expovariate(rate)
            delay = next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            src = self.rng.choice(self.sources)
            self.new_item(src, time.time())
            if src.idx in self.subs:
                self.spawn(self.deliver(src, src.seq))

    async def flush_forever(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            self.flush()

    def flush(self) -> None:
        if self.log:
            lines, self.log = self.log, []
            self.log_file.write("\n".join(lines) + "\n")
            self.log_file.flush()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=120)
                except (asyncio.IncompleteReadError, asyncio.TimeoutError, asyncio.LimitOverrunError,
                        ConnectionError):
                    return
                t_req = time.time()
                if head.startswith(b"POST ") and self.hub_url is not None:
                    if not await self.hub_request(head, reader, writer):
                        return
                    continue
                if not await self.respond(head, t_req, writer):
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def respond(self, head: bytes, t_req: float, writer: asyncio.StreamWriter) -> bool:
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        path = parts[1].split("?", 1)[0] if len(parts) == 3 else ""
        m = re.fullmatch(r"/feed/(\d+)\.xml", path)
        src = self.sources[int(m.group(1))] if m and int(m.group(1)) < len(self.sources) else None
        date = f"Date: {rfc822(t_req)}\r\n"
        if src is None or parts[0] not in ("GET", "HEAD"):
            writer.write(f"HTTP/1.1 404 Not Found\r\n{date}Content-Length: 0\r\n\r\n".encode())
            await writer.drain()
            return True
        etag = src.etag
        if headers.get("if-none-match", "").strip() == etag:
            status, payload, maxseq = 304, f"HTTP/1.1 304 Not Modified\r\n{date}ETag: {etag}\r\n\r\n".encode(), -1
        else:
            body = src.document()
            status, maxseq = 200, src.seq
            link = f'Link: <{self.hub_url}>; rel="hub"\r\n' if src.idx in self.hub_sources and self.hub_url else ""
            payload = (f"HTTP/1.1 200 OK\r\n{date}Content-Type: {src.ctype}\r\nContent-Length: {len(body)}\r\n"
                       f"ETag: {etag}\r\nCache-Control: no-cache\r\n{link}\r\n").encode() + (body if parts[0] == "GET" else b"")
        done = await self.send(writer, payload, src.slow)
        t_done = time.time() if done else None
        self.log.append(json.dumps(["r", src.idx, round(t_req, 4), t_done and round(t_done, 4), status, maxseq,
                                    len(payload)]))
        return done

    async def send(self, writer: asyncio.StreamWriter, payload: bytes, slow: str | None) -> bool:
        """Write the answer: at once, trickled over slow_seconds, or after
        hanging that long. False if the client went away meanwhile."""
        try:
            if slow == "hang":
                await asyncio.sleep(self.slow_seconds)
            if slow == "trickle":
                pieces = max(2, int(self.slow_seconds) + 1)
                step = math.ceil(len(payload) / pieces)
                loop = asyncio.get_running_loop()
                start = loop.time()
                for k in range(pieces):
                    if k:
                        await asyncio.sleep(max(0.0, start + k * self.slow_seconds / (pieces - 1) - loop.time()))
                    if writer.transport.is_closing():
                        return False
                    writer.write(payload[k * step:(k + 1) * step])
                    await writer.drain()
                return True
            if writer.transport.is_closing():
                return False
            writer.write(payload)
            await writer.drain()
            return True
        except (ConnectionError, OSError):
            return False

    # --- the hub (--websub) -------------------------------------------------

    def spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def hub_request(self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """A subscription request (W3C WebSub §5.1): 202, then the intent is
        verified (§5.3) in a task of its own. False: the connection is done."""
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        try:
            body = await asyncio.wait_for(reader.readexactly(int(headers.get("content-length", "0"))), timeout=30)
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError, ConnectionError):
            return False
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        m = re.search(r"/feed/(\d+)\.xml$", urlsplit(form.get("hub.topic", "")).path)
        idx = int(m.group(1)) if m else -1
        ok = (lines[0].split(" ")[1].split("?")[0] == "/hub" and form.get("hub.mode") == "subscribe"
              and idx in self.hub_sources and form.get("hub.callback", "").startswith("http://"))
        self.log.append(json.dumps(["s", idx, round(time.time(), 4), ok]))
        status = "202 Accepted" if ok else "400 Bad Request"
        writer.write(f"HTTP/1.1 {status}\r\nDate: {rfc822(time.time())}\r\nContent-Length: 0\r\n\r\n".encode())
        try:
            await writer.drain()
        except ConnectionError:
            return False
        if ok:
            self.spawn(self.verify(idx, form))
        return True

    async def verify(self, idx: int, form: dict[str, str]) -> None:
        challenge = os.urandom(12).hex()
        lease = form.get("hub.lease_seconds") or "86400"
        query = urlencode({"hub.mode": "subscribe", "hub.topic": form["hub.topic"], "hub.challenge": challenge,
                           "hub.lease_seconds": lease})
        callback = form["hub.callback"]
        t0 = time.time()
        status, body, _ = await http_call("GET", callback + ("&" if "?" in callback else "?") + query)
        ok = status == 200 and body == challenge.encode()
        if ok:
            self.subs[idx] = {"callback": callback, "secret": form.get("hub.secret", "")}
        self.log.append(json.dumps(["v", idx, round(t0, 4), round(time.time(), 4), status, ok]))

    async def deliver(self, src: FarmSource, seq: int) -> None:
        """Push the source's new document to its subscriber (§7), signed (§8)."""
        sub = self.subs.get(src.idx)
        if sub is None:
            return
        body = src.document()
        digest = hmac.new(sub["secret"].encode("utf-8"), body, hashlib.sha256).hexdigest()
        t_push = time.time()
        status, _, t_ack = await http_call("POST", sub["callback"], body,
                                           [("Content-Type", src.ctype.split(";")[0]),
                                            ("X-Hub-Signature", f"sha256={digest}")])
        if status == 410 and self.subs.get(src.idx) is sub:
            del self.subs[src.idx]  # §7: the subscriber is gone
        self.log.append(json.dumps(["p", src.idx, seq, round(t_push, 4), t_ack and round(t_ack, 4), status]))


async def http_call(method: str, url: str, body: bytes = b"", headers=(),
                    timeout: float = 10.0) -> tuple[int, bytes, float | None]:
    """A one-off HTTP/1.1 request (Connection: close): the status (0 if it
    failed), the body, and when the status line arrived."""
    u = urlsplit(url)
    target = (u.path or "/") + (f"?{u.query}" if u.query else "")
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(u.hostname, u.port or 80), timeout)
        head = f"{method} {target} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n"
        if body or method == "POST":
            head += f"Content-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        writer.write(head.encode("latin-1") + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        t_ack = time.time()
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        payload = await asyncio.wait_for(reader.readexactly(length), timeout) if length else b""
        return status, payload, t_ack
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError,
            IndexError):
        return 0, b"", None
    finally:
        if writer is not None:
            writer.close()


async def farm_main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    farm = Farm(spec)
    farm.seed_items()
    hosts = spec["hosts"] + ([spec["hub_host"]] if spec.get("hub_host") else [])
    servers = []
    rng = random.Random()
    for attempt in range(20):
        port = spec.get("port") or rng.randrange(20000, 60000)
        try:
            for h in hosts:
                servers.append(await asyncio.start_server(farm.handle, h, port, backlog=256, reuse_address=True))
            break
        except OSError:
            for s in servers:
                s.close()
            servers = []
            if spec.get("port"):
                raise
    else:
        raise SystemExit("farm: no port free on every address")
    if spec.get("hub_host"):
        farm.hub_url = f"http://{spec['hub_host']}:{port}/hub"
    farm.flush()
    tmp = spec["ready"] + ".tmp"
    Path(tmp).write_text(json.dumps({"port": port, "pid": os.getpid(), "hosts": len(hosts)}))
    os.replace(tmp, spec["ready"])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(farm.items_forever()), asyncio.create_task(farm.flush_forever())]
    try:
        await asyncio.wait_for(stop.wait(), timeout=spec["max_seconds"])
    except asyncio.TimeoutError:
        pass
    for t in tasks + list(farm.tasks):
        t.cancel()
    for s in servers:
        s.close()
    farm.flush()
    farm.log_file.close()
    return 0


# ---------------------------------------------------------------------------
# Watching the daemon's process tree
# ---------------------------------------------------------------------------


def read_stat(pid: int) -> tuple[int, int, int, int] | None:
    """(ppid, utime+stime, cutime+cstime, rss pages) of a process, or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(b")") + 2:].split()
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14]), int(fields[21])


def read_pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def busy_cpu_seconds() -> float:
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / TICK


def become_subreaper() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


class Sampler(threading.Thread):
    """Every `period` seconds: the daemon tree's CPU, RSS and PSS, the
    farm's CPU, this process's CPU, the machine's busy time and load."""

    def __init__(self, root: int, farm_pid: int, period: float = 1.0):
        super().__init__(daemon=True, name="sampler")
        self.root, self.farm_pid, self.period = root, farm_pid, period
        self.seen: set[int] = {root}
        self.samples: list[dict] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self.samples.append(self.sample())
            except Exception as e:  # noqa: BLE001 - a benchmark's sampler must not die quietly
                print(f"freshness: sampler: {e!r}", file=sys.stderr)
            self._halt.wait(self.period)

    def sample(self) -> dict:
        t = time.time()
        stats = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                s = read_stat(int(name))
                if s is not None:
                    stats[int(name)] = s
        children: dict[int, list[int]] = {}
        for pid, s in stats.items():
            children.setdefault(s[0], []).append(pid)
        me = os.getpid()
        # The tree, and descendants seen before that were re-parented to us.
        todo = [self.root] + [p for p in self.seen if p in stats and stats[p][0] == me and p != self.farm_pid]
        members: set[int] = set()
        while todo:
            pid = todo.pop()
            if pid in stats and pid not in members:
                members.add(pid)
                todo.extend(children.get(pid, ()))
        self.seen |= members
        cpu = sum(stats[p][1] + stats[p][2] for p in members) / TICK
        main = stats[self.root][1] / TICK if self.root in stats else None
        rss = sum(stats[p][3] for p in members) * PAGE
        pss = sum(read_pss(p) for p in members)
        farm = stats.get(self.farm_pid)
        own = resource.getrusage(resource.RUSAGE_SELF)
        with open("/proc/loadavg") as f:
            load = float(f.read().split()[0])
        return {"t": t, "cpu": cpu, "cpu_main": main, "rss": rss, "pss": pss, "procs": len(members),
                "farm_cpu": (farm[1] + farm[2]) / TICK if farm else None, "self_cpu": own.ru_utime + own.ru_stime,
                "busy": busy_cpu_seconds(), "load1": load}

    def stop(self) -> None:
        self._halt.set()
        self.join()


# ---------------------------------------------------------------------------
# Watching the output
# ---------------------------------------------------------------------------


class OutputWatcher:
    """Finds when each item first appears in the published output: every
    category's atom.xml and archive/*.xml, read again whenever their
    (mtime, size, inode) change."""

    def __init__(self, output: Path):
        self.output = output
        self.known: dict[str, tuple[int, int, int]] = {}
        self.seen: dict[tuple[int, int], tuple[float, float]] = {}  # (source, seq) -> (seen at, file mtime)
        self.reads = 0

    def scan(self) -> int:
        now = time.time()
        found = 0
        try:
            folders = [e.path for e in os.scandir(self.output) if e.is_dir()]
        except FileNotFoundError:
            return 0
        for folder in folders:
            paths = [os.path.join(folder, "atom.xml")]
            try:
                paths += [e.path for e in os.scandir(os.path.join(folder, "archive")) if e.name.endswith(".xml")]
            except FileNotFoundError:
                pass
            for path in paths:
                try:
                    st = os.stat(path)
                except FileNotFoundError:
                    continue
                key = (st.st_mtime_ns, st.st_size, st.st_ino)
                if self.known.get(path) == key:
                    continue
                try:
                    with open(path, encoding="utf-8", errors="replace") as f:
                        text = f.read()
                except FileNotFoundError:
                    continue
                self.known[path] = key
                self.reads += 1
                mtime = st.st_mtime_ns / 1e9
                for rx in (ITEM_ID, ITEM_LINK):
                    for m in rx.finditer(text):
                        k = (int(m.group(1)), int(m.group(2)))
                        if k not in self.seen:
                            self.seen[k] = (now, mtime)
                            found += 1
        return found


# ---------------------------------------------------------------------------
# The farm log
# ---------------------------------------------------------------------------


@dataclass
class Req:
    src: int
    t_req: float
    t_done: float | None
    status: int
    maxseq: int
    size: int


class FarmLog:
    """Reads the farm's JSON lines as they come."""

    def __init__(self, path: Path):
        self.path = path
        self.pos = 0
        self.partial = b""
        self.items: dict[tuple[int, int], float] = {}
        self.reqs: list[Req] = []
        self.answered: set[int] = set()  # sources that completed a 200
        # The hub (--websub): subscription requests (source, time, accepted),
        # verifications (source, start, end, status, ok), pushes by item:
        # (source, seq) -> (began sending, 2xx received or None, status).
        self.sub_requests: list[tuple[int, float, bool]] = []
        self.verifications: list[tuple[int, float, float, int, bool]] = []
        self.verified: dict[int, float] = {}  # source -> its first successful verification's end
        self.pushes: dict[tuple[int, int], tuple[float, float | None, int]] = {}

    def read(self) -> None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
                self.pos = f.tell()
        except FileNotFoundError:
            return
        data = self.partial + data
        lines = data.split(b"\n")
        self.partial = lines.pop()
        for line in lines:
            if not line:
                continue
            e = json.loads(line)
            if e[0] == "i":
                self.items[(e[1], e[2])] = e[3]
            elif e[0] == "r":
                r = Req(*e[1:])
                self.reqs.append(r)
                if r.status == 200 and r.t_done is not None:
                    self.answered.add(r.src)
            elif e[0] == "s":
                self.sub_requests.append((e[1], e[2], e[3]))
            elif e[0] == "v":
                self.verifications.append(tuple(e[1:]))
                if e[5]:
                    self.verified.setdefault(e[1], e[3])
            elif e[0] == "p":
                self.pushes.setdefault((e[1], e[2]), (e[3], e[4], e[5]))


# ---------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------


def layout(args) -> tuple[list[str], list[int]]:
    """Hosts, and the host index of each source: --big-host sources, chosen
    at random, on 127.0.0.2; the others --per-host to a host, in order."""
    n = args.sources
    big = min(n, args.big_host if args.big_host is not None else max(1, n // 10))
    rng = random.Random(args.seed + 1)
    on_big = set(rng.sample(range(n), big))
    host_of: list[int] = [0] * n
    hosts = [host_address(0)]
    count = 0
    for i in range(n):
        if i in on_big:
            continue
        if count % args.per_host == 0:
            hosts.append(host_address(len(hosts)))
        host_of[i] = len(hosts) - 1
        count += 1
    return hosts, host_of


def source_name(i: int) -> str:
    return f"src {i:05d}"


def write_config(folder: Path, args, hosts: list[str], host_of: list[int], port: int,
                 serve_port: int | None = None) -> Path:
    cats = [f"Section {k}" for k in range(CATEGORIES)]
    fetch = {}
    if args.fetch_per_host:
        fetch["per_host"] = args.fetch_per_host
    if args.max_connections:
        fetch["max_connections"] = args.max_connections
    config = {
        "site": {"title": "feedhub freshness bench", "base_url": "http://127.0.0.1/bench/", "language": "en"},
        "storage": {"url": "sqlite:///state/feedhub.db"},
        "output": {"dir": "output"},
        "defaults": {"interval": feedhub_duration(args.interval)},
        **({"fetch": fetch} if fetch else {}),
        **({"websub": {"callback": f"http://127.0.0.1:{serve_port}/websub/",
                       "poll_interval": feedhub_duration(args.websub_poll_interval)}} if serve_port else {}),
        "categories": [{"name": c} for c in cats],
        "sources": [{"name": source_name(i), "url": f"http://{hosts[host_of[i]]}:{port}/feed/{i}.xml",
                     "categories": [cats[i % CATEGORIES]]} for i in range(args.sources)],
    }
    path = folder / "feedhub.yaml"
    path.write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")  # JSON is YAML
    return path


def feedhub_revision(python: str) -> str:
    probe = subprocess.run([python, "-c", "import feedhub, os; print(feedhub.__version__, "
                            "os.path.dirname(os.path.dirname(os.path.abspath(feedhub.__file__))))"],
                           capture_output=True, text=True, cwd=tempfile.gettempdir(), env=child_env())
    if probe.returncode != 0:
        raise SystemExit(f"freshness: {python} cannot import feedhub:\n{probe.stderr[-1000:]}")
    version, folder = probe.stdout.split(maxsplit=1)
    folder = folder.strip()
    desc = f"feedhub {version} from {folder}"
    head = subprocess.run(["git", "-C", folder, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if (Path(folder) / "COMMIT").is_file():  # a `git archive` snapshot that names its commit
        desc += f" at {(Path(folder) / 'COMMIT').read_text().strip()} (snapshot)"
    elif head.returncode == 0:
        dirty = subprocess.run(["git", "-C", folder, "status", "--porcelain", "--", "feedhub"],
                               capture_output=True, text=True).stdout.strip()
        desc += f" at {head.stdout.strip()}{'+dirty' if dirty else ''}"
    return desc


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 60) -> int | None:
    """Signal our own child by its PID; kill it (by PID) if it does not end."""
    if proc.poll() is None:
        try:
            os.kill(proc.pid, sig)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass
    return proc.returncode


def reap_orphans(pids: set[int], timeout: float = 15.0) -> list[int]:
    """Wait for descendants of the daemon re-parented to us (a fork server
    that outlived it); kill those still there after `timeout`, by PID."""
    me = os.getpid()
    deadline = time.monotonic() + timeout
    killed = []
    while True:
        left = [p for p in pids if (s := read_stat(p)) is not None and s[0] == me]
        for pid in left:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        left = [p for p in left if read_stat(p) is not None]
        if not left:
            return killed
        if time.monotonic() > deadline:
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    killed.append(pid)
                except (ProcessLookupError, ChildProcessError):
                    pass
            return killed
        time.sleep(0.1)


CYCLE = re.compile(r"(\d+) sources? polled(?: \(([^)]*)\))?, (\d+) new entr(?:y|ies)(?:, \d+ edited)?, "
                   r"(\d+) files? written in ([\d.]+) s")


def read_cycles(log_path: Path) -> list[dict]:
    """The daemon's cycle lines: end time, sources polled, new entries, seconds."""
    out = []
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return out
    for line in lines:
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        m = CYCLE.search(doc.get("message", ""))
        if not m:
            continue
        t = datetime.strptime(doc["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
        out.append({"t_end": t, "polled": int(m.group(1)), "new": int(m.group(3)), "files": int(m.group(4)),
                    "seconds": float(m.group(5)), "details": m.group(2) or ""})
    return out


def log_lines(path: Path, level: str, before: float) -> list[str]:
    """The daemon's messages of one level logged before `before` (not the
    shutdown's own, such as a slow source cut by SIGTERM)."""
    out = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            doc = json.loads(line)
            t = datetime.strptime(doc["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
        except (ValueError, KeyError):
            continue
        if doc.get("level") == level and t < before:
            out.append(doc.get("message", ""))
    return out[:50]


def run(args) -> int:
    if not Path(args.feedhub_python).exists():
        raise SystemExit(f"freshness: no python at {args.feedhub_python}")
    subreaper = become_subreaper()
    revision = feedhub_revision(args.feedhub_python)
    top = Path(tempfile.mkdtemp(prefix="feedhub-freshness-"))
    hosts, host_of = layout(args)
    rng = random.Random(args.seed)
    slow_count = round(args.sources * args.slow_share)
    slow_ids = sorted(rng.sample(range(args.sources), slow_count))
    modes = {"trickle": ["trickle"], "hang": ["hang"], "mixed": ["trickle", "hang"]}[args.slow_mode]
    slow = {str(i): modes[k % len(modes)] for k, i in enumerate(slow_ids)}
    drain = args.drain if args.drain is not None else 2 * args.interval + 60  # + 2 x longest cycle, below
    farm_log_path = top / "farm-log.jsonl"
    hub_sources: list[int] = []
    hub_host = serve_port = None
    if args.websub:
        share = args.websub_share if args.websub_share is not None else (1.0 if args.sources <= 50 else 0.1)
        count = max(1, round(args.sources * share)) if share > 0 else 0
        hub_sources = sorted(random.Random(args.seed + 2).sample(range(args.sources), count))
        hub_host = host_address(len(hosts))  # an address of its own: fetch.per_host is the feeds'
        with socket.socket() as sock:  # the daemon's --serve port (its WebSub callbacks)
            sock.bind(("127.0.0.1", 0))
            serve_port = sock.getsockname()[1]
    spec = {"sources": args.sources, "hosts": hosts, "slow": slow, "slow_seconds": args.slow_seconds,
            "item_every": args.item_every, "initial_items": args.initial_items, "seed": args.seed,
            "log": str(farm_log_path), "ready": str(top / "farm-ready.json"), "port": args.port,
            "max_seconds": args.max_seconds or (args.warmup + args.duration + drain + 3600),
            "hub_sources": hub_sources, "hub_host": hub_host}
    (top / "farm-spec.json").write_text(json.dumps(spec))
    load_start = os.getloadavg()
    print(f"freshness: {revision}", file=sys.stderr)
    print(f"freshness: {args.sources} sources on {len(hosts)} hosts ({sum(1 for h in host_of if h == 0)} on "
          f"{hosts[0]}), interval {feedhub_duration(args.interval)}, {slow_count} slow "
          f"({args.slow_mode}, {args.slow_seconds:g} s), one item per source every {args.item_every:g} s on average; "
          f"{os.cpu_count()} CPUs, load {load_start[0]:.2f}; subreaper {'on' if subreaper else 'OFF'}; in {top}",
          file=sys.stderr, flush=True)
    if args.websub:
        print(f"freshness: WebSub: {len(hub_sources)} sources name the farm's hub (on {hub_host}, path /hub); "
              f"the daemon serves its callbacks on 127.0.0.1:{serve_port}, websub.poll_interval "
              f"{feedhub_duration(args.websub_poll_interval)}", file=sys.stderr, flush=True)
    farm = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--farm-child", str(top / "farm-spec.json")],
                            env=child_env(), stdin=subprocess.DEVNULL, stderr=open(top / "farm.stderr", "w"))
    daemon = None
    sampler = None
    result: dict = {}
    try:
        deadline = time.monotonic() + 120
        while not (top / "farm-ready.json").exists():
            if farm.poll() is not None:
                raise SystemExit(f"freshness: the farm exited early: {(top / 'farm.stderr').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise SystemExit("freshness: the farm did not start in 120 s")
            time.sleep(0.05)
        port = json.loads((top / "farm-ready.json").read_text())["port"]
        config = write_config(top, args, hosts, host_of, port, serve_port)
        argv = [args.feedhub_python, "-m", "feedhub", "run", "--config", str(config), "--log-format", "json"]
        if serve_port:
            argv += ["--serve", f"127.0.0.1:{serve_port}"]
        if args.daemon_verbose:
            argv.append("-v")
        daemon_log = top / "daemon.log"
        t_spawn = time.time()
        daemon = subprocess.Popen(argv, cwd=str(top), env=child_env(), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=open(daemon_log, "w"))
        sampler = Sampler(daemon.pid, farm.pid, args.sample_every)
        sampler.start()
        watcher = OutputWatcher(top / "output")
        flog = FarmLog(farm_log_path)
        phase = "cold"
        t_cold = t_measure = t_end = None
        t_last_report = time.monotonic()
        initial = set()
        while True:
            tick = time.monotonic()
            watcher.scan()
            flog.read()
            now = time.time()
            if daemon.poll() is not None:
                raise SystemExit(f"freshness: the daemon exited ({daemon.returncode}):\n"
                                 f"{daemon_log.read_text(errors='replace')[-3000:]}")
            if phase == "cold":
                if not initial:
                    initial = {k for k, t in flog.items.items() if t < t_spawn}
                answered = len(flog.answered)
                published = sum(1 for k in initial if k in watcher.seen)
                verified = sum(1 for k in hub_sources if k in flog.verified)
                if answered == args.sources and initial and published == len(initial) and verified == len(hub_sources):
                    t_cold = now
                    phase = "warmup"
                    print(f"freshness: cold start done in {t_cold - t_spawn:.1f} s (every source answered, "
                          f"{published} initial items published"
                          + (f", {verified} subscriptions verified" if args.websub else "")
                          + f"); warming up {args.warmup:g} s", file=sys.stderr, flush=True)
                elif now - t_spawn > args.cold_timeout:
                    raise SystemExit(f"freshness: cold start not done after {args.cold_timeout:g} s: "
                                     f"{answered}/{args.sources} answered, {published}/{len(initial)} initial items "
                                     f"published" + (f", {verified}/{len(hub_sources)} subscriptions verified"
                                                     if args.websub else ""))
            elif phase == "warmup" and now >= t_cold + args.warmup:
                t_measure = now
                t_end = t_measure + args.duration
                phase = "measure"
                print(f"freshness: measuring for {args.duration:g} s", file=sys.stderr, flush=True)
            elif phase == "measure" and now >= t_end:
                phase = "drain"
                if args.drain is None:
                    # A daemon whose cycles last minutes publishes the last
                    # items of the window a cycle or two later.
                    longest = max((c["seconds"] for c in read_cycles(daemon_log) if c["t_end"] >= t_measure),
                                  default=0.0)
                    drain += 2 * longest
                print(f"freshness: window over; draining (at most {drain:g} s) until its items are published",
                      file=sys.stderr, flush=True)
            elif phase == "drain":
                window = [k for k, t in flog.items.items() if t_measure <= t < t_end]
                if all(k in watcher.seen for k in window) or now >= t_end + drain:
                    break
            if phase in ("measure", "drain") and time.monotonic() - t_last_report >= 60:
                t_last_report = time.monotonic()
                window = [k for k, t in flog.items.items() if t_measure <= t < min(now, t_end)]
                seen = sum(1 for k in window if k in watcher.seen)
                s = sampler.samples[-1] if sampler.samples else {}
                print(f"freshness: {phase} +{now - t_measure:.0f} s: {len(window)} items created, {seen} published; "
                      f"{len(flog.reqs)} requests; load {s.get('load1', 0):.2f}, tree RSS {s.get('rss', 0) / MIB:.0f} MiB",
                      file=sys.stderr, flush=True)
            time.sleep(max(0.0, args.watch_every - (time.monotonic() - tick)))
        t_stop = time.time()
        sampler.stop()
        seen_pids = set(sampler.seen)
        rc = stop_process(daemon)
        killed = reap_orphans(seen_pids - {daemon.pid})
        stop_process(farm)
        flog.read()
        result = analyse(args, flog, watcher, sampler.samples, read_cycles(daemon_log), slow, t_spawn, t_cold,
                         t_measure, t_end, t_stop, set(hub_sources))
        result["meta"] = {"feedhub": revision, "sources": args.sources, "hosts": len(hosts),
                          "big_host_sources": sum(1 for h in host_of if h == 0), "per_host": args.per_host,
                          "interval_s": args.interval, "slow": slow_count, "slow_mode": args.slow_mode,
                          "slow_seconds": args.slow_seconds, "item_every_s": args.item_every,
                          "duration_s": args.duration, "warmup_s": args.warmup, "cold_s": t_cold - t_spawn,
                          "cpus": os.cpu_count(), "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
                          "daemon_exit": rc, "orphans_killed": killed, "output_reads": watcher.reads,
                          "folder": str(top) if args.keep else None,
                          "daemon_warnings": log_lines(daemon_log, "warning", t_stop),
                          "daemon_errors": log_lines(daemon_log, "error", t_stop)}
        if args.websub:
            result["meta"]["websub"] = {"hub_sources": len(hub_sources), "hub": f"http://{hub_host}:{port}/hub",
                                        "serve_port": serve_port, "poll_interval_s": args.websub_poll_interval,
                                        "watch_every_s": args.watch_every}
    finally:
        if sampler is not None and sampler.is_alive():
            sampler.stop()
        if daemon is not None:
            stop_process(daemon)
        stop_process(farm)
        if not args.keep:
            shutil.rmtree(top, ignore_errors=True)
        else:
            print(f"freshness: kept {top}", file=sys.stderr)
    print(report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
        print(f"freshness: raw measurements in {args.json}", file=sys.stderr)
    return 0


def analyse(args, flog: FarmLog, watcher: OutputWatcher, samples: list[dict], cycles: list[dict],
            slow: dict[str, str], t_spawn: float, t_cold: float, t_measure: float, t_end: float,
            t_stop: float, hub: set[int] = frozenset()) -> dict:
    interval = args.interval
    is_slow = {int(k) for k in slow}
    by_src: dict[int, list[Req]] = {}
    for r in flog.reqs:
        by_src.setdefault(r.src, []).append(r)
    for rs in by_src.values():
        rs.sort(key=lambda r: r.t_req)

    # Items of the window: freshness, wait for poll, transfer, publish lag.
    items = []
    for (src, seq), created in flog.items.items():
        if not (t_measure <= created < t_end):
            continue
        seen = watcher.seen.get((src, seq))
        carrier = next((r for r in by_src.get(src, ()) if r.status == 200 and r.maxseq >= seq
                        and r.t_done is not None and r.t_req >= created - 1e-3), None)
        rec = {"src": src, "seq": seq, "slow": src in is_slow, "created": created,
               "seen": seen[0] if seen else None, "mtime": seen[1] if seen else None,
               "req": carrier.t_req if carrier else None, "done": carrier.t_done if carrier else None}
        if seen:
            rec["freshness"] = seen[0] - created
            rec["freshness_mtime"] = seen[1] - created
        else:
            # Not published by the end: counted at its age then, a lower
            # bound (leaving it out would make the percentiles look better).
            rec["freshness"] = t_stop - created
            rec["unseen"] = True
        if carrier:
            rec["wait_for_poll"] = carrier.t_req - created
            rec["transfer"] = carrier.t_done - carrier.t_req
            if seen:
                rec["publish_lag"] = seen[0] - carrier.t_done
                rec["publish_lag_mtime"] = seen[1] - carrier.t_done
        items.append(rec)

    def col(key, pred=lambda r: True):
        return [r[key] for r in items if key in r and pred(r)]

    fast_item, slow_item = (lambda r: not r["slow"]), (lambda r: r["slow"])

    # Requests: gaps and lateness, by the later request's time in the window.
    gaps_fast, gaps_slow, late_fast, late_slow = [], [], [], []
    statuses: dict[str, int] = {}
    for src, rs in by_src.items():
        jit = jitter_for(source_name(src), interval)
        # A hub's source is polled at websub.poll_interval once subscribed:
        # its polls are reported apart (websub_analysis).
        for prev, cur in zip(rs, rs[1:]) if src not in hub else ():
            # Every gap that ends in the window (one that began before it
            # too, after the cold start): long gaps are not censored away.
            if not (t_measure <= cur.t_req < t_end) or prev.t_req < t_cold:
                continue
            gap = cur.t_req - prev.t_req
            (gaps_slow if src in is_slow else gaps_fast).append(gap)
            if prev.t_done is not None and prev.status in (200, 304):
                late = cur.t_req - (prev.t_done + interval + jit)
                (late_slow if src in is_slow else late_fast).append(late)
        for r in rs:
            if t_measure <= r.t_req < t_end:
                key = str(r.status) if r.t_done is not None else f"{r.status} cut"
                statuses[key] = statuses.get(key, 0) + 1
    unpolled = [s for s in range(args.sources)
                if s not in hub and not any(t_measure <= r.t_req < t_end for r in by_src.get(s, ()))]

    # The process tree and the machine over the window.
    win = [s for s in samples if t_measure <= s["t"] <= t_end]
    res: dict = {}
    if len(win) >= 2:
        a, b = win[0], win[-1]
        span = b["t"] - a["t"]
        tree = b["cpu"] - a["cpu"]
        main = (b["cpu_main"] - a["cpu_main"]) if a["cpu_main"] is not None and b["cpu_main"] is not None else None
        farm = (b["farm_cpu"] - a["farm_cpu"]) if a["farm_cpu"] is not None and b["farm_cpu"] is not None else 0.0
        me = b["self_cpu"] - a["self_cpu"]
        busy = b["busy"] - a["busy"]
        per_10s = []
        for x, y in zip(win, win[10:]):
            per_10s.append((y["cpu"] - x["cpu"]) / (y["t"] - x["t"]))
        res = {"span_s": span, "tree_cpu_s": tree, "tree_cpu_share": tree / span,
               "main_cpu_share": main / span if main is not None else None,
               "tree_cpu_share_10s_max": max(per_10s) if per_10s else None,
               "farm_cpu_share": farm / span, "driver_cpu_share": me / span,
               "other_cpu_cores": max(0.0, busy - tree - farm - me) / span,
               "machine_busy_cores": busy / span,
               "load1_min": min(s["load1"] for s in win), "load1_mean": sum(s["load1"] for s in win) / len(win),
               "load1_max": max(s["load1"] for s in win),
               "peak_rss_window": max(s["rss"] for s in win), "peak_pss_window": max(s["pss"] for s in win)}
    res["peak_rss_run"] = max((s["rss"] for s in samples), default=None)
    res["peak_pss_run"] = max((s["pss"] for s in samples), default=None)
    res["peak_procs"] = max((s["procs"] for s in samples), default=None)

    cyc_win = [c for c in cycles if t_measure <= c["t_end"] < t_end]
    # A cycle "waited for a slow source" when a slow source's answer ended
    # within its last half second (the batch ends with its slowest fetch).
    slow_done = sorted(r.t_done for r in flog.reqs if r.src in is_slow and r.t_done is not None)

    def waited(c):
        k = bisect.bisect_left(slow_done, c["t_end"] - 0.5 - min(c["seconds"], 5.0))
        return k < len(slow_done) and slow_done[k] <= c["t_end"] and c["seconds"] >= args.slow_seconds * 0.8
    cycle_stats = {"count": len(cyc_win), "polled": summary([c["polled"] for c in cyc_win]),
                   "seconds": summary([c["seconds"] for c in cyc_win]),
                   "busy_share": sum(c["seconds"] for c in cyc_win) / (t_end - t_measure) if cyc_win else None,
                   "waited_for_slow": sum(1 for c in cyc_win if waited(c)),
                   "sources_in_cycles_that_waited": sum(c["polled"] for c in cyc_win if waited(c)),
                   "sources_in_cycles": sum(c["polled"] for c in cyc_win)}
    return {
        "window": {"t_spawn": t_spawn, "t_cold": t_cold, "t_measure": t_measure, "t_end": t_end, "t_stop": t_stop},
        "items": {"created": len(items), "published": sum(1 for r in items if r["seen"] is not None),
                  "missing": [(r["src"], r["seq"]) for r in items if r["seen"] is None],
                  "no_carrier": sum(1 for r in items if r["req"] is None)},
        "freshness": summary(col("freshness")), "freshness_fast": summary(col("freshness", fast_item)),
        "freshness_slow": summary(col("freshness", slow_item)), "freshness_mtime": summary(col("freshness_mtime")),
        "wait_for_poll": summary(col("wait_for_poll")), "wait_for_poll_fast": summary(col("wait_for_poll", fast_item)),
        "transfer": summary(col("transfer")),
        "publish_lag": summary(col("publish_lag")), "publish_lag_fast": summary(col("publish_lag", fast_item)),
        "publish_lag_slow": summary(col("publish_lag", slow_item)),
        "publish_lag_mtime": summary(col("publish_lag_mtime")),
        "poll_gap_fast": summary(gaps_fast), "poll_gap_slow": summary(gaps_slow),
        "lateness_fast": summary(late_fast), "lateness_slow": summary(late_slow),
        "requests": {"statuses": statuses, "sources_not_polled_in_window": len(unpolled),
                     "per_second": sum(statuses.values()) / (t_end - t_measure)},
        "cycles": cycle_stats,
        "process": res,
        **({"websub": websub_analysis(args, flog, by_src, items, hub, t_measure, t_end, t_stop)} if args.websub else {}),
        "item_records": items,
        "cycle_records": cycles,
        "samples": samples if args.json_samples else None,
    }


def websub_analysis(args, flog: FarmLog, by_src: dict[int, list[Req]], items: list[dict], hub: set[int],
                    t_measure: float, t_end: float, t_stop: float) -> dict:
    """The pushed sources: push -> output, subscriptions, and the polls the
    daemon still made of them (it should not need any)."""
    pushed, unpushed, polled_first = [], [], []
    for rec in items:
        if rec["src"] not in hub:
            continue
        push = flog.pushes.get((rec["src"], rec["seq"]))
        if push is None or not 200 <= push[2] < 300:
            rec["push_status"] = push[2] if push else None
            unpushed.append(rec)
            continue
        t_push, t_ack, _ = push
        rec["push"], rec["push_ack"] = t_push, t_ack
        rec["created_to_push"] = t_push - rec["created"]
        rec["push_answered"] = t_ack - t_push
        if rec["seen"] is not None:
            rec["push_to_output"] = rec["seen"] - t_push
            rec["push_to_output_mtime"] = rec["mtime"] - t_push
            if rec["done"] is not None and rec["done"] <= rec["seen"]:
                polled_first.append((rec["src"], rec["seq"]))  # a poll could have brought it first
        else:
            rec["push_to_output"] = t_stop - t_push  # a lower bound, as for freshness
        pushed.append(rec)

    # Polls of hub sources in the window: scheduled before the subscription
    # (at the source's own interval), or under it: then none is expected
    # sooner than websub.poll_interval after the previous poll or push.
    acks: dict[int, list[float]] = {}
    for (src, _), (t_push, t_ack, status) in flog.pushes.items():
        if t_ack is not None and 200 <= status < 300:
            acks.setdefault(src, []).append(t_ack)
    for v in acks.values():
        v.sort()
    before, under, early = [], [], []
    for src in sorted(hub):
        rs = by_src.get(src, [])
        verified = flog.verified.get(src)
        for prev, cur in zip([None] + rs, rs):
            if not t_measure <= cur.t_req < t_end:
                continue
            prev_done = prev.t_done if prev is not None and prev.t_done is not None else (prev.t_req if prev else None)
            k = bisect.bisect_left(acks.get(src, []), cur.t_req)
            last_push = acks[src][k - 1] if k else None
            if verified is None or (prev_done is not None and prev_done < verified and
                                    (last_push is None or last_push < verified)):
                before.append((src, cur.t_req))
                continue
            since = max(x for x in (prev_done, last_push, verified) if x is not None)
            under.append((src, cur.t_req, cur.t_req - since))
            if cur.t_req - since < args.websub_poll_interval - 1.0:
                early.append((src, cur.t_req, cur.t_req - since))
    push_statuses: dict[str, int] = {}
    for (src, _), (t_push, _, status) in flog.pushes.items():
        if t_measure <= t_push < t_end:
            push_statuses[str(status)] = push_statuses.get(str(status), 0) + 1

    def col(key, recs=pushed):
        return [r[key] for r in recs if r.get(key) is not None]

    return {
        "hub_sources": len(hub),
        "subscription_requests": len(flog.sub_requests),
        "subscription_requests_refused": sum(1 for x in flog.sub_requests if not x[2]),
        "verifications": len(flog.verifications), "verified": sum(1 for v in flog.verifications if v[4]),
        "verified_sources": len(flog.verified),
        "verify_seconds": summary([v[2] - v[1] for v in flog.verifications]),
        "pushed_items": len(pushed), "pushed_published": sum(1 for r in pushed if r["seen"] is not None),
        "hub_items_not_pushed": len(unpushed),
        "hub_items_not_pushed_statuses": sorted({str(r["push_status"]) for r in unpushed}),
        "push_to_output": summary(col("push_to_output")),
        "push_to_output_mtime": summary(col("push_to_output_mtime")),
        "freshness_pushed": summary(col("freshness")),
        "created_to_push": summary(col("created_to_push")),
        "push_answered": summary(col("push_answered")),
        "freshness_no_hub": summary([r["freshness"] for r in items if r["src"] not in hub]),
        "push_statuses": push_statuses,
        "polls_of_hub_sources": len(before) + len(under),
        "polls_before_subscription": len(before),
        "polls_under_subscription": len(under),
        "early_polls": early,
        "pushed_items_polled_first": polled_first,
    }


def report(r: dict) -> str:
    if not r:
        return ""
    m = r["meta"]
    p = r["process"]

    def s(v, unit="s"):
        if v is None:
            return "-"
        if unit == "s":
            return f"{v:.1f} s"
        if unit == "MiB":
            return f"{v / MIB:.0f} MiB"
        if unit == "x":
            return f"{v:.2f}"
        return f"{v:.0f}" if isinstance(v, float) else str(v)

    def row(name, d, unit="s"):
        return f"| {name} | {s(d['p50'], unit)} | {s(d['p99'], unit)} | {s(d['max'], unit)} | {d['n']} |"

    it = r["items"]
    lines = [
        f"{m['sources']} sources ({m['hosts']} hosts, {m['big_host_sources']} on one), interval "
        f"{feedhub_duration(m['interval_s'])}, {m['slow']} slow ({m['slow_mode']}, {m['slow_seconds']:g} s), "
        f"one item per source every {m['item_every_s']:g} s; window {m['duration_s']:g} s after a "
        f"{m['cold_s']:.0f} s cold start and {m['warmup_s']:g} s of warm-up",
        m["feedhub"],
        f"{m['cpus']} CPUs; load average at start {m['loadavg_start'][0]:.2f}, at end {m['loadavg_end'][0]:.2f}",
        "",
        f"items created in the window: {it['created']}, published: {it['published']}, "
        f"missing: {len(it['missing'])}, never carried by an answer: {it['no_carrier']}"
        + (f" (freshness percentiles are LOWER BOUNDS: the {len(it['missing'])} unpublished items count at their "
           f"age when the run stopped)" if it["missing"] else ""),
        "",
        "| measure | p50 | p99 | max | n |",
        "| --- | ---: | ---: | ---: | ---: |",
        row("freshness, all items", r["freshness"]),
        row("freshness, fast sources' items", r["freshness_fast"]),
        row("freshness, slow sources' items", r["freshness_slow"]),
        row("  wait for poll (created -> request)", r["wait_for_poll"]),
        row("  transfer (request -> answer sent)", r["transfer"]),
        row("  publish lag (answer sent -> seen in output)", r["publish_lag"]),
        row("  publish lag, fast sources", r["publish_lag_fast"]),
        row("  publish lag by file mtime", r["publish_lag_mtime"]),
        row("poll gap, fast sources", r["poll_gap_fast"]),
        row("poll gap, slow sources", r["poll_gap_slow"]),
        row("poll lateness, fast sources", r["lateness_fast"]),
        row("poll lateness, slow sources", r["lateness_slow"]),
        row("daemon cycle seconds", r["cycles"]["seconds"]),
        row("sources per cycle", r["cycles"]["polled"], unit="n"),
        "",
        f"| daemon and machine over the window | |",
        "| --- | ---: |",
        f"| daemon tree CPU, share of one CPU | {s(p.get('tree_cpu_share'), 'x')} |",
        f"|   main process alone | {s(p.get('main_cpu_share'), 'x')} |",
        f"|   highest 10 s average | {s(p.get('tree_cpu_share_10s_max'), 'x')} |",
        f"| peak RSS, tree (window / whole run) | {s(p.get('peak_rss_window'), 'MiB')} / {s(p.get('peak_rss_run'), 'MiB')} |",
        f"| peak PSS, tree (window / whole run) | {s(p.get('peak_pss_window'), 'MiB')} / {s(p.get('peak_pss_run'), 'MiB')} |",
        f"| daemon cycles in the window (busy share) | {r['cycles']['count']} ({s(r['cycles']['busy_share'], 'x')}) |",
        f"| cycles that waited for a slow source (their sources / all polled) | {r['cycles']['waited_for_slow']} "
        f"({r['cycles']['sources_in_cycles_that_waited']} / {r['cycles']['sources_in_cycles']}) |",
        f"| answers in the window | {', '.join(f'{k}: {v}' for k, v in sorted(r['requests']['statuses'].items()))} |",
        f"| sources not polled at all in the window | {r['requests']['sources_not_polled_in_window']} |",
        f"| 1-min load average, min / mean / max | {s(p.get('load1_min'), 'x')} / {s(p.get('load1_mean'), 'x')} / {s(p.get('load1_max'), 'x')} |",
        f"| other processes' CPU (cores) | {s(p.get('other_cpu_cores'), 'x')} |",
        f"| farm CPU / this driver's CPU (cores) | {s(p.get('farm_cpu_share'), 'x')} / {s(p.get('driver_cpu_share'), 'x')} |",
        "",
    ]
    w = r.get("websub")
    if w is not None:
        mw = m["websub"]
        lines += [
            f"WebSub: {w['hub_sources']} of {m['sources']} sources name the farm's hub ({mw['hub']}); "
            f"websub.poll_interval {feedhub_duration(mw['poll_interval_s'])}; output read every "
            f"{mw['watch_every_s']:g} s; the poll gap, lateness and not-polled rows above cover the "
            f"{m['sources'] - w['hub_sources']} sources without a hub",
            "",
            "| pushed sources | p50 | p99 | max | n |",
            "| --- | ---: | ---: | ---: | ---: |",
            row("push -> output (first seen minus push)", w["push_to_output"]),
            row("  push -> output by file mtime", w["push_to_output_mtime"]),
            row("created -> output, pushed items", w["freshness_pushed"]),
            row("  created -> push (the farm's own delay)", w["created_to_push"]),
            row("  push -> hub's delivery answered", w["push_answered"]),
            row("freshness, sources without a hub", w["freshness_no_hub"]),
            row("hub's verification (GET -> answer)", w["verify_seconds"]),
            "",
            f"subscriptions: {w['subscription_requests']} requests ({w['subscription_requests_refused']} refused), "
            f"{w['verified']} of {w['verifications']} verifications answered with the challenge, "
            f"{w['verified_sources']} of {w['hub_sources']} sources subscribed",
            f"pushes in the window: {', '.join(f'{k}: {v}' for k, v in sorted(w['push_statuses'].items())) or 'none'}; "
            f"pushed items: {w['pushed_items']}, published: {w['pushed_published']}; hub sources' items not pushed "
            f"(not subscribed yet, or the delivery failed): {w['hub_items_not_pushed']}",
            f"polls of hub sources in the window: {w['polls_of_hub_sources']} ({w['polls_before_subscription']} "
            f"scheduled before their subscription was verified, {w['polls_under_subscription']} under it, "
            f"{len(w['early_polls'])} of them sooner than websub.poll_interval); pushed items a poll carried before "
            f"they were seen: {len(w['pushed_items_polled_first'])}",
            "",
        ]
    interval = m["interval_s"]
    checks = []
    f99 = r["freshness"]["p99"]
    if interval <= 60:
        checks.append(("freshness p99 <= 70 s", f99, f99 is not None and f99 <= 70))
        g = r["poll_gap_fast"]["p99"]
        if w is None or r["poll_gap_fast"]["n"]:
            checks.append((f"fast sources' poll gap p99 <= {interval * 1.1:g} s", g,
                           g is not None and g <= interval * 1.1))
        lag = r["publish_lag"]["p99"]
        if w is None or r["publish_lag"]["n"]:
            checks.append(("publish lag p99 <= 5 s", lag, lag is not None and lag <= 5))
        if m["sources"] >= 1000:
            c = p.get("tree_cpu_share")
            checks.append(("daemon under half a CPU", c, c is not None and c < 0.5))
    else:
        checks.append((f"freshness p99 <= {interval + 15:g} s", f99, f99 is not None and f99 <= interval + 15))
        rss = p.get("peak_rss_window")
        checks.append(("RSS under 200 MB (window, tree)", rss and rss / 1e6, rss is not None and rss < 200e6))
    if w is not None:
        ptp = w["push_to_output"]["p99"]
        checks.append(("pushed items: push -> output p99 <= 5 s", ptp, ptp is not None and ptp <= 5))
        checks.append(("no poll of a subscribed source sooner than websub.poll_interval", len(w["early_polls"]),
                       not w["early_polls"]))
        checks.append(("no pushed item carried by a poll first", len(w["pushed_items_polled_first"]),
                       not w["pushed_items_polled_first"]))
    if len(it["missing"]):
        checks.append(("every item published", len(it["missing"]), False))
    for name, value, ok in checks:
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        lines.append(f"target (issue #15): {name}: {shown}  {'MET' if ok else 'NOT MET'}")
    if m["daemon_errors"] or m["daemon_warnings"]:
        lines.append(f"daemon: {len(m['daemon_errors'])} errors, {len(m['daemon_warnings'])} warnings logged "
                     f"(first: {(m['daemon_errors'] or m['daemon_warnings'])[0]})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--farm-child"]:
        return asyncio.run(farm_main(argv[1]))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--sources", type=int, default=300, help="sources (default 300)")
    p.add_argument("--interval", type=parse_duration, default=60.0, help="polling interval (default 1m)")
    p.add_argument("--slow-share", type=float, default=0.05, help="share of slow sources (default 0.05)")
    p.add_argument("--slow-seconds", type=parse_duration, default=25.0, help="how long a slow answer takes (25s)")
    p.add_argument("--slow-mode", choices=("mixed", "trickle", "hang"), default="mixed",
                   help="slow sources trickle their answer, hang then answer, or half each (default mixed)")
    p.add_argument("--duration", type=parse_duration, default=300.0, help="measurement window (default 5m)")
    p.add_argument("--warmup", type=parse_duration, default=60.0,
                   help="after the cold start, wait this long before measuring (default 60s)")
    p.add_argument("--drain", type=parse_duration, default=None,
                   help="after the window, wait at most this long for its items "
                        "(default 2 intervals + 60s + twice the daemon's longest cycle)")
    p.add_argument("--cold-timeout", type=parse_duration, default=900.0, help="give up on the cold start after (15m)")
    p.add_argument("--item-every", type=parse_duration, default=180.0,
                   help="mean time between new items of one source (default 3m; Poisson)")
    p.add_argument("--initial-items", type=int, default=5, help="items each source has at the start (default 5)")
    p.add_argument("--per-host", type=int, default=3, help="feeds per ordinary host, 127.0.0.3 and up (default 3)")
    p.add_argument("--big-host", type=int, default=None,
                   help="feeds on the one big host 127.0.0.2 (default: a tenth of the sources)")
    p.add_argument("--fetch-per-host", type=int, default=None, help="feedhub's fetch.per_host (default: its own, 2)")
    p.add_argument("--max-connections", type=int, default=None,
                   help="feedhub's fetch.max_connections (default: its own, 16)")
    p.add_argument("--port", type=int, default=0, help="the farm's port on every address (default: a free one)")
    p.add_argument("--seed", type=int, default=15, help="random seed (layout, slow sources, items)")
    p.add_argument("--watch-every", type=float, default=None,
                   help="read the output this often, seconds (default 1; 0.25 with --websub)")
    p.add_argument("--sample-every", type=float, default=1.0, help="sample /proc this often, seconds (default 1)")
    p.add_argument("--max-seconds", type=float, default=None, help="the farm stops by itself after this long")
    p.add_argument("--daemon-verbose", action="store_true", help="run the daemon with -v (a log line per source)")
    p.add_argument("--feedhub-python", default=str(DEFAULT_FEEDHUB_PY),
                   help="python of the virtualenv feedhub is installed in (default: the repo's .venv)")
    p.add_argument("--json", help="write every measurement here (per item, per cycle)")
    p.add_argument("--json-samples", action="store_true", help="include the per-second /proc samples in --json")
    p.add_argument("--keep", action="store_true", help="keep the temp folder (config, store, output, logs)")
    p.add_argument("--websub", action="store_true",
                   help="the issue's WebSub case: the farm is also the hub of --websub-share of the sources, and "
                        "pushes each of their new items to the daemon (run --serve)")
    p.add_argument("--websub-share", type=float, default=None,
                   help="share of the sources that name the hub (default: all up to 50 sources, else 0.1)")
    p.add_argument("--websub-poll-interval", type=parse_duration, default=3600.0,
                   help="the config's websub.poll_interval, subscribed sources' fallback polling (default 1h)")
    args = p.parse_args(argv)
    if args.watch_every is None:
        args.watch_every = 0.25 if args.websub else 1.0
    if args.websub_share is not None and not 0 <= args.websub_share <= 1:
        p.error("--websub-share must be in [0, 1]")
    if args.sources < 1 or args.per_host < 1 or not 0 <= args.slow_share <= 1:
        p.error("--sources and --per-host must be >= 1, --slow-share in [0, 1]")
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
