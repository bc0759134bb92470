"""Publishing: category views -> atom.xml, pages, feeds.opml, read back the
way subscribers read them (feedparser, sfeed, newsboat, an HTML parser).

The records are written by hand below, and so is every expected value.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree

from feedhub.errors import PublishError
from feedhub.publish import publish_site
from feedhub.publish.atom import render_atom
from feedhub.publish.common import entry_file
from feedhub.publish.html import render_category, render_index
from feedhub.publish.opml import render_opml
from feedhub.types import CategoryView, SourceInfo, Story, StoryCopy
from publish_records import EN_VIEW, FED, FED_LINK, OIL, POSTAL, SINA, SITE_EN, SITE_ZH
from readers import ReaderEntry, newsboat_entries, sfeed_entries

UTC = timezone.utc
DATA = Path(__file__).parent / "data" / "publish"
ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# --- The records ------------------------------------------------------------

EASTMONEY = SourceInfo(
    name="东方财富",
    feed_url="https://em.example.cn/news.xml",
    site_link="https://em.example.cn/",
    feed_id="urn:em:news",
    feed_title="东方财富网 要闻",
    feed_updated=datetime(2022, 5, 26, 2, 0, tzinfo=UTC),
)

MERGED_LINK = "https://postal.example.cn/news/20220526/1.html"
MERGED = Story(
    id=MERGED_LINK,
    category="中国邮政快递报新闻",
    title="理念互鉴是更高层次的协同",
    link=MERGED_LINK,
    author="宋金秀",
    content="<p>核心阅读：山东省聊城市邮政分公司在乡镇及农村寄递市场开发中，打破惯性思维。</p>",
    summary="",
    published=datetime(2022, 5, 26, 5, 20, 59, tzinfo=UTC),  # 13:20:59 in Shanghai
    updated=datetime(2022, 5, 26, 5, 30, tzinfo=UTC),
    tags=("中国邮政快递报新闻", "快递物流"),
    canonical=StoryCopy(POSTAL, MERGED_LINK, "理念互鉴是更高层次的协同", "宋金秀"),
    others=(
        StoryCopy(SINA, "https://finance.example.com/a/20220526/77.html", "理念互鉴是更高层次的协同", None),
        StoryCopy(EASTMONEY, "https://em.example.cn/a?id=9&from=rss", "聊城邮政：理念互鉴是更高层次的协同", None),
    ),
)
CONTROL = Story(
    id="tag:finance.example.com,2022:entry-42",
    category="中国邮政快递报新闻",
    title="控制\x00字符\x08测试\x1b标题",
    link="https://finance.example.com/a/20220525/42.html",
    author="记者\x1b甲",
    content="<p>正文\x00含有\x08控制\x1b字符</p>",
    summary="",
    published=datetime(2022, 5, 25, 9, 0, tzinfo=UTC),
    updated=datetime(2022, 5, 25, 9, 0, tzinfo=UTC),
    tags=("财经\x08",),
    canonical=StoryCopy(SINA, "https://finance.example.com/a/20220525/42.html", "控制字符测试标题", "记者甲"),
)
SPECIAL_LINK = "https://em.example.cn/a?id=1001&from=rss"
SPECIAL = Story(
    id="urn:em:news:1001",
    category="中国邮政快递报新闻",
    title="A&B <公司> \"涨停\" 也是 '标题'",
    link=SPECIAL_LINK,
    author=" \x00 ",  # empty-ish: the source's name stands in
    content="<p>x &amp; y &lt; z</p>",
    summary="",
    published=datetime(2022, 5, 24, 1, 2, 3, tzinfo=UTC),
    updated=datetime(2022, 5, 24, 1, 2, 3, tzinfo=UTC),
    tags=(),
    canonical=StoryCopy(EASTMONEY, SPECIAL_LINK, "A&B <公司>", None),
)
ZH_VIEW = CategoryView(
    name="中国邮政快递报新闻",
    slug="zhongguoyouzhengkuaidibao",
    stories=(MERGED, CONTROL, SPECIAL),
    sources=(POSTAL, SINA, EASTMONEY),
)
ZH_SELF = "https://news.example.com/zhongguoyouzhengkuaidibao/atom.xml"

EMPTY_VIEW = CategoryView(name="快递物流", slug="kuaidiwuliu", stories=())

# What a subscriber must see, entry by entry, newest first.
ZH_EXPECTED = [
    {
        "id": MERGED_LINK,
        "title": "理念互鉴是更高层次的协同",
        "link": MERGED_LINK,
        "author": "宋金秀",
        "source_id": "tag:postal.example.cn,2022:news",
        "source_title": "中国邮政快递报 · 新闻",
        "source_link": "https://postal.example.cn/",
        "source_self": "https://postal.example.cn/rss.xml",
        "source_updated": "2022-05-26T14:00:00+08:00",
    },
    {
        "id": "tag:finance.example.com,2022:entry-42",
        "title": "控制字符测试标题",
        "link": "https://finance.example.com/a/20220525/42.html",
        "author": "记者甲",
        "source_id": "https://finance.example.com/feed.atom",
        "source_title": "新浪财经",
        "source_link": None,
        "source_self": "https://finance.example.com/feed.atom",
        "source_updated": "2022-05-25T17:00:00+08:00",
    },
    {
        "id": "urn:em:news:1001",
        "title": "A&B <公司> \"涨停\" 也是 '标题'",
        "link": SPECIAL_LINK,
        "author": "东方财富",
        "source_id": "urn:em:news",
        "source_title": "东方财富网 要闻",
        "source_link": "https://em.example.cn/",
        "source_self": "https://em.example.cn/news.xml",
        "source_updated": "2022-05-26T10:00:00+08:00",
    },
]
EN_EXPECTED = [
    {
        "id": FED_LINK,
        "title": 'Fed holds rates <again> & says "wait"',
        "link": FED_LINK,
        "author": "Jane Roe",
        "source_id": "https://harbour.example.org/feed.xml",
        "source_title": "The Harbour Gazette",
        "source_link": "https://harbour.example.org/",
        "source_self": "https://harbour.example.org/feed.xml",
        "source_updated": "2024-03-20T20:00:00+00:00",
    },
    {
        "id": "tag:ledger.example.net,2024:markets/881",
        "title": "Oil slips as stocks rise",
        "link": "https://ledger.example.net/markets/881",
        "author": "Daily Ledger",
        "source_id": "https://ledger.example.net/rss",
        "source_title": "Daily Ledger — Markets",
        "source_link": "https://ledger.example.net/",
        "source_self": "https://ledger.example.net/rss",
        "source_updated": "2024-03-19T07:30:00+00:00",
    },
]


def zh_atom() -> bytes:
    return render_atom(ZH_VIEW, SITE_ZH, self_url=ZH_SELF, generator_version="1.2.3")


def en_atom() -> bytes:
    return render_atom(EN_VIEW, SITE_EN, self_url="atom.xml", generator_version="1.2.3")


def empty_atom() -> bytes:
    return render_atom(EMPTY_VIEW, SITE_ZH, self_url="atom.xml", generator_version="1.2.3")


ALL_FEEDS = pytest.mark.parametrize("render", [zh_atom, en_atom, empty_atom], ids=["zh", "en", "empty"])


def entry_contents(feed: bytes) -> list[str]:
    """Each entry's content as the HTML string a reader unescapes."""
    root = etree.fromstring(feed)
    return [entry.findtext(f"{ATOM}content") for entry in root.iter(f"{ATOM}entry")]


