"""The cycle's process pool: parsing (daemon/refresh.py) and publishing (publish/)
share it, so that it starts at most once a cycle, and only when needed.

Workers fork from a forkserver that has already imported the parsing stack
and the publishers, so a pool starts in milliseconds and the modules' pages
are shared between the workers; they never import httpx, SQLite or the
config's validators (bench/README.md: tens of MB less per worker).
"""

from __future__ import annotations

import collections
import functools
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

from feedhub.interrupts import held
from feedhub import lifeline
from feedhub.lifeline import PARENT_ENV, die_with_parent

log = logging.getLogger("feedhub.pool")
T = TypeVar("T")

# Pools in a row that break before finishing a single job, before a
# WorkerPool runs its jobs in the calling process instead.
MAX_RESTARTS = 3
# Seconds a probe (WorkerPool._probe) may take before its pool counts as
# unable to start.
PROBE_TIMEOUT = 60.0


def setup_worker() -> None:
    """Pool initializer. The workers yield the CPU to the main process, whose
    storing and committing are the cycle's serial path. They ignore SIGINT:
    Ctrl-C on a terminal signals the whole process group, and a worker that
    died of it took the publish in progress with it (a traceback, and the
    news left unpublished); the main process decides, finishing what is in
    flight and ending the pool. Not SIGTERM: a broken ProcessPoolExecutor
    ends its remaining workers with it, and one waiting on a lock its dead
    sibling held would otherwise never end (for a service manager, see
    docs/design.md: stop the main process only)."""
    # Forked by the fork server: dies with it, which dies with feedhub
    # (lifeline.py); at once if it died between the fork and this line.
    die_with_parent(lifeline.FORK_SERVER)
    try:
        os.nice(10)
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_fork_server() -> None:
    """Start the fork server (if it is not running) with SIGINT ignored.

    It imports the parsing stack before it ignores SIGINT itself (CPython's
    forkserver.main), and a Ctrl-C meanwhile, which reaches the whole process
    group, printed a KeyboardInterrupt traceback from it. An ignored signal
    stays ignored through exec, and Python then leaves it so: the fork
    server, and the workers it forks, never see SIGINT (they ignore it
    anyway, setup_worker). This process ignores SIGINT only for the fork and
    exec, a few milliseconds."""
    import multiprocessing.forkserver

    if threading.current_thread() is not threading.main_thread():
        multiprocessing.forkserver.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


