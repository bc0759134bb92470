"""RSS 2.0 and JSON Feed 1.1: rendered, then read back the way subscribers
read them (feedparser, sfeed and newsboat for RSS; the JSON Feed 1.1 rules
checked by hand, and feedhub's own JSON Feed reader), and laid out by
publish_site with autodiscovery links in the pages.

newsboat 2.21 (Debian) does not read JSON Feed ("could not parse file"), and
sfeed reads only RSS and Atom: JSON Feed has no Debian reader to test with.

The records are written by hand below, and so is every expected value.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from dataclasses import replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree

from feedhub.errors import PublishError
from feedhub.parse.jsonfeed import parse_json_feed
from feedhub.publish import publish_site
from feedhub.publish.atom import render_atom
from feedhub.publish.common import entry_file
from feedhub.publish.jsonfeed import render_json_feed
from feedhub.publish.rss import render_rss
from feedhub.types import CategoryView, SiteInfo, SourceInfo, Story, StoryCopy
from publish_records import POSTAL, SINA, SITE_EN, SITE_ZH
from readers import ReaderEntry, newsboat_entries, sfeed_entries

UTC = timezone.utc
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"

# --- The records ------------------------------------------------------------


# Its id is its link: the one guid that is a permalink.
MERGED_LINK = "https://postal.example.cn/news/20220526/1.html"
MERGED = Story(
    id=MERGED_LINK,
    category="中国邮政快递报新闻",
    title="理念互鉴是更高层次的协同",
    link=MERGED_LINK,
    author="宋金秀",
    content="<p>核心阅读：山东省聊城市邮政分公司打破惯性思维。</p>",
    summary="",
    published=datetime(2022, 5, 26, 5, 20, 59, tzinfo=UTC),
    updated=datetime(2022, 5, 26, 5, 30, tzinfo=UTC),
    tags=("快递物流", "邮政", "快递物流"),
    canonical=StoryCopy(POSTAL, MERGED_LINK, "理念互鉴是更高层次的协同", "宋金秀"),
    others=(StoryCopy(SINA, "https://finance.example.com/a/20220526/77.html", "理念互鉴", None),),
)
# A tag: id: not a URL at all.
TAGGED = Story(
    id="tag:finance.example.com,2022:entry-42",
    category="中国邮政快递报新闻",
    title="控制\x00字符\x08标题\ud800",
    link="https://finance.example.com/a/20220525/42.html",
    author="记者\x1b甲",
    content="<p>正文\x0b含有控制字符</p>",
    summary="",
    published=datetime(2022, 5, 25, 9, 0, tzinfo=UTC),
    updated=datetime(2022, 5, 25, 9, 0, tzinfo=UTC),
    tags=(),
    canonical=StoryCopy(SINA, "https://finance.example.com/a/20220525/42.html", "控制字符标题", None),
)
# An id that is a URL, but not the item's link (the article moved): a reader
# told isPermaLink="true" would open a page that is not the article.
MOVED = Story(
    id="https://finance.example.com/old/41.html",
    category="中国邮政快递报新闻",
    title="A&B <公司> 涨停",
    link="https://finance.example.com/a/20220524/41.html",
    author="",
    content="<p>x &amp; y</p>",
    summary="",
    published=datetime(2022, 5, 24, 1, 2, 3, tzinfo=UTC),
    updated=datetime(2022, 5, 24, 1, 2, 3, tzinfo=UTC),
    tags=("股市",),
    canonical=StoryCopy(SINA, "https://finance.example.com/a/20220524/41.html", "A&B <公司> 涨停", None),
)
ZH_VIEW = CategoryView(name="中国邮政快递报新闻", slug="zhongguoyouzhengkuaidibao", stories=(MERGED, TAGGED, MOVED))
ZH_BASE = "https://news.example.com/zhongguoyouzhengkuaidibao/"

HARBOUR = SourceInfo("Harbour Gazette", "https://harbour.example.org/feed.xml", "https://harbour.example.org/", None, None, None)
FED = Story(
    id="https://harbour.example.org/2024/03/20/fed-holds",
    category="Markets",
    title='Fed holds rates <again> & says "wait"',
    link="https://harbour.example.org/2024/03/20/fed-holds",
    author="Jane Roe",
    content="<p>The central bank kept rates unchanged.</p>",
    summary="",
    published=datetime(2024, 3, 20, 18, 5, tzinfo=UTC),
    updated=datetime(2024, 3, 20, 19, 0, tzinfo=UTC),
    tags=("rates",),
    canonical=StoryCopy(HARBOUR, "https://harbour.example.org/2024/03/20/fed-holds", "Fed holds", "Jane Roe"),
)
EN_VIEW = CategoryView(name="Markets", slug="markets", stories=(FED,))
EMPTY_VIEW = CategoryView(name="快递物流", slug="kuaidiwuliu", stories=())

# What a subscriber must see, item by item, newest first: title, link,
# author, and the source credited (name, feed URL).
ZH_ITEMS = [
    ("理念互鉴是更高层次的协同", MERGED_LINK, "宋金秀", "中国邮政快递报", "https://postal.example.cn/rss.xml"),
    ("控制字符标题", "https://finance.example.com/a/20220525/42.html", "记者甲", "新浪财经", "https://finance.example.com/feed.atom"),
    ("A&B <公司> 涨停", "https://finance.example.com/a/20220524/41.html", "新浪财经", "新浪财经", "https://finance.example.com/feed.atom"),
]
EN_ITEMS = [
    ('Fed holds rates <again> & says "wait"', FED.link, "Jane Roe", "Harbour Gazette", "https://harbour.example.org/feed.xml"),
]


def zh_rss() -> bytes:
    return render_rss(ZH_VIEW, SITE_ZH, self_url=ZH_BASE + "rss.xml", generator_version="1.2.3")


def en_rss() -> bytes:
    return render_rss(EN_VIEW, SITE_EN, self_url="rss.xml", generator_version="1.2.3")


def empty_rss() -> bytes:
    return render_rss(EMPTY_VIEW, SITE_ZH, self_url="rss.xml", generator_version="1.2.3")


def zh_json() -> bytes:
    return render_json_feed(ZH_VIEW, SITE_ZH, feed_url=ZH_BASE + "feed.json", generator_version="1.2.3")


def en_json() -> bytes:
    return render_json_feed(EN_VIEW, SITE_EN, feed_url="feed.json", generator_version="1.2.3")


def empty_json() -> bytes:
    return render_json_feed(EMPTY_VIEW, SITE_ZH, feed_url="feed.json", generator_version="1.2.3")


def atom_contents(view: CategoryView, site: SiteInfo) -> list[str]:
    """Each Atom entry's content: the RSS and JSON items must carry the same."""
    root = etree.fromstring(render_atom(view, site, self_url="atom.xml", generator_version="1"))
    return [entry.findtext(f"{ATOM}content") for entry in root.iter(f"{ATOM}entry")]


