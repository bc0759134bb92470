#!/usr/bin/env python3
"""feedhub's loopback feed farm: many deterministic feeds for benchmarks.

    http://127.0.0.1:PORT/feed/<i>.xml   i in [0, --count): even i RSS 2.0, odd i Atom 1.0
    http://127.0.0.1:PORT/opml           every feed, one outline each
    http://127.0.0.1:PORT/stats          JSON counters (requests, 200s, 304s, bytes, ...)
    http://127.0.0.1:PORT/healthz        "ok"

Every feed has --entries entries of about --entry-bytes of HTML each (default
2 KB): English articles, every third feed in Chinese, and about one entry in
four carrying markup a sanitiser must remove (<script>, on* handlers,
javascript: links, <iframe>, <style>, <form>). The same --seed, --count and
--entries always give the same bytes, so the ETag and Last-Modified of a feed
are stable across runs; a conditional GET with either validator gets
304 Not Modified. With --gzip, clients that accept gzip get it.

The feeds are generated before the server starts listening and kept in
memory, so serving costs a dict lookup and one socket write: the farm stays
cheap next to the client it is measuring. It is plain asyncio (standard
library only), HTTP/1.1 with keep-alive, and stops by itself after
--max-seconds (and on SIGTERM/SIGINT).

    python3 bench/farm.py --count 200 --entries 50 --port 8080
    python3 bench/farm.py --count 200 --entries 50 --port 0 --ready-file /tmp/farm.json

--ready-file is written (atomically) once the socket listens:
{"url": "http://127.0.0.1:PORT", "port": PORT, "pid": PID, ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import os
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from datetime import datetime, timezone
from html import escape
from xml.sax.saxutils import escape as xml_escape

# ---------------------------------------------------------------------------
# Content: a small deterministic article generator
# ---------------------------------------------------------------------------

EPOCH = datetime(2024, 3, 1, tzinfo=timezone.utc).timestamp()
ENTRY_SPACING = 2 * 3600  # seconds between a feed's consecutive entries

WHO = (
    "The port authority", "A team of hydrologists", "The finance ministry", "Two rival telecoms",
    "The county archive", "Volunteer firefighters", "The orchestra", "A biotech spin-off",
    "Night-shift nurses", "The tram operator", "Regional growers", "The statistics office",
    "A panel of economists", "The customs service", "Bridge inspectors", "The chess federation",
    "A cooperative bakery", "The coast guard", "Wind-farm engineers", "The city library",
)
DID = (
    "unveiled", "paused", "revised", "signed off on", "scrapped", "audited", "doubled",
    "trimmed", "relaunched", "contested", "mapped out", "fast-tracked", "wound down", "priced",
)
WHAT = (
    "a plan for night buses", "the harbour expansion", "its quarterly forecast",
    "a data-sharing agreement", "the new ticketing system", "a flood warning network",
    "plans for a vertical farm", "the tender for school meals", "a study on river sediment",
    "an overhaul of the tax portal", "the winter gritting schedule", "a grant for rural broadband",
    "the rules for street vendors", "a pilot for electric ferries", "the merger with its rival",
    "a survey of nesting seabirds", "the museum's digitisation project", "a cap on parking fees",
)
WHEN = (
    "on Monday", "after a tense vote", "despite supply problems", "late last night",
    "two weeks ahead of schedule", "for the third year running", "after a public hearing",
    "without consulting unions", "as costs climbed", "following a cyber incident",
    "at a packed town-hall meeting", "in a brief statement",
)
ZH_WHO = (
    "市交通委员会", "省统计局", "一家新能源车企", "港口管理局", "国家气象中心", "中国邮政快递报记者",
    "多家商业银行", "地方政府", "高校研究团队", "物流行业协会", "证券监管部门", "电商平台",
)
ZH_DID = ("发布了", "启动了", "调整了", "暂停了", "公布了", "审议通过了", "推进了", "下调了", "扩大了")
ZH_WHAT = (
    "快递末端配送新规", "第三季度经济数据", "跨境电商试点方案", "城市地铁扩建计划", "存款利率",
    "冬季能源保供方案", "农村寄递物流体系建设", "数据安全管理办法", "新能源汽车补贴政策",
    "港口自动化改造项目", "绿色包装推广计划", "消费券发放细则",
)
ZH_WHEN = ("周一", "近日", "在新闻发布会上", "经过多轮讨论后", "比原计划提前", "在年度工作会议上", "据官方消息", "今日上午")
TAGS = ("economy", "transport", "science", "local", "energy", "technology", "物流", "财经", "政策", "科技")
HOSTS = ("news.example.com", "www.example.org", "daily.example.net", "记者站.example", "wire.example")

# Markup a sanitiser has to deal with; one of these goes into ~1 entry in 4.
HOSTILE = (
    '<script>document.write("<img src=//tracker.example/p.gif>")</script>',
    '<p onclick="steal(document.cookie)" style="position:fixed;top:0">{s}</p>',
    '<a href="javascript:alert(1)">{s}</a>',
    '<img src="x" onerror="alert(\'xss\')" alt="{s}">',
    '<iframe src="https://ads.example/frame" width="1" height="1"></iframe><p>{s}</p>',
    '<style>body{{display:none}}</style><div onmouseover="x()">{s}</div>',
    '<form action="https://phish.example/login"><input name="pw" type="password"></form>',
    '<svg onload="alert(1)"><circle r="4"/></svg><p>{s}</p>',
)


def sentence(rng: random.Random, zh: bool) -> str:
    if zh:
        return f"{rng.choice(ZH_WHO)}{rng.choice(ZH_WHEN)}{rng.choice(ZH_DID)}{rng.choice(ZH_WHAT)}。"
    return f"{rng.choice(WHO)} {rng.choice(DID)} {rng.choice(WHAT)} {rng.choice(WHEN)}."


def title(rng: random.Random, zh: bool) -> str:
    if zh:
        return f"{rng.choice(ZH_WHO)}{rng.choice(ZH_DID)}{rng.choice(ZH_WHAT)}"
    return f"{rng.choice(WHO)} {rng.choice(DID)} {rng.choice(WHAT)}"


def article(rng: random.Random, zh: bool, size: int, hostile: bool) -> str:
    """HTML of about `size` UTF-8 bytes: paragraphs, a list, a figure, links, a quote."""
    host = rng.choice(HOSTS)
    out: list[str] = []
    used = 0
    block = 0
    while used < size:
        kind = block % 5
        if kind == 0:
            html = "<p>" + " ".join(sentence(rng, zh) for _ in range(3)) + "</p>"
        elif kind == 1:
            html = (f'<figure><img src="https://{host}/media/{rng.randrange(10**7)}.jpg" alt="{escape(title(rng, zh))}"'
                    f' width="800" height="450"><figcaption>{sentence(rng, zh)}</figcaption></figure>')
        elif kind == 2:
            html = "<ul>" + "".join(f"<li>{sentence(rng, zh)}</li>" for _ in range(3)) + "</ul>"
        elif kind == 3:
            html = (f'<p>{sentence(rng, zh)} <a href="https://{host}/a/{rng.randrange(10**6)}?utm_source=feed&amp;'
                    f'utm_medium=rss">{"详情" if zh else "more"}</a> <em>{sentence(rng, zh)}</em></p>')
        else:
            other = sentence(rng, not zh) if rng.random() < 0.3 else sentence(rng, zh)  # mixed-language quote
            html = f"<blockquote><p>{other}</p></blockquote>"
        if hostile and block == 2:
            html += rng.choice(HOSTILE).format(s=sentence(rng, zh))
        out.append(html)
        used += len(html.encode("utf-8"))
        block += 1
    return "\n".join(out)


@dataclass
class Entry:
    uid: str
    link: str
    title: str
    author: str
    published: float
    tags: tuple[str, ...]
    summary: str
    html: str


def make_entries(i: int, entries: int, seed: int, entry_bytes: int) -> list[Entry]:
    """Feed i's entries, newest first. Deterministic in (seed, i, entries, entry_bytes)."""
    rng = random.Random(f"feedhub-farm:{seed}:{i}")
    zh = i % 3 == 2
    host = HOSTS[i % len(HOSTS)]
    newest = EPOCH + i * 60 + entries * ENTRY_SPACING
    result = []
    for j in range(entries):
        n = entries - 1 - j  # the entry's serial number within the feed (0 = oldest)
        t = title(rng, zh)
        result.append(Entry(
            uid=f"tag:farm.example,2024:feed{i}/entry{n}",
            link=f"https://{host}/{i}/{n}/{'story' if not zh else 'xinwen'}.html",
            title=t,
            author=("记者 " if zh else "") + rng.choice(("Li Wei", "Ana Costa", "J. Okafor", "王芳", "M. Weber")),
            published=newest - j * ENTRY_SPACING,
            tags=tuple(sorted(set(rng.sample(TAGS, 2)))),
            summary=sentence(rng, zh),
            html=article(rng, zh, entry_bytes, hostile=rng.random() < 0.25),
        ))
    return result


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rfc822(ts: float) -> str:
    return format_datetime(datetime.fromtimestamp(ts, timezone.utc), usegmt=True)


