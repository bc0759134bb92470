"""The arithmetic of a category's archive pages: slots, pages and ranks, and
what one publish renders and removes of them. Pure: story keys and frozen
records in, decisions out; plan.py reads the store and output/ and hands
what it read to these functions.

How archive pages are cut
-------------------------
Every story of a category gets a *slot* when it first reaches a publish, in
order of arrival (its story row, which the store assigns in increasing
order): slots 1..S are page 1, S+1..2S page 2, and so on, S being
``entries_per_feed``. A page lists the stories of its slots that are no
longer in the feed. Stories only ever leave the feed (it holds the newest N
by date, and a story's date never changes), so a page only gains stories,
and once all its slots are taken and all its stories have left the feed it
never changes again. The one exception is its ``next-archive`` link, added
once when the next page appears (RFC 5005 asks for it). Numbering from the
newest instead, or cutting pages by date, would shift every page whenever a
story arrives (or arrives late, dated in the past): readers that backfill
would refetch everything, and each publish would rewrite the whole history.

Retention (``output.retention``): ``max_entries`` keeps the newest N stories
by arrival, feed included; ``max_age`` keeps stories dated within that long
of the publish. Stories beyond it are left out of the archives and their
pages removed; they stay in the store, and come back if the retention is
raised. The feed itself always holds its N stories.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

STATE_VERSION = 1

Key = tuple[str, int]  # (published as format_time wrote it, story row): the feed's order

# Past every row the store will ever assign: the end of the newest page.
_NO_END = 2**62


@dataclass(frozen=True)
class HistoryState:
    """What a publish keeps of a category's history (in the store's meta
    table), for the next publish to start from."""

    size: int  # entries_per_feed the slots were cut with
    through: int  # the site's newest story row at that publish
    bounds: tuple[int, ...]  # the first row of each page
    count: int  # slots taken
    cutoff: Key | None  # the feed's oldest key, when the feed was full
    first: int | None  # the oldest and newest pages published; None: no archive
    last: int | None
    floor: int | None  # where the next search for the oldest page starts
    count_cut: int
    age_cut: str | None
    render: str | None  # the render key the pages were written with

    @classmethod
    def from_json(cls, value: Any, size: int) -> HistoryState | None:
        """The state as JSON read it, or None when there is none to build
        on: absent, of another version, or cut for another page size."""
        if not isinstance(value, dict) or value.get("v") != STATE_VERSION or value.get("size") != size:
            return None
        return cls(
            size=size, through=value["through"], bounds=tuple(value["bounds"]), count=value["count"],
            cutoff=tuple(value["cutoff"]) if value["cutoff"] else None, first=value["first"], last=value["last"],
            # Absent from states written before the floor and the render key were kept.
            floor=value.get("floor"), count_cut=value["count_cut"], age_cut=value["age_cut"],
            render=value.get("render"),
        )

    def to_json(self) -> dict:
        return {
            "v": STATE_VERSION, "size": self.size, "through": self.through, "bounds": list(self.bounds),
            "count": self.count, "cutoff": list(self.cutoff) if self.cutoff else None, "first": self.first,
            "last": self.last, "floor": self.floor, "count_cut": self.count_cut, "age_cut": self.age_cut,
            "render": self.render,
        }


@dataclass(frozen=True)
class Slots:
    """A category's slots at one publish, and where the feed and the
    retention cut them."""

    size: int  # slots a page
    bounds: tuple[int, ...]  # page n holds the rows from bounds[n - 1] on
    count: int  # slots taken
    cutoff: Key | None  # stories with a key below it have left the feed; None: the feed is not full
    count_cut: int  # ranks below it are beyond retention.max_entries
    age_cut: str | None  # stories published before it are beyond retention.max_age

    def page_of(self, row: int) -> int:
        return bisect.bisect_right(self.bounds, row)

    def page_rows(self, page: int) -> tuple[int, int]:
        """The page's rows: first <= row < end."""
        end = self.bounds[page] if page < len(self.bounds) else _NO_END
        return self.bounds[page - 1], end

    def rank(self, page: int, index: int) -> int:
        """The arrival rank of the ``index``-th story of ``page``, in slot order."""
        return (page - 1) * self.size + index

    @property
    def full_pages(self) -> int:
        return self.count // self.size

    def archived(self, key: Key) -> bool:
        return self.cutoff is not None and tuple(key) < self.cutoff

    def retained(self, rank: int, published: str) -> bool:
        return rank >= self.count_cut and (self.age_cut is None or published >= self.age_cut)

    def published_in_archive(self, page: int, index: int, key: Key) -> bool:
        return self.archived(key) and self.retained(self.rank(page, index), key[0])

    def kept(self, key: Key, ranks: dict[int, int]) -> bool:
        """Whether an archived story is within the retention (``ranks``:
        those of its page)."""
        rank = ranks.get(key[1])
        return rank is not None and self.retained(rank, key[0])

    def archived_rows(self, keys: Iterable[Key]) -> list[int]:
        return [key[1] for key in keys if self.archived(key)]

    def archived_pages(self, keys: Iterable[Key]) -> set[int]:
        return {self.page_of(row) for row in self.archived_rows(keys)}

    def page_ranks(self, page: int, keys: Sequence[Key]) -> dict[int, int]:
        """row -> arrival rank, for ``page``'s stories (``keys``, in slot order)."""
        return {row: self.rank(page, i) for i, (_, row) in enumerate(keys)}

    def newest_page(self, previous_last: int | None, rows: Iterable[int]) -> int | None:
        """The newest page holding archived stories: ``previous_last`` or a
        page of ``rows`` (stories that reached the archive)."""
        return max([p for p in (previous_last, *(self.page_of(row) for row in rows)) if p is not None], default=None)

    def oldest_candidate(self, start: int) -> int:
        """The oldest page that may be published, from ``start`` (the last
        publish's) on: pages wholly beyond max_entries are skipped."""
        return max(start, self.count_cut // self.size + 1)

    def may_have_expired(self, page: int, last: int | None) -> bool:
        """Whether ``page`` may be wholly beyond max_age, so that its stories
        must be read to know: a full page, not past ``last``."""
        return self.age_cut is not None and last is not None and page <= min(last, self.full_pages)

    def page_expired(self, page: int, keys: Sequence[Key]) -> bool:
        """Whether none of ``page``'s stories (``keys``, in slot order) is
        published, in the feed or in the archive."""
        return not any(self.published_in_archive(page, i, k) or not self.archived(k) for i, k in enumerate(keys))

    def archive_selection(self, page: int, keys: Sequence[Key]) -> list[int]:
        """Indexes into ``keys`` (``page``'s stories, in slot order) of those
        it publishes, newest first."""
        shown = [i for i, k in enumerate(keys) if self.published_in_archive(page, i, k)]
        return sorted(shown, key=lambda i: keys[i], reverse=True)


def cut_slots(previous: HistoryState | None, size: int, new: Iterable[Key], feed: Sequence[Key],
              max_entries: int | None, age_cut: str | None) -> Slots:
    """The slots after giving each of ``new`` the next one, by row, on top
    of ``previous`` (None: from the first slot). ``feed``: its keys, newest
    first; when it is full, older stories are archived."""
    cutoff = feed[-1] if len(feed) == size else None
    bounds, count = (list(previous.bounds), previous.count) if previous is not None else ([], 0)
    for _, row in sorted(new, key=lambda k: k[1]):
        if count % size == 0:
            bounds.append(row)
        count += 1
    count_cut = max(0, count - max_entries) if max_entries else 0
    return Slots(size, tuple(bounds), count, cutoff, count_cut, age_cut)


def must_rebuild(previous: HistoryState | None, through: int, render: str, cutoff: Key | None) -> bool:
    """Whether the history is planned whole rather than from ``previous``
    (files missing from output/ aside, which plan.py checks): no state, a
    category that missed publishes (``through``: the last publish's newest
    row), pages that now look different, or a feed whose cutoff moved back."""
    if previous is None or previous.through != through or previous.render != render:
        return True
    return previous.cutoff is not None and (cutoff is None or cutoff < previous.cutoff)


def state_after(slots: Slots, through: int, first: int | None, last: int | None, floor: int,
                render: str) -> HistoryState:
    return HistoryState(slots.size, through, slots.bounds, slots.count, slots.cutoff, first, last, floor,
                        slots.count_cut, slots.age_cut, render)


def published_span(first: int, last: int | None) -> tuple[int | None, int | None]:
    """(first, last) of the pages to publish; (None, None) when there is none."""
    if last is None or first > last:
        return None, None
    return first, last


# --- what changed since the last publish ----------------------------------------


def departures(slots: Slots, previous: HistoryState) -> tuple[Key | None, Key] | None:
    """The keys [low, high) of the stories that left the feed since the last
    publish, or None when its cutoff did not move."""
    if slots.cutoff is None or slots.cutoff == previous.cutoff:
        return None
    return previous.cutoff, slots.cutoff


def never_in_feed(new: Iterable[Key], previous: HistoryState) -> list[Key]:
    """New stories that went straight to the archive: dated before the
    oldest story of the last publish's feed."""
    if previous.cutoff is None:
        return []
    return [k for k in new if tuple(k) < previous.cutoff]


def count_expiry_pages(slots: Slots, previous: HistoryState) -> range:
    """The pages holding ranks that fell beyond max_entries since the last publish."""
    if slots.count_cut <= previous.count_cut:
        return range(0)
    return range(previous.count_cut // slots.size + 1, (slots.count_cut - 1) // slots.size + 2)


def expired_by_count(slots: Slots, previous: HistoryState, page: int, keys: Sequence[Key]) -> list[int]:
    """Rows of ``page``'s archived stories (``keys``, in slot order) whose
    rank fell beyond max_entries since the last publish."""
    return [key[1] for i, key in enumerate(keys)
            if previous.count_cut <= slots.rank(page, i) < slots.count_cut and slots.archived(key)]


def age_expiry_window(slots: Slots, previous: HistoryState) -> tuple[str | None, str] | None:
    """The dates [start, end) of the stories that fell beyond max_age since
    the last publish, or None when the age cut did not move on."""
    if slots.age_cut is not None and (previous.age_cut is None or slots.age_cut > previous.age_cut):
        return previous.age_cut, slots.age_cut
    return None


@dataclass(frozen=True)
class PageChanges:
    """The archive pages one publish writes and removes."""

    first: int | None  # the oldest and newest pages published; None: no archive
    last: int | None
    render: tuple[int, ...]
    removed: tuple[int, ...]


def page_changes(previous: HistoryState, floor: int, last: int | None, touched: set[int]) -> PageChanges:
    """``touched``: pages whose stories changed (reached the archive, fell
    out of the retention, were edited). Also rendered: pages new since the
    last publish (the previous newest gains its next-archive link), and a
    new oldest page (it loses its prev-archive link)."""
    old_first, old_last = previous.first, previous.last
    render = set(touched)
    if last is not None and last != old_last:
        render |= set(range(max(floor, old_last or floor), last + 1))
    if floor != old_first:
        render.add(floor)
    first, last = published_span(floor, last)
    removed: list[int] = []
    if old_first is not None:
        removed = [p for p in range(old_first, old_last + 1) if first is None or p < first]
    return PageChanges(first, last, tuple(sorted(p for p in render if first is not None and first <= p <= last)),
                       tuple(removed))


def story_pages(slots: Slots, candidates: Iterable[Key], ranks: dict[int, int]) -> tuple[list[int], set[int]]:
    """Of new and changed stories: the rows whose page is written (in the
    feed, or archived within the retention), by row, and the rows beyond the
    retention. ``ranks``: those of the archived candidates' pages."""
    written, beyond = [], set()
    for key in sorted(candidates, key=lambda k: k[1]):
        if not slots.archived(key) or slots.kept(key, ranks):
            written.append(key[1])
        else:
            beyond.add(key[1])
    return written, beyond


def beyond_retention(slots: Slots, keys: Iterable[Key], ranks: dict[int, int]) -> set[int]:
    """Rows of ``keys`` (stories that reached the archive) outside the
    retention; ``ranks``: those of their pages."""
    return {k[1] for k in keys if not slots.kept(tuple(k), ranks)}


# --- one archive page ---------------------------------------------------------


def empty_page_date(slots: Slots, keys: Sequence[Key], dates: Sequence[datetime],
                    shown: Sequence[int]) -> datetime | None:
    """The date of a page that has no story to show (``keys`` and ``dates``:
    its slots' stories, in slot order; ``shown``: those it publishes, all of
    them empty stories), one that only changes when the page is rewritten
    anyway: the newest of those shown, else of those that left the feed
    (beyond the retention now), else, all of its stories being in the feed,
    of its slots (such a page is older than the newest page, hence full)."""
    if shown:
        return max(dates[i] for i in shown)
    archived = [date for key, date in zip(keys, dates) if slots.archived(key)]
    return max(archived or list(dates), default=None)
