"""Publishing a category with a long history after a few new stories arrive.

Issue #5: "Publishing a category with 100,000 stored entries after 20 new ones
arrive: the time must depend on the new entries and the page size, not on the
history." This builds stores of 1,000 / 10,000 / 100,000 stories in one
category directly with feedhub.store.Store methods (one transaction, no
fetching), publishes once (the first publish writes everything: that is a
rebuild, timed and reported apart), then, several times, adds 20 new stories
and times one publish (cycle.publish, as the daemon calls it), and one
publish with nothing new.

    .venv/bin/python bench/publish_history.py                    # 1k, 10k, 100k
    .venv/bin/python bench/publish_history.py --sizes 1000 10000 --page 20 200

"plan" is views.plan_site alone (reading the store, deciding what changed);
"publish" is the whole of cycle.publish (plan, render, write), and "files"
how many it wrote. The machine is shared by whatever else runs: take the
medians of several rounds, and rerun when figures jump.

Nothing here talks to the network. Stores and output go to a temporary
folder (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedhub.config import load_config  # noqa: E402
from feedhub.publish.run import publish  # noqa: E402
from feedhub.store import Store, open_store  # noqa: E402
from feedhub.types import Entry, SourceState  # noqa: E402
from feedhub.publish.plan import plan_site  # noqa: E402

START = datetime(2020, 1, 1, tzinfo=timezone.utc)
PARAGRAPH = ("<p>Markets closed mixed as investors weighed the central bank's outlook against"
             " earnings that beat estimates across most sectors.</p>")


class Bench:
    def __init__(self, folder: Path, stories: int, page: int) -> None:
        self.folder = folder
        folder.mkdir(parents=True)
        (folder / "feedhub.yaml").write_text(f"""
site: {{title: Bench, base_url: "https://news.example.com/", language: en, timezone: Asia/Shanghai}}
storage: {{url: "sqlite:///state/bench.db"}}
output: {{dir: out, entries_per_feed: {page}}}
categories: [{{name: Markets, slug: markets}}]
sources:
  - {{name: Wire, url: "https://wire.example/feed.xml", categories: [Markets]}}
""", encoding="utf-8")
        self.config = load_config(folder / "feedhub.yaml")
        self.store = open_store(self.config.storage_url)
        self.count = 0
        self.clock = START
        with self.store.transaction():
            self.store.save_source_state(SourceState(
                name="Wire", url="https://wire.example/feed.xml", configured_url="https://wire.example/feed.xml",
                feed_title="The Wire", feed_link="https://wire.example/", feed_self="https://wire.example/feed.xml"))
        self.add(stories)

    def add(self, count: int) -> None:
        """``count`` new stories, one entry each, an hour apart, in one transaction."""
        with self.store.transaction():
            for _ in range(count):
                self.count += 1
                self.clock += timedelta(hours=1)
                link = f"https://wire.example/{self.count}"
                title = f"Story {self.count}: markets close mixed"
                body = PARAGRAPH * 6
                entry = Entry(source="Wire", entry_id=link, link=link, canonical_url=link, title=title, author=None,
                              published=self.clock, updated=self.clock, content=body, summary="", tags=("markets",),
                              content_hash=hashlib.sha256((title + body).encode()).hexdigest())
                row = self.store.insert_entry(entry, self.clock)
                self.store.create_story("Markets", link, row, self.clock, self.clock, self.clock)

    def publish(self) -> tuple[float, float, int]:
        """(seconds to plan, seconds for the whole publish, files written)."""
        started = time.perf_counter()
        plan_site(self.config, self.store, now=self.clock)  # read-only: the store side alone
        planned = time.perf_counter() - started
        started = time.perf_counter()
        written = publish(self.config, self.store, now=self.clock)
        return planned, time.perf_counter() - started, len(written)


def run(size: int, page: int, rounds: int, new: int, root: Path) -> dict:
    folder = root / f"{size}-{page}"
    started = time.perf_counter()
    bench = Bench(folder, size, page)
    built = time.perf_counter() - started
    _, first, first_files = bench.publish()
    plans, totals, files = [], [], []
    for _ in range(rounds):
        bench.add(new)
        plan, total, count = bench.publish()
        plans.append(plan)
        totals.append(total)
        files.append(count)
    _, idle, idle_files = bench.publish()
    bench.store.close()
    return {
        "size": size, "page": page, "built": built, "first": first, "first_files": first_files,
        "plan": statistics.median(plans), "total": statistics.median(totals), "files": max(files),
        "idle": idle, "idle_files": idle_files,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--page", type=int, nargs="+", default=[50], help="entries_per_feed (and archive page size)")
    parser.add_argument("--new", type=int, default=20, help="stories arriving before each timed publish")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="feedhub-publish-bench-"))
    print(f"feedhub publish after {args.new} new stories; medians of {args.rounds}; store and output in {root}")
    header = (f"{'stored':>8} {'page':>5} {'build s':>8} {'first publish':>15} "
              f"{'plan ms':>8} {'publish ms':>11} {'files':>6} {'idle ms':>8}")
    print(header)
    try:
        for page in args.page:
            for size in args.sizes:
                r = run(size, page, args.rounds, args.new, root)
                print(f"{r['size']:>8} {r['page']:>5} {r['built']:>8.1f} {r['first']:>8.1f} s {r['first_files']:>5}"
                      f" {r['plan'] * 1000:>8.1f} {r['total'] * 1000:>11.1f} {r['files']:>6}"
                      f" {r['idle'] * 1000:>8.1f}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
