"""Records both publishing test modules build their categories from."""

from datetime import datetime, timezone

from feedhub.types import SiteInfo, SourceInfo

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
