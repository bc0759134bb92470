"""`feedhub remerge`: stored stories judged again under the current thresholds
(issue #17 item 2).

A story is merged when its first copy arrives; a threshold changed later (or
a rule added, like the reworded-headline rule b' of dedupe.py) never
reconsiders what is stored, so a story published twice stays twice. This
walks a category's stories, oldest first, finds each one's candidates
through the same indexed keys the merge uses (store.stories_with_keys, within
``merge.window``), and when a copy of one is the same story as a copy of the
other (dedupe.is_same_story), the story seen later is absorbed by the one
seen first: its copies and keys move over, its row goes. The survivor keeps
its id, date and place, as a fourth copy arriving would leave them; its
shown copy is chosen again as apply.py does (the original outlet's).

Only merging: a story whose copies a stricter threshold would now keep apart
is left whole (splitting would hand one copy a new id, which readers would
see as a new story).

Only the categories where a story was absorbed are republished: their
publish state is dropped, so the next publish rebuilds them (removing the
absorbed stories' pages) and leaves every other category's files alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from feedhub.config import Config
from feedhub.merge.apply import Merger
from feedhub.merge.dedupe import Signature, band_keys, is_same_story
from feedhub.store import Store


@dataclass(frozen=True)
class Absorbed:
    category: str
    kept: str  # atom id of the story kept
    gone: str  # atom id of the story absorbed into it


def remerge(config: Config, store: Store, categories: list[str], now: datetime,
            changed: Callable[[str], None]) -> list[Absorbed]:
    """Merge the stories of `categories` that are now one story; the caller
    holds the store's lock and publishes afterwards. One transaction per
    category; ``changed(category)`` is called inside it for a category that
    changed, so that what the publisher must forget goes with the merge (the
    merge stage does not know the publisher's records: cli.py passes it)."""
    merger = Merger(config, store)
    done: list[Absorbed] = []
    for category in categories:
        if category not in merger.shared:
            continue  # one source feeds it: nothing to merge with (apply.py)
        with store.transaction():
            found = _remerge_category(merger, store, category, now)
            if found:
                changed(category)
        done += found
    return done


def _remerge_category(merger: Merger, store: Store, category: str, now: datetime) -> list[Absorbed]:
    window = timedelta(hours=merger.thresholds.window_hours)
    signatures: dict[int, list[Signature]] = {}

    def copies(story: int) -> list[Signature]:
        if story not in signatures:
            signatures[story] = [Signature.from_json(text) for _, text in store.copy_signatures([story])[story] if text]
        return signatures[story]

    gone: set[int] = set()
    absorbed: list[Absorbed] = []
    for _, row in sorted(store.category_story_keys(category), key=lambda k: (k[0], k[1])):
        if row in gone:
            continue
        date = store.story(row).published
        for sig in list(copies(row)):
            keys = band_keys(sig)
            if not keys:
                continue
            for other in store.stories_with_keys(category, keys, date - window, date + window):
                if other == row or other in gone:
                    continue
                if not any(is_same_story(sig, theirs, merger.thresholds) for theirs in copies(other)):
                    continue
                # The story first seen (the lower row) keeps its id and place.
                kept, lost = min(row, other), max(row, other)
                kept_id, lost_id = store.story(kept).atom_id, store.story(lost).atom_id
                store.absorb_story(kept, lost)
                merger._recanonicalize(kept, now)
                signatures[kept] = copies(kept) + signatures.pop(lost, [])
                gone.add(lost)
                absorbed.append(Absorbed(category, kept_id, lost_id))
                if lost == row:
                    break
            if row in gone:
                break
    return absorbed
