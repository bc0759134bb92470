"""The plan of each publish: every category's feed (views.py) and what to
write and remove of its history.

A category publishes its newest ``entries_per_feed`` stories in its feed
(atom.xml, rss.xml, feed.json and index.html) and every older story it keeps
in archive documents (RFC 5005 §4, <slug>/archive/<n>.xml) mirrored as HTML
pages (<slug>/page/<n>.html), plus one page per story. The history is
planned incrementally (``plan_categories``), so that a publish costs the new
stories and a page or two, not the length of the history.

This module reads what a plan depends on: the store, the templates and
output/. What that means for the archive pages (their slots, what to render
and remove, the retention) is decided by slots.py, without I/O; its
docstring says how pages are cut and why.

The slots are kept in the store's meta table (key ``history/<category>``:
the first row of every page), with the watermarks of the last publish (key
``history``: the newest story row, the newest entry row, the latest entry
``last_seen``), so that the next publish finds what is new by ranges of the
primary keys. Without that state (the first publish, a new category, a
changed page size, template or site setting, or a page missing from
output/), the category is rebuilt: every page and story page rendered, and
files of pages no longer published removed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from feedhub import __version__
from feedhub.config import CategoryConfig, Config
from feedhub.publish.changes import Changes
from feedhub.publish.common import ARCHIVE_DIR, PAGE_FILE, ArchivePage, CategoryHistory
from feedhub.publish.neighbours import Neighbourhood
from feedhub.publish.slots import (
    HistoryState,
    Key,
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
from feedhub.publish.views import feed_view, source_infos, story_records
from feedhub.store import Store, StoredStory, format_time
from feedhub.types import CategoryView, SourceInfo, Story

# Keys in the store's meta table.
HISTORY_KEY = "history"
_TEMPLATES = Path(__file__).parents[1] / "templates"  # feedhub/templates, where html.py loads them


@dataclass(frozen=True)
class SitePlan:
    """What one publish writes: each category's feed, what to write and
    remove of its history (by slug), and the state to keep in the store's
    meta table once the files are written."""

    views: list[CategoryView]
    history: dict[str, CategoryHistory]
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CategoryPlan:
    """One category's part of a publish: its feed, what to write and remove
    of its history, and its history state for the meta table."""

    view: CategoryView
    history: CategoryHistory
    meta: tuple[tuple[str, str], ...]


def plan_site(config: Config, store: Store, *, now: datetime) -> SitePlan:
    """The views and the history plan of every category. ``now`` is only
    used for ``retention.max_age``."""
    categories, meta = plan_categories(config, store, now=now)
    views, history = [], {}
    for plan in categories:
        views.append(plan.view)
        history[plan.view.slug] = plan.history
        meta.update(plan.meta)
    return SitePlan(views, history, meta)


def plan_categories(config: Config, store: Store, *, now: datetime) -> tuple[Iterator[CategoryPlan], dict[str, str]]:
    """plan_site one category at a time: the plans, read from the store as
    they are asked for (a publish then holds one category's stories at a
    time, not the whole site's: 40 MB at 200 x 50, bench/README.md), and the
    site-wide meta to store once every category is written."""
    infos = source_infos(config, store)
    marks = _load(store.get_meta(HISTORY_KEY))
    changes = Changes.since(store, marks)
    render_keys = _RenderKeys(config)

    def plans() -> Iterator[CategoryPlan]:
        for category in config.categories:
            view, feed = feed_view(config, store, category, infos)
            planner = _CategoryPlanner(config, store, category, view, feed, changes, infos, now, render_keys)
            archive, plan, state = planner.plan()
            yield CategoryPlan(CategoryView(view.name, view.slug, view.stories, view.sources, archive), plan,
                               ((_state_key(category), json.dumps(state.to_json(), separators=(",", ":"))),))

    return plans(), {HISTORY_KEY: json.dumps(changes.marks, separators=(",", ":"))}


# --- one category's history ---------------------------------------------------------


def history_key(category: str) -> str:
    """The store's meta key of a category's publish state (cli's remerge forgets it)."""
    return f"{HISTORY_KEY}/{category}"


def _state_key(category: CategoryConfig) -> str:
    return history_key(category.name)


def _load(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class _RenderKeys:
    """Per category, a key that changes whenever what its archive and story
    pages look like may change: the site, the category's name and slug, the
    formats linked, the retention, the templates (the user's and the
    built-in ones) and feedhub's version. A change rebuilds the category's
    pages once. The templates are read once per publish, not per category."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._templates: str | None = None

    def templates(self) -> str:
        if self._templates is None:
            h = hashlib.sha256()
            for folder in filter(None, (self.config.template_dir, _TEMPLATES)):
                for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
                    h.update(str(path.relative_to(folder)).encode("utf-8", "surrogateescape") + b"\0")
                    try:
                        h.update(path.read_bytes())
                    except OSError:
                        pass
                    h.update(b"\0")
            self._templates = h.hexdigest()
        return self._templates

    def __call__(self, category: CategoryConfig) -> str:
        config = self.config
        site, retention = config.site, config.retention
        h = hashlib.sha256()
        # Every category's name and slug too: each page shows the bar of categories.
        h.update(json.dumps([__version__, site.title, site.base_url, site.language, site.timezone, category.name,
                             category.slug, list(config.formats), retention.max_entries,
                             retention.max_age.total_seconds() if retention.max_age else None,
                             [[c.name, c.slug] for c in config.categories]],
                            ensure_ascii=False).encode("utf-8"))
        h.update(self.templates().encode("ascii"))
        return h.hexdigest()


class _CategoryPlanner:
    """Plans one category's history for one publish: reads what the store
    and output/ hold, and has slots.py say what that means for its pages."""

    def __init__(self, config: Config, store: Store, category: CategoryConfig, view: CategoryView,
                 feed: list[StoredStory], changes: Changes, infos: dict[str, SourceInfo], now: datetime,
                 render_keys: _RenderKeys) -> None:
        self.config = config
        self.store = store
        self.category = category
        self.name = category.name
        self.size = config.entries_per_feed
        self.changes = changes
        self.infos = infos
        self.now = now
        self.view = view
        self.feed = feed
        self.render_key = render_keys(category)
        self.neighbours = Neighbourhood(store, self.name, self._has_page,
                                        lambda stored: story_records(store, self.name, stored, infos))
        self._page_ranks: dict[int, dict[int, int]] = {}

    def plan(self) -> tuple[int | None, CategoryHistory, HistoryState]:
        """The newest archive page (None: no archive), what to write and
        remove of the history, and the state to keep for the next publish."""
        changes, retention = self.changes, self.config.retention
        previous = self._previous_state()
        self.new = self._new_keys(previous)
        age_cut = format_time(self.now - retention.max_age) if retention.max_age else None
        self.slots = cut_slots(previous, self.size, self.new, [_key(s) for s in self.feed], retention.max_entries,
                               age_cut)
        if (previous is None or must_rebuild(previous, changes.previous_stories, self.render_key, self.slots.cutoff)
                or not self._files_present(previous)):
            floor, first, last, history = self._rebuild()
        else:
            floor, first, last, history = self._update(previous)
        state = state_after(self.slots, changes.marks["stories"], first, last, floor, self.render_key)
        return (last if first is not None else None), history, state

    # -- what the store and output/ hold -----------------------------------------

    def _previous_state(self) -> HistoryState | None:
        """The last publish's state of this category, if it can be built on."""
        if not self.changes.known:
            return None
        return HistoryState.from_json(_load(self.store.get_meta(_state_key(self.category))), self.size)

    def _new_keys(self, previous: HistoryState | None) -> list[Key]:
        """The category's stories without a slot yet, by row."""
        if previous is None:
            return self.store.category_story_keys(self.name)
        if previous.through == self.changes.previous_stories:
            return [_key(s) for s in self.changes.new.get(self.name, [])]
        # The category missed publishes (left out of the config for a while).
        return self.store.category_story_keys(self.name, after_row=previous.through)

    def _files_present(self, previous: HistoryState) -> bool:
        """A cleaned output folder, or a removed archive page, is rebuilt."""
        folder = self.config.output_dir / self.category.slug
        if not (folder / PAGE_FILE).exists():
            return False
        return previous.last is None or previous.first is None or \
            (folder / ARCHIVE_DIR / f"{previous.last}.xml").exists()

    def _page_keys(self, page: int) -> list[Key]:
        """The page's stories in slot order (by row)."""
        return self.store.category_story_keys_in_rows(self.name, *self.slots.page_rows(page))

    def _has_page(self, stored: StoredStory) -> bool:
        """Whether the story has a page after this publish: in the feed, or
        archived within the retention (as story_pages and the rebuild decide)."""
        key = _key(stored)
        if not self.slots.archived(key):
            return True
        page = self.slots.page_of(stored.row)
        if page < 1:
            return False
        if page not in self._page_ranks:
            self._page_ranks[page] = self.slots.page_ranks(page, self._page_keys(page))
        return self.slots.kept(key, self._page_ranks[page])

    def _ranks(self, pages: set[int]) -> dict[int, int]:
        """row -> arrival rank, for the stories of ``pages``."""
        ranks: dict[int, int] = {}
        for page in pages:
            if page >= 1:  # page 0: rows before the first slot
                ranks.update(self.slots.page_ranks(page, self._page_keys(page)))
        return ranks

    # -- the plan -------------------------------------------------------------------

    def _oldest_page(self, start: int, last: int | None, dropped: list[Key]) -> int:
        """The oldest page to publish: from ``start`` (the last publish's),
        skip pages beyond max_entries, then full pages whose stories are all
        archived and beyond max_age; collect their keys in ``dropped``.
        Remembered as ``floor`` even when it passes the newest page (all
        expired), so that the next publish does not search again from 1."""
        page = self.slots.oldest_candidate(start)
        while self.slots.may_have_expired(page, last):
            keys = self._page_keys(page)
            if not self.slots.page_expired(page, keys):
                break
            dropped += keys
            page += 1
        return page

    def _rebuild(self) -> tuple[int, int | None, int | None, CategoryHistory]:
        """Every published page and every story's page: (floor, first, last, history)."""
        last = None
        if self.slots.cutoff is not None:
            archived = self.store.category_story_keys_between(self.name, None, self.slots.cutoff)
            last = self.slots.newest_page(None, (row for _, row in archived))
        floor = self._oldest_page(1, last, [])
        first, last = published_span(floor, last)
        pages = range(first, last + 1) if first is not None else range(0)
        history = CategoryHistory(pages=self._pages(pages, first, last, with_around=True),
                                  entries=self._with_around(self.feed, self.view.stories),
                                  entries_of_pages=True, sweep=True)
        return floor, first, last, history

    def _update(self, previous: HistoryState) -> tuple[int, int | None, int | None, CategoryHistory]:
        """What changed since the last publish: (floor, first, last, history)."""
        slots = self.slots
        moved = self._moved(previous)
        last = slots.newest_page(previous.last, (row for _, row in moved))
        expired_pages, expired = self._expired(previous)
        dropped: list[Key] = []
        floor = self._oldest_page(previous.floor or previous.first or 1, last, dropped)
        expired.update(slots.archived_rows(dropped))
        changed = self.changes.changed.get(self.name, [])
        touched = {slots.page_of(row) for _, row in moved} | expired_pages | slots.archived_pages(map(_key, changed))
        pages = page_changes(previous, floor, last, touched)
        candidates = [*self.changes.new.get(self.name, []), *changed]
        to_write, beyond = self._story_pages(candidates, moved)
        feed_rows = {s.row for s in self.feed}
        gone_stored = self.store.stories_by_rows(sorted((expired | beyond) - feed_rows))
        gone = [s.atom_id for s in gone_stored]
        to_write = self._and_neighbours(to_write, [*candidates, *gone_stored])
        history = CategoryHistory(
            # Empty tuples when there is nothing: the publish can then see
            # without reading anything that this category has no history to write.
            pages=self._pages(pages.render, pages.first, pages.last) if pages.render else (),
            entries=self._records(to_write) if to_write else (),
            removed_pages=list(pages.removed),
            removed_entries=gone,
        )
        return floor, pages.first, pages.last, history

    def _moved(self, previous: HistoryState) -> list[Key]:
        """Stories that left the feed since the last publish, and new ones
        that never were in it (dated before the feed's oldest)."""
        window = departures(self.slots, previous)
        moved = self.store.category_story_keys_between(self.name, *window) if window is not None else []
        return moved + never_in_feed(self.new, previous)

    def _expired(self, previous: HistoryState) -> tuple[set[int], set[int]]:
        """Pages and rows of archived stories that fell out of the retention
        since the last publish."""
        slots = self.slots
        pages: set[int] = set()
        rows: set[int] = set()
        for page in count_expiry_pages(slots, previous):
            found = expired_by_count(slots, previous, page, self._page_keys(page))
            if found:
                pages.add(page)
                rows.update(found)
        window = age_expiry_window(slots, previous)
        if window is not None:
            found = slots.archived_rows(self.store.category_story_keys_dated(self.name, *window))
            pages.update(slots.page_of(row) for row in found)
            rows.update(found)
        return pages, rows

    def _story_pages(self, candidates: Sequence[StoredStory],
                     moved: list[Key]) -> tuple[list[StoredStory], set[int]]:
        """Of new and changed stories, those whose page is written, by row;
        and the rows beyond the retention, of those and of the stories that
        reached the archive (which may be beyond it already)."""
        slots = self.slots
        by_row = {s.row: s for s in candidates}
        keys = [_key(s) for s in by_row.values()]
        written, beyond = story_pages(slots, keys, self._ranks(slots.archived_pages(keys)))
        beyond |= beyond_retention(slots, moved, self._ranks({slots.page_of(row) for _, row in moved}))
        return [by_row[row] for row in written], beyond

    # -- records, lazily ------------------------------------------------------------

    def _and_neighbours(self, to_write: list[StoredStory], changed: Sequence[StoredStory]) -> list[StoredStory]:
        """``to_write`` and the pages that link ``changed`` stories as their
        neighbours (new, edited or no longer published ones): the nearest
        published ones on each side (neighbours.py says why exactly those)."""
        rows = {s.row: s for s in to_write}
        for story in changed:
            for older in (True, False):
                for stored, _ in self.neighbours.nearest(_key(story), older=older):
                    rows.setdefault(stored.row, stored)
        return [rows[row] for row in sorted(rows)]

    def _with_around(self, stored: Sequence[StoredStory], stories: Sequence[Story]) -> Iterator[Story]:
        """``stories`` (the records of some of ``stored``) with their neighbours, for their pages."""
        by_id = {s.atom_id: s for s in stored}
        for story in stories:
            yield self.neighbours.around(by_id[story.id], story)

    def _pages(self, numbers, first: int | None, last: int | None, *, with_around: bool = False) -> Iterator[ArchivePage]:
        for number in numbers:
            stored = self.store.category_stories_in_rows(self.name, *self.slots.page_rows(number))
            keys = [_key(s) for s in stored]
            shown = self.slots.archive_selection(number, keys)
            stories = tuple(story_records(self.store, self.name, [stored[i] for i in shown], self.infos))
            if with_around:  # a rebuild writes the page of each of them
                stories = tuple(self._with_around(stored, stories))
            # A page with nothing to show (stories still in the feed, or only
            # empty ones) still needs a date.
            empty = None if stories else empty_page_date(self.slots, keys, [s.published for s in stored], shown)
            yield ArchivePage(number, stories, first, last, empty)

    def _records(self, stored: Sequence[StoredStory]) -> Iterator[Story]:
        for start in range(0, len(stored), 200):
            chunk = stored[start:start + 200]
            yield from self._with_around(chunk, story_records(self.store, self.name, chunk, self.infos))


def _key(story: StoredStory) -> Key:
    return (format_time(story.published), story.row)
