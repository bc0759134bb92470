"""Stored stories -> the records publish/ renders: a category's feed
(CategoryView, its newest ``entries_per_feed`` stories) and each Story with
the copies that credit its sources. Reads the store, decides nothing about
archives (plan.py, slots.py)."""

from __future__ import annotations

from collections.abc import Sequence

from feedhub.config import CategoryConfig, Config
from feedhub.merge.reprint import reprint_mark
from feedhub.normalize import is_empty_stored
from feedhub.store import Store, StoredEntry, StoredStory
from feedhub.types import CategoryView, SourceInfo, SourceState, Story, StoryCopy


def build_views(config: Config, store: Store) -> list[CategoryView]:
    """Each category's feed: its newest ``entries_per_feed`` stories."""
    infos = source_infos(config, store)
    return [feed_view(config, store, category, infos)[0] for category in config.categories]


def source_infos(config: Config, store: Store) -> dict[str, SourceInfo]:
    """Every source's credit line, configured or only stored, by name."""
    states = store.source_states()
    return {name: _source_info(name, states.get(name)) for name in {s.name for s in config.sources} | set(states)}


def feed_view(config: Config, store: Store, category: CategoryConfig,
              infos: dict[str, SourceInfo]) -> tuple[CategoryView, list[StoredStory]]:
    """The category's feed, and the stored stories it was built from."""
    stored = store.newest_stories(category.name, config.entries_per_feed)
    stories = story_records(store, category.name, stored, infos)
    feeding = tuple(infos[src.name] for src in config.sources if category.name in src.categories)
    return CategoryView(category.name, category.slug, tuple(stories), feeding), stored


def story_records(store: Store, category: str, stored: Sequence[StoredStory],
                  infos: dict[str, SourceInfo]) -> list[Story]:
    """The Story of each of ``stored`` that has something to show, in order;
    ``infos`` gains the sources of its copies that it lacked."""
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
        stories.append(_story(s, canonical, others, infos))
    return stories


def _source_info(name: str, state: SourceState | None) -> SourceInfo:
    if state is None:
        return SourceInfo(name, "", None, None, None, None)
    return state.source_info()


def _copy(stored: StoredEntry, infos: dict[str, SourceInfo], origin: str | None = None) -> StoryCopy:
    e = stored.entry
    return StoryCopy(infos[e.source], e.link, e.title, e.author, origin)


def _story(s: StoredStory, canonical: StoredEntry, others: list[StoredEntry], infos: dict[str, SourceInfo]) -> Story:
    e = canonical.entry
    # The copy shown may be a reprint (all copies are, or a priority chose
    # it): its title without the tag, and the origin it names credited
    # (merge/reprint.py, issue #17).
    info = infos[e.source]
    mark = reprint_mark(e.title, e.content, (e.source, info.feed_title or ""))
    # Tags of every copy, in order of arrival, without repeats.
    tags = tuple(dict.fromkeys(t for c in (canonical, *others) for t in c.entry.tags))
    # The story's date is its first copy's date, else when feedhub first saw
    # that copy (decide.story_date, fixed when the story was made).
    first = min((canonical, *others), key=lambda c: (c.first_seen, c.row)).entry
    dated = (first.published or first.updated) is not None
    return Story(
        id=s.atom_id,
        category=s.category,
        title=mark.title,
        link=e.link,
        author=e.author or e.source,
        content=e.content,
        summary=e.summary,
        published=s.published,
        updated=max(s.updated, s.published),
        tags=tags,
        canonical=_copy(canonical, infos, mark.origin if mark.marked else None),
        # One credit per other source, even if it carried the story twice.
        others=tuple({c.entry.source: _copy(c, infos) for c in others if c.entry.source != e.source}.values()),
        dated=dated,
    )
