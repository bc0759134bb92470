"""The HTTP exchange: a conditional GET (RFC 9110 §13), redirects followed by
hand (so that a move is known to be permanent, RFC 9110 §15.4), statuses
turned into one-line errors.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import httpx

from feedhub.errors import FetchError, one_line
from feedhub.fetch.body import ACCEPT_ENCODING, _read_body
from feedhub.fetch.headers import _Headers
from feedhub.fetch.options import FetchOptions
from feedhub.fetch.transport import _TRANSPORT_ERRORS, _Transport, _transport_error
from feedhub.types import CachingInfo, FetchResult


# Feed types first; a server with content negotiation picks a feed over HTML
# (RFC 9110 §12.5.1). The catch-all stays: many feeds are served as text/html.
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml, "
    "application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)


# Response headers the scheduler may use to pace its polls (RFC 9111 §5,
# RFC 9110 §10.2.3 Retry-After) and WebSub hub discovery (Link).
KEPT_HEADERS = frozenset({"cache-control", "expires", "date", "age", "retry-after", "link"})


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


_PERMANENT = frozenset({301, 308})  # RFC 9110 §15.4.2, §15.4.9: update stored links


@dataclass(frozen=True)
class _Reply:
    status: int
    reason: str
    headers: _Headers
    body: bytes | None  # read for 2xx only


def _follow(transport: _Transport, url: httpx.URL, caching: CachingInfo, options: FetchOptions) -> FetchResult:
    """GET ``url``, following redirects, and apply the status and caching policy."""
    current, reply, statuses, sent = _get(transport, url, caching, options)
    # A chain of permanent redirects only means the source has moved for good.
    # (Its URL keeps any user:password the configured one had; the result's
    # does not: it becomes the base of the entries' links and the source's
    # self link in published feeds.)
    moved_to = str(current) if _moved_for_good(statuses) else None
    if moved_to and url.scheme == "https" and current.scheme == "http":
        moved_to = None  # followed, as browsers do, but never remembered: no downgrade for good
    where_read = str(current.copy_with(username=None, password=None)) if current.userinfo else str(current)
    kept = tuple((name, value) for name, value in reply.headers.multi_items() if name in KEPT_HEADERS)
    where = f" at {current}" if statuses else ""

    if reply.status == 304:  # RFC 9110 §15.4.5: our stored copy is still current
        if not (sent.etag or sent.last_modified):
            raise FetchError(f"HTTP 304 Not Modified to an unconditional request{where}", status=304)
        return FetchResult(url=where_read, status=304, content=None, caching=_revalidated(caching, reply.headers),
                           moved_to=moved_to, headers=kept)
    if not 200 <= reply.status < 300:
        raise FetchError(_status_message(reply) + where, status=reply.status, headers=kept)
    return _fetched(reply, caching, where_read, moved_to, kept)


def _get(transport: _Transport, url: httpx.URL, caching: CachingInfo,
         options: FetchOptions) -> tuple[httpx.URL, _Reply, list[int], CachingInfo]:
    """The reply that ends the chain of redirects from ``url``, the URL it
    came from, the redirects' statuses, and the validators sent with it."""
    statuses: list[int] = []
    seen = {str(url)}
    current = url
    sent = caching
    while True:
        # Caller-given headers go to the configured origin only (RFC 9110 §15.4).
        own_origin = _origin(current) == _origin(url)
        if _moved_for_good(statuses):
            # The source has just moved for good (once the move is stored it
            # is polled at its new URL, without redirects): our validators
            # belong to the old URL, and the new one could answer 304 to
            # them, comparing its own dates with another document's.
            sent = CachingInfo()
        reply = _exchange(transport, current, _request_headers(options, sent, own_origin), options)
        if reply.status not in _REDIRECTS:
            return current, reply, statuses, sent
        target = _redirect_target(current, reply)
        statuses.append(reply.status)
        if str(target) in seen:
            raise FetchError(f"redirect loop: {current} redirects back to {target}", status=reply.status)
        if len(statuses) > options.max_redirects:
            message = f"too many redirects (more than {options.max_redirects}), last to {target}"
            raise FetchError(message, status=reply.status)
        seen.add(str(target))
        current = target


def _moved_for_good(statuses: list[int]) -> bool:
    """Whether redirects with these statuses (none: no move) are all permanent."""
    return bool(statuses) and all(s in _PERMANENT for s in statuses)


def _revalidated(caching: CachingInfo, headers: _Headers) -> CachingInfo:
    """RFC 9111 §4.3.4: a 304's validators update those stored."""
    etag = _validator(headers, b"etag") or caching.etag
    last_modified = _validator(headers, b"last-modified") or caching.last_modified
    if (etag, last_modified) == (caching.etag, caching.last_modified):
        return caching
    return replace(caching, etag=etag, last_modified=last_modified)


def _fetched(reply: _Reply, caching: CachingInfo, where_read: str, moved_to: str | None,
             kept: tuple[tuple[str, str], ...]) -> FetchResult:
    """The result of a 2xx reply, its body and validators."""
    assert reply.body is not None
    digest = hashlib.sha256(reply.body).hexdigest()
    new_caching = CachingInfo(
        etag=_validator(reply.headers, b"etag"),
        last_modified=_validator(reply.headers, b"last-modified"),
        content_hash=digest,
    )
    return FetchResult(
        url=where_read,
        status=reply.status,
        # Servers without validators: the same bytes as last time are no news.
        content=None if digest == caching.content_hash else reply.body,
        content_type=reply.headers.get("content-type"),
        caching=new_caching,
        moved_to=moved_to,
        headers=kept,
    )


