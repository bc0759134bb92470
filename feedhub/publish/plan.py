"""Stored stories -> the records publish/ renders (CategoryView, Story), and
the plan of what each publish writes of a category's history.

A category publishes its newest ``entries_per_feed`` stories in its feed
(atom.xml, rss.xml, feed.json and index.html) and every older story it keeps
in archive documents (RFC 5005 §4, <slug>/archive/<n>.xml) mirrored as HTML
pages (<slug>/page/<n>.html), plus one page per story. Building the feed
reads the newest stories only; the history is planned incrementally
(``plan_history``), so that a publish costs the new stories and a page or
two, not the length of the history.

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

The slots are kept in the store's meta table (key ``history/<category>``:
the first row of every page), with the watermarks of the last publish (key
``history``: the newest story row, the newest entry row, the latest entry
``last_seen``), so that the next publish finds what is new by ranges of the
primary keys. Without that state (the first publish, a new category, a
changed page size, template or site setting, or a page missing from
output/), the category is rebuilt: every page and story page rendered, and
files of pages no longer published removed.

Retention (``output.retention``): ``max_entries`` keeps the newest N stories
by arrival, feed included; ``max_age`` keeps stories dated within that long
of the publish. Stories beyond it are left out of the archives and their
pages removed; they stay in the store, and come back if the retention is
raised. The feed itself always holds its N stories.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from feedhub import __version__
from feedhub.config import CategoryConfig, Config
from feedhub.normalize import is_empty_stored
from feedhub.publish.common import ARCHIVE_DIR, PAGE_FILE, ArchivePage, CategoryHistory
from feedhub.store import Store, StoredEntry, StoredStory, format_time
from feedhub.types import CategoryView, SourceInfo, SourceState, Story, StoryCopy

# Keys in the store's meta table.
HISTORY_KEY = "history"
_STATE_VERSION = 1
_TEMPLATES = Path(__file__).parent / "templates"

Key = tuple[str, int]  # (published as format_time wrote it, story row): the feed's order


def build_views(config: Config, store: Store) -> list[CategoryView]:
    """Each category's feed: its newest ``entries_per_feed`` stories."""
    infos = _source_infos(config, store)
    return [_feed(config, store, category, infos)[0] for category in config.categories]


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
    infos = _source_infos(config, store)
    marks = _load(store.get_meta(HISTORY_KEY))
    changes = _Changes.since(store, marks)
    render_keys = _RenderKeys(config)

    def plans() -> Iterator[CategoryPlan]:
        for category in config.categories:
            view, feed = _feed(config, store, category, infos)
            planner = _CategoryPlanner(config, store, category, view, feed, changes, infos, now, render_keys)
            archive, plan, state = planner.plan()
            yield CategoryPlan(CategoryView(view.name, view.slug, view.stories, view.sources, archive), plan,
                               ((_state_key(category), json.dumps(state, separators=(",", ":"))),))

    return plans(), {HISTORY_KEY: json.dumps(changes.marks, separators=(",", ":"))}


# --- the feed ----------------------------------------------------------------


def _source_infos(config: Config, store: Store) -> dict[str, SourceInfo]:
    states = store.source_states()
    return {name: _source_info(name, states.get(name)) for name in {s.name for s in config.sources} | set(states)}


def _feed(config: Config, store: Store, category: CategoryConfig,
          infos: dict[str, SourceInfo]) -> tuple[CategoryView, list[StoredStory]]:
    stored = store.newest_stories(category.name, config.entries_per_feed)
    stories = _stories(store, category.name, stored, infos)
    feeding = tuple(infos[src.name] for src in config.sources if category.name in src.categories)
    return CategoryView(category.name, category.slug, tuple(stories), feeding), stored


def _stories(store: Store, category: str, stored: Sequence[StoredStory], infos: dict[str, SourceInfo]) -> list[Story]:
    copies = store.story_copies([s.row for s in stored])
    stories = []
    for s in stored:
        members = copies[s.row]
        if not members:  # a story without copies cannot be shown; never written so by the store
            continue
        if all(is_empty_stored(c.entry.title, c.entry.link, c.entry.content) for c in members):
            # Stored before normalize dropped such entries (issue #13): an
            # "Untitled" story with nothing to show or link is not published.
            continue
        canonical = next((c for c in members if c.row == s.canonical_entry), members[0])
        others = [c for c in members if c.row != canonical.row]
        for c in (canonical, *others):  # a source no longer configured nor stored
            infos.setdefault(c.entry.source, _source_info(c.entry.source, None))
        stories.append(_story(s.atom_id, category, s.published, s.updated, canonical, others, infos))
    return stories


