"""End to end, through the real command line (issue #13):

- nothing local is published: the demo (file: sources) run from a copy in a
  temporary folder leaves neither that folder's path nor "file:" in any
  published file;
- nothing empty is published: an item with no title, link or text is
  dropped and counted by `feedhub status`; an item without a link links its
  story page in every format.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from builders import config_file
from feedhub.cli import main

ROOT = Path(__file__).resolve().parents[1]
ATOM = "{http://www.w3.org/2005/Atom}"

pytestmark = pytest.mark.slow


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "feedhub", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=True)


def test_the_demo_publishes_nothing_local(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config, ignore=shutil.ignore_patterns("feedhub.yaml"))
    run_cli("run", "--once", "--config", str(config / "demo.yaml"), cwd=tmp_path)

    published = [p for p in (tmp_path / "output").rglob("*") if p.is_file()]
    assert len(published) > 20 and any(p.name == "atom.xml" for p in published)
    local = {str(config).encode(), str(config.resolve()).encode(), config.resolve().as_uri().encode(), b"file:"}
    for path in published:
        data = path.read_bytes()
        assert not [needle for needle in local if needle in data], path
    # The demo's two sources that give no feed address of their own are
    # named by identifiers under the site's base_url.
    atom = (tmp_path / "output" / "caijingyaowen" / "atom.xml").read_bytes()
    assert b"<id>http://127.0.0.1:8080/#source-" in atom


FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Local</title><link>https://local.example/</link><description>d</description>
<item><title>With a link</title><link>https://local.example/1</link><guid>https://local.example/1</guid></item>
<item><title>Without a link</title><guid isPermaLink="false">item-2</guid><description>Some text.</description></item>
<item><guid isPermaLink="false">item-3</guid><description><![CDATA[<p> </p>]]></description></item>
<item></item>
</channel></rss>
"""


def test_empty_items_are_dropped_and_counted_and_every_item_has_a_link(tmp_path, capsys):
    (tmp_path / "feed.xml").write_text(FEED, encoding="utf-8")
    config = str(config_file(tmp_path, [{"name": "Local", "url": "feed.xml", "categories": ["News"]}],
                             site={"title": "Hub", "base_url": "https://hub.example/", "language": "en",
                                   "timezone": "UTC"}, storage="sqlite:///state/hub.db"))
    assert main(["run", "--once", "--config", config]) == 0
    capsys.readouterr()

    out = tmp_path / "out" / "news"
    atom = etree.parse(str(out / "atom.xml")).getroot()
    entries = {e.findtext(f"{ATOM}title"): e.find(f"{ATOM}link[@rel='alternate']").get("href")
               for e in atom.iter(f"{ATOM}entry")}
    assert set(entries) == {"With a link", "Without a link"}  # no "Untitled"
    page = entries["Without a link"]
    assert page.startswith("https://hub.example/news/") and (out / page.rsplit("/", 1)[1]).is_file()
    assert [i.findtext("link") for i in etree.parse(str(out / "rss.xml")).getroot().iter("item")] == \
        list(entries.values())
    assert [i["url"] for i in json.loads((out / "feed.json").read_text("utf-8"))["items"]] == list(entries.values())

    assert main(["status", "--json", "--config", config]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["entries"], row["empty_entries"]) == (2, 2)
    assert main(["status", "--config", config]) == 0
    assert "2 entries (2 empty dropped)" in capsys.readouterr().out