# --- Atom, read back by feedparser -------------------------------------------


@pytest.mark.parametrize(("render", "expected"), [(zh_atom, ZH_EXPECTED), (en_atom, EN_EXPECTED)], ids=["zh", "en"])
def test_feedparser_reads_every_entry(render, expected):
    parsed = feedparser.parse(render())

    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    seen = [
        {
            "id": entry.id,
            "title": entry.title,
            "link": entry.link,
            "author": entry.author,
            "source_id": entry.source.id,
            "source_title": entry.source.title,
            "source_link": entry.source.get("link") if any(
                link.rel == "alternate" for link in entry.source.links
            ) else None,
            "source_self": next(link.href for link in entry.source.links if link.rel == "self"),
            "source_updated": entry.source.updated,
        }
        for entry in parsed.entries
    ]
    assert seen == expected


def test_feed_metadata_with_base_url():
    parsed = feedparser.parse(zh_atom())
    feed = parsed.feed

    assert feed.id == ZH_SELF
    assert feed.title == "财经新闻聚合 · 中国邮政快递报新闻"
    assert feed.title_detail.type == "text/plain"
    assert feed.language == "zh-CN"
    assert feed.updated == "2022-05-26T13:30:00+08:00"  # MERGED.updated in the site's zone, not the clock
    links = {(link.rel, link.href) for link in feed.links}
    assert links == {
        ("self", ZH_SELF),
        ("alternate", "https://news.example.com/zhongguoyouzhengkuaidibao/index.html"),
    }
    assert feed.generator == "feedhub"
    assert feed.generator_detail.version == "1.2.3"


def test_feed_metadata_without_base_url():
    root = etree.fromstring(en_atom())

    # No base_url, no absolute self URL: a name-based UUID that never changes:
    # uuid5(uuid5(NAMESPACE_URL, PROJECT_URL), "category/markets"). Pinned, as
    # readers key on it.
    assert root.findtext(f"{ATOM}id") == "urn:uuid:97771d1e-39d5-5e94-a438-211e44704531"
    assert root.findtext(f"{ATOM}title") == "Market Wire · Markets"
    assert root.get(XML_LANG) == "en-GB"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {"self": "atom.xml", "alternate": "index.html"}