ALL_RSS = pytest.mark.parametrize("render", [zh_rss, en_rss, empty_rss], ids=["zh", "en", "empty"])
ALL_JSON = pytest.mark.parametrize("render", [zh_json, en_json, empty_json], ids=["zh", "en", "empty"])

# --- RSS, read back by feedparser --------------------------------------------


@pytest.mark.parametrize(("render", "expected"), [(zh_rss, ZH_ITEMS), (en_rss, EN_ITEMS)], ids=["zh", "en"])
def test_feedparser_reads_every_item(render, expected):
    parsed = feedparser.parse(render())

    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    seen = [(e.title, e.link, e.author, e.source.title, e.source.href) for e in parsed.entries]
    assert seen == expected


def test_rss_channel_metadata():
    feed = feedparser.parse(zh_rss()).feed

    assert feed.title == "财经新闻聚合 · 中国邮政快递报新闻"
    assert feed.link == ZH_BASE + "index.html"
    assert feed.subtitle == "财经新闻聚合 · 中国邮政快递报新闻"  # <description>
    assert feed.language == "zh-CN"
    # lastBuildDate: the newest story's updated, not the clock.
    assert feed.updated == "Thu, 26 May 2022 13:30:00 +0800"
    assert {(link.rel, link.href) for link in feed.links} == {
        ("alternate", ZH_BASE + "index.html"),
        ("self", ZH_BASE + "rss.xml"),
    }
    assert feed.generator == "feedhub 1.2.3 (https://github.com/feedhub/feedhub)"


