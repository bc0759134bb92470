"""Pure decisions about when a source is polled next.

A success waits the source's interval; a failure backs off exponentially
(interval x 2^(n-1), capped at 12 h) and recovers by itself on the next
success: a source is never dropped after N errors (the complaint behind
miniflux/v2#879). A small jitter spreads sources that share an interval so that
they do not all fire in the same second.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

MAX_BACKOFF = timedelta(hours=12)
JITTER_FRACTION = 0.1  # at most 10 % of the interval...
MAX_JITTER = timedelta(minutes=5)  # ...and never more than five minutes


def jitter_for(name: str, interval: timedelta) -> timedelta:
    """A fixed offset per source in [0, min(10 % of interval, 5 min)): the same
    on every run, so a restart does not reshuffle the schedule."""
    fraction = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big") / 2**32
    return min(interval * JITTER_FRACTION, MAX_JITTER) * fraction


def after_success(name: str, interval: timedelta, now: datetime, hint: timedelta | None = None) -> tuple[datetime, str]:
    """Next poll after a success (or 304). `hint` is the server's own lower
    bound (Cache-Control max-age, RSS <ttl>), honoured up to a day."""
    wait, reason = interval, "interval"
    if hint is not None and hint > interval:
        wait, reason = min(hint, timedelta(days=1)), "server hint"
    return now + wait + jitter_for(name, interval), reason


def after_failure(name: str, interval: timedelta, failures: int, now: datetime,
                  retry_after: timedelta | None = None) -> tuple[datetime, str]:
    """Next poll after the `failures`-th failure in a row."""
    # The exponent is capped too: after months of failures 2**n would overflow.
    backoff = min(interval * (2 ** min(max(failures - 1, 0), 20)), max(MAX_BACKOFF, interval))
    reason = f"backoff after {failures} failure{'s' if failures != 1 else ''}"
    if retry_after is not None and retry_after > backoff:
        backoff, reason = min(retry_after, timedelta(days=1)), "Retry-After"
    return now + backoff + jitter_for(name, interval), reason


def is_due(next_poll: datetime | None, now: datetime) -> bool:
    return next_poll is None or next_poll <= now
