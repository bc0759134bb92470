"""Pure normalisation: canonical URLs, sanitising, ids, dates."""

from datetime import datetime, timedelta, timezone

import pytest

from feedhub.normalize import canonical_url, clamp_date, normalize_entry, normalize_feed, sanitize_html
from feedhub.types import EntryData, FeedData

NOW = datetime(2024, 5, 3, 12, 0, tzinfo=timezone.utc)
FEED = FeedData(url="https://ex.example/feed.xml", version="rss20", link="https://ex.example/")


@pytest.mark.parametrize(
    "a, b",
    [
        ("http://Example.com/a/b/", "https://example.com/a/b"),
        ("https://www.example.com/a", "https://example.com/a"),
        ("https://m.example.com/a", "https://example.com/a"),
        ("https://example.com:443/a#top", "https://example.com/a"),
        ("https://example.com/a?z=1&a=2", "https://example.com/a?a=2&z=1"),
        ("https://example.com/a?utm_source=rss&spm=1.2&from=timeline&fbclid=x&gclid=y&id=7", "https://example.com/a?id=7"),
    ],
)
def test_same_article_same_key(a, b):
    assert canonical_url(a) == canonical_url(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("https://example.com/a?id=7", "https://example.com/a?id=8"),
        ("https://example.com/a", "https://example.org/a"),
        ("https://example.com:8080/a", "https://example.com/a"),
        ("https://example.com/a/1", "https://example.com/a/2"),
    ],
)
def test_different_articles_different_keys(a, b):
    assert canonical_url(a) != canonical_url(b)


def test_canonical_url_ignores_non_http():
    assert canonical_url("mailto:a@example.com") is None
    assert canonical_url("javascript:alert(1)") is None


def test_sanitize_removes_active_content_and_absolutizes():
    html = ('<p onclick="x()">Hi <a href="/a?b=1">l</a><img src="i.png" onerror="x()">'
            '<script>alert(1)</script><a href="javascript:alert(1)">j</a><iframe src="x"></iframe>'
            '<object data="x"></object><style>p{}</style></p>')
    out = sanitize_html(html, "https://ex.example/news/1.html")
    for bad in ("onclick", "onerror", "script", "javascript:", "iframe", "object", "style", "alert"):
        assert bad not in out
    assert 'href="https://ex.example/a?b=1"' in out
    assert 'src="https://ex.example/news/i.png"' in out


def test_entry_without_title_date_or_id_is_kept():
    entry = normalize_entry(EntryData(id=None, link=None, title=None, content="<p>Body \x00\x08text</p>"),
                            FEED, "S", NOW)
    assert entry.title == "Body text"
    assert entry.entry_id.startswith("sha256:")
    assert entry.published is None and entry.link is None
    assert "\x00" not in entry.content and "\x08" not in entry.content


def test_entry_id_falls_back_to_link_and_links_become_absolute():
    entry = normalize_entry(EntryData(id=" ", link="/news/1.html", title="<b>T</b> &amp; U"), FEED, "S", NOW)
    assert entry.link == "https://ex.example/news/1.html"
    assert entry.entry_id == "https://ex.example/news/1.html"
    assert entry.title == "<b>T</b> & U"  # a text title keeps its characters; publishing escapes them


def test_future_dates_are_clamped_and_ancient_dropped():
    assert clamp_date(datetime(2999, 1, 1, tzinfo=timezone.utc), NOW) == NOW
    assert clamp_date(NOW + timedelta(minutes=5), NOW) == NOW + timedelta(minutes=5)
    assert clamp_date(datetime(1900, 1, 1, tzinfo=timezone.utc), NOW) is None


def test_duplicate_ids_in_one_feed_keep_the_first():
    feed = FeedData(url=FEED.url, version="rss20", entries=(
        EntryData(id="1", link="https://ex.example/1", title="first"),
        EntryData(id="1", link="https://ex.example/1b", title="second"),
    ))
    assert [e.title for e in normalize_feed(feed, "S", NOW)] == ["first"]


def test_content_hash_tells_edit_from_repoll():
    data = EntryData(id="1", link="https://ex.example/1", title="T", content="<p>a</p>")
    same = normalize_entry(data, FEED, "S", NOW)
    again = normalize_entry(data, FEED, "S", NOW + timedelta(hours=1))
    edited = normalize_entry(EntryData(id="1", link="https://ex.example/1", title="T2", content="<p>a</p>"), FEED, "S", NOW)
    assert same.content_hash == again.content_hash != edited.content_hash