def test_rss_without_base_url_links_relatively():
    channel = etree.fromstring(en_rss()).find("channel")

    assert channel.findtext("link") == "index.html"
    assert channel.find(f"{ATOM}link").attrib == {"href": "rss.xml", "rel": "self", "type": "application/rss+xml"}


def test_rss_guid_is_a_permalink_only_when_it_is_the_link():
    items = etree.fromstring(zh_rss()).iter("item")

    guids = [(item.findtext("guid"), item.find("guid").get("isPermaLink"), item.findtext("link")) for item in items]
    assert guids == [
        (MERGED_LINK, "true", MERGED_LINK),
        ("tag:finance.example.com,2022:entry-42", "false", "https://finance.example.com/a/20220525/42.html"),
        ("https://finance.example.com/old/41.html", "false", "https://finance.example.com/a/20220524/41.html"),
    ]


def test_rss_guid_of_an_unsafe_link_is_no_permalink():
    story = replace(FED, id="javascript:alert(1)", link="javascript:alert(1)",
                    canonical=replace(FED.canonical, link="javascript:alert(1)"))
    item = etree.fromstring(render_rss(replace(EN_VIEW, stories=(story,)), SITE_EN, self_url="rss.xml",
                                       generator_version="1")).find("channel/item")

    assert item.findtext("link") == entry_file(story.id)  # the story's page, never the script
    assert item.find("guid").get("isPermaLink") == "false"


def test_rss_items_carry_source_author_dates_and_categories():
    items = list(etree.fromstring(zh_rss()).iter("item"))

    assert [(i.find("source").get("url"), i.findtext("source")) for i in items] == [(u, n) for *_, n, u in ZH_ITEMS]
    # A name is no e-mail address: dc:creator, never RSS's <author>.
    assert [i.findtext(f"{DC}creator") for i in items] == ["宋金秀", "记者甲", "新浪财经"]
    assert all(i.find("author") is None for i in items)
    assert [i.findtext("pubDate") for i in items] == [
        "Thu, 26 May 2022 13:20:59 +0800",
        "Wed, 25 May 2022 17:00:00 +0800",
        "Tue, 24 May 2022 09:02:03 +0800",
    ]
    for item in items:  # RFC 822 dates, as RSS 2.0 asks
        parsedate_to_datetime(item.findtext("pubDate"))
    assert [[c.text for c in i.findall("category")] for i in items] == [["快递物流", "邮政"], [], ["股市"]]


def test_rss_description_is_the_atom_content():
    items = etree.fromstring(zh_rss()).iter("item")

    assert [item.findtext("description") for item in items] == atom_contents(ZH_VIEW, SITE_ZH)
    first = etree.fromstring(zh_rss()).findtext("channel/item/description")
    assert first.endswith(
        f'<p class="attribution">文章来源：<a href="{MERGED_LINK}">中国邮政快递报</a></p>'
        '<p class="also">同时刊载于：<a href="https://finance.example.com/a/20220526/77.html">新浪财经</a></p>'
    )


def test_rss_plain_text_uses_hexadecimal_references():
    """The W3C validator warns (RSS Profile) when a plain-text element such
    as <title> writes "&" or "<" as &amp; or &lt;: a reader guessing HTML
    would take "&lt;again&gt;" for a tag."""
    feed = render_rss(EN_VIEW, SITE_EN, self_url="rss.xml", generator_version="1")

    assert b'<title>Fed holds rates &#x3C;again&#x3E; &#x26; says "wait"</title>' in feed
    titles = re.findall(rb"<(?:title|category|dc:creator|source)\b[^>]*>([^<]*)<", feed)
    assert not [t for t in titles if re.search(rb"&(amp|lt|gt);", t)]
    assert feedparser.parse(feed).entries[0].title == 'Fed holds rates <again> & says "wait"'
    # URLs and HTML are untouched: a link's "&", and the description.
    story = replace(FED, link="https://harbour.example.org/a?id=1&from=rss")
    special = render_rss(replace(EN_VIEW, stories=(story,)), SITE_EN, self_url="rss.xml", generator_version="1")
    assert b"<link>https://harbour.example.org/a?id=1&amp;from=rss</link>" in special
    assert b"<description>&lt;p&gt;" in special