def render_rss(i: int, base: str, items: list[Entry]) -> str:
    zh = i % 3 == 2
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n',
        f"<title>{'农场新闻源' if zh else 'Farm feed'} {i}</title>\n",
        f"<link>https://{HOSTS[i % len(HOSTS)]}/{i}/</link>\n",
        f'<atom:link rel="self" type="application/rss+xml" href="{base}/feed/{i}.xml"/>\n',
        f"<description>Synthetic feed {i} for benchmarks</description>\n",
        f"<language>{'zh-cn' if zh else 'en'}</language>\n",
        f"<lastBuildDate>{_rfc822(items[0].published if items else EPOCH)}</lastBuildDate>\n",
    ]
    for e in items:
        out.append(
            "<item>\n"
            f"<title>{xml_escape(e.title)}</title>\n"
            f"<link>{xml_escape(e.link)}</link>\n"
            f'<guid isPermaLink="false">{e.uid}</guid>\n'
            f"<pubDate>{_rfc822(e.published)}</pubDate>\n"
            f"<dc:creator>{xml_escape(e.author)}</dc:creator>\n"
            + "".join(f"<category>{xml_escape(t)}</category>\n" for t in e.tags)
            + f"<description>{xml_escape(e.summary)}</description>\n"
            f"<content:encoded>{_cdata(e.html)}</content:encoded>\n"
            "</item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out)


def render_atom(i: int, base: str, items: list[Entry]) -> str:
    zh = i % 3 == 2
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{"zh-CN" if zh else "en"}">\n',
        f"<id>tag:farm.example,2024:feed{i}</id>\n",
        f"<title>{'农场新闻源' if zh else 'Farm feed'} {i}</title>\n",
        f"<updated>{_rfc3339(items[0].published if items else EPOCH)}</updated>\n",
        f'<link rel="alternate" type="text/html" href="https://{HOSTS[i % len(HOSTS)]}/{i}/"/>\n',
        f'<link rel="self" type="application/atom+xml" href="{base}/feed/{i}.xml"/>\n',
    ]
    for e in items:
        out.append(
            "<entry>\n"
            f"<id>{e.uid}</id>\n"
            f'<title type="text">{xml_escape(e.title)}</title>\n'
            f'<link rel="alternate" type="text/html" href="{xml_escape(e.link)}"/>\n'
            f"<published>{_rfc3339(e.published)}</published>\n"
            f"<updated>{_rfc3339(e.published)}</updated>\n"
            f"<author><name>{xml_escape(e.author)}</name></author>\n"
            + "".join(f'<category term="{xml_escape(t)}"/>\n' for t in e.tags)
            + f'<summary type="text">{xml_escape(e.summary)}</summary>\n'
            f'<content type="html">{xml_escape(e.html)}</content>\n'
            "</entry>\n"
        )
    out.append("</feed>\n")
    return "".join(out)


