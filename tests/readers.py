"""Real feed readers, run on a published feed: what would a subscriber see?

Two readers with their own parsers, neither of them feedparser:

- sfeed (C, one pass over the XML) prints one TSV line per entry;
- newsboat (C++, libxml2) fetches the feed through curl, which reads
  file:// URLs, and stores every item in its SQLite cache.

Both return ``ReaderEntry(title, link, author)``, newest first: sfeed in
document order, newsboat in the order its article list shows.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import NamedTuple

SFEED = "sfeed"
NEWSBOAT = "newsboat"

# sfeed(5): the fields of each TSV line.
_SFEED_FIELDS = ("timestamp", "title", "link", "content", "content_type", "id", "author", "enclosure", "categories")


class ReaderEntry(NamedTuple):
    title: str
    link: str
    author: str


def sfeed_entries(feed: Path) -> list[ReaderEntry]:
    """Entries as sfeed reads ``feed``."""
    with feed.open("rb") as stdin:
        run = subprocess.run([SFEED], stdin=stdin, capture_output=True, check=True, timeout=30)
    entries = []
    for line in run.stdout.decode("utf-8").splitlines():
        fields = dict(zip(_SFEED_FIELDS, line.split("\t")))
        entries.append(ReaderEntry(fields["title"], fields["link"], fields["author"]))
    return entries


def sfeed_times(feed: Path) -> dict[str, int]:
    """The instant (UNIX time) sfeed reads for each entry, by title."""
    with feed.open("rb") as stdin:
        run = subprocess.run([SFEED], stdin=stdin, capture_output=True, check=True, timeout=30)
    lines = (dict(zip(_SFEED_FIELDS, line.split("\t"))) for line in run.stdout.decode("utf-8").splitlines())
    return {fields["title"]: int(fields["timestamp"]) for fields in lines}


def newsboat_times(feed: Path, workdir: Path) -> dict[str, int]:
    """The instant (UNIX time) newsboat stores for each item, by title."""
    newsboat_entries(feed, workdir)
    with sqlite3.connect(workdir / "cache.db") as db:
        return dict(db.execute("SELECT title, pubDate FROM rss_item WHERE deleted = 0").fetchall())


def newsboat_entries(feed: Path, workdir: Path) -> list[ReaderEntry]:
    """Entries as newsboat stores them after one non-interactive reload.

    HOME points into ``workdir`` so that newsboat neither reads nor writes
    the user's own configuration and cache.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    urls = workdir / "urls"
    urls.write_text(feed.resolve().as_uri() + "\n", encoding="utf-8")
    cache = workdir / "cache.db"
    env = {**os.environ, "HOME": str(workdir), "XDG_CONFIG_HOME": str(workdir), "XDG_DATA_HOME": str(workdir)}
    subprocess.run(
        [NEWSBOAT, "-u", str(urls), "-c", str(cache), "-C", os.devnull, "-x", "reload"],
        env=env,
        cwd=workdir,
        capture_output=True,
        check=True,
        timeout=60,
    )
    with sqlite3.connect(cache) as db:
        # Newest first, as newsboat's article list shows them by default
        # (article-sort-order "date"); it inserts them oldest first.
        rows = db.execute(
            "SELECT title, url, author FROM rss_item WHERE deleted = 0 ORDER BY pubDate DESC, id DESC"
        ).fetchall()
    return [ReaderEntry(*row) for row in rows]