def _exchange(transport: _Transport, url: httpx.URL, headers: list[tuple[bytes, bytes]], options: FetchOptions) -> _Reply:
    """One request and its response; the body is read only for a 2xx status."""
    timeouts = {"connect": options.connect_timeout, "read": options.timeout, "write": options.timeout,
                "pool": options.timeout}
    try:
        response = transport.request(url, headers, timeouts)
        try:
            status = response.status
            reply_headers = _Headers(response.headers)
            body = _read_body(response.stream, reply_headers, status, options) if 200 <= status < 300 else None
            if body is None and (_empty_304(status, reply_headers) or reply_headers.get("content-length") == "0"):
                # Nothing to read, but reading it is what lets httpcore see the
                # message end and keep the connection: otherwise every 304 of
                # a warm cycle closed its connection and the next source
                # opened a new one (bench/warm_daemon.py: 200 connects a cycle).
                for _ in response.stream:
                    pass
            reason = response.extensions.get("reason_phrase", b"").decode("latin-1")
            return _Reply(status, reason, reply_headers, body)
        finally:
            # Back to the pool; with an unread redirect or error body the
            # connection is closed instead, which is cheaper than draining it.
            response.close()
    except _TRANSPORT_ERRORS as exc:
        raise _transport_error(exc, url, options) from exc


def _empty_304(status: int, headers: _Headers) -> bool:
    """A 304 that announces no body. A 304 never has one (RFC 9110
    §15.4.5), so whatever bytes a server sends after one would be read as
    the next response on the connection: with a Transfer-Encoding or a
    Content-Length other than 0 it is closed instead of kept."""
    return status == 304 and headers.get("transfer-encoding") is None and headers.get("content-length") in (None, "0")


def _request_headers(options: FetchOptions, caching: CachingInfo, own_origin: bool) -> list[tuple[bytes, bytes]]:
    extra = list(options.headers) if own_origin else []
    for name, _ in extra:
        if name.lower() in _FRAMING_HEADERS:
            raise FetchError(f"the header {name} cannot be set for a source: remove it from the source's headers")
    overridden = {name.lower() for name, _ in extra}
    ours = (("User-Agent", options.user_agent), ("Accept", ACCEPT), ("Accept-Encoding", ACCEPT_ENCODING))
    headers = [(name, value) for name, value in ours if name.lower() not in overridden]
    headers += [(n, v) for n, v in extra if n.lower() not in ("if-none-match", "if-modified-since")]
    # Text from the config goes out as UTF-8 (header values are octets,
    # RFC 9110 §5.5; most servers read them as UTF-8). A name must be ASCII:
    # encoding one that is not raises UnicodeError, a bad header.
    try:
        sent = [(n.encode("ascii"), v.encode("utf-8")) for n, v in headers]
    except UnicodeError as exc:
        raise FetchError(f"invalid request header, check the source's headers: {one_line(exc)}") from exc
    # Conditional GET (RFC 9110 §13.1.2, §13.1.3): the validators byte for
    # byte as the server gave them (see _validator); sending both is allowed
    # (RFC 9111 §4.3.1).
    if caching.etag:
        sent.append((b"If-None-Match", _octets(caching.etag)))
    if caching.last_modified:
        sent.append((b"If-Modified-Since", _octets(caching.last_modified)))
    return sent


# Header fields that describe the request's own message; h11 refuses a GET
# that announces a body, with an error of its own.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "te", "trailer", "upgrade", "expect"})


def _validator(headers: _Headers, name: bytes) -> str | None:
    """A validator kept as Latin-1 text, so that any octets the server sent
    (RFC 9110 §5.5 obs-text) go back unchanged."""
    for key, value in headers.raw:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _octets(value: str) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:  # not one of ours: a caller-made CachingInfo
        return value.encode("utf-8")


def _redirect_target(current: httpx.URL, reply: _Reply) -> httpx.URL:
    location = reply.headers.get("location")
    if not location:
        raise FetchError(f"HTTP {reply.status} redirect without a Location header from {current}", status=reply.status)
    try:
        target = current.join(location.strip())  # relative references: RFC 9110 §10.2.2
        _ = target.host  # an xn-- label is decoded (and refused) only when read
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise FetchError(f"HTTP {reply.status} redirect to an invalid URL {location!r}", status=reply.status) from exc
    if target.scheme not in ("http", "https"):
        # Never let a remote server make us read a local file.
        raise FetchError(f"HTTP {reply.status} redirect to a non-HTTP URL {target}, refused", status=reply.status)
    return target.copy_with(fragment=None)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def _status_message(reply: _Reply) -> str:
    reason = httpx.codes.get_reason_phrase(reply.status) or reply.reason
    message = f"HTTP {reply.status} {reason}".rstrip()
    retry_after = reply.headers.get("retry-after")
    if retry_after:
        message += f" (Retry-After: {retry_after})"
    return message
