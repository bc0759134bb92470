"""`feedhub run --once` on a PostgreSQL store publishes what it publishes on
SQLite, byte for byte (issue #16): the same sources served over HTTP on
127.0.0.1, two rounds (new stories, copies of one story from two outlets,
then an edit and a new story), each published from a store on either
backend, and the two output folders compared file by file."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feedhub.daemon.refresh import Updater

from builders import config_file, rss, run_once
from httpserver import Reply

pytestmark = pytest.mark.slow


def items(round_: int) -> dict[str, list[dict]]:
    strike = "<p>The strike ended after ten days of talks at the port, union leaders and the port authority said.</p>"
    a = [{"title": "Port strike ends", "link": "https://news.example/port-strike", "guid": "a-1",
          "date": "Wed, 01 May 2024 08:00:00 +0000", "body": strike},
         {"title": "Rates hold" if round_ == 1 else "Rates hold, bank says", "link": "https://a.example/rates",
          "guid": "a-2", "date": "Thu, 02 May 2024 08:00:00 +0000",
          "body": "<p>Rates were held.</p>" if round_ == 1 else "<p>Rates were held, the bank said on Thursday.</p>"}]
    b = [{"title": "Port strike ends - Outlet B", "link": "http://www.news.example/port-strike/?utm_source=rss",
          "guid": "b-77", "date": "Wed, 01 May 2024 09:00:00 +0000",
          "body": "<p>The strike ended after ten days of talks, union leaders said.</p>"}]
    c = [{"title": f"第{n}篇：标准网页设计", "link": f"https://c.example/{n}", "guid": f"c-{n}",
          "date": f"0{n} Jan 2024 10:00:00 +0800", "body": f"<p>第{n}篇的正文。</p>"} for n in range(1, 5)]
    if round_ == 2:
        b.append({"title": "Harbour reopens", "link": "https://b.example/harbour", "guid": "b-78",
                  "date": "Fri, 03 May 2024 09:00:00 +0000"})
    return {"a": a, "b": b, "c": c}


def config(folder: Path, url: str, server) -> Path:
    folder.mkdir()
    return config_file(folder, [
        {"name": "Outlet A", "url": server.url("/a.xml"), "categories": ["World"]},
        {"name": "Outlet B", "url": server.url("/b.xml"), "categories": ["World"]},
        {"name": "网页设计师", "url": server.url("/c.xml"), "categories": ["设计"]},
    ], site={"title": "Test Hub", "base_url": "https://hub.example/", "language": "en", "timezone": "Asia/Shanghai"},
        storage=url, output={"dir": "out", "entries_per_feed": 2}, defaults={"interval": "1h", "timeout": 10})


def published(out: Path) -> dict[str, bytes]:
    files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    # .feedhub-site names the store's site, an id each new store makes: the one difference.
    site = json.loads(files[".feedhub-site"])
    assert len(site.pop("site_id")) == 32
    files[".feedhub-site"] = json.dumps(site).encode()
    return files


def test_run_once_on_postgresql_publishes_what_sqlite_publishes(tmp_path, http_server, pg_url, monkeypatch):
    # An edit is dated when it is seen: both runs of a round see it at the same time.
    clock = Updater.__init__.__kwdefaults__
    configs = {"sqlite": config(tmp_path / "sqlite", "sqlite:///state/hub.db", http_server),
               "postgresql": config(tmp_path / "postgresql", pg_url, http_server)}
    for round_ in (1, 2):
        for name, body in items(round_).items():
            http_server.route(f"/{name}.xml", Reply(body=rss(body, title=f"Outlet {name}"),
                                                     headers={"Content-Type": "application/rss+xml"}))
        monkeypatch.setitem(clock, "clock", lambda: datetime(2024, 5, 4 + round_, 8, tzinfo=timezone.utc))
        outputs = {}
        for backend, path in configs.items():
            assert run_once(path) == 0, backend
            outputs[backend] = published(path.parent / "out")
        assert sorted(outputs["sqlite"]) == sorted(outputs["postgresql"])
        assert "world/atom.xml" in outputs["sqlite"] and "sheji/atom.xml" in outputs["sqlite"]
        for file, content in outputs["sqlite"].items():
            assert outputs["postgresql"][file] == content, f"round {round_}: {file} differs"
    world = outputs["postgresql"]["world/atom.xml"].decode()
    assert "Harbour reopens" in world and "Rates hold, bank says" in world
