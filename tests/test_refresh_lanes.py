"""How a refresh schedules its fetches: lanes per host, and a bound on the
documents fetched but not yet parsed (lanes.py, update.py; issue #2's memory target)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from builders import config_file
from feedhub.config import load_config
from feedhub.fetch.lanes import lanes as _lanes
from feedhub.store import open_store
from feedhub.types import FetchResult
from feedhub.daemon.refresh import BODIES_IN_FLIGHT, Updater

RSS = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>
<link>https://a.example/</link><item><title>Story %d</title><link>https://a.example/%d</link>
<guid>%d</guid><description>Text %d</description></item></channel></rss>"""


def test_lanes_give_each_host_at_most_per_host_threads_sharing_one_queue():
    urls = ["https://a.example/1", "https://a.example/2", "https://b.example/1", "https://a.example/3",
            "feeds/local.xml", "https://A.example:443/4", "file:///srv/x.xml"]
    lanes = _lanes(range(len(urls)), urls, per_host=2)
    # a.example (any case, any port: the fetcher limits by host) gets two
    # lanes sharing one queue; b.example one; each file its own.
    assert [list(lane) for lane in lanes] == [[0, 1, 3, 5], [0, 1, 3, 5], [2], [4], [6]]
    assert lanes[0] is lanes[1]
    assert [list(lane) for lane in _lanes(range(3), urls[:3], per_host=1)] == [[0, 1], [2]]


def test_lanes_keep_the_given_order_and_take_turns_between_hosts():
    urls = [f"https://h{i % 3}.example/{i}" for i in range(9)]
    lanes = _lanes([8, 7, 6, 5, 4, 3, 2, 1, 0], urls, per_host=4)
    # Three sources a host: three lanes each (not four), started host by host.
    assert [list(lane) for lane in lanes] == [[8, 5, 2], [7, 4, 1], [6, 3, 0]] * 3


class _CountingFetcher:
    """Every source answers a small RSS document; counts the fetches."""

    per_host = 2

    def __init__(self):
        self.threads = ThreadPoolExecutor(max_workers=8)
        self.fetched = 0
        self.lock = threading.Lock()

    def executor(self):
        return self.threads

    def fetch(self, url, *, caching, options, base_dir):
        with self.lock:
            self.fetched += 1
        n = int(url.rsplit("/", 1)[1])
        return FetchResult(url=url, status=200, content=RSS % (n, n, n, n), content_type="application/rss+xml")


class _HeldPool:
    """A stand-in for the parse pool whose jobs run only once released."""

    def __init__(self):
        self.held: list[tuple[Future, object, tuple]] = []
        self.released = threading.Event()
        self.lock = threading.Lock()

    def get(self):
        return self

    def worth_retrying(self, attempts):
        return attempts == 1

    def submit(self, fn, *args):
        future: Future = Future()
        with self.lock:
            if not self.released.is_set():
                self.held.append((future, fn, args))
                return future
        future.set_result(fn(*args))
        return future

    def release(self):
        with self.lock:
            self.released.set()
            held, self.held = self.held, []
        for future, fn, args in held:
            future.set_result(fn(*args))


def test_fetching_waits_while_too_many_documents_wait_for_the_parser(tmp_path):
    count = BODIES_IN_FLIGHT + 12
    config = load_config(config_file(tmp_path, [{"name": f"S{i}", "url": f"https://h{i % 4}.example/{i}"}
                                                for i in range(count)]))
    store = open_store(config.storage_url)
    fetcher, pool = _CountingFetcher(), _HeldPool()
    try:
        updater = Updater(config, store, fetcher)
        reports = []
        refreshing = threading.Thread(target=lambda: reports.append(updater.refresh(config.sources, pool=pool)))
        refreshing.start()
        # The parser holds every document: fetching stops at the bound (the
        # fetches running when it is reached may pass it: at most 8 threads here).
        deadline = time.monotonic() + 10
        while fetcher.fetched < BODIES_IN_FLIGHT and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
        assert BODIES_IN_FLIGHT <= fetcher.fetched < BODIES_IN_FLIGHT + 8 < count
        pool.release()
        refreshing.join(timeout=30)
        assert not refreshing.is_alive()
        assert fetcher.fetched == count
        assert reports[0].new_entries == count and not reports[0].failed
    finally:
        store.close()
        fetcher.threads.shutdown()