def test_rss_drops_characters_xml_forbids():
    feed = zh_rss()
    item = list(etree.fromstring(feed).iter("item"))[1]

    assert item.findtext("title") == "控制字符标题"
    assert item.findtext("description").startswith("<p>正文含有控制字符</p>")
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", feed)


def test_empty_rss_channel_has_no_items_and_no_clock_date():
    channel = etree.fromstring(empty_rss()).find("channel")

    assert channel.findall("item") == []
    assert channel.find("lastBuildDate") is None
    assert channel.find("pubDate") is None


@ALL_RSS
def test_rss_2_0_required_elements(render):
    root = etree.fromstring(render())

    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for name in ("title", "link", "description"):  # required channel elements
        assert channel.findtext(name), name
    guids = [item.findtext("guid") for item in channel.iter("item")]
    assert len(set(guids)) == len(guids)
    for item in channel.iter("item"):
        assert item.findtext("title") or item.findtext("description")  # one of them is required
        assert item.find("source").get("url")  # <source>'s url is required


def test_rss_lists_a_story_once():
    doubled = replace(EN_VIEW, stories=(FED, FED))

    assert len(etree.fromstring(render_rss(doubled, SITE_EN, self_url="rss.xml", generator_version="1")).findall("channel/item")) == 1


@ALL_RSS
def test_rss_renders_to_the_same_bytes(render):
    rebuilt = CategoryView(ZH_VIEW.name, ZH_VIEW.slug, tuple(replace(s) for s in ZH_VIEW.stories))

    assert render() == render()
    assert render_rss(rebuilt, SITE_ZH, self_url=ZH_BASE + "rss.xml", generator_version="1.2.3") == zh_rss()


# --- JSON Feed 1.1, checked by hand --------------------------------------------

# RFC 3339 §5.6 date-time, as JSON Feed asks for its dates.
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
# The top-level and item fields JSON Feed 1.1 defines; anything else must be an
# extension, whose name starts with "_".
FEED_FIELDS = {"version", "title", "home_page_url", "feed_url", "description", "user_comment", "next_url", "icon",
               "favicon", "authors", "author", "language", "expired", "hubs", "items"}
ITEM_FIELDS = {"id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
               "banner_image", "date_published", "date_modified", "authors", "author", "tags", "language",
               "attachments"}


@ALL_JSON
def test_json_feed_1_1_rules(render):
    doc = json.loads(render())

    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(doc["title"], str) and doc["title"]
    assert isinstance(doc["items"], list)
    assert isinstance(doc["home_page_url"], str) and isinstance(doc["feed_url"], str)
    assert doc["language"] in ("zh-CN", "en-GB")
    assert all(key in FEED_FIELDS or re.match(r"_[A-Za-z]", key) for key in doc)
    ids = [item["id"] for item in doc["items"]]
    assert len(set(ids)) == len(ids)
    for item in doc["items"]:
        assert all(key in ITEM_FIELDS or re.match(r"_[A-Za-z]", key) for key in item), item.keys()
        assert isinstance(item["id"], str) and item["id"]  # 1.1: a string
        assert isinstance(item["content_html"], str)  # content_html or content_text is required
        for name in ("date_published", "date_modified"):
            assert RFC3339.fullmatch(item[name]), name
        assert item["authors"] and all(isinstance(a["name"], str) and a["name"] for a in item["authors"])
        assert "author" not in item  # 1.1 deprecates it in favour of authors
        assert all(isinstance(tag, str) for tag in item.get("tags", []))


