"""Stored stories -> the records publish/ renders (CategoryView, Story).

Reads only a category's newest `entries_per_feed` stories, so building a view
costs the page size, not the length of the history.
"""

from __future__ import annotations

from feedhub.config import Config
from feedhub.store import StoredEntry, Store
from feedhub.types import CategoryView, SourceInfo, SourceState, Story, StoryCopy


def build_views(config: Config, store: Store) -> list[CategoryView]:
    states = store.source_states()
    infos = {name: _source_info(name, states.get(name)) for name in {s.name for s in config.sources} | set(states)}
    views = []
    for category in config.categories:
        stored = store.newest_stories(category.name, config.entries_per_feed)
        copies = store.story_copies([s.row for s in stored])
        stories = []
        for s in stored:
            members = copies[s.row]
            canonical = next((c for c in members if c.row == s.canonical_entry), members[0])
            others = [c for c in members if c.row != canonical.row]
            stories.append(_story(s.atom_id, category.name, s.published, s.updated, canonical, others, infos))
        feeding = tuple(infos[src.name] for src in config.sources if category.name in src.categories)
        views.append(CategoryView(category.name, category.slug, tuple(stories), feeding))
    return views


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
