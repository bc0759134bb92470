"""feedhub as a user runs it: sources served over HTTP on 127.0.0.1, one
`run --once` (or the daemon), and the published files read back as feed
readers read them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feedhub.cli import main
from httpserver import Reply
from builders import ATOM, atom_entries, rss, run_once, write_config
from readers import newsboat_entries, sfeed_entries


def gb2312_feed() -> bytes:
    """A GB2312-declared feed as Chinese sites serve them: its bytes are GBK
    (镕 is not in GB2312), the HTTP header names no charset."""
    titles = ["如何以及何时使用网页字体", "朱镕基答记者问"] + [f"网页设计第{n}课：版式与留白" for n in range(3, 21)]
    items = "".join(
        f"<item><title>{title}</title><link>http://www.w3cn.example/article/{n}.html</link><guid>gb-{n}</guid>"
        f"<dc:creator>阿宏</dc:creator><pubDate>{n:02d} Jan 2024 10:00:00 +0800</pubDate>"
        f"<description>第{n}篇：标准网页设计的一点体会。</description></item>"
        for n, title in zip(range(20, 0, -1), titles))
    return ('<?xml version="1.0" encoding="gb2312"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<channel><title>网页设计师</title><link>http://www.w3cn.example/</link><description>设计</description>"
            f"{items}</channel></rss>").encode("gbk")


def big5_feed() -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>https://blog.example.tw/{n}</link><guid>b5-{n}</guid>"
        f"<pubDate>0{n} Feb 2024 09:00:00 +0800</pubDate><description>部落格文章：{title}。</description></item>"
        for n, title in ((3, "新年快樂"), (2, "臺灣的天氣"), (1, "讀書筆記")))
    return ('<?xml version="1.0" encoding="big5"?><rss version="2.0"><channel><title>隨機部落格</title>'
            f"<link>https://blog.example.tw/</link><description>隨筆</description>{items}</channel></rss>").encode("big5")


@pytest.fixture
def sources(http_server):
    """Three outlets; two carry the same article, one under a tracking URL."""
    http_server.route("/a.xml", Reply(body=rss([
        {"title": "Port strike ends", "link": "https://news.example/port-strike", "guid": "a-1",
         "date": "Wed, 01 May 2024 08:00:00 +0000", "body": "<p>The strike ended after ten days of talks at the port, union leaders and the port authority said.</p>"},
        {"title": "Rates hold", "link": "https://a.example/rates", "guid": "a-2",
         "date": "Thu, 02 May 2024 08:00:00 +0000"},
    ], title="Outlet A", link="https://a.example/"), headers={"Content-Type": "application/rss+xml"}))
    http_server.route("/b.xml", Reply(body=rss([
        {"title": "Port strike ends - Outlet B", "link": "http://www.news.example/port-strike/?utm_source=rss",
         "guid": "b-77", "date": "Wed, 01 May 2024 09:00:00 +0000",
         "body": "<p>The strike ended after ten days of talks, union leaders said.</p>"},
    ], title="Outlet B", link="https://b.example/")))
    http_server.route("/gb.xml", Reply(body=gb2312_feed(),
                                       headers={"Content-Type": "text/xml"}))
    http_server.route("/big5.xml", Reply(body=big5_feed(),
                                         headers={"Content-Type": "application/xml"}))
    http_server.route("/broken", Reply(status=500, body=b"oops"))
    http_server.route("/html", Reply(body=b"<!doctype html><html><head><title>Hi</title></head><body>not a feed</body></html>",
                                     headers={"Content-Type": "text/html"}))
    return http_server


def test_once_publishes_every_category_with_attribution(tmp_path, sources, capsys):
    config = write_config(tmp_path, f"""
  - {{name: Outlet A, url: "{sources.url('/a.xml')}", categories: [World]}}
  - {{name: Outlet B, url: "{sources.url('/b.xml')}", categories: [World]}}
  - {{name: 网页设计师, url: "{sources.url('/gb.xml')}", categories: [设计]}}
  - {{name: 隨機部落格, url: "{sources.url('/big5.xml')}", categories: [設計]}}
  - {{name: Broken, url: "{sources.url('/broken')}", categories: [World]}}
  - {{name: Not a feed, url: "{sources.url('/html')}", categories: [World]}}