def test_feed_id_depends_on_slug_only():
    other_site = replace(SITE_EN, title="Another title")
    first = etree.fromstring(en_atom()).findtext(f"{ATOM}id")
    again = etree.fromstring(render_atom(EN_VIEW, other_site, self_url="atom.xml", generator_version="2")).findtext(f"{ATOM}id")
    other_slug = replace(EN_VIEW, slug="markets-2")
    different = etree.fromstring(render_atom(other_slug, SITE_EN, self_url="atom.xml", generator_version="2")).findtext(f"{ATOM}id")

    assert first == again
    assert first != different


def test_chinese_attribution_closes_the_content():
    contents = entry_contents(zh_atom())

    assert contents[0] == (
        "<p>核心阅读：山东省聊城市邮政分公司在乡镇及农村寄递市场开发中，打破惯性思维。</p>"
        '<p class="attribution">文章来源：<a href="https://postal.example.cn/news/20220526/1.html">中国邮政快递报</a></p>'
        '<p class="also">同时刊载于：<a href="https://finance.example.com/a/20220526/77.html">新浪财经</a>、'
        '<a href="https://em.example.cn/a?id=9&amp;from=rss">东方财富</a></p>'
    )
    # One source: no "also" line.
    assert contents[2] == (
        "<p>x &amp; y &lt; z</p>"
        '<p class="attribution">文章来源：<a href="https://em.example.cn/a?id=1001&amp;from=rss">东方财富</a></p>'
    )


def test_english_attribution_closes_the_content():
    contents = entry_contents(en_atom())

    assert contents[0] == (
        "<p>The central bank kept rates unchanged.</p>"
        '<p class="attribution">Source: <a href="https://harbour.example.org/2024/03/20/fed-holds">Harbour Gazette</a></p>'
        '<p class="also">Also reported by: <a href="https://ledger.example.net/markets/880">Daily Ledger</a></p>'
    )
    assert contents[1].endswith(
        '<p class="attribution">Source: <a href="https://ledger.example.net/markets/881">Daily Ledger</a></p>'
    )


def test_attribution_names_are_escaped_and_unsafe_links_dropped():
    rogue = replace(EASTMONEY, name='<b>"Evil" & Co</b>')
    story = replace(
        SPECIAL,
        canonical=StoryCopy(rogue, "javascript:alert(1)", "x", None),
        others=(StoryCopy(replace(SINA, name="A<B"), "javascript:alert(2)", "x", None),),
    )
    view = replace(ZH_VIEW, stories=(story,))
    [content] = entry_contents(render_atom(view, SITE_ZH, self_url=ZH_SELF, generator_version="1"))

    # The canonical credit links the story's own (safe) link; the other has none.
    assert content.endswith(
        '<p class="attribution">文章来源：<a href="https://em.example.cn/a?id=1001&amp;from=rss">'
        "&lt;b&gt;&quot;Evil&quot; &amp; Co&lt;/b&gt;</a></p>"
        '<p class="also">同时刊载于：A&lt;B</p>'
    )
    assert "javascript" not in content


def test_control_characters_are_dropped_not_fatal():
    # feedgen (lxml) raises ValueError on these; publishing must not.
    feed = zh_atom()
    root = etree.fromstring(feed)
    entry = root.findall(f"{ATOM}entry")[1]

    assert entry.findtext(f"{ATOM}title") == "控制字符测试标题"
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "记者甲"
    assert entry.findtext(f"{ATOM}content").startswith("<p>正文含有控制字符</p>")
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["财经"]
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", feed)


def test_noncharacters_and_lone_surrogates_are_dropped():
    story = replace(OIL, title="Oil\ufffe slips\ud800 \uffff", content="<p>\udfffBrent</p>")
    feed = render_atom(replace(EN_VIEW, stories=(story,)), SITE_EN, self_url="atom.xml", generator_version="1")
    entry = etree.fromstring(feed).find(f"{ATOM}entry")

    assert entry.findtext(f"{ATOM}title") == "Oil slips"
    assert entry.findtext(f"{ATOM}content").startswith("<p>Brent</p>")


def test_categories_come_from_tags_once_each():
    root = etree.fromstring(en_atom())
    terms = [c.get("term") for c in root.find(f"{ATOM}entry").findall(f"{ATOM}category")]

    assert terms == ["rates", "fed"]


def test_empty_category_has_a_fixed_updated():
    root = etree.fromstring(empty_atom())

    assert root.findtext(f"{ATOM}updated") == "1970-01-01T08:00:00+08:00"  # EPOCH in Asia/Shanghai
    assert root.findall(f"{ATOM}entry") == []