@pytest.mark.parametrize(("render", "expected"), [(zh_json, ZH_ITEMS), (en_json, EN_ITEMS)], ids=["zh", "en"])
def test_json_items_carry_title_link_author_and_source(render, expected):
    items = json.loads(render())["items"]

    seen = [
        (i["title"], i["url"], i["authors"][0]["name"], i["_feedhub"]["sources"][0]["name"],
         i["_feedhub"]["sources"][0]["feed_url"])
        for i in items
    ]
    assert seen == expected


def test_json_feed_document():
    doc = json.loads(zh_json())

    assert doc["title"] == "财经新闻聚合 · 中国邮政快递报新闻"
    assert doc["home_page_url"] == ZH_BASE + "index.html"
    assert doc["feed_url"] == ZH_BASE + "feed.json"
    assert doc["_feedhub"] == {"generator": {"name": "feedhub", "version": "1.2.3", "url": "https://github.com/feedhub/feedhub"}}
    first, second, third = doc["items"]
    assert first["id"] == MERGED_LINK and first["url"] == MERGED_LINK
    assert first["date_published"] == "2022-05-26T13:20:59+08:00"
    assert first["date_modified"] == "2022-05-26T13:30:00+08:00"
    assert first["tags"] == ["快递物流", "邮政"]
    assert "tags" not in second
    # Every source of a merged story, canonical first; what is unknown is left out.
    assert first["_feedhub"] == {"sources": [
        {"name": "中国邮政快递报", "url": MERGED_LINK, "feed_url": "https://postal.example.cn/rss.xml",
         "home_page_url": "https://postal.example.cn/"},
        {"name": "新浪财经", "url": "https://finance.example.com/a/20220526/77.html",
         "feed_url": "https://finance.example.com/feed.atom"},
    ]}
    assert third["id"] == "https://finance.example.com/old/41.html"
    assert third["url"] == "https://finance.example.com/a/20220524/41.html"


def test_json_feed_without_base_url_links_relatively():
    doc = json.loads(en_json())

    assert (doc["home_page_url"], doc["feed_url"]) == ("index.html", "feed.json")


def test_json_content_is_the_atom_content():
    assert [item["content_html"] for item in json.loads(zh_json())["items"]] == atom_contents(ZH_VIEW, SITE_ZH)


def test_json_drops_control_characters_and_lone_surrogates():
    data = zh_json()  # encoding would fail on the lone surrogate in TAGGED's title
    second = json.loads(data)["items"][1]

    assert second["title"] == "控制字符标题"
    assert second["authors"] == [{"name": "记者甲"}]
    assert second["content_html"].startswith("<p>正文含有控制字符</p>")
    assert not re.search(r"\\u00[01][0-9a-f]", data.decode("utf-8"))  # no escaped control characters


def test_json_cleans_ids_and_source_names_too():
    # Every string of an item is cleaned where the item is built.
    source = replace(SINA, name="新浪\x07财经\udc80", feed_url="https://finance.example.com/feed\x0b.atom")
    story = replace(TAGGED, id="tag:example.com,2022:\x01x\ud801", canonical=replace(TAGGED.canonical, source=source))
    view = replace(ZH_VIEW, stories=(story,))
    data = render_json_feed(view, SITE_ZH, feed_url=ZH_BASE + "feed.json", generator_version="1")
    [item] = json.loads(data)["items"]

    assert item["id"] == "tag:example.com,2022:x"
    assert item["_feedhub"]["sources"][0]["name"] == "新浪财经"
    assert item["_feedhub"]["sources"][0]["feed_url"] == "https://finance.example.com/feed.atom"
    assert not re.search(r"\\u00[01][0-9a-f]|\\ud[89a-f]", data.decode("utf-8"))


@ALL_JSON
def test_json_renders_to_the_same_bytes(render):
    data = render()

    assert data == render()
    assert data.endswith(b"}\n")
    assert data.startswith(b'{\n  "version": "https://jsonfeed.org/version/1.1",\n  "title": ')


def test_json_text_is_written_as_is():
    data = zh_json()

    assert "理念互鉴是更高层次的协同".encode() in data  # ensure_ascii=False: readable UTF-8
    assert b"\\u" not in data


