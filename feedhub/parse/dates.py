"""Date strings found in feeds -> aware UTC datetimes.

Pure and standard-library only. feedparser parses dates too, but it assumes
UTC for a date without a zone, and real feeds (Chinese ones above all) write
local times such as ``2020/1/10 14:33:00`` or ``2024年5月1日 10:30``. Here a
date without a zone is taken in the *source's* timezone (an IANA name from
the config), and ``CST`` means China Standard Time when that timezone is in
UTC+8, US Central Time otherwise.

Years outside any sensible range are returned as found: clamping belongs to
the caller. Nothing here raises on bad input; an unreadable date is None.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_tz
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = ["parse_date"]

UTC = timezone.utc

# Zone abbreviations that mean one thing wherever they appear. RFC 822 §5.1
# names the US ones; the others are common in feeds. "CST" is not here: it is
# resolved by _resolve_cst. Ambiguous names (IST, BST, ...) are left out and
# fall under the RFC 2822 rule for unknown zones (see _UNKNOWN_ZONE).
_ZONE_HOURS: dict[str, float] = {
    "Z": 0, "UT": 0, "UTC": 0, "GMT": 0,
    "EST": -5, "EDT": -4, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10,
    "WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "MET": 1, "MEST": 2,
    "EET": 2, "EEST": 3, "MSK": 3,
    "BJT": 8, "HKT": 8, "SGT": 8, "AWST": 8, "JST": 9, "KST": 9,
    "ACST": 9.5, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}
_CHINA_OFFSET = timedelta(hours=8)
_US_CENTRAL = timezone(timedelta(hours=-6))

# RFC 2822 §4.3: an alphabetic zone whose meaning is not known "SHOULD be
# considered equivalent to -0000", i.e. the time is UTC (§3.3).
_UNKNOWN_ZONE = UTC

_NUMERIC_ZONE = re.compile(r"^([+-])(\d{2}):?(\d{2})?$")
_ALPHA_ZONE = re.compile(r"^[A-Za-z]{1,5}$")

# RFC 3339 / ISO 8601, plus the loose variants sites write:
# "2020-01-10 14:33", "2020/1/10 14:33:00", "2005-5-8 9:39:31", "2019-12-31 21:34:22 +08:00".
_ISO = re.compile(
    r"""^(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})
        (?:(?:[Tt]|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?)?
        \s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?|[A-Za-z]{2,5})?$""",
    re.VERBOSE,
)

# Chinese dates: "2024年5月1日", "2024年5月1日 10:30", "2024年5月1日 下午3时5分".
_CJK = re.compile(
    r"""^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]
        (?:\s*(?P<ampm>上午|下午|早上|晚上)?\s*(?P<H>\d{1,2})\s*[:：时時点點]\s*(?P<M>\d{1,2})
           (?:\s*[:：分]\s*(?P<S>\d{1,2}))?\s*[分秒]?)?
        \s*$""",
    re.VERBOSE,
)

# A zone written straight after the time: "13:08:54+0900" (ACN Newswire).
_GLUED_ZONE = re.compile(r"(\d:\d{2}(?::\d{2})?)([+-]\d{4})\b")
_COMMENT = re.compile(r"\s*\([^)]*\)\s*$")  # "+0800 (CST)", RFC 5322 CFWS
_AMPM = re.compile(r"^([AaPp])\.?[Mm]\.?$")
_HAS_TIME = re.compile(r"\d:\d")
# Month abbreviations of the languages whose feeds most often write RFC 822
# dates with localized names (Portuguese "Set", Italian "gen", Spanish "ene",
# German "Okt", French "févr"); none clashes with an English month.
_LOCAL_MONTHS = {
    "ene": "Jan", "gen": "Jan", "janv": "Jan", "fev": "Feb", "fév": "Feb", "févr": "Feb",
    "mär": "Mar", "mrz": "Mar", "mars": "Mar", "abr": "Apr", "avr": "Apr",
    "mai": "May", "mag": "May", "giu": "Jun", "juin": "Jun", "lug": "Jul", "juil": "Jul",
    "ago": "Aug", "aoû": "Aug", "août": "Aug", "set": "Sep", "sept": "Sep",
    "out": "Oct", "ott": "Oct", "okt": "Oct", "dez": "Dec", "dic": "Dec", "déc": "Dec",
}
_NOT_ZONES = {
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    "mon", "tue", "wed", "thu", "fri", "sat", "sun",
}


def parse_date(text: str, default_tz: str) -> datetime | None:
    """Parse one date string from a feed; return it as an aware UTC datetime.

    ``default_tz`` (an IANA name such as ``"Asia/Shanghai"``) applies to a
    date written without a zone. Returns None when the text is not a date
    this module can read. Raises ``ZoneInfoNotFoundError`` (a KeyError) for
    an unknown ``default_tz``: that is a config error, not a feed's.
    """
    zone = _zoneinfo(default_tz)
    s = " ".join(text.split())
    if not s:
        return None
    for parser in (_parse_iso, _parse_cjk, _parse_rfc822):
        try:
            found = parser(s, zone)
            if found is not None:
                return found.astimezone(UTC)
        except (ValueError, OverflowError):
            # Impossible fields (month 13, hour 25) or a year that leaves
            # datetime's range once converted to UTC: not a usable date.
            return None
    return None


@lru_cache(maxsize=64)
def _zoneinfo(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _parse_iso(s: str, zone: ZoneInfo) -> datetime | None:
    m = _ISO.match(s)
    if not m:
        return None
    fraction = (m["f"] or "0")[:6].ljust(6, "0")  # RFC 3339 allows any precision
    naive = datetime(
        int(m["y"]), int(m["m"]), int(m["d"]),
        int(m["H"] or 0), int(m["M"] or 0), _second(m["S"]), int(fraction),
    )
    return _localize(naive, m["zone"], zone)


def _parse_cjk(s: str, zone: ZoneInfo) -> datetime | None:
    m = _CJK.match(s)
    if not m:
        return None
    hour = int(m["H"] or 0)
    if m["ampm"] in ("下午", "晚上") and hour < 12:
        hour += 12
    elif m["ampm"] in ("上午", "早上") and hour == 12:
        hour = 0
    naive = datetime(int(m["y"]), int(m["m"]), int(m["d"]), hour, int(m["M"] or 0), _second(m["S"]))
    return _localize(naive, None, zone)


def _parse_rfc822(s: str, zone: ZoneInfo) -> datetime | None:
    """RFC 822/2822 dates, read with email.utils for the tolerant field parsing
    (day names, "July", 2-digit years, month-first order) but with the zone,
    AM/PM and missing-time cases handled here: parsedate_tz reports no zone
    as +0000 and ignores AM/PM."""
    s = _GLUED_ZONE.sub(r"\1 \2", _COMMENT.sub("", s))
    tokens = s.split()
    zone_token = None
    if len(tokens) > 1 and _is_zone(tokens[-1]):
        zone_token = tokens.pop()
    pm = None
    if len(tokens) > 1 and (ampm := _AMPM.match(tokens[-1])):
        tokens.pop()
        pm = ampm.group(1).lower() == "p"
    # An ISO-style zone after an RFC date ("... 10:00:00 UTC+8") is rare
    # enough to ignore; a date with no time at all means midnight.
    tokens = [_LOCAL_MONTHS.get(t.lower().rstrip("."), t) for t in tokens]
    if not _HAS_TIME.search(" ".join(tokens)):
        tokens.append("00:00:00")
    fields = parsedate_tz(" ".join(tokens))
    if fields is None:
        return None
    year, month, day, hour, minute, second = fields[:6]
    if pm is not None and hour <= 12:
        hour = hour % 12 + (12 if pm else 0)
    naive = datetime(year, month, day, hour, minute, _second(str(second)))
    return _localize(naive, zone_token, zone)


def _is_zone(token: str) -> bool:
    if _NUMERIC_ZONE.match(token):
        return True
    lower = token.lower()
    return (
        bool(_ALPHA_ZONE.match(token))
        and lower[:3] not in _NOT_ZONES
        and lower not in _LOCAL_MONTHS
        and not _AMPM.match(token)
    )


def _second(text: str | None) -> int:
    # A leap second (":60", RFC 3339 §5.6) is not representable: use :59.
    return min(int(text or 0), 59)


def _localize(naive: datetime, zone_token: str | None, default: ZoneInfo) -> datetime:
    return naive.replace(tzinfo=_zone_for(zone_token, naive, default))


def _zone_for(token: str | None, naive: datetime, default: ZoneInfo) -> tzinfo:
    if token is None:
        return default
    m = _NUMERIC_ZONE.match(token)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        # timezone() rejects offsets of 24 h or more: ValueError -> no date.
        return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0)))
    upper = token.upper()
    if upper == "CST":
        return _resolve_cst(naive, default)
    if upper in _ZONE_HOURS:
        return timezone(timedelta(hours=_ZONE_HOURS[upper]))
    return _UNKNOWN_ZONE


def _resolve_cst(naive: datetime, default: ZoneInfo) -> tzinfo:
    """"CST" is China Standard Time (+0800) on Chinese sites and US Central
    Standard Time (-0600, RFC 822 §5.1) elsewhere. The source's timezone
    decides: if its standard offset is +08:00 (Shanghai, Hong Kong, Taipei,
    Macau, ...), CST means +0800."""
    standard = (default.utcoffset(naive) or timedelta(0)) - (default.dst(naive) or timedelta(0))
    return timezone(_CHINA_OFFSET) if standard == _CHINA_OFFSET else _US_CENTRAL
