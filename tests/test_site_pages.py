"""The site's small rules (issue #17): the original's link without
tracking parameters, and times as each language usually writes them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from feedhub.publish.html import _local_time, original_link
from publish_records import FED


@pytest.mark.parametrize(("link", "expected"), [
    ("https://a.example/n/1.html?utm_source=rss&utm_medium=feed", "https://a.example/n/1.html"),
    ("https://a.example/n?id=9&utm_campaign=x&from=rss#top", "https://a.example/n?id=9&from=rss#top"),
    ("https://a.example/n?fbclid=1&p=%E4%B8%AD&gclid=2&spm=a.b", "https://a.example/n?p=%E4%B8%AD"),
    ("https://a.example/n?UTM_Source=x", "https://a.example/n"),
    ("https://a.example/n?utmost=1", "https://a.example/n?utmost=1"),  # not a utm_ parameter
    ("https://a.example/n#x?utm_source=1", "https://a.example/n#x?utm_source=1"),  # in the fragment: left alone
    ("https://a.example/n", "https://a.example/n"),
])
def test_the_original_link_drops_tracking_parameters_only(link, expected):
    story = replace(FED, link=link, canonical=replace(FED.canonical, link=link))
    assert original_link(story) == expected


def test_no_link_no_original():
    story = replace(FED, link=None, canonical=replace(FED.canonical, link="javascript:alert(1)"))
    assert original_link(story) is None


MOMENT = datetime(2024, 5, 3, 2, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("language", "zone", "expected"), [
    ("zh-CN", "Asia/Shanghai", "2024-05-03 10:00"),
    ("zh-TW", "Asia/Taipei", "2024-05-03 10:00"),
    ("ja", "Asia/Tokyo", "2024-05-03 11:00"),
    ("en-GB", "Europe/London", "3 May 2024, 03:00"),
    ("en-US", "America/New_York", "May 2, 2024, 10:00 PM"),
    ("en", "UTC", "May 3, 2024, 2:00 AM"),
    ("de", "Europe/Berlin", "2024-05-03 04:00"),
])
def test_times_as_the_language_writes_them(language, zone, expected):
    assert _local_time(MOMENT, ZoneInfo(zone), language) == expected
