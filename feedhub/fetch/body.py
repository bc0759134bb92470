"""A response body, decoded: gzip, deflate and brotli undone by us in steps
of at most _STEP output bytes, counted while streaming, so that a
compression bomb costs about max_bytes of memory, not gigabytes.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Callable, Iterable, Iterator

from feedhub.errors import FetchError
from feedhub.fetch.headers import _Headers
from feedhub.fetch.options import FetchOptions

try:
    import brotli
except ImportError:  # optional: without it we simply don't offer br
    brotli = None


# Only brotli >= 1.2 can bound the output of one call (output_buffer_limit);
# with an older one a few input bytes could become gigabytes, so no br then.
_BROTLI = brotli is not None and hasattr(brotli.Decompressor, "can_accept_more_data")


ACCEPT_ENCODING = "gzip, deflate, br" if _BROTLI else "gzip, deflate"


_STEP = 64 * 1024  # most output bytes one decompression call may produce


def _read_body(stream: Iterable[bytes], headers: _Headers, status: int, options: FetchOptions) -> bytes:
    limit = options.max_bytes
    codings = [c.strip().lower() for c in headers.get("content-encoding", "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    length = headers.get("content-length", "")
    if not codings and length.isdigit() and int(length) > limit:
        raise FetchError(_too_large(limit), status=status)

    chunks: Iterator[bytes] = iter(stream)
    for coding in reversed(codings):  # listed in the order applied (RFC 9110 §8.4)
        chunks = _decoder(coding)(chunks)

    # No clock check needed here: every socket read of the body goes through
    # _DeadlineStream, which refuses to start one after the deadline.
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise FetchError(_too_large(limit), status=status)
    return bytes(body)


def _decoder(coding: str) -> Callable[[Iterable[bytes]], Iterator[bytes]]:
    if coding in ("gzip", "x-gzip"):  # RFC 9110 §8.4.1.3
        return lambda chunks: _inflate(chunks, wbits=16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return _deflate
    if coding == "br" and _BROTLI:
        return _unbrotli
    raise FetchError(f"unsupported Content-Encoding {coding!r} (we accept {ACCEPT_ENCODING})")


def _inflate(chunks: Iterable[bytes], wbits: int) -> Iterator[bytes]:
    decompressor = zlib.decompressobj(wbits)
    after_member = b""  # the start of what follows a gzip member, too short to tell
    try:
        for data in chunks:
            data, after_member = after_member + data, b""
            while data:
                if decompressor.eof:
                    # A gzip body may hold several members (RFC 1952 §2.2); other
                    # bytes after the end are junk, ignored as browsers do.
                    if wbits > zlib.MAX_WBITS and data == b"\x1f":
                        after_member = data  # a read ended inside the next magic number
                        break
                    if wbits <= zlib.MAX_WBITS or not data.startswith(b"\x1f\x8b"):
                        return
                    decompressor = zlib.decompressobj(wbits)
                # At most _STEP bytes out; input not yet used waits in
                # unconsumed_tail, output not yet given comes with the next call.
                yield decompressor.decompress(data, _STEP)
                data = decompressor.unused_data if decompressor.eof else decompressor.unconsumed_tail
        # The last few pending bytes. A stream cut before its end (or without
        # the gzip trailer) is kept, as browsers do: the parser judges it.
        yield decompressor.flush()
    except zlib.error as exc:
        raise FetchError(f"invalid compressed body ({exc})") from exc


def _deflate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    # "deflate" means zlib-wrapped data (RFC 9110 §8.4.1.2), but some servers
    # send the raw deflate stream; the zlib header tells them apart.
    chunks = iter(chunks)
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= 2:
            break
    is_zlib = len(head) >= 2 and head[0] & 0x0F == 8 and int.from_bytes(head[:2], "big") % 31 == 0
    yield from _inflate(itertools.chain([head], chunks), wbits=zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS)


def _unbrotli(chunks: Iterable[bytes]) -> Iterator[bytes]:
    decompressor = brotli.Decompressor()
    try:
        for data in chunks:
            yield decompressor.process(data, output_buffer_limit=_STEP)
            while not decompressor.can_accept_more_data():
                yield decompressor.process(b"", output_buffer_limit=_STEP)
    except brotli.error as exc:
        raise FetchError(f"invalid compressed body ({exc})") from exc


def _too_large(limit: int) -> str:
    return f"response larger than {_size(limit)}, refused"


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} bytes"