def test_empty_category_is_dated_by_its_sources():
    # Not 1970 ("Implausible date", says the W3C validator) when its
    # sources say how recent they are.
    view = replace(EMPTY_VIEW, sources=(POSTAL, SINA, EASTMONEY))
    root = etree.fromstring(render_atom(view, SITE_ZH, self_url="atom.xml", generator_version="1"))

    assert root.findtext(f"{ATOM}updated") == "2022-05-26T14:00:00+08:00"  # POSTAL's, the newest


@pytest.mark.parametrize(("feed_id", "expected"), [
    ("example", "https://postal.example.cn/rss.xml"),  # not an IRI: the feed's URL instead
    ("https://neverworkintheory.org", "https://neverworkintheory.org/"),
    ("HTTPS://Postal.Example.CN:443/news?x=1", "https://postal.example.cn/news?x=1"),
    ("tag:postal.example.cn,2022:news", "tag:postal.example.cn,2022:news"),
])
def test_source_id_is_an_iri_in_canonical_form(feed_id, expected):
    """W3C validator: "id must be a full and valid URL" (an error), and
    "Identifier ... is not in canonical form" (a warning)."""
    story = replace(MERGED, canonical=replace(MERGED.canonical, source=replace(POSTAL, feed_id=feed_id)))
    root = etree.fromstring(render_atom(replace(ZH_VIEW, stories=(story,)), SITE_ZH, self_url=ZH_SELF,
                                        generator_version="1"))

    assert root.findtext(f"{ATOM}entry/{ATOM}source/{ATOM}id") == expected


def test_plain_text_uses_hexadecimal_references():
    """W3C validator: a title "1&amp;1" reads as an HTML entity ("title
    should not contain HTML"); "1&#x26;1" is the same text to any parser."""
    story = replace(OIL, title="Aus 1&1 wird <1&1 Ionos>", author="Smith & Co")
    feed = render_atom(replace(EN_VIEW, name="R&D", stories=(story,)), SITE_EN, self_url="atom.xml",
                       generator_version="1")

    assert b"<title>Aus 1&#x26;1 wird &#x3C;1&#x26;1 Ionos&#x3E;</title>" in feed
    assert b"<title>Market Wire \xc2\xb7 R&#x26;D</title>" in feed
    assert b"<name>Smith &#x26; Co</name>" in feed
    parsed = feedparser.parse(feed)
    assert parsed.feed.title == "Market Wire · R&D"
    assert (parsed.entries[0].title, parsed.entries[0].author) == ("Aus 1&1 wird <1&1 Ionos>", "Smith & Co")
    # The HTML content keeps its escaping.
    assert b'<content type="html">&lt;p&gt;Brent fell 1%.&lt;/p&gt;' in feed


def test_entries_keep_the_views_order():
    # The view is newest first; feedgen prepends by default, which would reverse it.
    reordered = replace(ZH_VIEW, stories=(SPECIAL, MERGED, CONTROL))
    root = etree.fromstring(render_atom(reordered, SITE_ZH, self_url=ZH_SELF, generator_version="1"))

    assert [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")] == [SPECIAL.id, MERGED.id, CONTROL.id]


@ALL_FEEDS
def test_rendering_twice_gives_the_same_bytes(render):
    assert render() == render()


def test_equal_views_give_the_same_bytes():
    rebuilt = CategoryView(name=ZH_VIEW.name, slug=ZH_VIEW.slug, stories=tuple(replace(s) for s in ZH_VIEW.stories))

    assert render_atom(rebuilt, SITE_ZH, self_url=ZH_SELF, generator_version="1.2.3") == zh_atom()


# --- Atom, checked against RFC 4287 ------------------------------------------

# RFC 3339 §5.6 date-time, which RFC 4287 §3.3 requires (with an upper-case T and Z).
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def is_absolute_http(url: str | None) -> bool:
    return bool(url) and re.match(r"https?://[^/\s]+", url) is not None


@ALL_FEEDS
def test_rfc4287_rules(render):
    root = etree.fromstring(render())

    assert root.tag == f"{ATOM}feed"
    assert root.get(XML_LANG)
    for name in ("id", "title", "updated"):  # §4.1.1
        assert len(root.findall(f"{ATOM}{name}")) == 1, name
    assert RFC3339.fullmatch(root.findtext(f"{ATOM}updated"))
    assert [link.get("href") for link in root.findall(f"{ATOM}link[@rel='self']")]  # §4.1.1 SHOULD

    entries = root.findall(f"{ATOM}entry")
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == len(ids)  # §4.1.1: no two entries share an id
    for entry in entries:
        for name in ("id", "title", "updated"):  # §4.1.2
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert entry.find(f"{ATOM}title").get("type", "text") == "text"
        assert entry.findtext(f"{ATOM}author/{ATOM}name").strip()
        alternates = [link for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        assert len(alternates) == 1 and is_absolute_http(alternates[0].get("href"))
        assert entry.find(f"{ATOM}content").get("type") == "html"
        for name in ("updated", "published"):
            assert RFC3339.fullmatch(entry.findtext(f"{ATOM}{name}")), name

        source = entry[-1]  # §4.2.11, and DESIGN.md: source is the entry's last child
        assert source.tag == f"{ATOM}source"
        for name in ("id", "title", "updated"):
            assert source.findtext(f"{ATOM}{name}"), name
        assert RFC3339.fullmatch(source.findtext(f"{ATOM}updated"))
        assert is_absolute_http(source.find(f"{ATOM}link[@rel='self']").get("href"))


@ALL_FEEDS
def test_valid_against_the_rfc4287_relax_ng_schema(render):
    schema = etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))
    document = etree.ElementTree(etree.fromstring(render()))

    assert schema.validate(document), schema.error_log