def _source_info(name: str, state: SourceState | None) -> SourceInfo:
    if state is None:
        return SourceInfo(name, "", None, None, None, None)
    return state.source_info()


def _copy(stored: StoredEntry, infos: dict[str, SourceInfo]) -> StoryCopy:
    e = stored.entry
    return StoryCopy(infos[e.source], e.link, e.title, e.author)


def _story(atom_id, category, published, updated, canonical: StoredEntry, others: list[StoredEntry], infos) -> Story:
    e = canonical.entry
    # Tags of every copy, in order of arrival, without repeats.
    tags = tuple(dict.fromkeys(t for c in (canonical, *others) for t in c.entry.tags))
    return Story(
        id=atom_id,
        category=category,
        title=e.title,
        link=e.link,
        author=e.author or e.source,
        content=e.content,
        summary=e.summary,
        published=published,
        updated=max(updated, published),
        tags=tags,
        canonical=_copy(canonical, infos),
        # One credit per other source, even if it carried the story twice.
        others=tuple({c.entry.source: _copy(c, infos) for c in others if c.entry.source != e.source}.values()),
    )


# --- what changed since the last publish -----------------------------------------


@dataclass
class _Changes:
    """Stories created, and stories whose copies were added or edited, since
    the last publish, by category; and the watermarks for the next one."""

    known: bool  # False: no previous publish recorded, every category is rebuilt
    previous_stories: int
    new: dict[str, list[StoredStory]]
    changed: dict[str, list[StoredStory]]
    marks: dict

    @classmethod
    def since(cls, store: Store, marks: dict | None) -> _Changes:
        top_story, top_entry = store.max_story_row(), store.max_entry_row()
        if not marks or marks.get("v") != _STATE_VERSION:
            fresh = {"v": _STATE_VERSION, "stories": top_story, "entries": top_entry, "seen": store.max_entry_last_seen()}
            return cls(False, 0, {}, {}, fresh)
        new: dict[str, list[StoredStory]] = defaultdict(list)
        for story in store.stories_after(marks["stories"]):
            if story.row <= top_story:
                new[story.category].append(story)
        # New copies, by the entry index; edits, by last_seen (>=: an edit
        # in the same microsecond as the last publish's newest is not lost;
        # seeing that one entry again costs nothing).
        rows = store.stories_with_copies_after(marks["entries"])
        edited, seen = store.stories_with_copies_seen_since(marks["seen"] or "")
        changed: dict[str, list[StoredStory]] = defaultdict(list)
        for story in store.stories_by_rows([*rows, *edited]):
            if story.row <= marks["stories"]:  # new ones are handled as new
                changed[story.category].append(story)
        latest = max(filter(None, (marks["seen"], seen)), default=None)
        fresh = {"v": _STATE_VERSION, "stories": top_story, "entries": top_entry, "seen": latest}
        return cls(True, marks["stories"], new, changed, fresh)


# --- one category's history ---------------------------------------------------------


def _state_key(category: CategoryConfig) -> str:
    return f"{HISTORY_KEY}/{category.name}"


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
        h.update(json.dumps([__version__, site.title, site.base_url, site.language, site.timezone, category.name,
                             category.slug, list(config.formats), retention.max_entries,
                             retention.max_age.total_seconds() if retention.max_age else None],
                            ensure_ascii=False).encode("utf-8"))
        h.update(self.templates().encode("ascii"))
        return h.hexdigest()


