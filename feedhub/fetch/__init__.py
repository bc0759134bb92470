"""Retrieve a source's document: over HTTP(S) with a conditional GET, or from a file.

This package is the only one that imports httpx (transport.py alone imports
httpcore, the layer httpx is built on). Whatever goes wrong becomes one ``FetchError`` with a one-line
message; the caller records it on the source and carries on with the others.

Every fetch is bounded three ways:

* a total deadline (``FetchOptions.timeout``) covering connect, TLS, redirects,
  headers and body. httpx's read timeout restarts on every read, so a server
  that drips one byte a second, in its headers or its body, would never trip
  it. A small network backend clamps every socket operation, each read of a
  body chunk included, to the time left (``_DeadlineStream``).
* a cap on the *decoded* body (``max_bytes``). We undo the content codings
  ourselves, in steps of at most ``_STEP`` output bytes, and count while
  streaming, so a gzip bomb costs about ``max_bytes`` of memory, not gigabytes.
* ``max_redirects``. Redirects are followed by hand: we need to know whether
  every hop was permanent (``moved_to``), and to refuse loops and non-HTTP
  targets.

Requests go straight to httpx's transport layer, httpcore's connection pools,
without httpx.Client's request and response models around them: those models
were a third of the CPU of a warm cycle (200 conditional GETs answered 304,
bench/warm_daemon.py), and everything they add (redirects, cookies, content
decoding, proxies from the environment) feedhub does itself, its own way.
httpx still parses and joins the URLs and names the errors. Several small
pools share the work instead of one big one: httpcore's pool spends CPU per
request in proportion to its size (encode/httpx#3215).
"""

from feedhub.fetch.client import Fetcher
from feedhub.fetch.options import FetchOptions

__all__ = ["FetchOptions", "Fetcher"]