def make_feed(i: int, *, entries: int, seed: int = 1, entry_bytes: int = 2048,
              base: str = "http://127.0.0.1") -> tuple[bytes, str, float]:
    """(document bytes, content type, last-modified timestamp) of feed i."""
    items = make_entries(i, entries, seed, entry_bytes)
    last_modified = items[0].published if items else EPOCH
    if i % 2 == 0:
        return render_rss(i, base, items).encode("utf-8"), "application/rss+xml; charset=utf-8", last_modified
    return render_atom(i, base, items).encode("utf-8"), "application/atom+xml; charset=utf-8", last_modified


def make_opml(base: str, count: int) -> bytes:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<opml version="2.0"><head><title>farm</title></head><body>']
    lines += [f'<outline type="rss" text="Farm feed {i}" xmlUrl="{base}/feed/{i}.xml"/>' for i in range(count)]
    lines.append("</body></opml>\n")
    return "\n".join(lines).encode("utf-8")


# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------


@dataclass
class Document:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str          # strong, quoted: "abc..." (the gzip variant adds -gz inside the quotes)
    last_modified: str  # IMF-fixdate
    modified_ts: float


@dataclass
class Stats:
    started: float = field(default_factory=time.time)
    connections: int = 0
    open_connections: int = 0
    peak_open_connections: int = 0
    requests: int = 0
    feed_requests: int = 0
    status: dict[str, int] = field(default_factory=dict)
    not_modified: int = 0
    gzip_responses: int = 0
    bytes_sent: int = 0
    body_bytes_sent: int = 0
    conditional_requests: int = 0
    generate_seconds: float = 0.0

    def count(self, status: int) -> None:
        key = str(status)
        self.status[key] = self.status.get(key, 0) + 1

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["uptime_s"] = round(time.time() - self.started, 3)
        d["pid"] = os.getpid()
        try:
            t = os.times()
            d["cpu_s"] = round(t.user + t.system, 3)
        except OSError:
            pass
        return d