# --- Atom, read by real feed readers -----------------------------------------


def published(tmp_path: Path) -> dict[str, Path]:
    publish_site([ZH_VIEW, EN_VIEW], SITE_ZH, tmp_path / "output", generator_version="1.2.3")
    return {slug: tmp_path / "output" / slug / "atom.xml" for slug in ("zhongguoyouzhengkuaidibao", "markets")}


READER_EXPECTED = {
    "zhongguoyouzhengkuaidibao": [ReaderEntry(e["title"], e["link"], e["author"]) for e in ZH_EXPECTED],
    "markets": [ReaderEntry(e["title"], e["link"], e["author"]) for e in EN_EXPECTED],
}


def test_sfeed_sees_each_entry_with_its_own_title_and_link(tmp_path):
    # sfeed keeps the last <title>/<link> it meets inside an <entry>: with
    # atom:source anywhere but last it would report the source's instead.
    for slug, feed in published(tmp_path).items():
        assert sfeed_entries(feed) == READER_EXPECTED[slug]


def test_newsboat_sees_each_entry(tmp_path):
    for slug, feed in published(tmp_path).items():
        assert newsboat_entries(feed, tmp_path / "newsboat" / slug) == READER_EXPECTED[slug]


def test_sfeed_would_report_the_source_if_it_came_first(tmp_path):
    """The reason for the rule: move source first, and sfeed is fooled."""
    root = etree.fromstring(zh_atom())
    for entry in root.iter(f"{ATOM}entry"):
        entry.insert(0, entry.find(f"{ATOM}source"))
    feed = tmp_path / "atom.xml"
    feed.write_bytes(etree.tostring(root))

    assert [e.title for e in sfeed_entries(feed)] == ["中国邮政快递报 · 新闻", "新浪财经", "东方财富网 要闻"]


# --- OPML ---------------------------------------------------------------------


def outlines(opml: bytes) -> list[dict[str, str]]:
    root = etree.fromstring(opml)
    assert root.tag == "opml" and root.get("version") == "2.0"
    return [dict(outline.attrib) for outline in root.iter("outline")]


def feed_path(view: CategoryView) -> str:
    return f"{view.slug}/atom.xml"


def test_opml_lists_every_category_with_absolute_urls():
    opml = render_opml([ZH_VIEW, EN_VIEW, EMPTY_VIEW], SITE_ZH, feed_path=feed_path)

    assert etree.fromstring(opml).findtext("head/title") == "财经新闻聚合"
    assert outlines(opml) == [
        {
            "type": "rss",
            "text": "中国邮政快递报新闻",
            "title": "中国邮政快递报新闻",
            "xmlUrl": "https://news.example.com/zhongguoyouzhengkuaidibao/atom.xml",
            "htmlUrl": "https://news.example.com/zhongguoyouzhengkuaidibao/index.html",
        },
        {
            "type": "rss",
            "text": "Markets",
            "title": "Markets",
            "xmlUrl": "https://news.example.com/markets/atom.xml",
            "htmlUrl": "https://news.example.com/markets/index.html",
        },
        {
            "type": "rss",
            "text": "快递物流",
            "title": "快递物流",
            "xmlUrl": "https://news.example.com/kuaidiwuliu/atom.xml",
            "htmlUrl": "https://news.example.com/kuaidiwuliu/index.html",
        },
    ]


def test_opml_without_base_url_uses_paths_under_output():
    odd = replace(EN_VIEW, name='Markets & "Money" <daily>\x07')
    opml = render_opml([odd], SITE_EN, feed_path=feed_path)

    assert outlines(opml) == [
        {
            "type": "rss",
            "text": 'Markets & "Money" <daily>',
            "title": 'Markets & "Money" <daily>',
            "xmlUrl": "markets/atom.xml",
            "htmlUrl": "markets/index.html",
        }
    ]
    assert render_opml([odd], SITE_EN, feed_path=feed_path) == opml


# --- HTML -----------------------------------------------------------------------


def parse_html(page: bytes) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(page.decode("utf-8"))


