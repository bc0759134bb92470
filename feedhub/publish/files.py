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

import os
import tempfile
from pathlib import Path

from feedhub.errors import PublishError

# Mode of a new output file: world-readable, since a web server serves it.
# (mkstemp creates 0600; an existing file keeps whatever mode it had.)
_NEW_FILE_MODE = 0o644


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly those bytes.

    Returns True if the file was written. Raises PublishError, naming the path
    and the reason, when it cannot be; the previous file is then left intact.
    """
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as error:
        raise _publish_error(path, error) from error

    tmp_name: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, _mode_of(path))
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


def _mode_of(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return _NEW_FILE_MODE


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
