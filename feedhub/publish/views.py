"""Stored stories -> the records publish/ renders: a category's feed
(CategoryView, its newest ``entries_per_feed`` stories) and each Story with
the copies that credit its sources. Reads the store, decides nothing about
archives (plan.py, slots.py)."""

from __future__ import annotations

from collections.abc import Sequence

from feedhub.config import CategoryConfig, Config
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
