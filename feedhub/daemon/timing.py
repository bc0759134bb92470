"""Pure decisions about when a source is polled next.

A success waits the source's interval; a failure backs off exponentially
(interval x 2^(n-1), capped at 12 h) and recovers by itself on the next
success: a source is never dropped after N errors (the complaint behind
miniflux/v2#879). A small jitter spreads sources that share an interval so that
they do not all fire in the same second.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from functools import lru_cache

MAX_BACKOFF = timedelta(hours=12)
MAX_HINT = timedelta(hours=24)  # the most a server's hint may delay a poll (configurable)
JITTER_FRACTION = 0.1  # at most 10 % of the interval...
MAX_JITTER = timedelta(minutes=5)  # ...and never more than five minutes


def utcnow() -> datetime:
    """The daemon's clock (bench/month.py replaces it with a simulated one)."""
    return datetime.now(timezone.utc)


@lru_cache(maxsize=4096)  # asked for every source after every poll
def jitter_for(name: str, interval: timedelta) -> timedelta:
    """A fixed offset per source in [0, min(10 % of interval, 5 min)): the same
    on every run, so a restart does not reshuffle the schedule."""
    fraction = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big") / 2**32
    return min(interval * JITTER_FRACTION, MAX_JITTER) * fraction


def after_success(name: str, interval: timedelta, now: datetime, hint: tuple[timedelta, str] | None = None,
                  max_hint: timedelta = MAX_HINT) -> tuple[datetime, str]:
    """Next poll after a success (or 304). `hint` is the server's own lower
    bound and where it came from (Cache-Control max-age, Expires, RSS <ttl>,
    sy:updatePeriod), honoured up to `max_hint`."""
    wait, reason = interval, "interval"
    if hint is not None and hint[0] > interval:
        wait, reason = min(hint[0], max(max_hint, interval)), hint[1]
    return now + wait + jitter_for(name, interval), reason


def after_failure(name: str, interval: timedelta, failures: int, now: datetime,
                  retry_after: timedelta | None = None, max_backoff: timedelta = MAX_BACKOFF,
                  max_hint: timedelta = MAX_HINT) -> tuple[datetime, str]:
    """Next poll after the `failures`-th failure in a row."""
    # The exponent is capped too: after months of failures 2**n would overflow.
    backoff = min(interval * (2 ** min(max(failures - 1, 0), 20)), max(max_backoff, interval))
    reason = f"backoff after {failures} failure{'s' if failures != 1 else ''}"
    if retry_after is not None and retry_after > backoff:
        backoff, reason = min(retry_after, max(max_hint, interval)), "Retry-After"
    return now + backoff + jitter_for(name, interval), reason


def retry_after(headers: Iterable[tuple[str, str]], now: datetime) -> timedelta | None:
    """Retry-After as seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    value = _header(headers, "retry-after")
    if value is None:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value.strip()))
    when = _http_date(value)
    return max(when - now, timedelta(0)) if when else None


def freshness(headers: Iterable[tuple[str, str]], now: datetime) -> timedelta | None:
    """How long the response says it stays fresh (RFC 9111 §4.2.1):
    Cache-Control max-age, else Expires minus Date (or now)."""
    cache_control = (_header(headers, "cache-control") or "").lower()
    if "no-cache" in cache_control or "no-store" in cache_control:
        return None
    match = re.search(r"(?:^|[,\s])(?:s-)?max-age\s*=\s*\"?(\d+)", cache_control)
    if match:
        return timedelta(seconds=int(match.group(1)))
    expires = _http_date(_header(headers, "expires") or "")
    if expires is None:
        return None
    date = _http_date(_header(headers, "date") or "") or now
    return max(expires - date, timedelta(0))


def server_hint(headers: Iterable[tuple[str, str]], ttl_seconds: int | None, now: datetime) -> tuple[timedelta, str] | None:
    """The longest of the HTTP freshness and the document's own <ttl> /
    sy:updatePeriod, with its origin for `status`."""
    hints = []
    fresh = freshness(list(headers), now)
    if fresh:
        hints.append((fresh, "Cache-Control/Expires"))
    if ttl_seconds:
        hints.append((timedelta(seconds=ttl_seconds), "feed ttl"))
    return max(hints, default=None, key=lambda h: h[0])


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _http_date(value: str) -> datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def is_due(next_poll: datetime | None, now: datetime) -> bool:
    return next_poll is None or next_poll <= now


def lateness(next_poll: datetime | None, now: datetime) -> timedelta:
    """How far past its next poll a source is (`feedhub status`, issue #15):
    zero when it is not due. A running daemon polls within a second or so of
    the time; more means its fetch slots or its loop are behind."""
    if next_poll is None or next_poll > now:
        return timedelta(0)
    return now - next_poll


def format_lateness(late: timedelta) -> str:
    seconds = int(late.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds // 60 % 60:02d}m"
