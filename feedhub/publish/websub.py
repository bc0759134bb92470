"""Telling a WebSub hub that feeds changed (publishing's side of WebSub)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import httpx

import feedhub
from feedhub.errors import one_line


def ping_websub(hub: str, urls: Iterable[str], timeout: float = 10.0,
                stopping: Callable[[], bool] = lambda: False) -> list[str]:
    """Tell a WebSub hub that the feeds at ``urls`` changed; never raises.

    WebSub (W3C Recommendation, §7) leaves how a publisher notifies its hub
    to the hub; the form that hubs accept (Google's, Superfeedr,
    websub.rocks, the PubSubHubbub 0.4 convention) is a POST of
    ``hub.mode=publish&hub.url=<feed>``, form-encoded, one feed per request.
    A 2xx answer is success. Each request is bounded by ``timeout`` seconds
    and redirects are not followed; once ``stopping()`` is true no more are
    sent. Returns one line per failure, for the caller to log: a hub that is
    down must not fail a publish.
    """
    errors: list[str] = []
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False,
                          headers={"User-Agent": feedhub.USER_AGENT}) as client:
            for url in urls:
                if stopping():
                    # A daemon told to stop must not wait for a slow hub a
                    # feed at a time; the hub polls the feeds itself anyway.
                    errors.append(f"{hub}: not notified of {url} and the rest: feedhub is shutting down")
                    break
                try:
                    # Streamed and never read: only the status matters, and a
                    # hub's answer could be of any size.
                    with client.stream("POST", hub, data={"hub.mode": "publish", "hub.url": url}) as response:
                        pass
                except httpx.HTTPError as exc:
                    errors.append(f"{hub}: cannot notify of {url}: {one_line(exc)}")
                    continue
                if not 200 <= response.status_code < 300:
                    errors.append(f"{hub}: answered {response.status_code} {response.reason_phrase} to the ping for {url}")
    except Exception as exc:  # an unusable hub URL, a TLS setup error: a value, like every fetch error
        errors.append(f"{hub}: cannot notify: {type(exc).__name__}: {one_line(exc)}")
    return errors
