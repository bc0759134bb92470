"""Header fields: those a request completes with, and a response's, read
lightly.
"""

from __future__ import annotations

import base64

import httpx


def _complete_headers(url: httpx.URL, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The request's header fields with what httpx.Client would add: Host
    (RFC 9112 §3.2, with the port when it is not the default) and persistent
    connections said out loud, unless the source's headers set them; and
    Basic credentials from a URL's user:password (RFC 7617), which take the
    place of any Authorization given."""
    names = {name.lower() for name, _ in headers}
    head = []
    if b"host" not in names:
        head.append((b"Host", url.netloc))
    if b"connection" not in names:
        head.append((b"Connection", b"keep-alive"))
    if url.username or url.password:
        credentials = base64.b64encode(f"{url.username}:{url.password}".encode())
        headers = [(name, value) for name, value in headers if name.lower() != b"authorization"]
        headers.append((b"Authorization", b"Basic " + credentials))
    return head + headers


class _Headers:
    """A response's header fields as received, looked up by name in any
    case (RFC 9110 §5.1); values read as UTF-8, else Latin-1, as httpx
    reads them. Lighter than httpx.Headers, which normalises every field of
    every response while a 304 needs two or three (bench/warm_daemon.py)."""

    __slots__ = ("raw",)

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.raw = raw

    def get(self, name: str, default: str | None = None) -> str | None:
        """The field's value; several fields of that name joined with ", "
        (RFC 9110 §5.3)."""
        key = name.lower().encode("ascii")
        values = [_header_text(value) for field, value in self.raw if field.lower() == key]
        return ", ".join(values) if values else default

    def multi_items(self) -> list[tuple[str, str]]:
        """(lower-case name, value) of every field, in order."""
        return [(field.decode("latin-1").lower(), _header_text(value)) for field, value in self.raw]


def _header_text(value: bytes) -> str:
    try:
        return value.decode("utf-8")  # ASCII, the usual case, is UTF-8 too
    except UnicodeDecodeError:
        return value.decode("latin-1")
