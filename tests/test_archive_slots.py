"""The archive pages' arithmetic (feedhub.publish.slots) on its own: keys
and records in, decisions out, no store and no files. test_archive.py
checks the same rules end to end, through the published documents."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from feedhub.publish.slots import (
    STATE_VERSION,
    HistoryState,
    Slots,
    age_expiry_window,
    beyond_retention,
    count_expiry_pages,
    cut_slots,
    departures,
    empty_page_date,
    expired_by_count,
    must_rebuild,
    never_in_feed,
    page_changes,
    published_span,
    state_after,
    story_pages,
)

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)


def stamp(hour: int) -> str:
    """A date as format_time writes it, ``hour`` hours after T0."""
    return (T0 + timedelta(hours=hour)).isoformat(timespec="microseconds").replace("+00:00", "Z")


def key(row: int, hour: int | None = None) -> tuple[str, int]:
    """Story ``row``, dated ``hour`` hours after T0 (its row by default)."""
    return (stamp(row if hour is None else hour), row)


def state(**changes) -> HistoryState:
    values = dict(size=3, through=9, bounds=(1, 4, 7), count=9, cutoff=key(7), first=1, last=2, floor=1,
                  count_cut=0, age_cut=None, render="r")
    values.update(changes)
    return HistoryState(**values)


def slots(**changes) -> Slots:
    values = dict(size=3, bounds=(1, 4, 7), count=9, cutoff=key(7), count_cut=0, age_cut=None)
    values.update(changes)
    return Slots(**values)


# --- the state kept between publishes ------------------------------------------------


def test_the_state_goes_through_json_unchanged():
    kept = state(age_cut=stamp(2))
    assert HistoryState.from_json(kept.to_json(), 3) == kept
    assert kept.to_json()["v"] == STATE_VERSION
    assert kept.to_json()["cutoff"] == list(key(7))


def test_a_state_of_another_version_or_page_size_is_not_built_on():
    assert HistoryState.from_json(state().to_json(), 4) is None
    assert HistoryState.from_json({**state().to_json(), "v": STATE_VERSION + 1}, 3) is None
    assert HistoryState.from_json(None, 3) is None
    assert HistoryState.from_json([1, 2], 3) is None


def test_a_state_without_floor_or_render_key_is_read():
    value = state().to_json()
    del value["floor"], value["render"]
    read = HistoryState.from_json(value, 3)
    assert read is not None and read.floor is None and read.render is None


# --- slots and pages ------------------------------------------------------------------


def test_each_page_holds_size_slots_in_order_of_arrival():
    cut = cut_slots(None, 3, [key(r) for r in (5, 1, 2, 9, 7, 8, 12)], [], None, None)
    assert cut.bounds == (1, 7, 12) and cut.count == 7
    assert [cut.page_of(r) for r in (1, 5, 7, 9, 12, 40)] == [1, 1, 2, 2, 3, 3]
    assert cut.page_rows(1) == (1, 7) and cut.page_rows(2) == (7, 12)
    assert cut.page_rows(3)[0] == 12 and cut.page_rows(3)[1] > 10**15  # the newest page is open
    assert cut.rank(2, 1) == 4


@given(st.lists(st.lists(st.integers(1, 60), max_size=6), max_size=6), st.integers(1, 5))
def test_slots_never_move_whatever_the_batches(batches, size):
    """Cutting publish by publish gives the slots of cutting all at once."""
    rows = iter(range(1, 10**6))
    batches = [[key(next(rows), hour) for hour in batch] for batch in batches]
    previous = None
    for batch in batches:
        previous = state_after(cut_slots(previous, size, batch, [], None, None), 0, None, None, 1, "r")
    whole = cut_slots(None, size, [k for batch in batches for k in batch], [], None, None)
    assert ((previous.bounds, previous.count) if previous else ((), 0)) == (whole.bounds, whole.count)


def test_the_feed_cuts_the_archive_only_when_full():
    feed = [key(9), key(8), key(7)]
    assert cut_slots(None, 3, [], feed, None, None).cutoff == key(7)
    assert cut_slots(None, 3, [], feed[:2], None, None).cutoff is None
    cut = slots()
    assert cut.archived(key(6)) and not cut.archived(key(7)) and not cut.archived(key(3, hour=20))
    assert not slots(cutoff=None).archived(key(1))


def test_retention_by_count_and_by_age():
    assert cut_slots(None, 3, [key(r) for r in range(1, 11)], [], 4, None).count_cut == 6
    assert cut_slots(None, 3, [key(r) for r in range(1, 3)], [], 4, None).count_cut == 0
    cut = slots(count_cut=2, age_cut=stamp(3))
    assert not cut.retained(1, stamp(5)) and not cut.retained(4, stamp(2)) and cut.retained(2, stamp(3))
    assert cut.published_in_archive(2, 0, key(4)) and not cut.published_in_archive(1, 1, key(2))
    assert not cut.published_in_archive(3, 0, key(7))  # still in the feed


def test_ranks_and_what_is_kept():
    cut = slots(count_cut=4)
    ranks = cut.page_ranks(2, [key(4), key(5), key(6)])
    assert ranks == {4: 3, 5: 4, 6: 5}
    assert not cut.kept(key(4), ranks) and cut.kept(key(5), ranks) and not cut.kept(key(1), ranks)
    assert cut.archived_rows([key(2), key(8), key(5)]) == [2, 5]
    assert cut.archived_pages([key(2), key(8), key(5)]) == {1, 2}


# --- rebuild or update --------------------------------------------------------------


def test_what_makes_a_category_rebuild():
    previous = state()
    assert not must_rebuild(previous, 9, "r", key(8))
    assert must_rebuild(None, 9, "r", key(8))
    assert must_rebuild(previous, 12, "r", key(8))  # publishes missed
    assert must_rebuild(previous, 9, "other", key(8))  # other templates or settings
    assert must_rebuild(previous, 9, "r", key(6))  # the feed grew back
    assert must_rebuild(previous, 9, "r", None)
    assert not must_rebuild(state(cutoff=None), 9, "r", None)


# --- the oldest page ------------------------------------------------------------------


def test_the_oldest_page_skips_what_max_entries_cut_off():
    assert slots(count_cut=7).oldest_candidate(1) == 3
    assert slots(count_cut=2).oldest_candidate(2) == 2
    assert published_span(3, 2) == (None, None) and published_span(1, None) == (None, None)
    assert published_span(2, 3) == (2, 3)


def test_a_full_page_wholly_beyond_max_age_expires():
    cut = slots(bounds=(1, 4, 7, 10), count=10, cutoff=key(10), age_cut=stamp(5))
    assert cut.may_have_expired(1, 3) and cut.may_have_expired(3, 3)
    assert not cut.may_have_expired(4, 4)  # not full
    assert not cut.may_have_expired(2, 1) and not slots(age_cut=None).may_have_expired(1, 2)
    assert cut.page_expired(1, [key(1), key(2), key(3)])
    assert not cut.page_expired(2, [key(4), key(5), key(6)])  # 5 and 6 are recent enough
    assert not slots(age_cut=stamp(99)).page_expired(3, [key(7), key(8), key(9)])  # in the feed


# --- what changed since the last publish ---------------------------------------------


def test_stories_that_reached_the_archive():
    assert departures(slots(cutoff=key(10)), state(cutoff=key(7))) == (key(7), key(10))
    assert departures(slots(cutoff=key(7)), state(cutoff=key(7))) is None
    assert departures(slots(cutoff=key(7)), state(cutoff=None)) == (None, key(7))
    assert departures(slots(cutoff=None), state(cutoff=None)) is None
    late = key(12, hour=1)
    assert never_in_feed([key(11), late], state(cutoff=key(7))) == [late]
    assert never_in_feed([late], state(cutoff=None)) == []


def test_stories_that_fell_out_of_the_retention():
    cut = slots(bounds=(1, 4, 7, 10), count=12, cutoff=key(10), count_cut=5)
    assert list(count_expiry_pages(cut, state(count_cut=1))) == [1, 2]
    assert list(count_expiry_pages(cut, state(count_cut=5))) == []
    assert expired_by_count(cut, state(count_cut=1), 1, [key(1), key(2), key(3)]) == [2, 3]
    assert expired_by_count(cut, state(count_cut=1), 2, [key(4), key(5), key(6)]) == [4, 5]
    aged = slots(age_cut=stamp(5))
    assert age_expiry_window(aged, state(age_cut=stamp(3))) == (stamp(3), stamp(5))
    assert age_expiry_window(aged, state(age_cut=None)) == (None, stamp(5))
    assert age_expiry_window(aged, state(age_cut=stamp(5))) is None
    assert age_expiry_window(slots(), state()) is None


def test_a_new_page_rewrites_the_previous_newest_for_its_link():
    changes = page_changes(state(first=1, last=2), 1, 3, set())
    assert (changes.first, changes.last, changes.render, changes.removed) == (1, 3, (2, 3), ())


def test_only_touched_pages_are_rendered_when_the_span_stays():
    changes = page_changes(state(first=1, last=3), 1, 3, {2, 7, 0})
    assert changes.render == (2,) and changes.removed == ()


def test_a_page_left_behind_by_the_retention_is_removed():
    changes = page_changes(state(first=1, last=3), 2, 3, set())
    assert (changes.first, changes.last, changes.render, changes.removed) == (2, 3, (2,), (1,))
    gone = page_changes(state(first=1, last=3), 4, 3, {3})
    assert (gone.first, gone.last, gone.render, gone.removed) == (None, None, (), (1, 2, 3))
    assert page_changes(state(first=None, last=None), 1, None, set()).removed == ()


def test_story_pages_of_new_and_changed_stories():
    cut = slots(bounds=(1, 4, 7, 10), count=12, cutoff=key(10), count_cut=4)
    ranks = cut.page_ranks(1, [key(1), key(2), key(3)]) | cut.page_ranks(2, [key(4), key(5), key(6)])
    written, beyond = story_pages(cut, [key(11), key(5), key(2)], ranks)
    assert written == [5, 11] and beyond == {2}
    assert beyond_retention(cut, [key(3), key(6)], ranks) == {3}


# --- one archive page -------------------------------------------------------------------


def test_an_archive_page_shows_its_archived_stories_newest_first():
    cut = slots(cutoff=key(6))
    page = [key(1, hour=8), key(2, hour=9), key(3, hour=7)]
    assert cut.archive_selection(1, page) == []  # all dated after the cutoff: in the feed
    page = [key(1, hour=1), key(2, hour=3), key(3, hour=2)]
    assert cut.archive_selection(1, page) == [1, 2, 0]


def test_the_date_of_an_archive_page_with_nothing_to_show():
    cut = slots(cutoff=key(5))
    keys = [key(1), key(2), key(9, hour=9)]
    dates = [T0 + timedelta(hours=h) for h in (1, 2, 9)]
    assert empty_page_date(cut, keys, dates, [0]) == dates[0]  # only empty stories shown
    assert empty_page_date(cut, keys, dates, []) == dates[1]  # the newest that left the feed
    assert empty_page_date(slots(cutoff=None), keys, dates, []) == dates[2]  # all still in the feed
    assert empty_page_date(cut, [], [], []) is None
