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
    sources' failures), not the rest of the cycle."""

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None

    @property
    def started(self) -> bool:
        return self._executor is not None

    def get(self) -> Executor:
        """The pool, as an Executor (this object: see submit)."""
        return self

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        try:
            return self._started().submit(fn, *args, **kwargs)
        except BrokenExecutor:
            log.warning("a worker process died; starting new ones")
            self.close()
            return self._started().submit(fn, *args, **kwargs)

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
