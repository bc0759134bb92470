"""The cycle's process pool: parsing (update.py) and publishing (publish/)
share it, so that it starts at most once a cycle, and only when needed.

Workers fork from a forkserver that has already imported the parsing stack
and the publishers, so a pool starts in milliseconds and the modules' pages
are shared between the workers; they never import httpx, SQLite or the
config's validators (bench/README.md: tens of MB less per worker).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

log = logging.getLogger("feedhub.pool")
T = TypeVar("T")

# New pools one WorkerPool starts after losing workers, before it runs its
# jobs in the calling process instead.
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
    lost worker costs the documents it was parsing (recorded as those
    sources' failures), not the rest of the cycle. Workers that keep dying
    (MAX_RESTARTS new pools in one cycle: they cannot even start, say) give
    way to running the jobs in this process: slower, but the cycle ends."""

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None
        self._restarts = 0

    @property
    def started(self) -> bool:
        return self._executor is not None

    def get(self) -> Executor:
        """The pool, as an Executor (this object: see submit)."""
        return self

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        while self._restarts < MAX_RESTARTS:
            try:
                return self._started().submit(fn, *args, **kwargs)
            # OSError: a pool that broke while this submit started a worker
            # (its queues closed under it) says so this way, not as broken.
            except (BrokenExecutor, OSError) as error:
                self._restarts += 1
                log.warning("a worker process died (%s); %s", type(error).__name__,
                            "starting new ones" if self._restarts < MAX_RESTARTS else "working in this process instead")
                self.close()
        return _run_here(fn, *args, **kwargs)

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
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None

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
    except Exception as error:  # the Future carries it, as a pool's would
        future.set_exception(error)
    return future