class _CategoryPlanner:
    """Plans one category's history for one publish (see the module docstring)."""

    def __init__(self, config: Config, store: Store, category: CategoryConfig, view: CategoryView,
                 feed: list[StoredStory], changes: _Changes, infos: dict[str, SourceInfo], now: datetime,
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
        self.feed_keys = {_key(s) for s in feed}
        # Stories with a key below the cutoff are no longer in the feed.
        self.cutoff: Key | None = _key(feed[-1]) if len(feed) == self.size else None
        self.render_key = render_keys(category)
        self.state = _load(store.get_meta(_state_key(category)))

    # -- the slots ---------------------------------------------------------------

    def archived(self, key: Key) -> bool:
        return self.cutoff is not None and tuple(key) < self.cutoff

    def page_of(self, row: int) -> int:
        return bisect.bisect_right(self.bounds, row)

    def page_rows(self, page: int) -> tuple[int, int]:
        end = self.bounds[page] if page < len(self.bounds) else 2**62
        return self.bounds[page - 1], end

    def page_keys(self, page: int) -> list[Key]:
        """The page's stories in slot order (by row)."""
        return self.store.category_story_keys_in_rows(self.name, *self.page_rows(page))

    def retained(self, rank: int, published: str) -> bool:
        return rank >= self.count_cut and (self.age_cut is None or published >= self.age_cut)

    def published_in_archive(self, page: int, index: int, key: Key) -> bool:
        return self.archived(key) and self.retained((page - 1) * self.size + index, key[0])

    # -- the plan ----------------------------------------------------------------

    def plan(self) -> tuple[int | None, CategoryHistory, dict]:
        state = self.state
        reuse = (state is not None and state.get("v") == _STATE_VERSION and state.get("size") == self.size
                 and self.changes.known)
        if reuse:
            self.bounds, self.count = list(state["bounds"]), state["count"]
            if state["through"] == self.changes.previous_stories:
                new = [_key(s) for s in self.changes.new.get(self.name, [])]
            else:  # the category missed publishes (left out of the config for a while)
                new = self.store.category_story_keys(self.name, after_row=state["through"])
        else:
            self.bounds, self.count = [], 0
            new = self.store.category_story_keys(self.name)
        for _, row in sorted(new, key=lambda k: k[1]):
            if self.count % self.size == 0:
                self.bounds.append(row)
            self.count += 1
        self.new = new

        retention = self.config.retention
        self.count_cut = max(0, self.count - retention.max_entries) if retention.max_entries else 0
        self.age_cut = format_time(self.now - retention.max_age) if retention.max_age else None

        old_cutoff = tuple(state["cutoff"]) if reuse and state["cutoff"] else None
        rebuild = (not reuse or state["through"] != self.changes.previous_stories
                   or state.get("render") != self.render_key
                   or (old_cutoff is not None and (self.cutoff is None or self.cutoff < old_cutoff))
                   or not self._files_present(state))
        if rebuild:
            first, last, history = self._rebuild()
        else:
            first, last, history = self._update(state, old_cutoff)
        new_state = {
            "v": _STATE_VERSION, "size": self.size, "through": self.changes.marks["stories"],
            "bounds": self.bounds, "count": self.count, "cutoff": list(self.cutoff) if self.cutoff else None,
            "first": first, "last": last, "floor": self.floor, "count_cut": self.count_cut,
            "age_cut": self.age_cut, "render": self.render_key,
        }
        return (last if first is not None else None), history, new_state

    def _files_present(self, state: dict) -> bool:
        """A cleaned output folder, or a removed archive page, is rebuilt."""
        folder = self.config.output_dir / self.category.slug
        if not (folder / PAGE_FILE).exists():
            return False
        return state.get("last") is None or state.get("first") is None or \
            (folder / ARCHIVE_DIR / f"{state['last']}.xml").exists()

    def _first_page(self, start: int, last: int | None, dropped: list[Key]) -> int:
        """The oldest page to publish: from ``start`` (the last publish's),
        skip pages beyond max_entries, then full pages whose stories are all
        archived and beyond max_age; collect their keys in ``dropped``.
        Remembered as ``floor`` even when it passes the newest page (all
        expired), so that the next publish does not search again from 1."""
        first = max(start, self.count_cut // self.size + 1)
        full_pages = self.count // self.size
        while self.age_cut is not None and last is not None and first <= min(last, full_pages):
            keys = self.page_keys(first)
            if any(self.published_in_archive(first, i, k) or not self.archived(k) for i, k in enumerate(keys)):
                break
            dropped += keys
            first += 1
        self.floor = first
        return first

    def _rebuild(self) -> tuple[int | None, int | None, CategoryHistory]:
        last = None
        if self.cutoff is not None:
            archived = self.store.category_story_keys_between(self.name, None, self.cutoff)
            last = max((self.page_of(row) for _, row in archived), default=None)
        first = self._first_page(1, last, [])
        if last is None or first > last:
            first = last = None
        pages = range(first, last + 1) if first is not None else range(0)
        history = CategoryHistory(
            pages=self._pages(pages, first, last),
            entries=self.view.stories,
            entries_of_pages=True,
            sweep=True,
        )
        return first, last, history

    def _update(self, state: dict, old_cutoff: Key | None) -> tuple[int | None, int | None, CategoryHistory]:
        old_first, old_last = state["first"], state["last"]
        # Stories that left the feed since the last publish, and new ones
        # that never were in it (dated before the feed's oldest).
        moved: list[Key] = []
        if self.cutoff is not None and self.cutoff != old_cutoff:
            moved = self.store.category_story_keys_between(self.name, old_cutoff, self.cutoff)
        if old_cutoff is not None:
            moved += [k for k in self.new if tuple(k) < old_cutoff]
        moved_pages = {self.page_of(row) for _, row in moved}
        last = max([p for p in (old_last, *moved_pages) if p is not None], default=None)

        # What fell out of the retention since the last publish.
        expired_pages: set[int] = set()
        expired_rows: set[int] = set()
        old_count_cut = state["count_cut"]
        if self.count_cut > old_count_cut:
            for page in range(old_count_cut // self.size + 1, (self.count_cut - 1) // self.size + 2):
                for i, key in enumerate(self.page_keys(page)):
                    rank = (page - 1) * self.size + i
                    if old_count_cut <= rank < self.count_cut and self.archived(key):
                        expired_pages.add(page)
                        expired_rows.add(key[1])
        if self.age_cut is not None and (state["age_cut"] is None or self.age_cut > state["age_cut"]):
            for key in self.store.category_story_keys_dated(self.name, state["age_cut"], self.age_cut):
                if self.archived(key):
                    expired_pages.add(self.page_of(key[1]))
                    expired_rows.add(key[1])
        dropped: list[Key] = []
        first = self._first_page(state.get("floor") or old_first or 1, last, dropped)
        expired_rows |= {row for key in dropped for row in [key[1]] if self.archived(key)}

        render = set(moved_pages) | expired_pages
        changed = self.changes.changed.get(self.name, [])
        render |= {self.page_of(s.row) for s in changed if self.archived(_key(s))}
        if last is not None and last != old_last:
            render |= set(range(max(first, old_last or first), last + 1))
        if first != old_first:
            render.add(first)
        if last is None or first > last:
            first = last = None
        render = sorted(p for p in render if first is not None and first <= p <= last)
        removed_pages = []
        if old_first is not None:
            removed_pages = [p for p in range(old_first, old_last + 1) if first is None or p < first]

        # Story pages: new and changed stories that are published; removed:
        # those beyond the retention (moved ones may already be).
        candidates = {s.row: s for s in (*self.changes.new.get(self.name, []), *changed)}
        ranks = self._ranks({self.page_of(row) for row in candidates if self.archived(_key(candidates[row]))})
        to_write = []
        for row, story in sorted(candidates.items()):
            key = _key(story)
            if not self.archived(key) or self._kept(key, ranks):
                to_write.append(story)
            else:
                expired_rows.add(row)
        ranks_moved = self._ranks({self.page_of(row) for _, row in moved})
        expired_rows |= {k[1] for k in moved if not self._kept(tuple(k), ranks_moved)}
        feed_rows = {s.row for s in self.feed}
        gone = [s.atom_id for s in self.store.stories_by_rows(sorted(expired_rows - feed_rows))]
        history = CategoryHistory(
            # Empty tuples when there is nothing: the publish can then see
            # without reading anything that this category has no history to write.
            pages=self._pages(render, first, last) if render else (),
            entries=self._records(sorted(to_write, key=lambda s: s.row)) if to_write else (),
            removed_pages=removed_pages,
            removed_entries=gone,
        )
        return first, last, history

    def _ranks(self, pages: set[int]) -> dict[int, int]:
        """row -> arrival rank, for the stories of ``pages``."""
        ranks = {}
        for page in pages:
            if page < 1:
                continue
            for i, (_, row) in enumerate(self.page_keys(page)):
                ranks[row] = (page - 1) * self.size + i
        return ranks

    def _kept(self, key: Key, ranks: dict[int, int]) -> bool:
        rank = ranks.get(key[1])
        return rank is not None and self.retained(rank, key[0])

    # -- records, lazily ------------------------------------------------------------

    def _pages(self, numbers, first: int | None, last: int | None) -> Iterator[ArchivePage]:
        for number in numbers:
            stored = self.store.category_stories_in_rows(self.name, *self.page_rows(number))
            kept = [s for i, s in enumerate(stored) if self.published_in_archive(number, i, _key(s))]
            kept.sort(key=_key, reverse=True)
            # A page without stories to show still needs a date that only
            # changes when the page is rewritten anyway: the newest of those
            # of its stories that left the feed (beyond the retention now),
            # else, all of its stories being in the feed, of its slots
            # (such a page is older than the newest page, hence full).
            empty_updated = None
            stories = tuple(_stories(self.store, self.name, kept, self.infos))
            if not kept:
                archived = [s.published for s in stored if self.archived(_key(s))]
                empty_updated = max(archived or [s.published for s in stored], default=None)
            elif not stories:  # only empty stories, which are not published
                empty_updated = max(s.published for s in kept)
            yield ArchivePage(number, stories, first, last, empty_updated)

    def _records(self, stored: Sequence[StoredStory]) -> Iterator[Story]:
        for start in range(0, len(stored), 200):
            yield from _stories(self.store, self.name, stored[start:start + 200], self.infos)


def _key(story: StoredStory) -> Key:
    return (format_time(story.published), story.row)
