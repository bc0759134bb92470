"""Fuzzing parse -> normalise -> merge -> publish with hypothesis (issue #6):
whatever a feed holds, no exception escapes and every output is well-formed.

A short run is part of the suite; `FEEDHUB_FUZZ_EXAMPLES=5000 pytest
tests/test_fuzz.py` runs a long one.
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from builders import config_file
from feedhub.config import load_config
from feedhub.publish.run import publish
from feedhub.errors import ParseError
from feedhub.normalize import normalize_feed
from feedhub.parse import parse_feed
from feedhub.store import open_store
from feedhub.daemon.refresh import Updater

EXAMPLES = int(os.environ.get("FEEDHUB_FUZZ_EXAMPLES", "60"))
NOW = datetime(2024, 5, 3, tzinfo=timezone.utc)

# Text with what real feeds throw at parsers: markup, entities, CJK,
# controls, lone surrogates, NULs, right-to-left marks.
nasty_text = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("<>&\"'\x00\x01\x08\x0b\x1b\ufffe\uffff\u202e中文ＡＢ１２") + ["\ud800", "&amp;", "&nbsp;",
                        "<script>", "]]>", "<p>", "</p>", "javascript:", "&#0;", "&#x1F600;"]),
    ),
    max_size=40,
).map("".join)
dates = st.one_of(
    st.none(),
    st.sampled_from(["Wed, 01 May 2024 08:00:00 +0800", "2024-05-01 10:30", "2024年5月1日 10:30", "1900-01-01",
                     "2999-12-31T00:00:00Z", "not a date", "Thu, 31 Feb 2024 25:61:61 CST", ""]),
)
item = st.fixed_dictionaries({
    "title": st.one_of(st.none(), nasty_text),
    "link": st.one_of(st.none(), st.sampled_from(["https://a.example/1", "/relative", "javascript:alert(1)",
                                                  "http://[bad", "https://a.example/1?utm_source=x", ""])),
    "guid": st.one_of(st.none(), st.sampled_from(["1", "1", "2", "", "urn:x", "https://a.example/1"])),
    "date": dates,
    "body": nasty_text,
})


def as_rss(items: list[dict], raw: bool) -> bytes:
    def field(tag, value):
        if value is None:
            return ""
        text = value if raw else escape(value)
        return f"<{tag}>{text}</{tag}>"

    body = "".join("<item>" + field("title", i["title"]) + field("link", i["link"]) + field("guid", i["guid"])
                   + field("pubDate", i["date"]) + field("description", i["body"]) + "</item>" for i in items)
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>'
            f"<link>https://a.example/</link>{body}</channel></rss>").encode("utf-8", "surrogatepass")


def as_json(items: list[dict]) -> bytes:
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "F",
            "items": [{"id": i["guid"], "url": i["link"], "title": i["title"], "content_html": i["body"],
                       "date_published": i["date"]} for i in items]}
    return json.dumps(feed).encode("utf-8", "surrogatepass")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.function_scoped_fixture])
@given(items=st.lists(item, max_size=6), kind=st.sampled_from(["rss", "rss-raw", "json"]))
def test_any_feed_gives_clean_records_or_a_parse_error(items, kind):
    document = as_json(items) if kind == "json" else as_rss(items, raw=kind == "rss-raw")
    try:
        feed = parse_feed(document, url="https://a.example/feed", timezone="Asia/Shanghai")
    except ParseError:
        return
    for entry in normalize_feed(feed, "S", NOW):
        assert entry.title and "\x00" not in entry.title
        assert entry.link is None or entry.link.startswith(("http://", "https://"))
        # Text may say "javascript:"; no tag or attribute may be active.
        assert "<script" not in entry.content.lower()
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):""", entry.content, re.I)
        assert entry.published is None or datetime(1970, 1, 1, tzinfo=timezone.utc) <= entry.published <= NOW


class _FileFetcher:
    """Serves the generated document as if fetched: the pipeline from parse on is real."""

    per_host = 2

    def __init__(self):
        self.document = b""
        self.threads = ThreadPoolExecutor(max_workers=2)

    def executor(self):
        return self.threads

    def fetch(self, url, *, caching, options, base_dir):
        from feedhub.types import FetchResult

        return FetchResult(url=url, status=200, content=self.document, content_type="application/xml")


@settings(max_examples=max(EXAMPLES // 3, 10), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(item, max_size=5), min_size=1, max_size=3))
def test_any_sequence_of_polls_publishes_well_formed_feeds(tmp_path_factory, batches):
    folder = tmp_path_factory.mktemp("fuzz")
    config = load_config(config_file(folder, [{"name": "S", "url": "https://a.example/feed", "categories": ["新闻"]}],
                                     site={"language": "zh-CN", "timezone": "Asia/Shanghai"}))
    store = open_store(config.storage_url)
    fetcher = _FileFetcher()
    try:
        updater = Updater(config, store, fetcher)
        for batch in batches:
            fetcher.document = as_rss(batch, raw=False)
            updater.refresh(config.sources)
            publish(config, store)
            out = Path(config.output_dir)
            for path in out.rglob("*.xml"):
                etree.parse(str(path))  # well-formed, or this raises
                assert not feedparser.parse(str(path)).bozo, path
            for path in out.rglob("*.json"):
                json.loads(path.read_text(encoding="utf-8"))
    finally:
        store.close()