def test_feedhubs_own_reader_reads_the_json_feed_back():
    parsed = parse_json_feed(zh_json().decode("utf-8"), url=ZH_BASE + "feed.json")

    assert parsed.version == "json11"
    assert parsed.title == "财经新闻聚合 · 中国邮政快递报新闻"
    assert parsed.language == "zh-CN"
    assert [(e.id, e.title, e.link, e.author) for e in parsed.entries] == [
        (MERGED_LINK, *ZH_ITEMS[0][:3]),
        ("tag:finance.example.com,2022:entry-42", *ZH_ITEMS[1][:3]),
        ("https://finance.example.com/old/41.html", *ZH_ITEMS[2][:3]),
    ]
    assert parsed.entries[0].updated == MERGED.updated


# --- RSS, read by real feed readers ----------------------------------------------


def published_rss(tmp_path: Path) -> dict[str, Path]:
    publish_site([ZH_VIEW, EN_VIEW], SITE_ZH, tmp_path / "output", generator_version="1.2.3", formats=("rss",))
    return {slug: tmp_path / "output" / slug / "rss.xml" for slug in ("zhongguoyouzhengkuaidibao", "markets")}


READER_EXPECTED = {
    "zhongguoyouzhengkuaidibao": [ReaderEntry(t, link, a) for t, link, a, *_ in ZH_ITEMS],
    "markets": [ReaderEntry(t, link, a) for t, link, a, *_ in EN_ITEMS],
}
SOURCE_NAMES = {
    "zhongguoyouzhengkuaidibao": [name for *_, name, _ in ZH_ITEMS],
    "markets": [name for *_, name, _ in EN_ITEMS],
}


def sfeed_contents(feed: Path) -> list[str]:
    """The content field of sfeed's lines (sfeed(5): the fourth), unescaped."""
    with feed.open("rb") as stdin:
        lines = subprocess.run(["sfeed"], stdin=stdin, capture_output=True, check=True, timeout=30).stdout
    return [line.split("\t")[3].replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")
            for line in lines.decode("utf-8").splitlines()]


def test_sfeed_sees_each_item_and_its_source(tmp_path):
    for slug, feed in published_rss(tmp_path).items():
        assert sfeed_entries(feed) == READER_EXPECTED[slug]
        # sfeed shows no <source>: the credit a reader sees is the attribution line.
        for content, name in zip(sfeed_contents(feed), SOURCE_NAMES[slug], strict=True):
            assert re.search(rf'<p class="attribution">(文章来源：|Source: )<a href="[^"]+">{re.escape(name)}</a></p>', content)


def test_newsboat_sees_each_item_and_its_source(tmp_path):
    for slug, feed in published_rss(tmp_path).items():
        workdir = tmp_path / "newsboat" / slug
        assert newsboat_entries(feed, workdir) == READER_EXPECTED[slug]
        with sqlite3.connect(workdir / "cache.db") as db:
            contents = [row[0] for row in db.execute("SELECT content FROM rss_item ORDER BY pubDate DESC, id DESC")]
        for content, name in zip(contents, SOURCE_NAMES[slug], strict=True):
            assert f">{name}</a></p>" in content


# --- publish_site with formats ------------------------------------------------------


def test_publish_site_writes_every_format_then_nothing(tmp_path):
    output = tmp_path / "output"
    formats = ("atom", "rss", "json")

    written = publish_site([ZH_VIEW, EN_VIEW], SITE_ZH, output, generator_version="1.2.3", formats=formats)

    feeds = ("atom.xml", "rss.xml", "feed.json")
    assert written == [
        *(output / "zhongguoyouzhengkuaidibao" / name for name in feeds),
        *(output / "zhongguoyouzhengkuaidibao" / entry_file(story.id) for story in ZH_VIEW.stories),
        output / "zhongguoyouzhengkuaidibao" / "index.html",
        *(output / "markets" / name for name in feeds),
        *(output / "markets" / entry_file(story.id) for story in EN_VIEW.stories),
        output / "markets" / "index.html",
        output / "index.html",
        output / "feeds.opml",
    ]
    assert (output / "markets" / "rss.xml").read_bytes() == render_rss(
        EN_VIEW, SITE_ZH, self_url="https://news.example.com/markets/rss.xml", generator_version="1.2.3")
    assert (output / "markets" / "feed.json").read_bytes() == render_json_feed(
        EN_VIEW, SITE_ZH, feed_url="https://news.example.com/markets/feed.json", generator_version="1.2.3")
    # Nothing new: every file byte-identical, none rewritten.
    assert publish_site([ZH_VIEW, EN_VIEW], SITE_ZH, output, generator_version="1.2.3", formats=formats) == []


