"""A story's neighbours in its category, as its page links them (issue #17):
the previous (older) and next (newer) story by date, and related stories.

A story page depends on the WINDOW published stories nearest it on each
side, in the feed's order (published, row), and on nothing further away:
``prev``/``next`` are the nearest ones, and the related stories are chosen
among the rest of that window (those sharing the most tags first, then the
nearest). So when a story appears, changes or stops being published, the
pages to render again are exactly those of the WINDOW published stories
nearest it on each side, as they stand after the change: plan.py asks for
those (``Neighbourhood.nearest``) and no others, which keeps a publish
incremental. ("Published" means: has a page, in the feed or in the archive
within the retention; a story beyond the retention is skipped, never linked.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from feedhub.publish.slots import Key
from feedhub.store import Store, StoredStory, format_time
from feedhub.types import Around, Story

# Published stories on each side a story page depends on.
WINDOW = 4
# Related stories a page lists, at most (from the 2 * (WINDOW - 1) beyond prev/next).
RELATED = 4


def choose(story: Story, older: Sequence[Story], newer: Sequence[Story]) -> Around:
    """The neighbours a page shows. ``older`` and ``newer``: the published
    stories on each side, nearest first (at most WINDOW are looked at)."""
    older, newer = [_bare(s) for s in older[:WINDOW]], [_bare(s) for s in newer[:WINDOW]]
    rest = [(distance, s) for side in (older[1:], newer[1:]) for distance, s in enumerate(side)]
    tags = set(story.tags)
    # Most shared tags, then nearest, then the newer of two as near, then
    # the id: a total order, so that the same neighbours give the same page.
    rest.sort(key=lambda pair: (-len(tags.intersection(pair[1].tags)), pair[0], -pair[1].published.timestamp(),
                                pair[1].id))
    return Around(older[0] if older else None, newer[0] if newer else None, tuple(s for _, s in rest[:RELATED]))


def within_view(stories: Sequence[Story]) -> list[Story]:
    """``stories`` (a feed, newest first) each with its neighbours among
    them: for a site published without a history plan (publish_site)."""
    return [replace(s, around=choose(s, stories[i + 1:], stories[:i][::-1])) for i, s in enumerate(stories)]


def _bare(story: Story) -> Story:
    # Only the title, date, id and tags are shown: the text is not carried along.
    return replace(story, content="", summary="", around=None)


class Neighbourhood:
    """One category's published stories around a key, read from the store
    a few at a time through the (category, published, id) index, for one
    publish. ``published(stored)`` says whether a stored story has a page;
    ``records`` makes Story records (views.story_records), which drops the
    stories with nothing to show: those have no page either."""

    def __init__(self, store: Store, category: str, published: Callable[[StoredStory], bool],
                 records: Callable[[Sequence[StoredStory]], list[Story]]) -> None:
        self.store = store
        self.category = category
        self.published = published
        self.records = records
        self._stories: dict[int, Story | None] = {}  # row -> its record (None: nothing to show)

    def nearest(self, key: Key, *, older: bool) -> list[tuple[StoredStory, Story]]:
        """The WINDOW published stories nearest ``key`` on one side (``key``
        itself excluded), nearest first."""
        found: list[tuple[StoredStory, Story]] = []
        for batch in self._batches(key, older):
            shown = [s for s in batch if self.published(s)]
            self._fill(shown)
            for stored in shown:
                story = self._stories[stored.row]
                if story is not None:
                    found.append((stored, story))
                    if len(found) == WINDOW:
                        return found
        return found

    def around(self, stored: StoredStory, story: Story) -> Story:
        """``story`` with its neighbours."""
        key = (format_time(stored.published), stored.row)
        older = [s for _, s in self.nearest(key, older=True)]
        newer = [s for _, s in self.nearest(key, older=False)]
        return replace(story, around=choose(story, older, newer))

    def _batches(self, key: Key, older: bool) -> Iterator[list[StoredStory]]:
        """The category's stories beyond ``key`` on one side, nearest first,
        WINDOW * 2 at a time (a few stories beyond the retention or without
        anything to show are skipped by reading on)."""
        size = WINDOW * 2
        while True:
            rows = self.store.category_stories_beside(self.category, key, size, older=older)
            yield rows
            if len(rows) < size:
                return
            key = (format_time(rows[-1].published), rows[-1].row)

    def _fill(self, stored: Sequence[StoredStory]) -> None:
        """Make the records of ``stored`` not made yet, in one read of their copies."""
        if len(self._stories) > 4096:  # a rebuild walks the whole category: keep the last stretch only
            self._stories.clear()  # (before choosing what to make: all of ``stored`` must be there after)
        missing = [s for s in stored if s.row not in self._stories]
        if not missing:
            return
        made = {s.id: s for s in self.records(missing)}
        for s in missing:
            story = made.get(s.atom_id)
            self._stories[s.row] = _bare(story) if story is not None else None
