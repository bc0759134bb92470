"""Times as the portal shows them (issue #17 item 4): published dates are
written in the site's timezone in every feed format (the seed page's
+0800), the same instants as before, read as such by feedparser, sfeed and
newsboat; an entry without a date keeps the time it was first seen, and its
story page says so."""

from __future__ import annotations

import calendar
import json
import re
from datetime import datetime, timezone

import feedparser
import pytest
from lxml import etree, html

from builders import config_file, rss, run_once
from feedhub.config import load_config
from feedhub.publish.common import entry_file, site_time
from feedhub.publish.views import build_views
from feedhub.store import open_store
from feedhub.types import SiteInfo
from readers import newsboat_times, sfeed_times

ATOM = "{http://www.w3.org/2005/Atom}"
# 2024-05-03 10:00 in Shanghai, 02:00 UTC.
DATED = datetime(2024, 5, 3, 2, 0, tzinfo=timezone.utc)
# RFC 3339 §5.6 date-time, which RFC 4287 §3.3 asks for: any offset.
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One run --once of a Chinese site in Asia/Shanghai: a dated entry and
    one without a date; the output folder, the run's bounds and the config."""
    folder = tmp_path_factory.mktemp("times")
    (folder / "feed.xml").write_bytes(rss([
        {"title": "有日期", "link": "https://a.example.cn/1", "guid": "a-1", "date": "Fri, 03 May 2024 02:00:00 GMT",
         "body": "<p>有日期的文章。</p>"},
        {"title": "无日期", "link": "https://a.example.cn/2", "guid": "a-2", "body": "<p>没有日期的文章。</p>"},
    ], title="A"))
    config = config_file(folder, [{"name": "A", "url": "feed.xml", "categories": ["要闻"]}],
                         site={"title": "Hub", "base_url": "https://hub.example/", "language": "zh-CN",
                               "timezone": "Asia/Shanghai"}, categories=[{"name": "要闻", "slug": "news"}])
    before = datetime.now(timezone.utc).replace(microsecond=0)
    assert run_once(config) == 0
    after = datetime.now(timezone.utc)
    return folder / "out/news", (before, after), config


def test_every_format_writes_the_sites_offset(published):
    out, _, _ = published
    atom = etree.parse(str(out / "atom.xml")).getroot()
    entry = next(e for e in atom.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "有日期")
    assert entry.findtext(f"{ATOM}published") == "2024-05-03T10:00:00+08:00"
    for element in atom.iter(f"{ATOM}published", f"{ATOM}updated"):
        assert RFC3339.match(element.text) and element.text.endswith("+08:00"), element.text
    item = next(i for i in etree.parse(str(out / "rss.xml")).iter("item") if i.findtext("title") == "有日期")
    assert item.findtext("pubDate") == "Fri, 03 May 2024 10:00:00 +0800"
    feed = json.loads((out / "feed.json").read_text("utf-8"))
    dated = next(i for i in feed["items"] if i["title"] == "有日期")
    assert dated["date_published"] == "2024-05-03T10:00:00+08:00"
    assert all(RFC3339.match(i["date_modified"]) and i["date_modified"].endswith("+08:00") for i in feed["items"])
    page = html.fromstring((out / entry_file(entry.findtext(f"{ATOM}id"))).read_bytes())
    assert page.xpath("//p[@class='meta']/time/@datetime") == ["2024-05-03T10:00:00+08:00"]


def test_feedparser_reads_the_same_instants(published):
    out, _, _ = published
    for name in ("atom.xml", "rss.xml", "feed.json"):
        parsed = feedparser.parse(str(out / name)) if name != "feed.json" else None
        if parsed is None:
            items = json.loads((out / name).read_text("utf-8"))["items"]
            times = {i["title"]: datetime.fromisoformat(i["date_published"]) for i in items}
        else:
            times = {e.title: datetime.fromtimestamp(calendar.timegm(e.published_parsed), timezone.utc)
                     for e in parsed.entries}
        assert times["有日期"] == DATED, name


