"""Atomic, change-only writes of output files.

A feed reader or web server may read output/ at any moment, so a file is
never written in place: the new bytes go to a temporary file in the same
directory (same filesystem, so the rename is atomic), are flushed to disk, and
then replace the old file in one step. A reader sees the old file or the new
one, never half of either.

Unchanged bytes are not rewritten, so the file's mtime (and the Last-Modified
a web server derives from it) moves only when the content does.
"""

from __future__ import annotations

import errno
import itertools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from feedhub.errors import PublishError
from feedhub.interrupts import held

# Mode of a new output file: world-readable, since a web server serves it.
# (set with fchmod, whatever the umask; an existing file keeps its mode.)
_NEW_FILE_MODE = 0o644

# Inside batched_writes(): the temporary files written so far and their targets.
_BATCH: ContextVar[list[tuple[str, Path]] | None] = ContextVar("feedhub_write_batch", default=None)
# ... and what is to be done once they are committed (after_commit).
_AFTER: ContextVar[list[Callable[[], None]] | None] = ContextVar("feedhub_after_commit", default=None)


@contextmanager
def batched_writes() -> Iterator[None]:
    """Write many files with one flush to disk instead of one per file.

    Inside the block, write_if_changed writes temporary files only. At its
    end every one is flushed to disk with a single sync (a cold cycle writes
    thousands of pages: one fsync each was half of publishing, bench/), then
    each replaces its target, and each folder is synced once. If the block
    fails, the temporary files are removed and no target changes: the
    previous output stays whole.
    """
    if _BATCH.get() is not None:
        yield  # already inside a batch
        return
    pending: list[tuple[str, Path]] = []
    after: list[Callable[[], None]] = []
    token, after_token = _BATCH.set(pending), _AFTER.set(after)
    try:
        try:
            yield
        finally:
            _BATCH.reset(token)
            _AFTER.reset(after_token)
        if pending:
            # An interrupt (SIGTERM, Ctrl-C) during the commit waits for its
            # end: raised in os.sync(), which can take seconds on a busy
            # disk, it left every temporary file behind (issue #13).
            with held():
                _commit(pending)
    except BaseException:
        _discard(pending)  # those already renamed are gone: nothing to remove
        raise
    for action in after:
        action()


def _commit(pending: list[tuple[str, Path]]) -> None:
    os.sync()
    folders: dict[Path, None] = {}
    for tmp_name, path in pending:
        try:
            os.replace(tmp_name, path)
        except OSError as error:
            raise _publish_error(path, error) from error
        folders[path.parent] = None
    for folder in folders:
        _fsync_dir(folder)


def after_commit(action: Callable[[], None]) -> None:
    """Run ``action`` (a removal: an archive page out of the retention, a
    format turned off) once the current batch is committed, or now outside
    a batch. Done earlier, a batch that then failed would leave the new
    output without those files and the old one never committed."""
    after = _AFTER.get()
    if after is None:
        action()
    else:
        after.append(action)


@contextmanager
def collected_writes() -> Iterator[list[tuple[str, Path]]]:
    """Write temporary files only, and hand them to the caller: for a process
    of the publishing pool, whose files the main process commits in its own
    batched_writes (adopt). If the block fails, its temporary files are
    removed."""
    pending: list[tuple[str, Path]] = []
    token = _BATCH.set(pending)
    try:
        yield pending
    except BaseException:
        _discard(pending)
        raise
    finally:
        _BATCH.reset(token)


def adopt(pending: list[tuple[str, Path]]) -> None:
    """Make temporary files written by collected_writes part of the current
    batch: committed with it, or removed if it fails. Outside a batch they
    are committed at once."""
    batch = _BATCH.get()
    if batch is not None:
        batch.extend(pending)
        return
    with batched_writes():
        _BATCH.get().extend(pending)  # type: ignore[union-attr]


def remove_temporary_files(folders: Iterable[Path]) -> None:
    """Delete the temporary files write_if_changed leaves in ``folders``
    (".<name>.<pid>-<n>.tmp", or mkstemp's ".<name>.<random>.tmp") that
    nobody will commit: those of a process of
    the publishing pool that died, of a job the pool ran twice, of a publish
    killed before its commit. Only one feedhub publishes to an output folder
    (the store's lock), so after a commit every such file is garbage."""
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if name.startswith(".") and name.endswith(".tmp"):
                try:
                    os.unlink(folder / name)
                except OSError:
                    pass


def _discard(pending: list[tuple[str, Path]]) -> None:
    for tmp_name, _ in pending:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly those bytes.

    Returns True if the file was written. Raises PublishError, naming the path
    and the reason, when it cannot be; the previous file is then left intact.
    """
    try:
        with open(path, "rb") as old:
            info = os.fstat(old.fileno())
            if info.st_size == len(data) and old.read() == data:
                return False
            mode = info.st_mode & 0o7777  # a replaced file keeps its mode
    except FileNotFoundError:
        mode = _NEW_FILE_MODE
    except OSError as error:
        raise _publish_error(path, error) from error

    tmp_name: str | None = None
    try:
        try:
            fd, tmp_name = _create_temporary(path)
        except FileNotFoundError:  # a new folder: made only then, not probed for every file
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = _create_temporary(path)
        try:
            os.fchmod(fd, mode)  # exactly this mode, whatever the umask
            _write_all(fd, data)
            batch = _BATCH.get()
            if batch is not None:
                batch.append((tmp_name, path))
                tmp_name = None
                return True
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp_name, path)
        tmp_name = None
        _fsync_dir(path.parent)
    except OSError as error:
        raise _publish_error(path, error) from error
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    return True


# Temporary names: ".<name>.<pid>-<n>.tmp", unique within this machine's
# running processes without tempfile's random names and retries (a cold
# cycle makes ten thousand of them: bench/README.md).
_TEMPORARY_NUMBERS = itertools.count()
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _create_temporary(path: Path) -> tuple[int, str]:
    """A new, empty temporary file beside ``path``: (descriptor, name)."""
    name = f"{path.parent}{os.sep}.{path.name}.{os.getpid()}-{next(_TEMPORARY_NUMBERS)}.tmp"
    try:
        return os.open(name, _CREATE_FLAGS, 0o600), name
    except FileExistsError:  # left by a dead process that had our pid
        return tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written == 0:  # a filesystem that takes nothing would loop for ever
            raise OSError(errno.EIO, "nothing could be written")
        view = view[written:]


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories
    cannot be opened, as on Windows."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _publish_error(path: Path, error: OSError) -> PublishError:
    reason = error.strerror or str(error)
    return PublishError(f"cannot write {path}: {reason}")
