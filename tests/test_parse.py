"""feedhub.parse.parse_feed over the shared corpus and small hand-written documents.

Expected values were read by hand from the documents named in each test
(decoding them with iconv where they are GB2312/Big5), never copied from
the parser's output.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from feedhub.errors import ParseError
from feedhub.parse import parse_feed
from feedhub.types import EntryData, FeedData

from conftest import CORPUS, CORPUS_MISSING, corpus_path

UTC = timezone.utc


def corpus(relative: str) -> bytes:
    """A document of the external corpus; the test is skipped without it."""
    return corpus_path(relative).read_bytes()


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def titles(feed: FeedData) -> list[str | None]:
    return [e.title for e in feed.entries]


def rss(items: str, *, channel: str = "<title>t</title>", encoding: str = "utf-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<rss version="2.0"><channel>{channel}{items}</channel></rss>'
    )


# --- the formats -----------------------------------------------------------------


def test_rss_091() -> None:
    feed = parse_feed(corpus("synthetic/feed-rs__rss_0.91_spec_1.xml"), url="https://example.net/rss091.xml")
    assert feed.version.startswith("rss091")
    assert feed.title == "WriteTheWeb"
    assert feed.link == "http://writetheweb.com"
    assert feed.language == "en-us"
    assert feed.url == "https://example.net/rss091.xml"  # no self link
    assert titles(feed) == ["Giving the world a pluggable Gnutella", "Syndication discussions hot up"]
    first = feed.entries[0]
    assert first.id is None  # no <guid>: no id, even though there is a link
    assert first.link == "http://writetheweb.com/read.php?item=24"
    assert first.content is not None and first.content.startswith("WorldOS is a framework")
    assert first.summary == first.content  # description only
    assert first.content_base == "http://writetheweb.com/read.php?item=24"  # the entry link


def test_rss_092() -> None:
    feed = parse_feed(corpus("synthetic/feed-rs__rss_0.92_spec_1.xml"), url="https://example.net/092.xml")
    assert feed.version == "rss092"
    assert feed.title == "Dave Winer: Grateful Dead"
    assert feed.updated == utc(2001, 4, 13, 19, 23, 2)  # lastBuildDate
    assert feed.author == "Dave Winer"  # managingEditor "dave@userland.com (Dave Winer)"
    assert len(feed.entries) == 3
    first = feed.entries[0]
    assert (first.id, first.link, first.title) == (None, None, None)
    # the escaped markup of <description> comes back as HTML
    assert first.content is not None
    assert '<a href="http://deadend.editthispage.com/">Grateful' in first.content
    assert first.content_base == "https://example.net/092.xml"  # no link: the feed URL


def test_rss_10_rdf() -> None:
    feed = parse_feed(corpus("synthetic/feed-rs__rss_1.0_spec_1.xml"), url="https://example.net/rdf")
    assert feed.version == "rss10"
    assert feed.title == "XML.com"
    assert feed.link == "http://xml.com/pub"
    assert titles(feed) == ["Processing Inclusions with XSLT", "Putting RDF to Work"]
    # RSS 1.0 items are identified by rdf:about
    assert feed.entries[1].id == "http://xml.com/pub/2000/08/09/rdfdb/index.html"
    assert feed.entries[1].link == "http://xml.com/pub/2000/08/09/rdfdb/index.html"


def test_rss_10_syndication_module_gives_the_polling_hint() -> None:
    # <sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>6</sy:updateFrequency>
    feed = parse_feed(corpus("real/laminas-feed__laut.de-rdf.xml"), url="https://example.net/laut")
    assert feed.title == "laut.de - news"
    assert feed.ttl_seconds == 600
    assert feed.updated == utc(2009, 7, 4, 20, 1, 2)  # dc:date 2009-07-04T21:01:02+01:00


def test_rss_20() -> None:
    feed = parse_feed(corpus("synthetic/feed-rs__rss_2.0_spec_1.xml"), url="https://example.net/rss2")
    assert feed.version == "rss20"
    assert feed.title == "Scripting News"
    assert feed.link == "http://www.scripting.com/"
    assert feed.updated == utc(2002, 9, 30, 11, 0, 0)
    assert feed.ttl_seconds == 40 * 60
    first = feed.entries[0]
    assert first.id == "http://scriptingnews.userland.com/backissues/2002/09/29#When:12:59:01PM"
    # a guid without isPermaLink="false" is also the link
    assert first.link == first.id
    assert first.published == utc(2002, 9, 29, 19, 59, 1)
    assert first.updated is None
    assert first.title is None


def test_rss_20_author_with_a_long_top_level_domain() -> None:
    # <author>jonas@insanity.industries (Jonas Große Sundrup)</author>; feedparser's
    # own e-mail pattern splits it after ".indu".
    feed = parse_feed(corpus("illformed/feed-rs__rss_2.0_relurl_1.xml"), url="https://example.net/f")
    assert {e.author for e in feed.entries} == {"Jonas Große Sundrup"}
    assert feed.url == "https://insanity.industries/index.xml"  # atom:link rel="self"
    # <item xml:base=...> is where relative links in its content resolve
    assert feed.entries[1].content_base == "https://insanity.industries/post/pacman-tracking-leftover-packages/"
    assert feed.entries[0].published == utc(2021, 3, 2, 22, 39, 15)  # 23:39:15 +0100


def test_atom_03_in_big5() -> None:
    feed = parse_feed(corpus("chinese/chardet__Big5-sinica.edu.tw.xml"), url="https://example.net/atom03")
    assert feed.version == "atom03"
    assert feed.title == "「隨機部落格」之「線上演算法」"
    assert feed.link == "http://www.sinica.edu.tw/~hil/online/"
    assert feed.id == "tag:blogger.com,1999:blog-7865778"
    assert feed.language == "zh-TW"
    assert feed.updated == utc(2005, 10, 9, 14, 24, 12)  # <modified>
    first = feed.entries[0]
    assert first.title == "新年快樂"
    assert first.author == "隨機客"
    assert first.id == "tag:blogger.com,1999:blog-7865778.post-110728736545344025"
    assert first.link == "http://www.sinica.edu.tw/~hil/online/2005/02/blog-post.html"
    assert first.published == utc(2005, 2, 1, 19, 45, 25)  # <issued>2005-02-02T03:45:25+08:00
    assert first.updated == utc(2005, 2, 1, 19, 49, 25)  # <modified>
    assert first.content is not None and "學號" in first.content
    assert first.content_base == "http://www.sinica.edu.tw/~hil/online/"  # the content's xml:base


def test_atom_10() -> None:
    feed = parse_feed(corpus("synthetic/feed-rs__atom_spec_1.xml"), url="https://example.net/atom")
    assert feed.version == "atom10"
    assert feed.title == "Example Feed"
    assert feed.link == "http://example.org/"
    assert feed.id == "urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6"
    assert feed.author == "John Doe"
    assert feed.updated == utc(2003, 12, 13, 18, 30, 2)
    (entry,) = feed.entries
    assert entry.id == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert entry.title == "Atom-Powered Robots Run Amok"
    assert entry.link == "http://example.org/2003/12/13/atom03"
    assert entry.updated == utc(2003, 12, 13, 18, 30, 2)
    assert entry.published is None
    # RFC 4287 §4.2.1: an entry without atom:author has the feed's
    assert entry.author == "John Doe"
    # <summary> is type="text": escaped into a paragraph
    assert entry.summary == "<p>Some text.</p>"
    assert entry.content == "<p>Some text.</p>"


def test_json_feed_10() -> None:
    feed = parse_feed(corpus("synthetic/rssant__jsonfeed-example.json"), url="https://example.net/j")
    assert feed.version == "json10"
    assert feed.title == "My Example Feed"
    assert feed.link == "https://example.org/"
    assert feed.url == "https://example.org/feed.json"
    second, first = feed.entries
    assert (second.id, second.link) == ("2", "https://example.org/second-item")
    assert second.content == "<p>This is a second item.</p>"  # content_text, escaped
    assert first.content == "<p>Hello, world!</p>"  # content_html as is


def test_json_feed_10_from_v2ex() -> None:
    feed = parse_feed(corpus("chinese/rssant__v2ex-jsonfeed.json"), url="https://example.net/v2ex")
    assert feed.version == "json10"
    assert feed.link == "https://www.v2ex.com/go/jsonfeed"
    (entry,) = feed.entries
    # "\u4ec0\u4e48\u63d2\u4ef6..." in the document
    assert entry.title == "什么插件可以做到 JSON 格式化/压缩/还原/转 2JZ 的？"
    assert entry.author == "DEVN"
    assert entry.published == utc(2020, 1, 31, 15, 5, 16)
    assert entry.content is None  # "content_html": ""


def test_json_feed_11() -> None:
    feed = parse_feed(corpus("synthetic/lemon24-reader__full.json"), url="https://example.net/j")
    assert feed.version == "json11"
    assert feed.language == "en"
    assert feed.author == "Joe, Jane"
    second, first = feed.entries
    assert second.title == "Title"
    # content_html wins over content_text; summary is plain text
    assert second.content == 'Content with <a href="http://example.com/">link</a>'
    assert second.summary == "<p>A summary</p>"
    assert second.published == utc(2020, 1, 2, 21, 0)  # 14:00-07:00
    assert second.updated == utc(2020, 1, 4, 0, 0)  # 01:00+0100
    assert first.author == "Jane"  # a 1.0-style "author" object
    assert first.published == utc(2020, 1, 2, 12, 0)


def test_json_feed_11_authors() -> None:
    feed = parse_feed(corpus("synthetic/netnewswire__authors.json"), url="https://example.net/j")
    assert {e.id: e.author for e in feed.entries} == {
        "Item without authors": "Root Author 1, Root Author 2",  # inherited (1.1 "authors")
        "Item with legacy author": "Legacy Item Author",
        "Item with modern authors": "Item Author 1, Item Author 2",
        "Item with both": "Item Author 1, Item Author 2",
    }


def test_json_feed_with_values_of_the_wrong_type() -> None:
    feed = parse_feed(corpus("illformed/lemon24-reader__invalid.json"), url="https://example.net/j")
    assert feed.title is None and feed.link is None
    ids = [e.id for e in feed.entries]
    assert ids[:2] == ["2", "3.1415"]  # a number id is coerced to a string
    assert feed.entries[0].title is None  # "title": 1000
    assert feed.entries[-1].author == "Jane"  # the second author is the good one


def test_json_feed_in_gbk() -> None:
    feed = parse_feed(corpus("illformed/rssant__gbk_gb18030.json"), url="https://example.net/j")
    assert feed.title == "中国国家标准简体中文字符集，全称《信息交换用汉字编码字符集·基本集》"


def test_json_feed_relative_urls_tags_and_text() -> None:
    doc = """{
      "version": "https://jsonfeed.org/version/1.1",
      "title": "Rel",
      "home_page_url": "/blog/",
      "feed_url": "feed.json",
      "items": [
        {"id": 7, "url": "posts/7.html", "tags": ["a", "b", "a", 3],
         "content_text": "1 < 2 & 3\\nnext line\\n\\nsecond paragraph",
         "date_published": "2024-05-01 10:30"},
        {"id": "x", "external_url": "https://elsewhere.example/thing"}
      ]
    }"""
    feed = parse_feed(doc.encode(), url="https://example.org/feeds/main.json", timezone="Asia/Shanghai")
    assert feed.link == "https://example.org/blog/"
    assert feed.url == "https://example.org/feeds/feed.json"
    first, second = feed.entries
    assert first.id == "7"
    assert first.link == "https://example.org/blog/posts/7.html"  # against home_page_url
    assert first.tags == ("a", "b")
    assert first.content == "<p>1 &lt; 2 &amp; 3<br>next line</p><p>second paragraph</p>"
    assert first.published == utc(2024, 5, 1, 2, 30)  # naive -> the source's timezone
    assert second.link == "https://elsewhere.example/thing"  # no url: external_url


def test_json_detected_by_content_type_or_first_byte() -> None:
    doc = b'\xef\xbb\xbf \n{"version": "https://jsonfeed.org/version/1", "title": "T", "items": []}'
    assert parse_feed(doc, url="https://e.net/").version == "json10"
    assert parse_feed(doc, url="https://e.net/", content_type="application/feed+json").title == "T"
    with pytest.raises(ParseError, match="invalid JSON"):
        parse_feed(b"  [1, 2", url="https://e.net/", content_type="application/json")


# --- Chinese encodings -------------------------------------------------------------


def test_gb2312_feed() -> None:
    feed = parse_feed(
        corpus("chinese/chardet__GB2312-w3cn.org.xml"), url="https://example.net/gb", timezone="Asia/Shanghai"
    )
    assert feed.title == "网页设计师 - 文章教程"  # "网页设计师 -  文章教程", spaces collapsed
    assert titles(feed)[:3] == ["如何以及何时使用sIFR", "HTML4标签的默认样式列表", "在IE中为abbr标签加样式"]
    first = feed.entries[0]
    assert first.author == "阿宏"
    assert first.published == utc(2005, 5, 28, 8, 5, 36)  # "2005-5-28 16:05:36" in Beijing time


def test_gb2312_forum_feed_with_slash_dates() -> None:
    raw = corpus("chinese/netnewswire__kc0011.rss")
    feed = parse_feed(raw, url="https://example.net/kc", timezone="Asia/Shanghai")
    assert feed.title == "投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文"
    first = feed.entries[0]
    assert first.title == "建国35周年纪念，华表，和平鸽"
    assert first.author == "大鱼儿"
    assert first.link == "http://www.kc0011.net/dispbbs.asp?BoardID=10&ID=25164257&Page=1"
    # <pubDate>2020/1/10 14:33:00</pubDate>: feedparser alone reads 2020-11-01 00:00
    assert first.published == utc(2020, 1, 10, 6, 33)
    in_utc = parse_feed(raw, url="https://example.net/kc", timezone="UTC")
    assert in_utc.entries[0].published == utc(2020, 1, 10, 14, 33)


def test_big5_feed() -> None:
    feed = parse_feed(corpus("chinese/chardet__Big5-ebao.us.xml"), url="https://example.net/b5")
    assert feed.language == "zh-TW"
    assert titles(feed)[:2] == ["新年快樂", "2006年新唐人全球華人新年晚會，休士頓地區購票熱烈"]
    assert feed.updated == utc(2005, 12, 30, 14, 19, 19)  # channel <pubDate>


@pytest.mark.parametrize(
    ("path", "expected_titles"),
    [
        ("chinese/chardet__GB2312-w3cn.org.xml", ["如何以及何时使用sIFR", "HTML4标签的默认样式列表"]),
        ("chinese/chardet__Big5-ebao.us.xml", ["新年快樂", "2006年新唐人全球華人新年晚會，休士頓地區購票熱烈"]),
    ],
)
def test_one_bad_byte_does_not_turn_the_document_into_mojibake(path: str, expected_titles: list[str]) -> None:
    # A stray 0xFF in the channel's description makes the strict GB18030/Big5
    # decode fail; feedparser then decodes everything as windows-1252.
    raw = corpus(path)
    at = raw.index(b"<description>") + len(b"<description>")
    feed = parse_feed(raw[:at] + b"\xff" + raw[at:], url="https://example.net/bad")
    assert titles(feed)[:2] == expected_titles
    assert not any("\ufffd" in (t or "") for t in titles(feed))


def test_gbk_label_is_read_as_gb18030() -> None:
    # 𠮷 is outside GBK (a four-byte GB18030 sequence): feedparser's strict GBK
    # decode fails and the whole document comes out as windows-1252 mojibake.
    doc = rss("<item><title>朱镕基谈𠮷野家</title><link>http://x.cn/1</link></item>", encoding="gbk")
    feed = parse_feed(doc.encode("gb18030"), url="http://x.cn/")
    assert titles(feed) == ["朱镕基谈𠮷野家"]


def test_big5_label_is_read_as_big5_hkscs() -> None:
    # 哋, 嘅 and 𨋢 (Cantonese) are HKSCS additions, not in plain Big5.
    doc = rss("<item><title>我哋嘅電梯𨋢</title><link>http://x.hk/1</link></item>", encoding="big5")
    feed = parse_feed(doc.encode("big5hkscs"), url="http://x.hk/")
    assert titles(feed) == ["我哋嘅電梯𨋢"]


def test_gb2312_served_with_a_charset_header() -> None:
    raw = corpus("chinese/chardet__GB2312-w3cn.org.xml")
    for content_type in (
        "text/xml",  # RFC 3023 would make this us-ascii
        "text/xml; charset=gbk",
        "application/rss+xml; charset=GB2312",
        "text/html; charset=utf-8",  # a wrong header: the bytes are not UTF-8
    ):
        feed = parse_feed(raw, url="https://example.net/gb", content_type=content_type)
        assert titles(feed)[0] == "如何以及何时使用sIFR", content_type


def test_utf8_served_with_a_wrong_charset_header() -> None:
    doc = rss("<item><title>美团技术团队</title></item>")
    feed = parse_feed(doc.encode("utf-8"), url="https://e.net/", content_type="text/xml; charset=gbk")
    assert titles(feed) == ["美团技术团队"]


def test_encoding_override() -> None:
    # The GB2312 document with its XML declaration removed: only the
    # per-source override says how to read it.
    raw = corpus("chinese/chardet__GB2312-w3cn.org.xml")
    undeclared = raw[raw.index(b"?>") + 2 :]
    feed = parse_feed(undeclared, url="https://example.net/gb", encoding="gb2312")
    assert titles(feed)[0] == "如何以及何时使用sIFR"
    # an override beats a (wrong) declaration too
    doc = rss("<item><title>中文</title></item>", encoding="utf-8").encode("gbk")
    assert titles(parse_feed(doc, url="https://e.net/", encoding="GBK")) == ["中文"]
    with pytest.raises(ParseError, match="unknown encoding"):
        parse_feed(raw, url="https://example.net/gb", encoding="no-such-codec")


def test_declared_utf16_in_a_utf8_document() -> None:
    # encoding="utf-16" on UTF-8 bytes: feedparser alone returns 0 entries.
    feed = parse_feed(corpus("illformed/rssant__utf-8.not-utf-16.xml"), url="https://example.net/u")
    assert feed.title == "EKsumic's Blog"
    assert feed.entries[0].title == "転勤・引越し ――動詞　あげたりもらったり"  # U+3000 kept
    assert feed.entries[0].author == "EKsumic"


def test_utf16_with_byte_order_mark() -> None:
    doc = rss("<item><title>Ünïcödé</title></item>", encoding="utf-16")
    assert titles(parse_feed(doc.encode("utf-16"), url="https://e.net/")) == ["Ünïcödé"]


def test_whitespace_before_the_xml_declaration() -> None:
    # The file starts with "\n<?xml ...": expat rejects it; we strip it.
    feed = parse_feed(corpus("chinese/rodel-reader__Rss-meituan.xml"), url="https://example.net/mt")
    assert feed.title == "美团技术团队"
    assert feed.author == "美团技术团队"  # "tech@meituan.com (美团技术团队)"
    assert feed.ttl_seconds == 3600  # sy:updatePeriod hourly, frequency 1
    assert len(feed.entries) == 10
    assert feed.entries[0].title == "美团 LongCat Interaction 团队发布大模型交互系统技术报告 WOWService"


def test_control_characters_are_dropped() -> None:
    doc = rss("<item><title>\x08Hello\x1b world</title><link>http://x/1</link></item>")
    assert titles(parse_feed(doc.encode(), url="https://e.net/")) == ["Hello world"]


# --- links and bases -----------------------------------------------------------------


def test_relative_links_are_resolved_against_the_document_url() -> None:
    feed = parse_feed(corpus("illformed/feed-rs__atom_relative.xml"), url="https://example.com/blog/feed.xml")
    assert feed.link == "https://example.com/blog/"
    assert feed.url == "https://example.com/blog/feed.xml"  # rel="self", absolute
    assert feed.entries[0].link == "https://example.com/blog/2003/12/13/atom03"

    feed = parse_feed(corpus("illformed/lemon24-reader__relative.atom"), url="https://example.org/x/feed.atom")
    assert feed.link == "https://example.org/x/file.html"
    assert feed.entries[0].link == "https://example.org/x/entries/entry.html"


def test_relative_rss_links_and_relative_self_link() -> None:
    url = "https://www.arcgames.com/en/games/neverwinter/news/rss"
    feed = parse_feed(corpus("illformed/node-feedparser__rss-with-relative-urls.xml"), url=url)
    assert feed.link == "https://www.arcgames.com/en/games/neverwinter/news"
    assert feed.url == url  # the self link "/en/games/neverwinter/news/rss" is relative
    assert feed.ttl_seconds == 3600
    first = feed.entries[0]
    assert first.title == "Neverwinter & Jingle Jam Humble Bundle!"
    assert first.link == (
        "https://www.arcgames.com/en/games/neverwinter/news/detail/"
        "10743874-neverwinter-%26-jingle-jam-humble-bundle%21"
    )
    assert first.id == "http://www.arcgames.com/en/games/PAB_nw/news/detail/10743874"  # isPermaLink="false"
    assert first.published == utc(2017, 12, 7, 18, 0, 29)  # "Thu, 07 Dec 17 10:00:29 -0800"


def test_xml_base_of_content() -> None:
    feed = parse_feed(corpus("illformed/feed-rs__atom_xml_base.xml"), url="https://numi.st/feed.xml")
    (entry,) = feed.entries
    assert entry.content_base == "https://numi.st/post/2022/travel-uke/"
    assert entry.content is not None and '<img src="IMG_1232.jpeg" />' in entry.content
    assert entry.title == "my cool entry title"
    assert entry.author == "Not Blank"


@pytest.mark.parametrize("name", ["tpm-with-empty-base", "tpm-with-fragment-base"])
def test_odd_xml_base(name: str) -> None:
    feed = parse_feed(corpus(f"illformed/node-feedparser__{name}.atom"), url="http://talkingpointsmemo.com/feed")
    assert feed.entries[0].link == (
        "http://talkingpointsmemo.com/livewire/hannity-announces-fox-hired-sebastian-gorka-national-security-strategist"
    )


def test_atom_id_never_becomes_a_non_web_link() -> None:
    doc = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>'
        "<entry><id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id><title>a</title></entry>"
        "<entry><id>tag:example.org,2024:2</id><title>b</title>"
        '<link rel="alternate" href="javascript:alert(1)"/></entry>'
        "</feed>"
    )
    first, second = parse_feed(doc.encode(), url="https://example.org/f").entries
    assert (first.id, first.link) == ("urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", None)
    assert (second.id, second.link) == ("tag:example.org,2024:2", None)


def test_canonical_link_content_and_tags() -> None:
    doc = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">&lt;b&gt;Site&lt;/b&gt; &amp;amp; co</title>'
        "<entry><id>1</id>"
        '<title type="html">&lt;em&gt;Big&lt;/em&gt;\n   news &amp;amp; more</title>'
        '<link rel="alternate" href="/a?utm_source=x"/><link rel="canonical" href="/a"/>'
        '<category term="财经"/><category term="markets"/><category term="财经"/>'
        '<summary type="html">&lt;p&gt;short&lt;/p&gt;</summary>'
        '<content type="html">&lt;p&gt;the full text&lt;/p&gt;</content>'
        '<published>2024-05-01T10:30:00</published>'
        "</entry></feed>"
    )
    feed = parse_feed(doc.encode(), url="https://news.example.cn/feed", timezone="Asia/Shanghai")
    assert feed.title == "Site & co"
    (entry,) = feed.entries
    assert entry.title == "Big news & more"
    assert entry.link == "https://news.example.cn/a?utm_source=x"
    assert entry.canonical_link == "https://news.example.cn/a"
    assert entry.tags == ("财经", "markets")
    assert entry.content == "<p>the full text</p>"
    assert entry.summary == "<p>short</p>"
    assert entry.published == utc(2024, 5, 1, 2, 30)  # no zone: Beijing time


def test_rss_titles() -> None:
    items = (
        "<item><title>AT&amp;amp;T &amp; co</title></item>"  # escaped twice
        "<item><title>1 &lt; 2</title></item>"
        "<item><title>&lt;b&gt;bold&lt;/b&gt; move</title></item>"
    )
    assert titles(parse_feed(rss(items).encode(), url="https://e.net/")) == ["AT&T & co", "1 < 2", "bold move"]


def test_longest_content_wins() -> None:
    items = (
        '<item xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "<description>teaser</description>"
        "<content:encoded>&lt;p&gt;the whole article&lt;/p&gt;</content:encoded></item>"
    )
    (entry,) = parse_feed(rss(items).encode(), url="https://e.net/").entries
    assert entry.content == "<p>the whole article</p>"
    assert entry.summary == "teaser"


def test_cst_dates_on_a_chinese_source() -> None:
    items = "<item><title>a</title><pubDate>Mon, 10 Jan 2020 14:33:00 CST</pubDate></item>"
    doc = rss(items).encode()
    china = parse_feed(doc, url="https://e.cn/", timezone="Asia/Shanghai")
    assert china.entries[0].published == utc(2020, 1, 10, 6, 33)
    chicago = parse_feed(doc, url="https://e.us/", timezone="America/Chicago")
    assert chicago.entries[0].published == utc(2020, 1, 10, 20, 33)


# --- not feeds ---------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \r\n\t ", b"\xef\xbb\xbf\n"])
def test_empty_document(content: bytes) -> None:
    with pytest.raises(ParseError, match="^not a feed: empty document$"):
        parse_feed(content, url="https://e.net/")


@pytest.mark.parametrize(
    "path",
    [
        "illformed/node-feedparser__notafeed.html",
        "illformed/rssant__http-enrz-com-feed.xml",
        "illformed/rssant__https-d3adend-org-blog-feed-rss2.xml",
    ],
)
def test_html_page(path: str) -> None:
    with pytest.raises(ParseError, match="^not a feed: the document is an HTML page$"):
        parse_feed(corpus(path), url="https://e.net/feed", content_type="text/html; charset=utf-8")
    with pytest.raises(ParseError, match="HTML page"):
        parse_feed(corpus(path), url="https://e.net/feed")


def test_malformed_xml_names_the_line() -> None:
    doc = b"\n\n<?xml version='1.0'?>\n<foo>\n<bar></foo>\n"
    with pytest.raises(ParseError, match="^malformed XML at line 5: mismatched tag$"):
        parse_feed(doc, url="https://e.net/")


def test_other_non_feeds() -> None:
    with pytest.raises(ParseError, match=r"root element <catalog> is not RSS"):
        parse_feed(corpus("illformed/feed-rs__xml_sample_1.xml"), url="https://e.net/")
    with pytest.raises(ParseError, match="gzip"):
        parse_feed(corpus("illformed/node-feedparser__compressed.xml"), url="https://e.net/")
    with pytest.raises(ParseError, match="not a JSON Feed"):
        parse_feed(corpus("illformed/rssant__rssant-manifest.json"), url="https://e.net/")
    with pytest.raises(ParseError, match="not a JSON Feed"):
        parse_feed(corpus("real/netnewswire__ScriptingNews.json"), url="https://e.net/")  # RSS-in-JSON
    with pytest.raises(ParseError, match=r"^not a feed: invalid JSON at line 15 column 1"):
        parse_feed(corpus("illformed/rssant__jsonfeed-failed-syntax.json"), url="https://e.net/")
    with pytest.raises(ParseError, match="no XML element"):
        parse_feed(corpus("illformed/feedparser__illformed-rss_empty_document.xml"), url="https://e.net/")


def test_broken_but_usable_feeds_are_accepted() -> None:
    # Not well-formed (a character reference cut off), yet 20 items.
    feed = parse_feed(corpus("chinese/chardet__Big5-coolloud.org.tw.xml"), url="https://example.net/c")
    assert len(feed.entries) == 20
    # A valid feed with no entries is fine.
    empty = parse_feed(rss("").encode(), url="https://e.net/")
    assert (empty.version, empty.title, empty.entries) == ("rss20", "t", ())
    empty_json = b'{"version": "https://jsonfeed.org/version/1.1", "items": []}'
    assert parse_feed(empty_json, url="https://e.net/").entries == ()


# --- the whole corpus ----------------------------------------------------------------


def _sweep_paths() -> list:
    if not CORPUS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=CORPUS_MISSING))]
    return sorted(
        f"{folder}/{p.name}"
        for folder in ("real", "chinese", "illformed", "synthetic")
        for p in (CORPUS / folder).iterdir()
    )


def _manifest() -> dict[str, dict[str, str]]:
    path = CORPUS / "MANIFEST.tsv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        return {row["path"]: row for row in csv.DictReader(f, delimiter="\t")}


MANIFEST = _manifest()
# The documents in real/ and chinese/ that are not feeds at all.
NOT_FEEDS = {"real/netnewswire__ScriptingNews.json"}  # Dave Winer's RSS-in-JSON


def _assert_aware_utc(value: datetime | None) -> None:
    assert value is None or value.utcoffset() == timedelta(0)


def _assert_absolute(link: str | None) -> None:
    if link is not None:
        parts = urlsplit(link)
        assert parts.scheme in ("http", "https", "ftp", "file"), link
        assert parts.netloc or parts.scheme == "file", link


def test_the_corpus_is_there() -> None:
    if not CORPUS.is_dir():
        pytest.skip(CORPUS_MISSING)
    assert len(_sweep_paths()) > 1000


@pytest.mark.parametrize("path", _sweep_paths())
def test_corpus_sweep(path: str) -> None:
    """Every document either parses into clean records or raises ParseError."""
    raw = (CORPUS / path).read_bytes()
    try:
        feed = parse_feed(raw, url=f"https://feeds.example.net/{path}", timezone="Asia/Shanghai")
    except ParseError as error:
        message = str(error)
        assert message and "\n" not in message
        assert not (path.startswith(("real/", "chinese/")) and path not in NOT_FEEDS), message
        return
    assert path not in NOT_FEEDS
    assert isinstance(feed, FeedData) and feed.version
    _assert_absolute(feed.url)
    _assert_absolute(feed.link)
    _assert_aware_utc(feed.updated)
    for entry in feed.entries:
        assert isinstance(entry, EntryData)
        _assert_absolute(entry.link)
        _assert_absolute(entry.canonical_link)
        _assert_absolute(entry.content_base)
        _assert_aware_utc(entry.published)
        _assert_aware_utc(entry.updated)
        assert entry.title is None or (entry.title == entry.title.strip() and "\n" not in entry.title)
        if path.startswith("chinese/"):
            assert "\ufffd" not in (entry.title or ""), entry.title
    # feedparser alone (the MANIFEST baseline) never finds more entries
    if path in MANIFEST:
        assert len(feed.entries) >= int(MANIFEST[path]["entries"])


def _corpus_documents() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".xml", ".rss", ".atom", ".rdf"))


def test_buffered_sax_driver_parses_the_whole_corpus_exactly_as_feedparsers_own(monkeypatch):
    """saxdriver.py only changes how expat hands text over, never the result:
    every corpus document gives the same FeedData (entries, content and all)
    with feedhub's driver and with the stock expat reader."""
    import feedparser.api

    from feedhub.parse import SAX_DRIVER

    if not CORPUS.is_dir():
        pytest.skip(CORPUS_MISSING)
    documents = _corpus_documents()
    assert len(documents) > 100
    assert feedparser.api.PREFERRED_XML_PARSERS[0] == SAX_DRIVER

    def parse_all() -> list:
        results = []
        for path in documents:
            try:
                results.append(parse_feed(path.read_bytes(), url="https://example.net/feed"))
            except ParseError as error:
                results.append(str(error))
        return results

    buffered = parse_all()
    monkeypatch.setattr(feedparser.api, "PREFERRED_XML_PARSERS", ["xml.sax.expatreader"])
    stock = parse_all()
    assert sum(1 for r in stock if not isinstance(r, str) and r.entries) > 100
    for path, ours, theirs in zip(documents, buffered, stock):
        assert ours == theirs, path
