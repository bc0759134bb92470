"""Merging, applied: one source's parsed entries into the store's stories.

decide.py says what to do (new, edited, unchanged; which copy is canonical;
a new story's id), dedupe.py whether two copies are the same story, and
config/rules.py which categories an entry goes to; this module asks the store for
the candidates and writes the answers, inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from feedhub.config import Config, SourceConfig
from feedhub.merge.decide import Change, Copy, choose_canonical, classify, story_atom_id, story_date
from feedhub.merge.reprint import reprint_mark
from feedhub.config.rules import categories_for
from feedhub.store import Store
from feedhub.types import Entry

# dedupe and normalize are imported where first needed: a cycle where no
# source has news needs neither (a warm `run --once` starts sooner).
if TYPE_CHECKING:
    from feedhub.merge.dedupe import Signature

# Parsed signatures kept between entries (about 2 KB each).
SIGNATURE_CACHE_SIZE = 20_000


class Merger:
    """Applies merge decisions to a store. One per Updater: the signature
    cache serves from one entry to the next."""

    def __init__(self, config: Config, store: Store):
        self.store = store
        self.thresholds = config.merge
        self._priority = {s.name: s.priority for s in config.sources}
        self._rules = {c.name: c.rules for c in config.categories}
        # Without include/exclude rules anywhere, an entry goes exactly where
        # its source says, and its text need not be looked at.
        self._rules_active = any(r.include or r.exclude for r in self._rules.values())
        self.shared = shared_categories(config)
        # Parsed signatures of stored copies, by entry row: candidates recur
        # from one entry to the next (a daemon keeps one Updater per cycle).
        self._signatures: dict[int, Signature] = _BoundedCache(SIGNATURE_CACHE_SIZE)

    def forget_cached(self) -> None:
        """After a rollback: the row ids it undid are handed out again, and
        signatures cached under them would be another entry's."""
        self._signatures.clear()

    def needs_signatures(self, source: SourceConfig) -> bool:
        """A signature (about 1 ms an entry) is only worth computing when one
        of the categories the source feeds can also be fed by another."""
        return bool(self.shared) and (self._rules_active or any(c in self.shared for c in source.categories))

    def store_entries(self, source: SourceConfig, entries: list[Entry], now: datetime) -> tuple[int, int, set[str]]:
        """Store a source's parsed entries: each new one joins its story in
        every category it goes to (or starts one), each edited one updates
        its stories' canonical copy. Returns (new, edited, changed categories)."""
        stored = self.store.stored_entries(source.name, [e.entry_id for e in entries])
        new = edited = 0
        changed: set[str] = set()
        for entry in entries:
            row, stored_hash = stored.get(entry.entry_id, (None, None))
            change = classify(entry, stored_hash)
            if change is Change.UNCHANGED:
                continue
            if change is Change.EDITED:
                edited += 1
                self.store.update_entry(row, entry, now)
                for story in self.store.stories_of_entry(row):
                    self._recanonicalize(story.row, now, edited_row=row)
                    changed.add(story.category)
                continue
            new += 1
            row = self.store.insert_entry(entry, now)
            if self._rules_active:
                from feedhub.normalize import html_to_text

                categories = categories_for(source.name, source.categories, self._rules, entry.title,
                                            html_to_text(entry.content), entry.tags)
            else:
                categories = source.categories
            for category in categories:
                self._attach(entry, row, category, now)
                changed.add(category)
        return new, edited, changed

    def _attach(self, entry: Entry, row: int, category: str, now: datetime) -> None:
        """Put a new entry into the category's story for the same article (the
        same canonical URL, else a near-duplicate within the time window), or
        into a new story."""
        from feedhub.merge.dedupe import Signature, band_keys

        date = story_date(entry, now)
        # Near-duplicates are looked for only where two sources can meet.
        sig = Signature.from_json(entry.signature) if entry.signature and category in self.shared else None
        keys = band_keys(sig) if sig else []
        existing = self.store.stories_with_url(category, entry.canonical_url) if entry.canonical_url else []
        story = existing[0].row if existing else self._near_duplicate(category, sig, keys, date)
        if story is not None:
            self.store.add_copy(story, row, now)
            self._recanonicalize(story, now)
            # This copy's keys find the story too: a fourth copy may resemble
            # the third more than the first.
            self.store.add_story_keys(category, story, keys, date)
            return
        atom_id = story_atom_id(entry, taken=False)
        if self.store.atom_id_taken(category, atom_id):
            atom_id = story_atom_id(entry, taken=True)
        story = self.store.create_story(category, atom_id, row, date, entry.updated or date, now)
        self.store.add_story_keys(category, story, keys, date)

    def _near_duplicate(self, category: str, sig: Signature | None, keys: list[str], date: datetime) -> int | None:
        """The story of the category, within the window around `date`, that
        dedupe.is_same_story says this entry belongs to; None when in doubt."""
        if sig is None or not keys:
            return None
        from feedhub.merge.dedupe import Signature, is_same_story

        window = timedelta(hours=self.thresholds.window_hours)
        candidates = self.store.stories_with_keys(category, keys, date - window, date + window)
        if not candidates:
            return None
        cache = self._signatures
        found = self.store.copy_signatures(candidates, known=cache)
        # The store left out the JSON of the rows the cache holds now: take
        # those signatures before the loop's own insertions can evict one
        # (issue #19: a cold cycle of 1,000 sources crashed on it).
        held = {row: cache[row] for copies in found.values() for row, text in copies if text is None}
        for story, copies in found.items():
            for row, text in copies:
                other = held.get(row)
                if other is None:
                    other = cache[row] = Signature.from_json(text)
                if is_same_story(sig, other, self.thresholds):
                    return story
        return None

    def _recanonicalize(self, story: int, now: datetime, edited_row: int | None = None) -> None:
        """Pick the story's canonical copy again; move `updated` only when the
        text it shows changes (a new copy does not re-announce the story)."""
        current = self.store.story(story).canonical_entry
        copies = self.store.story_copies([story])[story]
        # A lone copy is shown whatever it says of itself: no need to read it.
        several = len(copies) > 1
        best = choose_canonical([Copy(c.row, c.entry, self._priority.get(c.entry.source, 0), c.first_seen,
                                      reprint=several and self._is_reprint(c.entry)) for c in copies])
        if best.row != current or edited_row == current:
            shown = best.entry
            updated = shown.updated if shown.updated and shown.updated <= now else now
            self.store.set_story(story, canonical_entry=best.row, updated=updated)

    def _is_reprint(self, entry: Entry) -> bool:
        """The copy marks itself as a reprint (merge/reprint.py), judged from
        its stored title and text: nothing more is stored for it."""
        return reprint_mark(entry.title, entry.content, own_names(self.store, entry.source)).marked


