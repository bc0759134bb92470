"""When a source is polled next (daemon/timing.py): interval and jitter,
backoff, the server's hints. Pure functions, no I/O."""

from datetime import datetime, timedelta, timezone

from feedhub.daemon.timing import (MAX_BACKOFF, after_failure, after_success, format_lateness, freshness, jitter_for,
                                   lateness, retry_after, server_hint)

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)


def test_success_waits_the_interval_plus_a_small_stable_jitter():
    when, reason = after_success("a", timedelta(minutes=30), NOW)
    jitter = jitter_for("a", timedelta(minutes=30))
    assert timedelta(0) <= jitter < timedelta(minutes=3)
    assert when == NOW + timedelta(minutes=30) + jitter and reason == "interval"
    assert jitter_for("a", timedelta(minutes=30)) == jitter  # same on every run


def test_failures_back_off_exponentially_up_to_a_cap_and_never_stop():
    interval = timedelta(minutes=30)
    waits = [after_failure("a", interval, n, NOW)[0] - NOW - jitter_for("a", interval) for n in (1, 2, 3, 10, 50)]
    assert waits[:3] == [timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2)]
    assert waits[3] == waits[4] == MAX_BACKOFF


def test_server_hint_is_a_lower_bound_and_capped():
    when, reason = after_success("a", timedelta(minutes=10), NOW, hint=(timedelta(hours=1), "feed ttl"))
    assert when >= NOW + timedelta(hours=1) and reason == "feed ttl"
    when, _ = after_success("a", timedelta(minutes=10), NOW, hint=(timedelta(days=30), "feed ttl"))
    assert when < NOW + timedelta(hours=24, minutes=1)
    when, reason = after_success("a", timedelta(hours=2), NOW, hint=(timedelta(hours=1), "feed ttl"))
    assert reason == "interval" and when >= NOW + timedelta(hours=2)


def test_retry_after_seconds_and_http_date():
    assert retry_after([("Retry-After", "120")], NOW) == timedelta(seconds=120)
    assert retry_after([("retry-after", "Wed, 01 May 2024 01:00:00 GMT")], NOW) == timedelta(hours=1)
    assert retry_after([("retry-after", "Tue, 30 Apr 2024 01:00:00 GMT")], NOW) == timedelta(0)
    assert retry_after([("retry-after", "soon")], NOW) is None
    assert retry_after([], NOW) is None


def test_retry_after_beats_backoff_up_to_the_cap():
    when, reason = after_failure("a", timedelta(minutes=10), 1, NOW, retry_after=timedelta(hours=3))
    assert reason == "Retry-After" and when >= NOW + timedelta(hours=3)
    when, _ = after_failure("a", timedelta(minutes=10), 1, NOW, retry_after=timedelta(days=9))
    assert when < NOW + timedelta(hours=24, minutes=1)


def test_freshness_from_cache_control_or_expires():
    assert freshness([("cache-control", "public, max-age=600")], NOW) == timedelta(minutes=10)
    assert freshness([("cache-control", "no-cache, max-age=600")], NOW) is None
    assert freshness([("expires", "Wed, 01 May 2024 02:00:00 GMT"), ("date", "Wed, 01 May 2024 01:00:00 GMT")],
                     NOW) == timedelta(hours=1)
    assert freshness([("expires", "0")], NOW) is None
    assert server_hint([("cache-control", "max-age=60")], 3600, NOW) == (timedelta(hours=1), "feed ttl")
    assert server_hint([], None, NOW) is None


def test_lateness():
    now = datetime(2026, 12, 8, 8, 0, tzinfo=timezone.utc)
    assert lateness(None, now) == lateness(now + timedelta(seconds=5), now) == timedelta(0)
    assert lateness(now - timedelta(seconds=125), now) == timedelta(seconds=125)
    assert [format_lateness(timedelta(seconds=s)) for s in (0, 59, 125, 7260)] == ["0s", "59s", "2m 05s", "2h 01m"]
