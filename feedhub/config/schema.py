"""The config file's shape, for pydantic (the only module that imports it):
every key, its type and its single-value checks (durations, zones,
encodings, language tags, URL schemes, rules)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from feedhub.config.check import language_problem
from feedhub.config.rules import FIELDS, Rule
from feedhub.types import Thresholds

# "90s", "15m", "2h", "1d" — and combinations such as "1h30m".
_DURATION_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> timedelta:
    """'90s', '15m', '2h', '1d', '1h30m' -> timedelta; ValueError otherwise."""
    match = _DURATION_RE.match(text.strip()) if isinstance(text, str) else None
    if not match or not any(match.groups()):
        raise ValueError("not a duration: use a number with s, m, h or d, such as 90s, 15m, 2h or 1d")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if not duration:
        raise ValueError("a duration must be longer than zero")
    return duration


def _to_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    # A bare number is seconds: "timeout: 20" reads naturally.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value <= 0:
            raise ValueError("a duration must be longer than zero")
        return timedelta(seconds=value)
    return parse_duration(value)


def _to_interval(value: Any) -> timedelta:
    # "interval: 5" meant minutes as often as seconds: a unit is required.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"a bare number: give a unit, such as {value}m (minutes) or {value}s (seconds)")
    return parse_duration(value)


def _check_language(tag: str) -> str:
    problem = language_problem(tag)
    if problem:
        raise ValueError(problem)
    return tag


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown time zone; use an IANA name such as Asia/Shanghai") from None
    return name


def _check_encoding(name: str) -> str:
    import codecs

    try:
        codecs.lookup(name)
    except LookupError:
        raise ValueError("unknown encoding; use a name such as utf-8, gb18030 or big5") from None
    return name


def _check_url(url: str) -> str:
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url) and not re.match(r"^(https?|file)://", url, re.I):
        raise ValueError("only http, https and file URLs, or a path, are supported")
    return url


def _check_hub(url: str) -> str:
    if not re.match(r"^https?://[^/]+", url):
        raise ValueError("must be an absolute http(s) URL")
    return url


Duration = Annotated[timedelta, BeforeValidator(_to_duration)]
Interval = Annotated[timedelta, BeforeValidator(_to_interval)]
TimeZone = Annotated[str, AfterValidator(_check_zone)]
Encoding = Annotated[str, AfterValidator(_check_encoding)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Site(_Strict):
    title: str = "feedhub"
    base_url: str | None = None
    language: Annotated[str, AfterValidator(_check_language)] = "en"
    timezone: TimeZone = "UTC"
    websub_hub: Annotated[str, AfterValidator(_check_hub)] | None = None  # needs base_url


class _Storage(_Strict):
    url: str = "sqlite:///state/feedhub.db"


class _Retention(_Strict):
    max_entries: int | None = Field(None, ge=1)
    max_age: Duration | None = None


class _Output(_Strict):
    dir: str = "output"
    entries_per_feed: int = Field(50, ge=1, le=10_000)
    templates: str | None = None  # a folder whose templates override the built-in ones
    formats: list[Literal["atom", "rss", "json"]] = Field(["atom", "rss", "json"], min_length=1)
    retention: _Retention = _Retention()


class _Fetch(_Strict):
    max_connections: int = Field(16, ge=1, le=512)
    per_host: int = Field(2, ge=1, le=64)
    max_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    max_backoff: Duration = timedelta(hours=12)
    max_hint: Duration = timedelta(hours=24)
    public_addresses_only: bool = False


class _WebSub(_Strict):
    """Subscribing to the hubs sources name (W3C WebSub; issue #15)."""

    callback: Annotated[str, AfterValidator(_check_hub)] | None = None  # where hubs reach `run --serve`
    lease: Duration = timedelta(days=7)
    poll_interval: Duration = timedelta(hours=1)


class _Merge(_Strict):
    """Near-duplicate thresholds; dedupe.Thresholds documents each one."""

    window: Duration = timedelta(hours=72)
    cjk_similarity: float = Field(Thresholds.cjk_similarity, gt=0, le=1)
    latin_similarity: float = Field(Thresholds.latin_similarity, gt=0, le=1)
    title_similarity: float = Field(Thresholds.title_similarity, gt=0, le=1)
    min_shingles: int = Field(Thresholds.min_shingles, ge=1)
    min_title_chars: int = Field(Thresholds.min_title_chars, ge=1)
    reworded_similarity: float = Field(Thresholds.reworded_similarity, gt=0, le=1)
    reworded_min_shingles: int = Field(Thresholds.reworded_min_shingles, ge=1)


class _SourceSettings(_Strict):
    """What can be set per source, or for all of them under `defaults`."""

    interval: Interval | None = None
    timeout: Duration | None = None
    encoding: Encoding | None = None
    timezone: TimeZone | None = None
    headers: dict[str, str] | None = None
    user_agent: str | None = None
    enabled: bool | None = None


class _Source(_SourceSettings):
    name: str = Field(min_length=1)
    url: Annotated[str, Field(min_length=1), AfterValidator(_check_url)]
    categories: list[str] | None = None
    priority: int = 0


def _check_rule(text: str) -> str:
    try:
        Rule.parse(text)
    except re.error as e:
        raise ValueError(f"not a valid regular expression: {e}") from None
    return text


class _Category(_Strict):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    name: str = Field(min_length=1)
    slug: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    # Keywords, or /regular expressions/, matched in title, text and tags.
    include: list[Annotated[str, Field(min_length=1), AfterValidator(_check_rule)]] = []
    exclude: list[Annotated[str, Field(min_length=1), AfterValidator(_check_rule)]] = []
    from_: list[str] = Field([], alias="from")  # sources `include` gathers from (default: all)
    match: list[Literal["title", "text", "tags"]] = list(FIELDS)


class _File(_Strict):
    site: _Site = _Site()
    storage: _Storage = _Storage()
    output: _Output = _Output()
    fetch: _Fetch = _Fetch()
    websub: _WebSub = _WebSub()
    merge: _Merge = _Merge()
    defaults: _SourceSettings = _SourceSettings()
    categories: list[_Category] = []
    # With `categories` listed, a source naming another category is a
    # mistake (a typo made a new, empty-looking category) unless this is true.
    implicit_categories: bool = False
    sources: list[_Source] = Field(min_length=1)