def own_names(store: Store, source: str) -> tuple[str, ...]:
    """What a source's outlet calls itself: its configured name, and its
    feed's title (a "来源：" line naming either is no reprint)."""
    state = store.source_states().get(source)
    return (source, state.feed_title or "") if state is not None else (source,)


def shared_categories(config: Config) -> set[str]:
    """Categories that two sources or more can feed: those several sources
    name, and those whose include rules gather from every source. In a
    category fed by one source there is no other outlet to merge with, so
    near-duplicate detection is skipped there (its cost is most of a cold
    cycle's merging, bench/README.md)."""
    feeding: dict[str, int] = {}
    for source in config.sources:
        for category in source.categories:
            feeding[category] = feeding.get(category, 0) + 1
    shared = {c for c, n in feeding.items() if n > 1}
    for category in config.categories:
        rules = category.rules
        if rules.include and (not rules.sources or len(set(rules.sources) | {
                s.name for s in config.sources if category.name in s.categories}) > 1):
            shared.add(category.name)
    return shared


class _BoundedCache(dict):
    """A dict that forgets its oldest half when full: enough to keep the
    current window's signatures without growing for ever."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value):
        if len(self) >= self.limit:
            for old in list(self)[: self.limit // 2]:
                del self[old]
        super().__setitem__(key, value)