""")
    assert run_once(config) == 0
    err = capsys.readouterr().err
    assert "6 sources polled (2 failed)" in err
    out = tmp_path / "out"

    world = atom_entries(out / "world/atom.xml")
    # The same article from A and B is one entry, credited to both.
    assert [e["title"] for e in world] == ["Rates hold", "Port strike ends"]
    strike = world[1]
    # A's copy is the fuller text, so it is the one shown (docs/merging.md).
    assert strike["link"] == "https://news.example/port-strike"
    assert strike["source"] == "Outlet A" and strike["last_child"] == f"{ATOM}source"
    assert "Source: " in strike["content"] and "Also reported by" in strike["content"] and "Outlet B" in strike["content"]
    assert strike["author"] == "Outlet A"  # no author in the item: the source's name

    # GB2312 read as GB18030 (so 镕 survives), Big5 as Big5: no mojibake.
    design = atom_entries(out / "sheji/atom.xml")
    assert design[0]["title"] == "如何以及何时使用网页字体" and design[0]["author"] == "阿宏"
    assert design[1]["title"] == "朱镕基答记者问"
    assert len(design) == 20
    big5 = atom_entries(out / "sheji-2/atom.xml")
    assert [e["title"] for e in big5] == ["新年快樂", "臺灣的天氣", "讀書筆記"]
    assert all("\ufffd" not in e["title"] for e in design + big5)

    # What readers see: feedparser, sfeed and newsboat agree on every entry.
    parsed = feedparser.parse(str(out / "world/atom.xml"))
    assert not parsed.bozo
    assert [(e.title, e.link, e.source.title) for e in parsed.entries] == [
        ("Rates hold", "https://a.example/rates", "Outlet A"),
        ("Port strike ends", "https://news.example/port-strike", "Outlet A"),
    ]
    assert [(e.title, e.link) for e in sfeed_entries(out / "world/atom.xml")] == [
        ("Rates hold", "https://a.example/rates"), ("Port strike ends", "https://news.example/port-strike")]
    assert [(e.title, e.link) for e in newsboat_entries(out / "sheji/atom.xml", tmp_path / "nb")][:1] == [
        ("如何以及何时使用网页字体", "http://www.w3cn.example/article/20.html")]

    # OPML lists every category; the home page links each one.
    opml = etree.parse(str(out / "feeds.opml"))
    urls = [o.get("xmlUrl") for o in opml.iter("outline")]
    assert "https://hub.example/world/atom.xml" in urls and len(urls) == 3
    assert 'href="world/index.html"' in (out / "index.html").read_text() or "world/" in (out / "index.html").read_text()

    # status: the failing sources say why, the others are ok.
    assert main(["status", "--json", "--config", str(config)]) == 0
    status = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert status["Broken"]["state"].startswith("failing since") and "500" in status["Broken"]["last_error"]
    assert "HTML" in status["Not a feed"]["last_error"] or "not a feed" in status["Not a feed"]["last_error"]
    assert status["Outlet A"]["state"] == "ok" and status["Outlet A"]["entries"] == 2
    assert status["网页设计师"]["entries"] == 20


def test_second_run_repeats_nothing_and_rewrites_nothing(tmp_path, sources, capsys):
    config = write_config(tmp_path, f"""
  - {{name: Outlet A, url: "{sources.url('/a.xml')}", categories: [World]}}
  - {{name: Outlet B, url: "{sources.url('/b.xml')}", categories: [World]}}
