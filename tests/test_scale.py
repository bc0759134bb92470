"""feedhub at scale (issue #19): a store larger than the signature cache, and
one source whose merge fails, never end a cycle."""

from __future__ import annotations

import logging
import random
import sqlite3
from pathlib import Path

import pytest

import feedhub.merge.apply
from builders import config_file
from feedhub.config import load_config
from feedhub.fetch import Fetcher
from feedhub.store import Store, open_store
from feedhub.merge.apply import Merger
from feedhub.daemon.refresh import Updater


MARKET_NOTES = ["半导体板块涨幅居前", "煤炭钢铁板块小幅回调", "分析人士认为市场情绪有所回暖", "成交量温和放大",
                "后市仍以结构性行情为主", "建议关注业绩确定性较高的优质龙头公司", "北向资金持续流入", "券商板块异动拉升",
                "白酒板块震荡走高", "新能源汽车产业链表现活跃"]


def market_wrap(day: int) -> str:
    """A daily market report: other figures every day (so no two days merge)
    and six of the same ten notes in another order (so earlier days are
    near-duplicate candidates, sharing more or fewer keys)."""
    notes = random.Random(day).sample(MARKET_NOTES, 6)
    return f"<p>5月{day}日，上证指数报{3000 + 17 * day}点，成交额{7000 + 100 * day}亿元。{'，'.join(notes)}。</p>"


def rss(outlet: int, days: range) -> str:
    items = "".join(
        f"<item><title>5月{d}日沪深两市收评</title><link>https://m{outlet}.example.cn/{d}.html</link>"
        f"<guid>m{outlet}-{d}</guid><pubDate>{d % 28 + 1:02d} May 2024 15:30:00 +0800</pubDate>"
        f"<description><![CDATA[{market_wrap(d)}]]></description></item>" for d in days)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>媒体{outlet}</title>'
            f"<link>https://m{outlet}.example.cn/</link><description>d</description>{items}</channel></rss>")


def write_sources(tmp_path: Path, outlets: int, days: range) -> Path:
    for n in range(outlets):
        (tmp_path / f"m{n}.xml").write_text(rss(n, days), encoding="utf-8")
    return config_file(tmp_path, [{"name": f"媒体{n}", "url": f"m{n}.xml", "categories": ["要闻"]} for n in range(outlets)],
                       site={"title": "T", "base_url": "https://news.example.com/", "language": "zh-CN"},
                       categories=[{"name": "要闻", "slug": "yaowen"}])


def stories_by_title(store: Store) -> dict[str, int]:
    counts: dict[str, int] = {}
    for story in store.newest_stories("要闻", 10_000):
        title = store.entries([story.canonical_entry])[story.canonical_entry].entry.title
        counts[title] = counts.get(title, 0) + 1
    return counts


def test_a_store_larger_than_the_signature_cache_merges_without_a_crash(tmp_path, monkeypatch):
    # Issue #19: with more stored signatures than the cache holds, a new
    # entry's candidates could lose a cached signature to an eviction made
    # while comparing it with the others, and the cycle died (TypeError).
    monkeypatch.setattr(feedhub.merge.apply, "SIGNATURE_CACHE_SIZE", 6)
    config = load_config(write_sources(tmp_path, outlets=3, days=range(1, 40)))
    store = open_store(config.storage_url)
    try:
        with Fetcher() as fetcher:
            report = Updater(config, store, fetcher).refresh(config.sources)
        assert not report.failed, [o.error for o in report.failed]
        assert report.new_entries == 3 * 39
        # Each day's report, carried by the three outlets (the same wire
        # text under their own links), is one story; the other days stay apart.
        assert stories_by_title(store) == {f"5月{d}日沪深两市收评": 1 for d in range(1, 40)}
    finally:
        store.close()


class _FailingOn(Merger):
    """A Merger that fails on one source's entries, as a bug would."""

    def __init__(self, *args, failing: str, error: Exception):
        super().__init__(*args)
        self.failing, self.error = failing, error

    def _attach(self, entry, row, category, now):
        if entry.source == self.failing:
            raise self.error
        super()._attach(entry, row, category, now)


@pytest.mark.parametrize("error", [KeyError("a bug in the merge"), sqlite3.IntegrityError("a bug in the merge")],
                         ids=["a Python error", "a constraint the store refused"])
def test_a_failure_while_storing_one_source_is_recorded_and_the_cycle_goes_on(tmp_path, caplog, error):
    config = load_config(write_sources(tmp_path, outlets=3, days=range(1, 4)))
    store = open_store(config.storage_url)
    try:
        with Fetcher() as fetcher, caplog.at_level(logging.DEBUG, logger="feedhub"):
            updater = Updater(config, store, fetcher)
            updater.merger = _FailingOn(config, store, failing="媒体1", error=error)
            report = updater.refresh(config.sources)
        assert [o.source for o in report.failed] == ["媒体1"]
        message = report.failed[0].error
        assert type(error).__name__ in message and "a bug in the merge" in message and "\n" not in message
        # The others were stored; the failing one's entries were rolled back.
        assert store.entry_counts() == {"媒体0": 3, "媒体2": 3}
        state = store.source_state("媒体1")
        assert state.last_error == message and state.failures == 1 and state.last_success is None
        # Its validators were not kept: the next poll reads the document again.
        assert state.caching.content_hash is None and state.caching.etag is None
        # Logged once with its traceback, at debug level.
        tracebacks = [r for r in caplog.records if r.exc_info and r.levelno == logging.DEBUG]
        assert len(tracebacks) == 1 and "媒体1" in tracebacks[0].getMessage()

        # With the bug gone, the next cycle stores that source's entries.
        with Fetcher() as fetcher:
            report = Updater(config, store, fetcher).refresh(config.sources)
        assert not report.failed and report.new_entries == 3
        assert store.entry_counts() == {"媒体0": 3, "媒体1": 3, "媒体2": 3}
        assert stories_by_title(store) == {f"5月{d}日沪深两市收评": 1 for d in range(1, 4)}
    finally:
        store.close()