REASONS = {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
           431: "Request Header Fields Too Large"}


class Farm:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.docs: dict[str, Document] = {}
        self.stats = Stats()
        self.base = ""

    def generate(self, base: str) -> None:
        t0 = time.perf_counter()
        self.base = base
        for i in range(self.args.count):
            body, ctype, ts = make_feed(i, entries=self.args.entries, seed=self.args.seed,
                                        entry_bytes=self.args.entry_bytes, base=base)
            self.docs[f"/feed/{i}.xml"] = self._document(body, ctype, ts)
        self.docs["/opml"] = self._document(make_opml(base, self.args.count), "text/x-opml; charset=utf-8", EPOCH)
        self.stats.generate_seconds = round(time.perf_counter() - t0, 3)

    def _document(self, body: bytes, ctype: str, ts: float) -> Document:
        tag = hashlib.sha1(body).hexdigest()[:20]
        gz = gzip.compress(body, compresslevel=6, mtime=0) if self.args.gzip else None
        return Document(body, gz, ctype, f'"{tag}"', _rfc822(ts), ts)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        st = self.stats
        st.connections += 1
        st.open_connections += 1
        st.peak_open_connections = max(st.peak_open_connections, st.open_connections)
        try:
            while True:
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=self.args.idle_timeout)
                except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
                    return
                except asyncio.LimitOverrunError:
                    self._send(writer, 431, b"header too large\n", {"Connection": "close"})
                    return
                keep_alive = await self.respond(head, reader, writer)
                await writer.drain()
                if not keep_alive:
                    return
        except ConnectionError:
            pass
        except asyncio.CancelledError:
            # Stopping with clients' keep-alive connections still open: the
            # end of the farm, not an error worth a traceback.
            return
        finally:
            st.open_connections -= 1
            try:
                writer.close()
            except Exception:
                pass

    async def respond(self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        st = self.stats
        st.requests += 1
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self._send(writer, 400, b"bad request line\n", {"Connection": "close"})
            return False
        method, target, version = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep:
                self._send(writer, 400, b"bad header\n", {"Connection": "close"})
                return False
            name = name.strip().lower()
            headers[name] = f"{headers[name]}, {value.strip()}" if name in headers else value.strip()
        conn = headers.get("connection", "").lower()
        keep_alive = "close" not in conn if version == "HTTP/1.1" else "keep-alive" in conn
        extra = {} if keep_alive else {"Connection": "close"}
        length = int(headers.get("content-length", "0") or 0)
        if length:  # GET/HEAD carry no body; drain one anyway so keep-alive stays in step
            await reader.readexactly(length)
        if method not in ("GET", "HEAD"):
            self._send(writer, 405, b"GET or HEAD\n", {**extra, "Allow": "GET, HEAD"})
            return keep_alive
        path = target.split("?", 1)[0]
        if path == "/stats":
            body = json.dumps(st.as_dict(), indent=1).encode() + b"\n"
            self._send(writer, 200, body, {**extra, "Content-Type": "application/json", "Cache-Control": "no-store"},
                       head_only=method == "HEAD")
            return keep_alive
        if path == "/healthz":
            self._send(writer, 200, b"ok\n", {**extra, "Content-Type": "text/plain"}, head_only=method == "HEAD")
            return keep_alive
        doc = self.docs.get(path)
        if doc is None:
            self._send(writer, 404, b"no such feed\n", {**extra, "Content-Type": "text/plain"}, head_only=method == "HEAD")
            return keep_alive
        if path.startswith("/feed/"):
            st.feed_requests += 1
        use_gzip = doc.gzipped is not None and _accepts_gzip(headers.get("accept-encoding", ""))
        etag = doc.etag[:-1] + '-gz"' if use_gzip else doc.etag
        common = {**extra, "ETag": etag, "Last-Modified": doc.last_modified, "Cache-Control": "max-age=0"}
        if doc.gzipped is not None:
            common["Vary"] = "Accept-Encoding"
        inm = headers.get("if-none-match")
        ims = headers.get("if-modified-since")
        if inm is not None or ims is not None:
            st.conditional_requests += 1
        if _not_modified(doc, inm, ims):
            st.not_modified += 1
            self._send(writer, 304, b"", common, head_only=True)
            return keep_alive
        body = doc.gzipped if use_gzip else doc.body
        if use_gzip:
            st.gzip_responses += 1
            common["Content-Encoding"] = "gzip"
        self._send(writer, 200, body, {**common, "Content-Type": doc.content_type}, head_only=method == "HEAD")
        return keep_alive

    def _send(self, writer: asyncio.StreamWriter, status: int, body: bytes, headers: dict[str, str],
              head_only: bool = False) -> None:
        st = self.stats
        st.count(status)
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}", "Server: feedhub-bench-farm",
                 f"Date: {_rfc822(time.time())}"]
        if status != 304:
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        payload = head if head_only or status == 304 else head + body
        writer.write(payload)
        st.bytes_sent += len(payload)
        st.body_bytes_sent += len(payload) - len(head)


