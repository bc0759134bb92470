"""File sources: a `file:` URL or a path relative to the config's folder,
read with the same size cap and the same "unchanged" check (a content hash)
as a server without validators.
"""

from __future__ import annotations

import hashlib
import os
import stat
import urllib.parse
import urllib.request
from pathlib import Path
from typing import BinaryIO

from feedhub.errors import FetchError
from feedhub.fetch.body import _size
from feedhub.fetch.options import FetchOptions
from feedhub.types import CachingInfo, FetchResult


def _file_url_path(url: str, base_dir: Path) -> Path:
    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise FetchError(f"{url} names the host {parts.netloc!r}; file: URLs can only read local files")
    # "file:feeds/a.xml" (no slashes) is taken relative to the config's folder.
    return base_dir / urllib.request.url2pathname(parts.path)


def _read_file(path: Path, caching: CachingInfo, options: FetchOptions) -> FetchResult:
    try:
        # Non-blocking: opening a FIFO with no writer would wait for ever.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError as exc:
        raise FetchError(f"no such file: {path}") from exc
    except IsADirectoryError as exc:
        raise FetchError(f"{path} is a folder, not a feed file") from exc
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:  # a NUL character in the path
        raise FetchError(f"invalid file path {str(path)!r}: {exc}") from exc
    try:
        try:
            kind = os.fstat(fd).st_mode
        except OSError:
            os.close(fd)
            raise
        if not stat.S_ISREG(kind):
            os.close(fd)
            if stat.S_ISDIR(kind):
                raise FetchError(f"{path} is a folder, not a feed file")
            raise FetchError(f"{path} is not a regular file (a pipe or a device?), not read")
        with os.fdopen(fd, "rb") as f:
            data = _read_at_most(f, options.max_bytes + 1)
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > options.max_bytes:
        raise FetchError(f"file {path} larger than {_size(options.max_bytes)}, refused")
    digest = hashlib.sha256(data).hexdigest()
    # No content_type: a guessed text/xml would make the parser assume ASCII
    # (RFC 3023) instead of reading the document's own encoding declaration.
    return FetchResult(
        url=path.absolute().as_uri(),
        status=None,
        content=None if digest == caching.content_hash else data,
        caching=CachingInfo(content_hash=digest),
    )


def _read_at_most(f: BinaryIO, limit: int) -> bytes:
    """Up to ``limit`` bytes, in pieces: ``read(limit)`` would allocate all
    of a huge ``fetch.max_bytes`` up front."""
    pieces = []
    while limit > 0:
        piece = f.read(min(limit, 1 << 20))
        if not piece:
            break
        pieces.append(piece)
        limit -= len(piece)
    return b"".join(pieces)
