"""The publishing side's read-only queries (publish/plan.py): what changed
since the last publish and one archive page's stories, found through the
primary keys and the existing indexes, so that a publish costs what is new
plus a page, not the length of the history. A story's key is (published,
row), as format_time wrote it: the order of newest_stories. Shared by both
backends through queries.SQLStore; `?` placeholders as there."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from feedhub.store.records import StoredStory, parse_time


class PublishQueries:
    _db: Any

    # format_time wrote it: the order of newest_stories.

    def max_story_row(self) -> int:
        return self._db.execute("SELECT COALESCE(MAX(id), 0) FROM stories").fetchone()[0]

    def max_entry_row(self) -> int:
        return self._db.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0]

    def max_entry_last_seen(self) -> str | None:
        """The latest entries.last_seen (set when an entry is stored or edited)."""
        return self._db.execute("SELECT MAX(last_seen) FROM entries").fetchone()[0]

    def stories_after(self, row: int) -> list[StoredStory]:
        """Stories created after story ``row``, of every category, by row (a
        range of the primary key)."""
        return [story_from_row(r) for r in self._db.execute("SELECT * FROM stories WHERE id > ? ORDER BY id", (row,))]

    def stories_by_rows(self, rows: Sequence[int]) -> list[StoredStory]:
        found = []
        for chunk in chunks(sorted(set(rows)), 500):
            marks = ", ".join("?" for _ in chunk)
            found += [story_from_row(r) for r in self._db.execute(
                f"SELECT * FROM stories WHERE id IN ({marks}) ORDER BY id", tuple(chunk))]
        return found

    def stories_with_copies_after(self, entry_row: int) -> list[int]:
        """Stories that gained a copy stored after entry ``entry_row`` (a range
        of the story_entries_by_entry index)."""
        # Without DISTINCT: SQLite would then scan the (story, entry) key in
        # story order instead of seeking the entry index.
        return list(dict.fromkeys(r for (r,) in self._db.execute(
            "SELECT story FROM story_entries WHERE entry > ?", (entry_row,))))

    def stories_with_copies_seen_since(self, last_seen: str) -> tuple[list[int], str | None]:
        """Stories holding an entry stored or edited at or after ``last_seen``,
        and the latest last_seen among those entries (a range of the
        entries_by_last_seen index)."""
        rows: dict[int, None] = {}
        latest = None
        entries = self._db.execute("SELECT id, last_seen FROM entries WHERE last_seen >= ?", (last_seen,)).fetchall()
        for chunk in chunks([e for e, _ in entries], 500):
            marks = ", ".join("?" for _ in chunk)
            for (story,) in self._db.execute(f"SELECT story FROM story_entries WHERE entry IN ({marks})", tuple(chunk)):
                rows[story] = None
        if entries:
            latest = max(seen for _, seen in entries)
        return list(rows), latest

    def category_story_keys(self, category: str, after_row: int = 0) -> list[tuple[str, int]]:
        """(published, row) of a category's stories after ``after_row``, by
        row. All of them by default: for rebuilding a category's archives."""
        return [(published, row) for row, published in self._db.execute(
            "SELECT id, published FROM stories WHERE category = ? AND id > ? ORDER BY id", (category, after_row))]

    def category_stories_in_rows(self, category: str, first: int, end: int) -> list[StoredStory]:
        """A category's stories with ``first`` <= row < ``end``, by row: one
        archive page. A range of the primary key, filtered here: with
        ``category = ?`` in the SQL, SQLite prefers the category index and
        would read the whole category. (An index on (category, id) would
        read only the page's rows.)"""
        return [story_from_row(r) for r in self._db.execute(
            "SELECT * FROM stories WHERE id >= ? AND id < ? ORDER BY id", (first, end)) if r[1] == category]

    def category_story_keys_in_rows(self, category: str, first: int, end: int) -> list[tuple[str, int]]:
        """(published, row) of a category's stories with ``first`` <= row < ``end``, by row."""
        return [(published, row) for row, kind, published in self._db.execute(
            "SELECT id, category, published FROM stories WHERE id >= ? AND id < ? ORDER BY id", (first, end))
            if kind == category]

    def category_story_keys_between(self, category: str, low: tuple[str, int] | None,
                                    high: tuple[str, int]) -> list[tuple[str, int]]:
        """(published, row) of a category's stories with ``low`` <= key <
        ``high`` (no lower bound when ``low`` is None), through the
        stories_by_category_date index."""
        if low is None:
            cursor = self._db.execute(
                "SELECT published, id FROM stories WHERE category = ? AND (published, id) < (?, ?)", (category, *high))
        else:
            cursor = self._db.execute(
                "SELECT published, id FROM stories WHERE category = ? AND (published, id) >= (?, ?)"
                " AND (published, id) < (?, ?)", (category, *low, *high))
        return [(published, row) for published, row in cursor]

    def category_stories_beside(self, category: str, key: tuple[str, int], limit: int, *,
                                older: bool) -> list[StoredStory]:
        """Up to ``limit`` of a category's stories just before ``key`` (older,
        newest first) or just after it (newer, oldest first): a story's
        neighbours, through the stories_by_category_date index."""
        if older:
            sql = ("SELECT * FROM stories WHERE category = ? AND (published, id) < (?, ?)"
                   " ORDER BY published DESC, id DESC LIMIT ?")
        else:
            sql = ("SELECT * FROM stories WHERE category = ? AND (published, id) > (?, ?)"
                   " ORDER BY published, id LIMIT ?")
        return [story_from_row(r) for r in self._db.execute(sql, (category, *key, limit))]

    def category_story_keys_dated(self, category: str, start: str | None, end: str) -> list[tuple[str, int]]:
        """(published, row) of a category's stories dated in [start, end)."""
        return [(published, row) for published, row in self._db.execute(
            "SELECT published, id FROM stories WHERE category = ? AND published >= ? AND published < ?",
            (category, start or "", end))]


def chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def story_from_row(r: Sequence) -> StoredStory:
    row, category, atom_id, canonical_entry, published, updated, _first_seen = r
    return StoredStory(row, category, atom_id, canonical_entry, parse_time(published), parse_time(updated))