class WorkerPool(Executor):
    """A ProcessPoolExecutor started on the first ``submit``; ``close()``
    (or leaving the ``with`` block) shuts it down if it was started.

    A pool whose worker died (the kernel's OOM killer, a crash in a C
    extension on hostile input) is broken for good: every later submit
    raises. Here it is replaced by a new one on the next submit, so that one
    lost worker costs at most the document that killed it, not the rest of
    the cycle (the others are parsed again: see CrashIsolation). Pools whose
    workers cannot even start (MAX_RESTARTS in a row break before finishing
    any job, a no-op probe included: a broken install, a main module they
    cannot import) give way to running the jobs in this process
    (``inline``): slower, but the cycle ends."""

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
                if self._executor is None:
                    # The first submit starts the workers: not to be cut in
                    # two by an interrupt (interrupts.py).
                    with held():
                        future = self._started().submit(fn, *args, **kwargs)
                else:
                    future = self._started().submit(fn, *args, **kwargs)
            except BrokenExecutor:
                self._replace("a worker process died", jobs_died=True)
                continue
            except (OSError, EOFError) as error:
                # The pool could not start a worker (EOFError: the fork server
                # died starting, of a Ctrl-C say): too many open files, or
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

    def _replace(self, why: str, *, jobs_died: bool = False) -> None:
        # A pool that died under its jobs after some pool has run one (its
        # workers can start) lost them to a job, not to a broken install:
        # that never makes jobs run in this process, where such a job would
        # take the whole cycle down (see CrashIsolation).
        if not self._proven and not (jobs_died and self._ever_proven):
            self._failed_starts += 1
        log.warning("%s; %s", why, "working in this process instead" if self.inline else "starting new ones")
        self._broken = True
        self.close()

    def _started(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = self._new_executor()
            if self._failed_starts and not self._ever_proven:
                self._probe()
        return self._executor

    def _new_executor(self) -> ProcessPoolExecutor:
        # forkserver: the fetch threads are running, and fork() with threads
        # alive can copy a held lock into the child.
        context = multiprocessing.get_context("forkserver")
        # lifeline first: the fork server dies with this process from its
        # first import on (a SIGKILL here left it and its workers running).
        context.set_forkserver_preload(["feedhub.lifeline", "feedhub.parse.job", "feedhub.publish.site"])
        os.environ[PARENT_ENV] = str(os.getpid())
        _start_fork_server()
        return ProcessPoolExecutor(max_workers=multiprocessing.cpu_count() or 1, mp_context=context,
                                   initializer=setup_worker)

    def _probe(self) -> None:
        """After a pool broke before finishing any job: can this one's workers
        run a job that does nothing? Yes: the jobs broke it, never a reason
        to run them in this process (see _replace). No: BrokenExecutor, one
        more failed start."""
        assert self._executor is not None
        # A worker that cannot run it in a minute is as good as none: the
        # TimeoutError is an OSError, one more failed start (see submit).
        self._executor.submit(int).result(timeout=PROBE_TIMEOUT)
        self._proven = self._ever_proven = True
        self._failed_starts = 0

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


class CrashIsolation:
    """When to submit which job to a WorkerPool, so that a job that kills its
    worker costs only itself.

    A worker that dies (a crash in a C extension on hostile input, the
    kernel's OOM killer) breaks the pool, and every job in it is lost, not
    only the one that killed it. Each lost job runs again *alone*, nothing
    else in the pool: a job lost while alone is the cause, and is given up
    (once a pool has ever finished a job; before that, the workers may not
    start at all, see WorkerPool.worth_retrying). Jobs submitted meanwhile
    wait for the lost ones. Before, every lost job was retried at once,
    together: the cause killed the retries of the others, which were then
    given up with it.

    Jobs are named by keys; ``start(key)`` submits one to the pool. Not
    thread-safe: one thread submits and reports outcomes.
    """

    def __init__(self, pool: WorkerPool, start: Callable[[Any], None]) -> None:
        self._pool = pool
        self._start = start
        self._running = 0
        self._alone: Any = None  # the lost job running alone, if any
        self._lost: collections.deque[Any] = collections.deque()  # lost jobs waiting to run alone
        self._waiting: collections.deque[Any] = collections.deque()  # new jobs waiting for those
        self._losses: dict[Any, int] = {}

    def submit(self, key: Any) -> None:
        if self._alone is not None or self._lost:
            self._waiting.append(key)
        else:
            self._run(key)

    def finished(self, key: Any, lost: bool) -> bool:
        """Note that job ``key`` ended, ``lost`` with a dead worker or not.
        Returns whether that outcome is final; if not, the job will run again."""
        self._running -= 1
        was_alone = self._alone is not None and self._alone == key
        if was_alone:
            self._alone = None
        final = True
        if lost:
            losses = self._losses[key] = self._losses.get(key, 0) + 1
            if not was_alone or self._pool.worth_retrying(losses):
                self._lost.append(key)
                final = False
        if final:
            self._losses.pop(key, None)
        self._next()
        return final

    def _next(self) -> None:
        if self._alone is not None:
            return
        if self._lost:
            if self._running == 0:  # the others in the pool have ended (all lost, if it broke)
                self._alone = self._lost.popleft()
                self._run(self._alone)
            return
        while self._waiting:
            self._run(self._waiting.popleft())

    def _run(self, key: Any) -> None:
        self._running += 1
        self._start(key)


def _run_here(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
    """``fn(*args, **kwargs)`` in this process, as a finished Future."""
    future: Future[T] = Future()
    try:
        future.set_result(fn(*args, **kwargs))
    except Exception as error:  # noqa: BLE001 - the Future carries it, as a pool's would
        future.set_exception(error)
    return future
