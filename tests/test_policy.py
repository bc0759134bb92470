from datetime import datetime, timedelta, timezone

from feedhub.merge.decide import Change, Copy, choose_canonical, classify, story_atom_id
from feedhub.daemon.timing import (MAX_BACKOFF, after_failure, after_success, freshness, jitter_for, retry_after,
                            server_hint)
from feedhub.types import Entry

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


def entry(source="s", entry_id="1", content="<p>x</p>", h="h1"):
    return Entry(source, entry_id, None, None, "t", None, None, None, content, "", (), h)


def test_classify():
    assert classify(entry(), None) is Change.NEW
    assert classify(entry(h="h1"), "h1") is Change.UNCHANGED
    assert classify(entry(h="h2"), "h1") is Change.EDITED


def test_story_ids_are_the_sources_iri_or_a_stable_uuid():
    assert story_atom_id(entry(entry_id="https://ex.example/1"), taken=False) == "https://ex.example/1"
    derived = story_atom_id(entry(entry_id="12345"), taken=False)
    assert derived.startswith("urn:uuid:") and derived == story_atom_id(entry(entry_id="12345"), taken=False)
    assert story_atom_id(entry(entry_id="https://ex.example/1"), taken=True).startswith("urn:uuid:")
    assert story_atom_id(entry(source="other", entry_id="12345"), taken=False) != derived


def test_canonical_copy_priority_then_fullest_then_earliest():
    short = Copy(1, entry(source="a", content="<p>short</p>"), 0, NOW)
    full = Copy(2, entry(source="b", content="<p>a much longer text here</p>"), 0, NOW + timedelta(hours=1))
    preferred = Copy(3, entry(source="c", content="<p>tiny</p>"), 5, NOW + timedelta(hours=2))
    assert choose_canonical([short, full]) is full
    assert choose_canonical([short, full, preferred]) is preferred
    twin = Copy(4, entry(source="d", content="<p>short</p>"), 0, NOW - timedelta(hours=1))
    assert choose_canonical([short, twin]) is twin
