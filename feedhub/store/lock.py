"""One feedhub per store: an flock held while it runs."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from feedhub.errors import StorageError


def claim_store(where: str) -> IO[str] | None:
    """An flock on ``<where>.lock`` for this process, or StorageError
    naming the process that holds it.

    Two feedhubs polling one store would both poll every source and race to
    publish (issue #6). The kernel releases an flock when the process ends,
    even by kill -9.
    """
    if where == ":memory:":
        return None
    path = Path(where + ".lock")
    try:
        handle = open(path, "a+", encoding="utf-8")
    except OSError as e:  # e.g. left by a `sudo feedhub`, owned by root
        raise StorageError(f"cannot open the lock file {path}: {e.strerror or e}; check its owner and "
                           "permissions") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise StorageError(
            f"another feedhub (pid {holder}) is using the store {where}; stop it first, or wait for it to finish"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