def hrefs(doc: lxml.html.HtmlElement) -> set[str]:
    return {a.get("href") for a in doc.iter("a")}


def assert_no_active_content(doc: lxml.html.HtmlElement) -> None:
    assert doc.xpath("//script") == []
    assert [
        (element.tag, name) for element in doc.iter() for name in element.attrib if name.lower().startswith("on")
    ] == []


def test_category_page():
    doc = parse_html(render_category(ZH_VIEW, SITE_ZH))

    assert doc.get("lang") == "zh-CN"
    feeds = doc.xpath("//head/link[@rel='alternate' and @type='application/atom+xml']/@href")
    assert feeds == ["atom.xml"]
    assert {MERGED_LINK, "https://finance.example.com/a/20220525/42.html", SPECIAL_LINK} <= hrefs(doc)
    assert "../index.html" in hrefs(doc)  # back to the home page
    # Titles, shown exactly as written, link each story's page beside it.
    titles = [(a.text_content(), a.get("href")) for a in doc.xpath("//article/h2/a")]
    assert titles == [(e["title"], entry_file(e["id"])) for e in ZH_EXPECTED]
    # Dates in the site's zone, as a Chinese portal writes them (issue
    # #17); the offset is in the machine-readable attribute.
    assert doc.xpath("//article//time/text()") == ["2022-05-26 13:20", "2022-05-25 17:00", "2022-05-24 09:02"]
    assert doc.xpath("//article[1]//time/@datetime") == ["2022-05-26T13:20:59+08:00"]
    # The site's name, the bar of categories and the breadcrumbs.
    assert doc.xpath("//a[@class='site-name']/@href") == ["../index.html"]
    assert doc.xpath("//nav[@class='bar']//a/@href") == ["../zhongguoyouzhengkuaidibao/index.html"]
    assert doc.xpath("//nav[@class='bar']//a[@aria-current='page']/text()") == ["中国邮政快递报新闻"]
    assert [li.text_content() for li in doc.xpath("//nav[@class='crumbs']//li")] == ["首页", "›中国邮政快递报新闻"]
    attribution = doc.xpath("//article[1]/p[@class='attribution']")[0]
    assert attribution.text_content() == "文章来源：中国邮政快递报"
    assert attribution.xpath("a/@href") == [MERGED_LINK]
    also = doc.xpath("//article[1]/p[@class='also']")[0]
    assert also.text_content() == "同时刊载于：新浪财经、东方财富"
    assert also.xpath("a/@href") == ["https://finance.example.com/a/20220526/77.html", "https://em.example.cn/a?id=9&from=rss"]
    # An excerpt of the text, plain; the whole story is on its own page.
    assert doc.xpath("//article[3]/p[@class='excerpt']/text()") == ["x & y < z"]
    assert doc.xpath("//article[1]/p[@class='excerpt']/text()") == [
        "核心阅读：山东省聊城市邮政分公司在乡镇及农村寄递市场开发中，打破惯性思维。"]
    # All of the feed's stories fit: no pager.
    assert doc.xpath("//nav[@class='pager']") == []
    assert_no_active_content(doc)


def test_category_page_drops_control_characters():
    page = render_category(ZH_VIEW, SITE_ZH)

    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", page)
    assert "记者甲" in parse_html(page).xpath("//article[2]/p[@class='meta']")[0].text_content()


def test_english_category_page():
    doc = parse_html(render_category(EN_VIEW, SITE_EN))

    assert doc.get("lang") == "en-GB"
    # British usage: day, month, year; 24-hour clock.
    assert doc.xpath("//article//time/text()") == ["20 March 2024, 18:05", "19 March 2024, 07:30"]
    assert doc.xpath("//nav[@class='crumbs']//a/text()") == ["Home"]
    assert doc.xpath("//article[1]/p[@class='attribution']")[0].text_content() == "Source: Harbour Gazette"
    assert doc.xpath("//article[1]/p[@class='also']")[0].text_content() == "Also reported by: Daily Ledger"
    # An empty author falls back to the source's name, as in the feed.
    assert "Daily Ledger" in doc.xpath("//article[2]/p[@class='meta']")[0].text_content()


