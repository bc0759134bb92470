"""The process pool outlives a worker that dies (pool.py): the kernel's OOM
killer or a crash in a C extension must cost the documents being parsed at
that moment at most, never the rest of the cycle."""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor

import pytest

from feedhub.config import load_config
from feedhub.fetch import Fetcher
from feedhub.pool import MAX_RESTARTS, WorkerPool
from feedhub.store import Store
from feedhub.update import PARSE_POOL_THRESHOLD, Updater

RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {n}</title>
<link>https://a.example/{n}/</link><item><title>Story {n}</title><link>https://a.example/{n}/1</link>
<guid>s{n}</guid><description>Text of story {n}</description></item></channel></rss>"""


def _file_sources(tmp_path, count: int):
    """A config of ``count`` sources read from files (enough to use the pool), and its store."""
    for n in range(count):
        (tmp_path / f"{n}.xml").write_text(RSS.format(n=n), encoding="utf-8")
    sources = "\n".join(f"  - {{name: S{n}, url: '{n}.xml'}}" for n in range(count))
    (tmp_path / "feedhub.yaml").write_text(
        f"storage: {{url: 'sqlite:///db'}}\noutput: {{dir: out}}\nsources:\n{sources}\n", encoding="utf-8")
    config = load_config(tmp_path / "feedhub.yaml")
    return config, Store.open(config.storage_url)


def _worker_pids(pool: WorkerPool) -> list[int]:
    # Only a test looks inside: the executor's own table of its processes.
    return list(pool._executor._processes)  # type: ignore[union-attr]


def test_a_worker_that_died_is_replaced_on_the_next_submit():
    with WorkerPool() as pool:
        assert pool.get().submit(abs, -2).result(timeout=60) == 2
        dying = pool.get().submit(os._exit, 1)
        with pytest.raises(BrokenExecutor):
            dying.result(timeout=60)
        assert pool.get().submit(abs, -3).result(timeout=60) == 3


def test_a_refresh_survives_a_worker_killed_under_it(tmp_path):
    count = PARSE_POOL_THRESHOLD + 4
    config, store = _file_sources(tmp_path, count)
    try:
        with Fetcher() as fetcher, WorkerPool() as pool:
            assert pool.get().submit(abs, -1).result(timeout=60) == 1
            os.kill(_worker_pids(pool)[0], signal.SIGKILL)  # a worker this test started
            report = Updater(config, store, fetcher).refresh(config.sources, pool=pool)
        assert [o.error for o in report.outcomes if o.error] == []
        assert report.new_entries == count
    finally:
        store.close()


def _dies_in_a_worker(parent: int) -> str:
    """A job no worker survives (as when workers cannot even start)."""
    if os.getpid() != parent:
        os._exit(1)
    return "done here"


def test_workers_that_keep_dying_give_way_to_working_in_this_process():
    with WorkerPool() as pool:
        outcomes = []
        for _ in range(MAX_RESTARTS + 3):
            try:
                outcomes.append(pool.get().submit(_dies_in_a_worker, os.getpid()).result(timeout=60))
            except BrokenExecutor:
                outcomes.append("lost")
            if outcomes[-1] == "done here":
                break
        # Each pool loses its job; after MAX_RESTARTS new pools the job runs here.
        assert outcomes[-1] == "done here" and len(outcomes) <= MAX_RESTARTS + 1
        assert not pool.started
        assert pool.get().submit(_dies_in_a_worker, os.getpid()).result(timeout=5) == "done here"


class _WorkersCannotStart(WorkerPool):
    """A pool whose every worker exits as it starts (a broken install, say)."""

    def _started(self):
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("forkserver"),
                                                 initializer=os._exit, initargs=(3,))
        return self._executor


def test_a_refresh_whose_workers_cannot_start_parses_everything_here(tmp_path):
    count = PARSE_POOL_THRESHOLD + 4
    config, store = _file_sources(tmp_path, count)
    try:
        with Fetcher() as fetcher, _WorkersCannotStart() as pool:
            report = Updater(config, store, fetcher).refresh(config.sources, pool=pool)
            assert pool.inline
        assert [o.error for o in report.outcomes if o.error] == []
        assert report.new_entries == count
    finally:
        store.close()
