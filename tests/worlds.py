"""A publishing world for the archive and WebSub tests: a config with one
category ("Markets", slug markets) fed by sources A and B, a store filled by
hand (no fetching), and publish() as the daemon runs it. A helper module:
test modules import it, never each other."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

from feedhub.config import load_config
from feedhub.publish.run import publish
from feedhub.store import open_store
from feedhub.types import Entry, SourceState

UTC = timezone.utc
FH = "{http://purl.org/syndication/history/1.0}"
BASE = "https://news.example.com/"
START = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


class World:
    """A config with one category ("Markets", slug markets) fed by sources A
    and B, a store filled by hand, and publish()."""

    def __init__(self, tmp_path: Path, *, per_feed: int = 3, retention: str = "", base_url: str | None = BASE,
                 language: str = "en", extra: str = "") -> None:
        self.root = tmp_path
        site = f'site: {{title: Wire, language: {language}, timezone: Asia/Shanghai'
        site += f', base_url: "{base_url}"}}' if base_url else "}"
        output = f"output: {{dir: out, entries_per_feed: {per_feed}{', retention: ' + retention if retention else ''}}}"
        (tmp_path / "feedhub.yaml").write_text(f"""
{site}
storage: {{url: "sqlite:///state/hub.db"}}
{output}
{extra}
categories: [{{name: Markets, slug: markets}}]
sources:
  - {{name: A, url: "https://a.example/feed.xml", categories: [Markets]}}
  - {{name: B, url: "https://b.example/feed.xml", categories: [Markets]}}
""", encoding="utf-8")
        self.config = load_config(tmp_path / "feedhub.yaml")
        self.store = open_store(self.config.storage_url)
        self.out = self.config.output_dir
        self.clock = START
        self.count = 0
        with self.store.transaction():
            for name in ("A", "B"):
                self.store.save_source_state(SourceState(
                    name=name, url=f"https://{name.lower()}.example/feed.xml",
                    configured_url=f"https://{name.lower()}.example/feed.xml", feed_title=f"Outlet {name}",
                    feed_link=f"https://{name.lower()}.example/", feed_self=f"https://{name.lower()}.example/feed.xml"))
        self.entries: dict[str, int] = {}  # story id -> its first entry's row
        self.rows: dict[str, int] = {}  # story id -> story row

    def entry(self, source: str, n: int, date: datetime | None, title: str | None = None, text: str = "") -> Entry:
        link = f"https://{source.lower()}.example/news/{n}"
        title = title or f"Story {n}"
        body = f"<p>{text or title} from {source}.</p>"
        return Entry(source=source, entry_id=link, link=link, canonical_url=link, title=title, author=None,
                     published=date, updated=date, content=body, summary="", tags=("markets",),
                     content_hash=hashlib.sha256((title + body).encode()).hexdigest())

    def add(self, count: int = 1, *, dates: list[datetime | None] | None = None, source: str = "A") -> list[str]:
        """``count`` new stories, each in its own entry; dated one hour apart
        after the newest so far unless ``dates`` says otherwise."""
        ids = []
        with self.store.transaction():
            for i in range(count):
                self.count += 1
                self.clock += timedelta(minutes=1)
                date = dates[i] if dates else START + timedelta(hours=self.count)
                entry = self.entry(source, self.count, date)
                row = self.store.insert_entry(entry, self.clock)
                story = self.store.create_story("Markets", entry.link, row, date or self.clock, date or self.clock,
                                                self.clock)
                self.entries[entry.link] = row
                self.rows[entry.link] = story
                ids.append(entry.link)
        return ids

    def merge(self, story_id: str, source: str = "B") -> None:
        """A copy of ``story_id`` from another source joins the story."""
        n = int(story_id.rsplit("/", 1)[1])
        self.clock += timedelta(minutes=1)
        with self.store.transaction():
            row = self.store.insert_entry(self.entry(source, n, None), self.clock)
            self.store.add_copy(self.rows[story_id], row, self.clock)

    def edit(self, story_id: str, text: str) -> None:
        """The source edits the story's text (the copy shown)."""
        n = int(story_id.rsplit("/", 1)[1])
        self.clock += timedelta(minutes=1)
        with self.store.transaction():
            story = self.store.stories_by_rows([self.rows[story_id]])[0]
            entry = self.entry("A", n, story.published, text=text)
            self.store.update_entry(self.entries[story_id], entry, self.clock)

    def publish(self, now: datetime | None = None) -> list[Path]:
        return publish(self.config, self.store, now=now or self.clock)

    def files(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.out)): p.read_bytes() for p in sorted(self.out.rglob("*")) if p.is_file()}

    def mtimes(self) -> dict[str, int]:
        return {str(p.relative_to(self.out)): p.stat().st_mtime_ns for p in self.out.rglob("*") if p.is_file()}
