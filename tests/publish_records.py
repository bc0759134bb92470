"""Records both publishing test modules build their categories from."""

from datetime import datetime, timezone

from feedhub.types import CategoryView, SiteInfo, SourceInfo, Story, StoryCopy

UTC = timezone.utc

SITE_ZH = SiteInfo(title="财经新闻聚合", base_url="https://news.example.com/", language="zh-CN", timezone="Asia/Shanghai")
SITE_EN = SiteInfo(title="Market Wire", base_url=None, language="en-GB", timezone="Europe/London")

POSTAL = SourceInfo(
    name="中国邮政快递报",
    feed_url="https://postal.example.cn/rss.xml",
    site_link="https://postal.example.cn/",
    feed_id="tag:postal.example.cn,2022:news",
    feed_title="中国邮政快递报 · 新闻",
    feed_updated=datetime(2022, 5, 26, 6, 0, tzinfo=UTC),
)
# Knows nothing about itself but its name and feed URL.
SINA = SourceInfo("新浪财经", "https://finance.example.com/feed.atom", None, None, None, None)

# The English category several publishing tests render.
HARBOUR = SourceInfo(
    name="Harbour Gazette",
    feed_url="https://harbour.example.org/feed.xml",
    site_link="https://harbour.example.org/",
    feed_id="https://harbour.example.org/feed.xml",
    feed_title="The Harbour Gazette",
    feed_updated=datetime(2024, 3, 20, 20, 0, tzinfo=UTC),
)
LEDGER = SourceInfo(
    name="Daily Ledger",
    feed_url="https://ledger.example.net/rss",
    site_link="https://ledger.example.net/",
    feed_id=None,
    feed_title="Daily Ledger — Markets",
    feed_updated=None,
)
FED_LINK = "https://harbour.example.org/2024/03/20/fed-holds"
FED = Story(
    id=FED_LINK,
    category="Markets",
    title='Fed holds rates <again> & says "wait"',
    link=FED_LINK,
    author="Jane Roe",
    content="<p>The central bank kept rates unchanged.</p>",
    summary="",
    published=datetime(2024, 3, 20, 18, 5, tzinfo=UTC),
    updated=datetime(2024, 3, 20, 19, 0, tzinfo=UTC),
    tags=("rates", "fed", "rates"),
    canonical=StoryCopy(HARBOUR, FED_LINK, 'Fed holds rates <again> & says "wait"', "Jane Roe"),
    others=(StoryCopy(LEDGER, "https://ledger.example.net/markets/880", "Fed holds, again", None),),
)
OIL = Story(
    id="tag:ledger.example.net,2024:markets/881",
    category="Markets",
    title="Oil slips as stocks rise",
    link="https://ledger.example.net/markets/881",
    author="",
    content="<p>Brent fell 1%.</p>",
    summary="",
    published=datetime(2024, 3, 19, 7, 30, tzinfo=UTC),
    updated=datetime(2024, 3, 19, 7, 30, tzinfo=UTC),
    tags=("oil",),
    canonical=StoryCopy(LEDGER, "https://ledger.example.net/markets/881", "Oil slips as stocks rise", None),
)
EN_VIEW = CategoryView(name="Markets", slug="markets", stories=(FED, OIL), sources=(HARBOUR, LEDGER))
