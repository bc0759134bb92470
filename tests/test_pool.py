"""The process pool outlives a worker that dies (pool.py): the kernel's OOM
killer or a crash in a C extension must cost the documents being parsed at
that moment at most, never the rest of the cycle."""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import time
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pytest

from builders import config_file
from feedhub.config import load_config
from feedhub.fetch import Fetcher
from feedhub.pool import MAX_RESTARTS, CrashIsolation, WorkerPool
from feedhub.store import open_store
from feedhub.daemon.refresh import PARSE_POOL_THRESHOLD, Updater

RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {n}</title>
<link>https://a.example/{n}/</link><item><title>Story {n}</title><link>https://a.example/{n}/1</link>
<guid>s{n}</guid><description>Text of story {n}</description></item></channel></rss>"""


def _file_sources(tmp_path, count: int):
    """A config of ``count`` sources read from files (enough to use the pool), and its store."""
    for n in range(count):
        (tmp_path / f"{n}.xml").write_text(RSS.format(n=n), encoding="utf-8")
    config = load_config(config_file(tmp_path, [{"name": f"S{n}", "url": f"{n}.xml"} for n in range(count)]))
    return config, open_store(config.storage_url)


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
    """A job no worker survives (a document that crashes a C extension)."""
    if os.getpid() != parent:
        os._exit(1)
    return "done here"


class _WorkersCannotStart(WorkerPool):
    """A pool whose every worker exits as it starts (a broken install, say)."""

    def _new_executor(self):
        return ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("forkserver"),
                                   initializer=os._exit, initargs=(3,))


def test_workers_that_cannot_start_give_way_to_working_in_this_process():
    with _WorkersCannotStart() as pool:
        outcomes = []
        for _ in range(MAX_RESTARTS + 3):
            try:
                outcomes.append(pool.get().submit(abs, -4).result(timeout=60))
            except BrokenExecutor:
                outcomes.append("lost")
            if outcomes[-1] == 4:
                break
        # The first pool loses its job, the next ones cannot run even a
        # probe; after MAX_RESTARTS broken pools the job runs here.
        assert outcomes == ["lost", 4]
        assert pool.inline and not pool.started
        assert pool.get().submit(_dies_in_a_worker, os.getpid()).result(timeout=5) == "done here"


def test_a_job_that_kills_every_worker_never_runs_in_this_process():
    # It would kill this process too: the pool's workers can start (a probe
    # says so after the first loss), so the job is lost each time instead.
    with WorkerPool() as pool:
        for _ in range(MAX_RESTARTS + 2):
            with pytest.raises(BrokenExecutor):
                pool.get().submit(_dies_in_a_worker, os.getpid()).result(timeout=60)
        assert not pool.inline
        assert pool.get().submit(abs, -5).result(timeout=60) == 5


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


def _dies_on_marked(parent: int, content: bytes, *rest):
    """worker.parse_and_normalize, except that a document saying "kill-the-worker"
    kills the worker parsing it (as a crash in a C extension would)."""
    from feedhub.parse.job import parse_and_normalize

    if os.getpid() != parent:
        if b"kill-the-worker" in content:
            os._exit(1)
        time.sleep(0.05)  # the others are still in the pool when it dies
    return parse_and_normalize(content, *rest)


class _KillerUpdater(Updater):
    def _parse_call(self, source, result, fetched_at):
        call = super()._parse_call(source, result, fetched_at)
        return functools.partial(_dies_on_marked, os.getpid(), *call.args)


def test_a_document_that_kills_its_worker_fails_alone(tmp_path):
    count = PARSE_POOL_THRESHOLD + 8
    config, store = _file_sources(tmp_path, count)
    killer = "S0"
    (tmp_path / "0.xml").write_text(RSS.format(n="0 kill-the-worker"), encoding="utf-8")
    try:
        with Fetcher() as fetcher, WorkerPool() as pool:
            report = _KillerUpdater(config, store, fetcher).refresh(config.sources, pool=pool)
        failed = {o.source: o.error for o in report.outcomes if o.error}
        # Every document in the pool was lost with the worker, more than once:
        # all but the one that killed it are parsed and stored all the same.
        assert list(failed) == [killer]
        assert "parsing process died on this document alone" in failed[killer]
        assert report.new_entries == count - 1
        assert store.source_states()[killer].last_error == failed[killer]
        assert store.source_states()["S4"].last_error is None
    finally:
        store.close()


class _Proven:
    """The part of WorkerPool that CrashIsolation asks: a pool whose workers
    have run jobs, so a lost job gets one more try."""

    def worth_retrying(self, attempts):
        return attempts == 1


def test_jobs_lost_with_a_worker_run_again_one_at_a_time():
    started = []
    jobs = CrashIsolation(_Proven(), started.append)
    for key in "abc":
        jobs.submit(key)
    assert started == ["a", "b", "c"]
    # The pool breaks: all three are lost; a job submitted meanwhile waits.
    assert jobs.finished("b", lost=True) is False
    jobs.submit("d")
    assert jobs.finished("a", lost=True) is False
    assert started == ["a", "b", "c"], "nothing runs while c is still in the pool"
    assert jobs.finished("c", lost=True) is False
    assert started[3:] == ["b"], "then the lost ones, alone, in the order they were lost"
    assert jobs.finished("b", lost=True) is True, "lost while alone: b is the cause"
    assert started[4:] == ["a"]
    assert jobs.finished("a", lost=False) is True
    assert started[5:] == ["c"]
    assert jobs.finished("c", lost=False) is True
    assert started[6:] == ["d"], "new work resumes once the lost jobs are done"
    jobs.submit("e")
    assert started[7:] == ["e"], "and runs side by side again"
    assert jobs.finished("d", lost=False) and jobs.finished("e", lost=False)


def test_a_job_lost_alone_the_first_time_gets_one_more_try():
    started = []
    jobs = CrashIsolation(_Proven(), started.append)
    jobs.submit("a")
    assert jobs.finished("a", lost=True) is False  # not yet known alone: run again
    assert jobs.finished("a", lost=True) is True
    assert started == ["a", "a"]


class _LosingPool:
    """A stand-in for the parse pool: each document's first ``losses`` jobs
    end lost (``how``: a cancelled future, or BrokenExecutor as when a
    worker dies), later ones run here."""

    def __init__(self, how: str, losses: int = 1):
        self.how, self.losses = how, losses
        self.submitted: dict[str, int] = {}

    def get(self):
        return self

    def worth_retrying(self, attempts):
        return attempts == 1

    def submit(self, fn, *args):
        url = args[1]
        self.submitted[url] = self.submitted.get(url, 0) + 1
        future: Future = Future()
        if self.submitted[url] <= self.losses:
            if self.how == "cancelled":
                future.cancel()
            else:
                future.set_exception(BrokenProcessPool("a worker died"))
        else:
            future.set_result(fn(*args))
        return future


def test_a_parse_cancelled_under_a_replaced_pool_is_parsed_again(tmp_path):
    # A pool that could not start a worker is shut down with its queued jobs
    # cancelled (WorkerPool._replace): those documents are lost, not errors.
    count = PARSE_POOL_THRESHOLD + 2
    config, store = _file_sources(tmp_path, count)
    pool = _LosingPool("cancelled")
    try:
        with Fetcher() as fetcher:
            report = Updater(config, store, fetcher).refresh(config.sources, pool=pool)
        assert [o.error for o in report.outcomes if o.error] == []
        assert report.new_entries == count
        assert sorted(pool.submitted.values()) == [2] * count
    finally:
        store.close()


def test_documents_lost_at_shutdown_are_not_parsed_again(tmp_path):
    # A service manager stopping feedhub signals its workers too: what they
    # were parsing is left for the next start, at once, and nothing is stored.
    count = PARSE_POOL_THRESHOLD + 2
    config, store = _file_sources(tmp_path, count)
    pool = _LosingPool("broken")
    try:
        with Fetcher() as fetcher:
            report = Updater(config, store, fetcher, stopping=lambda: True).refresh(config.sources, pool=pool)
        assert report.aborted == count and report.new_entries == 0
        assert sorted(pool.submitted.values()) == [1] * count
        assert store.source_states() == {}
    finally:
        store.close()