""")
    assert run_once(config) == 0
    files = sorted(p for p in (tmp_path / "out").rglob("*") if p.is_file())
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    time.sleep(0.05)
    assert run_once(config) == 0
    assert "0 new entries, 0 files written" in capsys.readouterr().err
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files} == before
    assert len(atom_entries(tmp_path / "out/world/atom.xml")) == 2


def test_a_run_with_nothing_new_loads_neither_parser_nor_renderers(tmp_path, sources):
    """A warm `run --once` (cron's usual case) imports no feedparser, jinja2,
    feedgen or near-duplicate code: a tenth of a second and 14 MB less."""
    config = write_config(tmp_path, f"""
  - {{name: Outlet A, url: "{sources.url('/a.xml')}", categories: [World, 世界新闻]}}
""")
    code = ("import sys; from feedhub.cli import main\n"
            "rc = main(['run', '--once', '--config', sys.argv[1]])\n"
            "heavy = ('feedparser', 'jinja2', 'feedgen', 'lxml', 'feedhub.merge.dedupe', 'feedhub.publish.site', 'pypinyin')\n"
            "print(rc, ' '.join(m for m in heavy if m in sys.modules))")

    def run() -> list[str]:
        out = subprocess.run([sys.executable, "-c", code, str(config)], capture_output=True, text=True, check=True,
                             cwd=tmp_path).stdout
        return out.split()

    # The first run parses, publishes (and derives 世界新闻's slug).
    rc, *loaded = run()
    assert rc == "0" and {"feedparser", "jinja2", "feedgen", "feedhub.publish.site"} <= set(loaded)
    # The second has nothing new: the same bytes again (their hash is known).
    assert run() == ["0"]
    assert (tmp_path / "out" / "shijiexinwen" / "atom.xml").is_file()


def test_an_edit_at_the_source_updates_the_entry_in_place(tmp_path, http_server):
    item = {"title": "Draft title", "link": "https://a.example/1", "guid": "x-1", "date": "Wed, 01 May 2024 08:00:00 +0000"}
    http_server.route("/feed", Reply(body=rss([item])))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\"}}")
    assert run_once(config) == 0
    first = atom_entries(tmp_path / "out/a/atom.xml")
    http_server.route("/feed", Reply(body=rss([{**item, "title": "Final title", "body": "<p>Corrected.</p>"}])))
    assert run_once(config) == 0
    after = atom_entries(tmp_path / "out/a/atom.xml")
    assert [e["title"] for e in after] == ["Final title"]
    assert after[0]["id"] == first[0]["id"] and "Corrected." in after[0]["content"]


def test_entries_with_control_characters_no_title_and_no_date_are_published(tmp_path, http_server):
    http_server.route("/feed", Reply(body=rss([
        {"link": "https://a.example/untitled", "body": "<p>An entry with no title at all</p>"},
        {"title": "Bell\x07 and escape\x1b", "link": "https://a.example/ctl", "body": "<p>nul\x0b here</p>"},
    ]).replace(b"\x07", b"&#7;")))  # &#7; is not even well-formed XML: feedparser's lenient mode copes
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\"}}")
    assert run_once(config) == 0
    entries = atom_entries(tmp_path / "out/a/atom.xml")
    titles = sorted(e["title"] for e in entries)
    assert titles == ["An entry with no title at all", "Bell and escape"]
    assert not feedparser.parse(str(tmp_path / "out/a/atom.xml")).bozo


def test_removed_entry_stays_published(tmp_path, http_server):
    one = {"title": "One", "link": "https://a.example/1", "guid": "1", "date": "Wed, 01 May 2024 08:00:00 +0000"}
    two = {"title": "Two", "link": "https://a.example/2", "guid": "2", "date": "Thu, 02 May 2024 08:00:00 +0000"}
    http_server.route("/feed", Reply(body=rss([one, two])))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\"}}")
    assert run_once(config) == 0
    http_server.route("/feed", Reply(body=rss([two])))
    assert run_once(config) == 0
    assert [e["title"] for e in atom_entries(tmp_path / "out/a/atom.xml")] == ["Two", "One"]


def test_bad_config_is_one_clear_error_and_exit_1(tmp_path, capsys):
    config = write_config(tmp_path, "  - {name: A, url: \"https://a.example/\", interval: often}")
    assert run_once(config) == 1
    err = capsys.readouterr().err
    assert "sources[0].interval" in err and "'often'" in err and "Traceback" not in err


def test_unusable_store_is_one_clear_error(tmp_path, capsys):
    config = write_config(tmp_path, "  - {name: A, url: \"https://a.example/\"}")
    (tmp_path / "state").write_text("a file where the store's folder should be")
    assert run_once(config) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("feedhub: error: cannot") and len(err.splitlines()) == 1


@pytest.mark.slow
def test_daemon_polls_publishes_and_stops_cleanly_on_sigterm(tmp_path, http_server):
    hits = []

    def feed(request):
        hits.append(time.monotonic())
        return Reply(body=rss([{"title": f"Item {len(hits)}", "link": f"https://a.example/{len(hits)}",
                                "guid": str(len(hits))}]))

    http_server.route("/feed", feed)
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\", interval: 2s}}")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    daemon = subprocess.Popen([sys.executable, "-m", "feedhub", "run", "--config", str(config)],
                              stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 30
        while len(hits) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(hits) >= 2, "the daemon polled the source on its interval"
        time.sleep(0.5)
        daemon.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert daemon.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
    finally:
        if daemon.poll() is None:
            daemon.kill()
    stderr = daemon.stderr.read()
    assert "Traceback" not in stderr and "daemon stopped" in stderr
    entries = atom_entries(tmp_path / "out/a/atom.xml")
    assert len(entries) >= 2 and not feedparser.parse(str(tmp_path / "out/a/atom.xml")).bozo

    # A restart resumes the schedule from the store: nothing is due yet, so
    # nothing is polled at once.
    config.write_text(config.read_text().replace("interval: 2s", "interval: 1h"))
    subprocess.run([sys.executable, "-m", "feedhub", "run", "--once", "--config", str(config)], env=env, check=True,
                   capture_output=True)
    polled = len(hits)
    daemon = subprocess.Popen([sys.executable, "-m", "feedhub", "run", "--config", str(config)],
                              stderr=subprocess.PIPE, text=True, env=env)
    try:
        time.sleep(3)
        assert len(hits) == polled
        daemon.send_signal(signal.SIGINT)
        assert daemon.wait(timeout=10) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 20.0):
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5)
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.slow
def test_run_serve_and_serve_command_publish_over_http(tmp_path, http_server):
    http_server.route("/feed", Reply(body=rss([{"title": "Served", "link": "https://a.example/s", "guid": "s"}])))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\"}}")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for command in (["run", "--serve"], ["serve", "--bind"]):
        port = _free_port()
        process = subprocess.Popen([sys.executable, "-m", "feedhub", *command, f"127.0.0.1:{port}", "--config",
                                    str(config)], stderr=subprocess.PIPE, text=True, env=env)
        try:
            deadline = time.monotonic() + 20
            while not (tmp_path / "out/a/atom.xml").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            response = _get(f"http://127.0.0.1:{port}/a/atom.xml")
            assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
            assert b"<title>Served</title>" in response.read()
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()