def _accepts_gzip(value: str) -> bool:
    for item in value.lower().split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip() in ("gzip", "x-gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and float(q[2:] or 0) == 0)
    return False


def _not_modified(doc: Document, inm: str | None, ims: str | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present (weak comparison);
    otherwise If-Modified-Since."""
    if inm is not None:
        if inm.strip() == "*":
            return True
        mine = doc.etag.strip('"')
        for tag in inm.split(","):
            tag = tag.strip()
            if tag.startswith("W/"):
                tag = tag[2:]
            tag = tag.strip('"')
            if tag.endswith("-gz"):
                tag = tag[:-3]
            if tag == mine:
                return True
        return False
    if ims is not None:
        try:
            since = parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return int(doc.modified_ts) <= since
    return False


async def serve(args: argparse.Namespace) -> int:
    farm = Farm(args)
    server = await asyncio.start_server(farm.handle, args.host, args.port, backlog=1024, limit=64 * 1024)
    port = server.sockets[0].getsockname()[1]
    base = f"http://{args.host}:{port}"
    farm.generate(base)
    info = {"url": base, "port": port, "pid": os.getpid(), "count": args.count, "entries": args.entries,
            "gzip": args.gzip, "seed": args.seed, "generate_s": farm.stats.generate_seconds,
            "feed_bytes": sum(len(d.body) for p, d in farm.docs.items() if p.startswith("/feed/"))}
    if args.ready_file:
        tmp = f"{args.ready_file}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(info, f)
        os.replace(tmp, args.ready_file)
    if not args.quiet:
        print(f"farm: {args.count} feeds x {args.entries} entries ({info['feed_bytes'] / 1e6:.1f} MB) at "
              f"{base}/feed/<i>.xml, generated in {info['generate_s']} s; stops after {args.max_seconds:g} s",
              file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.max_seconds)
    except asyncio.TimeoutError:
        pass
    server.close()
    await server.wait_closed()
    if args.ready_file:
        try:
            os.unlink(args.ready_file)
        except FileNotFoundError:
            pass
    if not args.quiet:
        print("farm: " + json.dumps({k: v for k, v in farm.stats.as_dict().items()
                                     if k in ("requests", "status", "bytes_sent", "cpu_s", "uptime_s")}),
              file=sys.stderr, flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--count", type=int, default=200, help="number of feeds (default 200)")
    p.add_argument("--entries", type=int, default=50, help="entries per feed (default 50)")
    p.add_argument("--entry-bytes", type=int, default=2048, help="approximate HTML bytes per entry (default 2048)")
    p.add_argument("--seed", type=int, default=1, help="content seed (default 1)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one (default 8080)")
    p.add_argument("--gzip", action="store_true", help="gzip responses for clients that accept it")
    p.add_argument("--max-seconds", type=float, default=900, help="stop after this many seconds (default 900)")
    p.add_argument("--idle-timeout", type=float, default=30, help="close idle keep-alive connections after (default 30 s)")
    p.add_argument("--ready-file", help="write {url, port, pid, ...} as JSON here once listening")
    p.add_argument("--quiet", action="store_true", help="no start and stop lines on stderr")
    args = p.parse_args(argv)
    if args.count < 0 or args.entries < 0:
        p.error("--count and --entries must be >= 0")
    return asyncio.run(serve(args))


if __name__ == "__main__":
    raise SystemExit(main())
