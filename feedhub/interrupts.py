"""Steps that an interrupt must not cut in two.

`run --once` turns SIGTERM and SIGINT into KeyboardInterrupt, raised in
whatever the main thread is doing. Raised while a batch of files is committed
it left every temporary file behind; raised while the process pool starts
its workers it left a worker unpickling a queue the pool had already torn
down, which printed a traceback (issue #13). Inside ``held()`` such a signal
is noted, and acted on by its own handler as the block ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def held() -> Iterator[None]:
    """SIGINT and SIGTERM received inside the block are acted on at its end,
    by the handlers they had. Python runs signal handlers in the main thread
    only, so elsewhere there is nothing to hold."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[tuple[int, FrameType | None]] = []
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        signal.signal(signum, lambda signum, frame: received.append((signum, frame)))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            signum, frame = received[0]
            handler = previous[signum]
            if callable(handler):
                handler(signum, frame)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(signum)