class _SlowFetcher(_CountingFetcher):
    """Sources on hosts named slow* hang until ``go`` is set."""

    def __init__(self):
        super().__init__()
        self.threads = ThreadPoolExecutor(max_workers=64)
        self.go = threading.Event()

    def fetch(self, url, *, caching, options, base_dir):
        if "//slow" in url:
            self.go.wait(30)
        return super().fetch(url, caching=caching, options=options, base_dir=base_dir)


def test_slow_sources_do_not_hold_fetching_up(tmp_path):
    # More hanging sources than documents may wait for the parser: the
    # others are fetched (and stored) all the same while those hang.
    slow = BODIES_IN_FLIGHT + 2
    sources = [{"name": f"Slow{i}", "url": f"https://slow{i}.example/{i}"} for i in range(slow)]
    sources += [{"name": f"S{i}", "url": f"https://h{i % 4}.example/{i}"} for i in range(slow, slow + 20)]
    config = load_config(config_file(tmp_path, sources))
    store = open_store(config.storage_url)
    fetcher, pool = _SlowFetcher(), _HeldPool()
    pool.release()  # parsing is immediate
    try:
        updater = Updater(config, store, fetcher)
        reports = []
        refreshing = threading.Thread(target=lambda: reports.append(updater.refresh(config.sources, pool=pool)))
        refreshing.start()
        deadline = time.monotonic() + 20
        while fetcher.fetched < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fetcher.fetched == 20, "the fast sources wait behind the hanging ones"
        fetcher.go.set()
        refreshing.join(timeout=30)
        assert not refreshing.is_alive() and reports[0].new_entries == slow + 20
    finally:
        fetcher.go.set()
        store.close()
        fetcher.threads.shutdown()


def test_a_shutdown_while_lanes_wait_for_a_thread_ends_the_refresh(tmp_path, caplog):
    """The daemon's SIGTERM closes the fetcher, which cancels the lanes no
    thread has started: their sources must still report (as not fetched),
    or the refresh would wait for them for ever."""
    from feedhub.fetch import Fetcher

    for n in range(4):
        (tmp_path / f"{n}.xml").write_bytes(RSS % (n, n, n, n))
    config = load_config(config_file(tmp_path, [{"name": f"S{n}", "url": f"{n}.xml"} for n in range(4)]))
    store = open_store(config.storage_url)
    fetcher = Fetcher(max_connections=1)  # two fetch threads; each file source is a lane of its own
    busy, go = threading.Semaphore(0), threading.Event()
    real_fetch = fetcher.fetch

    def held_fetch(*args, **kwargs):
        busy.release()
        go.wait(10)
        return real_fetch(*args, **kwargs)

    fetcher.fetch = held_fetch
    stopping = threading.Event()
    try:
        updater = Updater(config, store, fetcher, stopping=stopping.is_set)
        reports = []
        refreshing = threading.Thread(target=lambda: reports.append(updater.refresh(config.sources)), daemon=True)
        refreshing.start()
        assert busy.acquire(timeout=10) and busy.acquire(timeout=10)  # both threads busy, two lanes queued
        stopping.set()
        fetcher.close()  # what Daemon.request_stop does
        go.set()
        refreshing.join(timeout=10)
        assert not refreshing.is_alive()
        outcomes = {o.source: o.error for o in reports[0].outcomes}
        assert len(outcomes) == 4
        aborted = sum("shutting down" in (error or "") for error in outcomes.values())
        assert aborted >= 2 and reports[0].aborted == aborted and not reports[0].failed
        # One line for all the sources the shutdown left, not one each.
        lines = [r.getMessage() for r in caplog.records if "shutting down" in r.getMessage()]
        assert lines == [f"{aborted} sources not polled: feedhub is shutting down"]
    finally:
        go.set()
        store.close()


def test_the_summary_line_counts_sources_a_shutdown_left_apart():
    from feedhub.types import CycleReport, CycleSummary, SourceOutcome

    report = CycleReport([SourceOutcome("A", new=1), SourceOutcome("B", error="HTTP 500"),
                          SourceOutcome("C", error="not fetched: feedhub is shutting down", aborted=True),
                          SourceOutcome("D", error="not fetched: feedhub is shutting down", aborted=True)])
    assert CycleSummary(report, (), 1.25).line() == (
        "2 sources polled (1 failed), 2 not polled (shutting down), 1 new entry, 0 files written in 1.2 s")
    assert CycleSummary(CycleReport([SourceOutcome("A", not_modified=True)]), (), 0.04).line() == (
        "1 source polled (1 not modified), 0 new entries, 0 files written in 0.0 s")