def test_home_page():
    doc = parse_html(render_index([ZH_VIEW, EN_VIEW, EMPTY_VIEW], SITE_ZH))

    assert doc.get("lang") == "zh-CN"
    assert doc.xpath("//head/link[@rel='alternate' and @type='application/atom+xml']/@href") == [
        "zhongguoyouzhengkuaidibao/atom.xml",
        "markets/atom.xml",
        "kuaidiwuliu/atom.xml",
    ]
    links = hrefs(doc)
    for slug in ("zhongguoyouzhengkuaidibao", "markets", "kuaidiwuliu"):
        assert {f"{slug}/index.html", f"{slug}/atom.xml"} <= links
    assert "feeds.opml" in links
    # Each category with its newest stories, in the config's order, linking their pages.
    sections = doc.xpath("//section[@class='category']")
    assert [s.xpath(".//h2/a/text()")[0] for s in sections] == ["中国邮政快递报新闻", "Markets", "快递物流"]
    latest = [a.get("href") for a in doc.xpath("//ul[contains(@class, 'latest')]/li/a")]
    assert latest == [*(f"zhongguoyouzhengkuaidibao/{entry_file(s.id)}" for s in (MERGED, CONTROL, SPECIAL)),
                      f"markets/{entry_file(FED.id)}", f"markets/{entry_file(OIL.id)}"]
    assert doc.xpath("//nav[@class='bar']//a/@href") == [
        "zhongguoyouzhengkuaidibao/index.html", "markets/index.html", "kuaidiwuliu/index.html"]
    assert_no_active_content(doc)


def test_home_page_lists_a_story_in_two_categories_once():
    twice = CategoryView(name="快递物流", slug="kuaidiwuliu", stories=(MERGED,))
    doc = parse_html(render_index([ZH_VIEW, twice], SITE_ZH))

    latest = [a.get("href") for a in doc.xpath("//ul[contains(@class, 'latest')]/li/a")]
    assert [href for href in latest if href.endswith(entry_file(MERGED.id))] == [
        f"zhongguoyouzhengkuaidibao/{entry_file(MERGED.id)}"]


def test_pages_render_to_the_same_bytes_twice():
    assert render_category(ZH_VIEW, SITE_ZH) == render_category(ZH_VIEW, SITE_ZH)
    assert render_index([ZH_VIEW, EN_VIEW], SITE_ZH) == render_index([ZH_VIEW, EN_VIEW], SITE_ZH)


def test_a_storys_feed_html_is_not_kept_once_the_story_is_gone():
    # published_html is made once per story for the three feed formats; a
    # daemon must not keep the text of stories it no longer holds.
    import gc

    from feedhub.publish import common

    story = replace(MERGED, id="urn:test:gone", content="<p>" + "x" * 100_000 + "</p>")
    html = common.published_html(story, "zh-CN")
    assert html.startswith("<p>xx") and "文章来源" in html
    assert common.published_html(story, "zh-CN") is html  # made once
    held = len(common._PUBLISHED)
    del story, html
    gc.collect()
    assert len(common._PUBLISHED) == held - 1


def test_an_edited_template_is_used_without_a_restart(tmp_path, monkeypatch):
    # The daemon keeps its templates loaded; an edit must still show on the
    # next publish (within html.TEMPLATE_CHECK_INTERVAL, here at once).
    import os

    from feedhub.publish import html

    page = tmp_path / "category.html"
    page.write_text('{% extends "base.html" %}{% block main %}<p id="v">one</p>{% endblock %}', encoding="utf-8")
    monkeypatch.setattr(html, "TEMPLATE_CHECK_INTERVAL", 0.0)
    assert parse_html(render_category(ZH_VIEW, SITE_ZH, template_dir=tmp_path)).get_element_by_id("v").text == "one"

    page.write_text('{% extends "base.html" %}{% block main %}<p id="v">two</p>{% endblock %}', encoding="utf-8")
    later = page.stat().st_mtime + 5  # a clock that ticks between the two writes
    os.utime(page, (later, later))
    assert parse_html(render_category(ZH_VIEW, SITE_ZH, template_dir=tmp_path)).get_element_by_id("v").text == "two"


def test_a_mistake_in_a_users_template_is_one_publish_error(tmp_path):
    # A daemon renders the user's templates on every publish: a misspelt
    # name must be a PublishError (one line, the daemon goes on), not a
    # jinja2 exception that ends it.
    (tmp_path / "category.html").write_text(
        '{% extends "base.html" %}{% block main %}<p>{{ view.nmae }}</p>{% endblock %}', encoding="utf-8"
    )
    with pytest.raises(PublishError, match=r"^template category.html.*UndefinedError.*nmae"):
        render_category(ZH_VIEW, SITE_ZH, template_dir=tmp_path)


def test_a_users_template_folder_comes_first(tmp_path):
    (tmp_path / "category.html").write_text(
        '{% extends "base.html" %}{% block main %}<p id="mine">{{ view.name }}</p>{% endblock %}', encoding="utf-8"
    )

    category = parse_html(render_category(ZH_VIEW, SITE_ZH, template_dir=tmp_path))
    home = parse_html(render_index([ZH_VIEW], SITE_ZH, template_dir=tmp_path))

    assert category.get_element_by_id("mine").text == "中国邮政快递报新闻"
    assert category.xpath("//style")  # base.html still comes from the package
    assert home.xpath("//section[@class='category']")  # index.html too