def autodiscovery(page: Path) -> list[tuple[str, str]]:
    doc = lxml.html.document_fromstring(page.read_text(encoding="utf-8"))
    return [(link.get("type"), link.get("href")) for link in doc.xpath("//head/link[@rel='alternate']")]


def test_pages_link_each_enabled_format(tmp_path):
    output = tmp_path / "output"
    publish_site([ZH_VIEW, EN_VIEW], SITE_ZH, output, generator_version="1", formats=("json", "atom", "rss"))

    # In the fixed order atom, rss, json, whatever order the config lists them.
    assert autodiscovery(output / "markets" / "index.html") == [
        ("application/atom+xml", "atom.xml"),
        ("application/rss+xml", "rss.xml"),
        ("application/feed+json", "feed.json"),
    ]
    assert autodiscovery(output / "index.html") == [
        (media_type, f"{slug}/{name}")
        for slug in ("zhongguoyouzhengkuaidibao", "markets")
        for media_type, name in (("application/atom+xml", "atom.xml"), ("application/rss+xml", "rss.xml"),
                                 ("application/feed+json", "feed.json"))
    ]
    nav = lxml.html.document_fromstring((output / "markets" / "index.html").read_text(encoding="utf-8"))
    assert [(a.text, a.get("href")) for a in nav.xpath("//p[@class='feeds']/a[@type]")] == [
        ("Atom", "atom.xml"), ("RSS", "rss.xml"), ("JSON Feed", "feed.json")]


def test_formats_left_out_are_neither_written_nor_linked(tmp_path):
    output = tmp_path / "output"
    publish_site([EN_VIEW], SITE_EN, output, generator_version="1", formats=("rss", "json"))

    story_pages = sorted(entry_file(story.id) for story in EN_VIEW.stories)
    assert sorted(p.name for p in (output / "markets").iterdir()) == [*story_pages, "feed.json", "index.html", "rss.xml"]
    assert autodiscovery(output / "markets" / "index.html") == [
        ("application/rss+xml", "rss.xml"), ("application/feed+json", "feed.json")]
    home = (output / "index.html").read_text(encoding="utf-8")
    assert "atom.xml" not in home
    # feeds.opml lists the main feed: the first enabled format.
    outline = etree.fromstring((output / "feeds.opml").read_bytes()).find("body/outline")
    assert outline.get("xmlUrl") == "markets/rss.xml"


def test_a_format_turned_off_is_removed(tmp_path):
    output = tmp_path / "output"
    publish_site([EN_VIEW], SITE_EN, output, generator_version="1", formats=("atom", "rss", "json"))
    (output / "markets" / "notes.txt").write_text("mine", encoding="utf-8")

    written = publish_site([EN_VIEW], SITE_EN, output, generator_version="1", formats=("atom",))

    # The pages no longer link them; the feeds are gone, nothing else is.
    story_pages = [entry_file(story.id) for story in EN_VIEW.stories]
    assert written == [*(output / "markets" / name for name in story_pages), output / "markets" / "index.html",
                       output / "index.html"]
    assert sorted(p.name for p in (output / "markets").iterdir()) == sorted(
        [*story_pages, "atom.xml", "index.html", "notes.txt"])


@pytest.mark.parametrize(("formats", "message"), [(("atom", "rdf"), "unknown feed format 'rdf'"), ((), "no feed format")])
def test_bad_formats_are_a_publish_error(tmp_path, formats, message):
    with pytest.raises(PublishError, match=message):
        publish_site([EN_VIEW], SITE_EN, tmp_path, generator_version="1", formats=formats)
    assert list(tmp_path.iterdir()) == []
