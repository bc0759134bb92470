"""The cycle's process pool: parsing (update.py) and publishing (publish/)
share it, so that it starts at most once a cycle, and only when needed.

Workers fork from a forkserver that has already imported the parsing stack
and the publishers, so a pool starts in milliseconds and the modules' pages
are shared between the workers; they never import httpx, SQLite or the
config's validators (bench/README.md: tens of MB less per worker).
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

log = logging.getLogger("feedhub.pool")
T = TypeVar("T")

# Pools in a row that break before finishing a single job, before a
# WorkerPool runs its jobs in the calling process instead.
MAX_RESTARTS = 3


def lower_priority() -> None:
    """Pool initializer: the workers yield the CPU to the main process, whose
    storing and committing are the cycle's serial path."""
    try:
        os.nice(10)
    except OSError:
        pass


class WorkerPool(Executor):
    """A ProcessPoolExecutor started on the first ``submit``; ``close()``
    (or leaving the ``with`` block) shuts it down if it was started.

    A pool whose worker died (the kernel's OOM killer, a crash in a C
    extension on hostile input) is broken for good: every later submit
    raises. Here it is replaced by a new one on the next submit, so that one
    lost worker costs the documents it was parsing (parsed once more, see
    update.py), not the rest of the cycle. Pools whose workers cannot even
    start (MAX_RESTARTS in a row break before finishing any job: a broken
    install, a main module they cannot import) give way to running the jobs
    in this process (``inline``): slower, but the cycle ends."""

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None
        self._proven = False  # the current pool has finished a job: its workers can start
        self._ever_proven = False  # some pool of this WorkerPool has
        self._failed_starts = 0  # pools in a row that broke before finishing any job
        self._generation = 0  # pools replaced so far
        self._broken = False  # the current pool lost a worker

    @property
    def started(self) -> bool:
        return self._executor is not None

    @property
    def inline(self) -> bool:
        """Jobs run in this process: workers could not be started."""
        return self._failed_starts >= MAX_RESTARTS

    def worth_retrying(self, attempts: int) -> bool:
        """Whether a job lost with a dead worker for the ``attempts``-th time
        should be submitted again: once; and while no worker has ever
        finished a job (they may not even start), until the pool gives way to
        this process after MAX_RESTARTS broken pools."""
        return attempts == 1 or (not self._ever_proven and attempts <= MAX_RESTARTS + 1)

    def get(self) -> Executor:
        """The pool, as an Executor (this object: see submit)."""
        return self

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        while not self.inline:
            try:
                future = self._started().submit(fn, *args, **kwargs)
            except BrokenExecutor:
                self._replace("a worker process died")
                continue
            except OSError as error:
                # The pool could not start a worker: too many open files, or
                # its queues closed because it broke meanwhile. The job may
                # be queued in it all the same; its workers are ended below
                # before it can run twice (had it, no harm: a parse is pure,
                # a publish sweeps stray temporary files after its commit).
                self._replace(f"the worker pool could not start a process ({error})")
                continue
            future.add_done_callback(functools.partial(self._note_outcome, self._generation))
            return future
        return _run_here(fn, *args, **kwargs)

    def _note_outcome(self, generation: int, future: Future) -> None:
        if generation != self._generation:
            return  # a job of a pool replaced since: it proves nothing of the new one
        if future.cancelled():
            return
        if isinstance(future.exception(), BrokenExecutor):
            self._broken = True
        else:
            self._proven = self._ever_proven = True
            self._failed_starts = 0

    def _replace(self, why: str) -> None:
        if not self._proven:
            self._failed_starts += 1
        log.warning("%s; %s", why, "working in this process instead" if self.inline else "starting new ones")
        self._broken = True
        self.close()

    def _started(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # forkserver: the fetch threads are running, and fork() with
            # threads alive can copy a held lock into the child.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["feedhub.worker", "feedhub.publish.site"])
            self._executor = ProcessPoolExecutor(max_workers=multiprocessing.cpu_count() or 1, mp_context=context,
                                                 initializer=lower_priority)
        return self._executor

    def close(self) -> None:
        executor, self._executor = self._executor, None
        broken, self._broken = self._broken, False
        self._generation += 1
        self._proven = False
        if executor is None:
            return
        if not broken:
            executor.shutdown(cancel_futures=True)
            return
        # A broken pool: its workers, taken before shutdown() forgets them (a
        # private attribute; without it they are left to the pool's own
        # clean-up), are ended rather than waited for. A worker the pool
        # started while it broke can wait for ever on a queue lock the dead
        # worker held, and the pool's clean-up waits for that worker (CPython
        # 3.11: terminate_broken races with a submit that starts a worker; a
        # test that kills a worker hung on it).
        workers = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            if process.is_alive():
                process.terminate()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def _run_here(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
    """``fn(*args, **kwargs)`` in this process, as a finished Future."""
    future: Future[T] = Future()
    try:
        future.set_result(fn(*args, **kwargs))
    except Exception as error:  # noqa: BLE001 - the Future carries it, as a pool's would
        future.set_exception(error)
    return future
