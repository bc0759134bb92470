"""feedhub.parse.dates.parse_date: every expected value below was worked out by
hand from the date string and the zone rules, not taken from the code."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfoNotFoundError

import pytest

from feedhub.parse.dates import parse_date

UTC = timezone.utc


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "default_tz", "expected"),
    [
        # RFC 822 / 2822 (shapes taken from the corpus)
        ("Sat, 03 Apr 2010 21:15:06 +0900", "UTC", utc(2010, 4, 3, 12, 15, 6)),
        ("Sat, 10 Sep 2005 03:46:54 GMT", "Asia/Shanghai", utc(2005, 9, 10, 3, 46, 54)),
        ("Mon, 9 May 2005 16:13:57 GMT", "UTC", utc(2005, 5, 9, 16, 13, 57)),
        ("Wed, 5 Nov 2025 13:52:10  EST", "UTC", utc(2025, 11, 5, 18, 52, 10)),
        ("Thu, 01 Aug 2019 16:15 EDT", "UTC", utc(2019, 8, 1, 20, 15)),
        ("07 Nov 2015 12:00:00 EST", "UTC", utc(2015, 11, 7, 17, 0)),
        ("Tue 11 Jan 2011 01:30:00 GMT", "UTC", utc(2011, 1, 11, 1, 30)),
        ("Wed, 27 July 2011 01:30:00 EST", "UTC", utc(2011, 7, 27, 6, 30)),
        ("Tue, 15 Nov 2022 20:15:04 Z", "UTC", utc(2022, 11, 15, 20, 15, 4)),
        ("Mon, 10 Jan 2020 14:33:00 +0800 (CST)", "UTC", utc(2020, 1, 10, 6, 33)),
        # the zone glued to the time (chinese/chardet__GB2312-acnnewswire.net.xml)
        ("Tue, 27 Dec 2005 13:08:54+0900", "UTC", utc(2005, 12, 27, 4, 8, 54)),
        # 12-hour clock (real/feed-rs__rss_2.0_nbcny.xml), no zone -> default zone
        ("Sat, Dec 16 2023 02:02:33 PM", "UTC", utc(2023, 12, 16, 14, 2, 33)),
        ("Sat, Dec 16 2023 12:10:00 AM", "UTC", utc(2023, 12, 16, 0, 10)),
        # localized day and month names (UOL Notícias, Il Messaggero)
        ("Seg, 24 Set 2018 10:00:00 -0300", "UTC", utc(2018, 9, 24, 13, 0)),
        ("mer, 16 nov 2022 10:00:00 +0100", "UTC", utc(2022, 11, 16, 9, 0)),
        # RFC 5322 §3.3: -0000 is UTC with an unknown local zone, not "no zone"
        ("Mon, 10 Jan 2020 14:33:00 -0000", "Asia/Shanghai", utc(2020, 1, 10, 14, 33)),
        # RFC 2822 §4.3: an unknown alphabetic zone is treated as -0000
        ("Mon, 10 Jan 2020 14:33:00 XYZ", "Asia/Shanghai", utc(2020, 1, 10, 14, 33)),
        # no zone: the source's timezone (Shanghai is +08:00, New York -05:00 in January)
        ("Mon, 10 Jan 2020 14:33:00", "Asia/Shanghai", utc(2020, 1, 10, 6, 33)),
        ("Mon, 10 Jan 2020 14:33:00", "America/New_York", utc(2020, 1, 10, 19, 33)),
        ("Mon, 10 Jan 2020", "Asia/Shanghai", utc(2020, 1, 9, 16, 0)),
        # RFC 3339 / ISO 8601
        ("2005-12-30T19:07:00+09:00", "UTC", utc(2005, 12, 30, 10, 7)),
        ("2009-08-31T18:55:12.569Z", "Asia/Shanghai", datetime(2009, 8, 31, 18, 55, 12, 569000, tzinfo=UTC)),
        ("2007-12-14T23:15:00.000-08:00", "UTC", utc(2007, 12, 15, 7, 15)),
        ("2005-06-24T13:26:46+0000", "UTC", utc(2005, 6, 24, 13, 26, 46)),
        ("2020-01-04T01:00:00+0100", "UTC", utc(2020, 1, 4, 0, 0)),
        ("2019-12-31 21:34:22 +08:00", "UTC", utc(2019, 12, 31, 13, 34, 22)),
        ("2020-01-10T14:33:00.123456789Z", "UTC", datetime(2020, 1, 10, 14, 33, 0, 123456, tzinfo=UTC)),
        ("1998-12-31T23:59:60Z", "UTC", utc(1998, 12, 31, 23, 59, 59)),  # leap second
        # loose local forms used by Chinese sites, in the source's timezone
        ("2004-11-24 10:31:24", "Asia/Shanghai", utc(2004, 11, 24, 2, 31, 24)),
        ("2004-11-24 10:31:24", "UTC", utc(2004, 11, 24, 10, 31, 24)),
        ("2005-5-8 9:39:31", "Asia/Shanghai", utc(2005, 5, 8, 1, 39, 31)),
        ("2020/1/10 14:33:00", "Asia/Shanghai", utc(2020, 1, 10, 6, 33)),
        ("2020-01-10 14:33", "Asia/Shanghai", utc(2020, 1, 10, 6, 33)),
        ("2004-12-13", "Asia/Shanghai", utc(2004, 12, 12, 16, 0)),
        ("2024年5月1日 10:30", "Asia/Shanghai", utc(2024, 5, 1, 2, 30)),
        ("2024年5月1日", "Asia/Shanghai", utc(2024, 4, 30, 16, 0)),
        ("2024年5月1日 10:30:15", "Asia/Taipei", utc(2024, 5, 1, 2, 30, 15)),
        ("2024年5月1日 下午3时5分", "Asia/Shanghai", utc(2024, 5, 1, 7, 5)),
        # daylight saving time of the default zone applies (EDT, -04:00, in July)
        ("2024-07-01 12:00", "America/New_York", utc(2024, 7, 1, 16, 0)),
    ],
)
def test_parse_date(text: str, default_tz: str, expected: datetime) -> None:
    found = parse_date(text, default_tz)
    assert found == expected
    assert found is not None and found.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "default_tz", "expected"),
    [
        # CST is China Standard Time (+0800) on Chinese sites ...
        ("Mon, 10 Jan 2020 14:33:00 CST", "Asia/Shanghai", utc(2020, 1, 10, 6, 33)),
        ("Mon, 10 Jan 2020 14:33:00 CST", "Asia/Chongqing", utc(2020, 1, 10, 6, 33)),
        ("Mon, 10 Jan 2020 14:33:00 CST", "Asia/Hong_Kong", utc(2020, 1, 10, 6, 33)),
        ("Mon, 10 Jan 2020 14:33:00 CST", "Asia/Taipei", utc(2020, 1, 10, 6, 33)),
        ("2020-01-10 14:33:00 CST", "Asia/Shanghai", utc(2020, 1, 10, 6, 33)),
        # ... and US Central Standard Time (-0600, RFC 822 §5.1) elsewhere
        ("Mon, 10 Jan 2020 14:33:00 CST", "UTC", utc(2020, 1, 10, 20, 33)),
        ("Mon, 10 Jan 2020 14:33:00 CST", "America/Chicago", utc(2020, 1, 10, 20, 33)),
        ("Mon, 10 Jan 2020 14:33:00 CST", "Europe/Berlin", utc(2020, 1, 10, 20, 33)),
    ],
)
def test_cst_depends_on_the_source_timezone(text: str, default_tz: str, expected: datetime) -> None:
    assert parse_date(text, default_tz) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "garbage",
        "05/20 7:03 am",  # no year (chinese/chardet__Big5-oui-design.com.xml)
        "2020-13-01",
        "2020-02-30T10:00:00Z",
        "Mon, 10 Jan 2020 25:99:00 GMT",
        "Mon, 10 Jan 2020 14:33:00 +9900",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:00:00-05:00",  # leaves datetime's range once in UTC
        "Mon, 10 Jan 99999 10:00 GMT",
        "จ., 23 พ.ค. 2005 09:00:05 +0000",  # Thai names: not read
        "1" * 5000,
        "\x00\x08",
    ],
)
def test_unreadable_dates_are_none(text: str) -> None:
    assert parse_date(text, "Asia/Shanghai") is None


def test_years_outside_the_usual_range_are_returned_as_found() -> None:
    # Clamping to 1970..2100 is the caller's business; this must not crash.
    assert parse_date("1850-06-01T00:00:00Z", "UTC") == utc(1850, 6, 1)
    assert parse_date("2200-05-05T00:00:00Z", "UTC") == utc(2200, 5, 5)
    assert parse_date("Sun, 01 Jan 1905 10:00:00 GMT", "UTC") == utc(1905, 1, 1, 10)
    assert parse_date("0001-01-02T00:00:00Z", "UTC") == utc(1, 1, 2)


def test_an_unknown_default_timezone_is_a_config_error() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        parse_date("2020-01-01 10:00", "Mars/Olympus_Mons")