def test_sfeed_and_newsboat_read_the_same_instants(published, tmp_path):
    out, _, _ = published
    for name in ("atom.xml", "rss.xml"):
        assert sfeed_times(out / name)["有日期"] == DATED.timestamp(), name
        assert newsboat_times(out / name, tmp_path / name)["有日期"] == DATED.timestamp(), name


def test_an_undated_entry_keeps_when_it_was_first_seen_and_says_so(published):
    out, (before, after), config = published
    atom = etree.parse(str(out / "atom.xml")).getroot()
    entry = next(e for e in atom.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "无日期")
    seen = datetime.fromisoformat(entry.findtext(f"{ATOM}published"))
    assert seen.utcoffset().total_seconds() == 8 * 3600 and before <= seen <= after
    loaded = load_config(config)
    store = open_store(loaded.storage_url)
    try:
        [view] = build_views(loaded, store)
    finally:
        store.close()
    dated = {story.title: story.dated for story in view.stories}
    assert dated == {"有日期": True, "无日期": False}
    # The story page says whose time it is.
    page = html.fromstring((out / entry_file(entry.findtext(f"{ATOM}id"))).read_bytes())
    assert page.xpath("//p[@class='meta']/time/@datetime") == [seen.isoformat()]
    assert "收录时间" in "".join(page.xpath("//p[@class='meta']/span[@class='undated']//text()"))
    # A second run leaves it where it was.
    assert run_once(config) == 0
    again = etree.parse(str(out / "atom.xml")).getroot()
    assert [e.findtext(f"{ATOM}published") for e in again.iter(f"{ATOM}entry") if
            e.findtext(f"{ATOM}title") == "无日期"] == [entry.findtext(f"{ATOM}published")]


def test_site_time_keeps_the_instant_and_never_writes_seconds_of_offset():
    shanghai = SiteInfo("t", None, "zh-CN", "Asia/Shanghai")
    assert site_time(DATED, shanghai).isoformat() == "2024-05-03T10:00:00+08:00"
    assert site_time(DATED, shanghai) == DATED
    # Before 1901 Shanghai kept local mean time, +08:05:43: no RFC 3339
    # offset, so such a moment is written in UTC.
    old = datetime(1900, 1, 1, tzinfo=timezone.utc)
    assert site_time(old, shanghai).isoformat() == "1900-01-01T00:00:00+00:00"
    london = SiteInfo("t", None, "en-GB", "Europe/London")
    assert site_time(DATED, london).isoformat() == "2024-05-03T03:00:00+01:00"



def test_a_page_time_before_standard_time_is_valid_html(tmp_path):
    # Shanghai's offset was +08:05:43 until 1901: HTML's datetime attribute,
    # like RFC 3339, has no seconds in an offset, so such a moment is in UTC.
    from feedhub.publish import publish_site
    from feedhub.types import CategoryView, SourceInfo, Story, StoryCopy

    site = SiteInfo(title="站", base_url=None, language="zh-CN", timezone="Asia/Shanghai")
    source = SourceInfo("A", "https://a.example/rss.xml", "https://a.example/", None, None, None)
    stories = []
    for n, when in enumerate((datetime(1899, 1, 1, tzinfo=timezone.utc), datetime(2024, 5, 3, 2, tzinfo=timezone.utc))):
        link = f"https://a.example/{n}.html"
        stories.append(Story(id=link, category="新闻", title=f"标题{n}", link=link, author=None, content="<p>正文</p>",
                             summary="", tags=(), published=when, updated=when,
                             canonical=StoryCopy(source, link, f"标题{n}", None)))
    publish_site([CategoryView("新闻", "news", tuple(stories))], site, tmp_path / "out", generator_version="1")
    stamps = {html.parse(str(page)).getroot().xpath("//time/@datetime")[0]
              for page in (tmp_path / "out" / "news").glob("*.html") if page.name != "index.html"}
    assert stamps == {"1899-01-01T00:00:00+00:00", "2024-05-03T10:00:00+08:00"}
