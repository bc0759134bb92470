"""What changed in the store since the last publish (plan.py): stories
created, and stories whose copies were added or edited, found by ranges of
the primary keys and the last_seen index from the watermarks the last
publish kept, never by reading a whole category."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from feedhub.publish.slots import STATE_VERSION
from feedhub.store import Store, StoredStory


@dataclass
class Changes:
    """Stories created, and stories whose copies were added or edited, since
    the last publish, by category; and the watermarks for the next one."""

    known: bool  # False: no previous publish recorded, every category is rebuilt
    previous_stories: int
    new: dict[str, list[StoredStory]]
    changed: dict[str, list[StoredStory]]
    marks: dict

    @classmethod
    def since(cls, store: Store, marks: dict | None) -> Changes:
        top_story, top_entry = store.max_story_row(), store.max_entry_row()
        if not marks or marks.get("v") != STATE_VERSION:
            fresh = {"v": STATE_VERSION, "stories": top_story, "entries": top_entry, "seen": store.max_entry_last_seen()}
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
        fresh = {"v": STATE_VERSION, "stories": top_story, "entries": top_entry, "seen": latest}
        return cls(True, marks["stories"], new, changed, fresh)