def test_unknown_timezone_is_a_publish_error():
    with pytest.raises(PublishError, match="Mars/Olympus"):
        render_category(ZH_VIEW, replace(SITE_ZH, timezone="Mars/Olympus"))


# --- The whole site ---------------------------------------------------------------


def test_publish_site_writes_the_layout_and_only_what_changed(tmp_path):
    output = tmp_path / "output"
    zh, markets = output / "zhongguoyouzhengkuaidibao", output / "markets"
    expected = [
        zh / "atom.xml",
        *(zh / entry_file(story.id) for story in (MERGED, CONTROL, SPECIAL)),  # a page per story
        zh / "index.html",
        markets / "atom.xml",
        markets / entry_file(FED.id),
        markets / entry_file(OIL.id),
        markets / "index.html",
        output / "index.html",
        output / "feeds.opml",
    ]

    assert publish_site([ZH_VIEW, EN_VIEW], SITE_ZH, output, generator_version="1.2.3") == expected
    assert (output / "markets" / "atom.xml").read_bytes() == render_atom(
        EN_VIEW, SITE_ZH, self_url="https://news.example.com/markets/atom.xml", generator_version="1.2.3"
    )
    assert publish_site([ZH_VIEW, EN_VIEW], SITE_ZH, output, generator_version="1.2.3") == []

    newer = replace(OIL, id="tag:ledger.example.net,2024:markets/900", updated=datetime(2024, 3, 21, tzinfo=UTC))
    changed = replace(EN_VIEW, stories=(newer, FED, OIL))
    assert publish_site([ZH_VIEW, changed], SITE_ZH, output, generator_version="1.2.3") == [
        markets / "atom.xml",
        markets / entry_file(newer.id),  # the new story's page
        # Its neighbours' pages link it (as next, or related); Zh's are unchanged.
        markets / entry_file(FED.id),
        markets / entry_file(OIL.id),
        markets / "index.html",
        output / "index.html",
    ]


def test_publish_site_without_base_url_links_relatively(tmp_path):
    output = tmp_path / "output"
    publish_site([EN_VIEW], SITE_EN, output, generator_version="1.2.3")

    root = etree.parse(str(output / "markets" / "atom.xml")).getroot()
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "atom.xml"
    assert outlines((output / "feeds.opml").read_bytes())[0]["xmlUrl"] == "markets/atom.xml"


@pytest.mark.parametrize("slug", ["", ".", "..", "../etc", "a/b", "a\\b"])
def test_publish_site_refuses_a_slug_outside_its_folder(tmp_path, slug):
    with pytest.raises(PublishError, match="slug"):
        publish_site([replace(EN_VIEW, slug=slug)], SITE_EN, tmp_path, generator_version="1")
    assert list(tmp_path.iterdir()) == []


def test_publish_site_refuses_a_slug_used_twice(tmp_path):
    with pytest.raises(PublishError, match="used by another category"):
        publish_site([EN_VIEW, replace(ZH_VIEW, slug="markets")], SITE_EN, tmp_path, generator_version="1")


def test_a_story_listed_twice_is_published_once():
    doubled = replace(EN_VIEW, stories=(FED, OIL, FED))
    root = etree.fromstring(render_atom(doubled, SITE_EN, self_url="atom.xml", generator_version="1"))

    assert [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")] == [FED.id, OIL.id]


def test_a_malformed_link_is_left_out_not_fatal():
    story = replace(OIL, link="http://[::1/oops", canonical=replace(OIL.canonical, link="http://[::1/oops"))
    root = etree.fromstring(render_atom(replace(EN_VIEW, stories=(story,)), SITE_EN, self_url="atom.xml", generator_version="1"))
    entry = root.find(f"{ATOM}entry")

    # The story's own page stands in for it (issue #13: every entry has a link).
    assert [link.get("href") for link in entry.findall(f"{ATOM}link")] == [entry_file(OIL.id)]
    assert entry.findtext(f"{ATOM}content").endswith('<p class="attribution">Source: Daily Ledger</p>')


def test_a_sites_own_home_page_template_still_sees_the_stories_text(tmp_path):
    """Publishing keeps only a summary of each category for the home page
    (publish_planned); a site's own index.html may show more of a story."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "index.html").write_text(
        '{% extends "base.html" %}{% block main %}{% for v in views %}{% for s in v.stories %}'
        '<p class="x">{{ s.title }}: {{ excerpt(s) }}</p>{% endfor %}{% endfor %}{% endblock %}', encoding="utf-8")
    publish_site([EN_VIEW], SITE_EN, tmp_path / "out", template_dir=tmp_path / "templates", generator_version="1")
    home = lxml.html.fromstring((tmp_path / "out" / "index.html").read_bytes())
    assert [p.text_content() for p in home.find_class("x")] == [
        'Fed holds rates <again> & says "wait": The central bank kept rates unchanged.',
        "Oil slips as stocks rise: Brent fell 1%.",
    ]
