"""Push: subscribing to the WebSub hubs that sources name (W3C WebSub,
https://www.w3.org/TR/websub/; issue #15).

A source whose feed names a hub (rel="hub", in a Link header or in the
document, §4) is subscribed when the config gives `websub.callback`, the URL
under which hubs reach this daemon's `run --serve`. Each subscription has a
callback of its own (``<callback>/<token>``) and a secret of its own:

- the hub verifies the intent with a GET to the callback (§5.3): answered
  with the challenge only for a subscription this daemon asked for, for
  that topic;
- the hub delivers new content with a POST (§7), signed with the secret
  (X-Hub-Signature, §8): a delivery whose signature does not match is
  acknowledged and dropped, as §8 requires; a good one is handed to the
  daemon's loop and parsed, merged and stored like a poll's document;
- the lease the hub grants is renewed when 80 % of it has passed; polling
  goes on, no more often than `websub.poll_interval`, in case a push is lost.

The HTTP server's threads call `verify` and `deliver`; the daemon's loop
calls the rest. A lock guards the table; the store is only touched by the
loop (subscriptions are kept in its meta, so a restart keeps them).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

log = logging.getLogger("feedhub.daemon")

RENEW_AT = 0.8  # of the lease granted
RETRY_AFTER = timedelta(minutes=10)  # a refused or failed subscription request is tried again after this
# §8: sha1, sha256, sha384 or sha512; hubs are told which by the header itself.
_SIGNATURES = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[^;,]+)*)')
_REL = re.compile(r';\s*rel\s*=\s*"?([^";,]+)"?', re.I)


@dataclass(frozen=True)
class Subscription:
    source: str
    hub: str
    topic: str
    token: str  # the last segment of its callback URL
    secret: str
    requested: datetime  # when the subscription request was last sent
    verified: datetime | None = None  # when the hub last verified the intent
    expires: datetime | None = None  # the lease it granted then ends
    failed: str | None = None  # why the last request failed (denied, an HTTP error)

    @property
    def active(self) -> bool:
        return self.expires is not None


@dataclass(frozen=True)
class Pushed:
    """A document a hub delivered for a source, for the loop to store."""

    source: str
    topic: str
    body: bytes
    content_type: str | None


def discover(headers: Iterable[tuple[str, str]], document_hub: str | None,
             document_self: str | None) -> tuple[str | None, str | None]:
    """(hub, topic) of a fetched feed: Link headers first, then the document (§4)."""
    hub = topic = None
    for name, value in headers:
        if name.lower() != "link":
            continue
        for url, params in _LINK.findall(value):
            for rel in (r.lower() for m in _REL.findall(params) for r in m.split()):
                if rel == "hub" and hub is None:
                    hub = url.strip()
                elif rel == "self" and topic is None:
                    topic = url.strip()
    hub = hub or document_hub
    topic = topic or document_self
    if not hub or not topic or not re.match(r"^https?://", hub, re.I) or not re.match(r"^https?://", topic, re.I):
        return None, None
    return hub, topic


def next_request(current: Subscription | None, hub: str, topic: str, now: datetime) -> str | None:
    """Whether to (re)subscribe now: "subscribe" for a hub or topic not
    subscribed yet (or changed), "renew" when the lease is nearly over;
    None otherwise (a request waiting for its verification is not repeated
    before RETRY_AFTER)."""
    if current is None or current.hub != hub or current.topic != topic:
        return "subscribe"
    waiting = current.verified is None or current.requested > current.verified  # for a verification
    if waiting and now - current.requested < RETRY_AFTER:
        return None
    if current.expires is None:
        return "subscribe"
    lease = current.expires - current.verified
    return "renew" if now >= current.verified + lease * RENEW_AT else None


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """X-Hub-Signature: "method=hexdigest" of the body keyed by the secret (§8)."""
    if not header or "=" not in header:
        return False
    method, _, digest = header.partition("=")
    algorithm = _SIGNATURES.get(method.strip().lower())
    if algorithm is None:
        return False
    expected = hmac.new(secret.encode("utf-8"), body, algorithm).hexdigest()
    return hmac.compare_digest(expected, digest.strip().lower())


class Subscriptions:
    """The daemon's subscriptions, by token; shared by the loop and the server."""

    def __init__(self, callback: str, lease: timedelta, clock: Callable[[], datetime],
                 on_push: Callable[[], None] = lambda: None):
        self.callback = callback.rstrip("/") + "/"
        self.lease = lease
        self.clock = clock
        self.on_push = on_push  # wakes the loop
        self._lock = threading.Lock()
        self._by_token: dict[str, Subscription] = {}
        # source -> token: asked for every source after every poll (interval_for)
        self._token_of: dict[str, str] = {}
        self._pushed: list[Pushed] = []
        self.changed = False  # since the loop last saved them

    # --- the loop -----------------------------------------------------------

    def load(self, subscriptions: Iterable[Subscription]) -> None:
        with self._lock:
            for sub in subscriptions:
                self._by_token[sub.token] = sub
                self._token_of[sub.source] = sub.token

    def of(self, source: str) -> Subscription | None:
        with self._lock:
            token = self._token_of.get(source)
            return self._by_token[token] if token is not None else None

    def is_active(self, source: str) -> bool:
        """A verified lease that has not ended: the hub pushes this source."""
        sub = self.of(source)
        return sub is not None and sub.active and sub.expires > self.clock()

    def due_renewals(self) -> list[Subscription]:
        """Active subscriptions whose lease is nearly over."""
        now = self.clock()
        with self._lock:
            return [s for s in self._by_token.values() if s.active and next_request(s, s.hub, s.topic, now) == "renew"]

    def request(self, source: str, hub: str, topic: str) -> Subscription:
        """A new subscription request for ``source`` (replacing any other of
        it): the form to POST to the hub is `form(sub)`."""
        now = self.clock()
        with self._lock:
            old_token = self._token_of.get(source)
            old = self._by_token[old_token] if old_token is not None else None
            if old is not None and old.hub == hub and old.topic == topic:
                sub = replace(old, requested=now, failed=None)  # a renewal keeps its callback and secret
            else:
                if old is not None:
                    del self._by_token[old.token]
                sub = Subscription(source, hub, topic, secrets.token_urlsafe(16), secrets.token_urlsafe(24), now)
            self._by_token[sub.token] = sub
            self._token_of[source] = sub.token
            self.changed = True
            return sub

    def form(self, sub: Subscription) -> dict[str, str]:
        return {"hub.mode": "subscribe", "hub.topic": sub.topic, "hub.callback": self.callback + sub.token,
                "hub.secret": sub.secret, "hub.lease_seconds": str(int(self.lease.total_seconds()))}

    def request_failed(self, token: str, why: str) -> None:
        with self._lock:
            sub = self._by_token.get(token)
            if sub is not None:
                self._by_token[token] = replace(sub, failed=why)
                self.changed = True

    def forget(self, keep: Callable[[str], bool]) -> None:
        """Drop the subscriptions of sources the config no longer has."""
        with self._lock:
            for token, sub in list(self._by_token.items()):
                if not keep(sub.source):
                    del self._by_token[token]
                    del self._token_of[sub.source]
                    self.changed = True

    def take_pushed(self) -> list[Pushed]:
        with self._lock:
            pushed, self._pushed = self._pushed, []
            return pushed

    def to_json(self) -> str:
        with self._lock:
            return json.dumps([{**asdict(s), **{k: getattr(s, k).isoformat() if getattr(s, k) else None
                                                for k in ("requested", "verified", "expires")}}
                               for s in self._by_token.values()])

    @staticmethod
    def from_json(text: str | None) -> list[Subscription]:
        try:
            return [Subscription(**{**raw, **{k: datetime.fromisoformat(raw[k]) if raw[k] else None
                                              for k in ("requested", "verified", "expires")}})
                    for raw in json.loads(text or "[]")]
        except (ValueError, KeyError, TypeError):
            return []  # unreadable: subscribed again at the sources' next polls

    # --- the server's threads -------------------------------------------------

    def verify(self, token: str, query: Mapping[str, str]) -> tuple[int, bytes]:
        """A hub's GET to a callback (§5.3): the challenge, or 404."""
        mode = query.get("hub.mode")
        with self._lock:
            sub = self._by_token.get(token)
            if sub is None or query.get("hub.topic") != sub.topic:
                return 404, b"no such subscription\n"
            if mode == "denied":  # §5.2: the hub refused it
                self._by_token[token] = replace(sub, verified=None, expires=None,
                                                failed=f"denied: {query.get('hub.reason', '')}")
                self.changed = True
                return 200, b""
            challenge = query.get("hub.challenge")
            if mode != "subscribe" or not challenge:
                return 404, b"not a subscription this daemon asked for\n"
            try:
                seconds = int(query.get("hub.lease_seconds", ""))
            except ValueError:
                seconds = int(self.lease.total_seconds())
            now = self.clock()
            self._by_token[token] = replace(sub, verified=now, expires=now + timedelta(seconds=max(seconds, 1)),
                                            failed=None)
            self.changed = True
        return 200, challenge.encode("utf-8")

    def deliver(self, token: str, body: bytes, content_type: str | None, signature: str | None) -> int:
        """A hub's POST of new content (§7): 2xx unless the callback is unknown."""
        with self._lock:
            sub = self._by_token.get(token)
            if sub is None:
                return 410  # §7: gone, the hub may drop this subscription
            if not signature_matches(sub.secret, body, signature):
                log.warning("%s: a push from %s without a valid signature was ignored", sub.source, sub.hub)
                return 202  # §8: acknowledged, and ignored as invalid
            self._pushed.append(Pushed(sub.source, sub.topic, body, content_type))
        self.on_push()
        return 202
