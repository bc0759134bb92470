"""The daemon's side of push (W3C WebSub; the protocol is push.py): asking
hubs for subscriptions through the fetcher, handing pushed documents to the
loop's refresh, renewing leases, keeping the table in the store, and the
answers at the callbacks. Made by the daemon when the config has
`websub.callback` and `run --serve` listens; the loop calls `stored`, `turn`
and `interval_for`, the server's threads `answer`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from feedhub.config import Config, SourceConfig
from feedhub.daemon.continuous import ContinuousRefresh
from feedhub.daemon.push import Pushed, Subscriptions, next_request
from feedhub.daemon.timing import utcnow
from feedhub.errors import FeedhubError
from feedhub.fetch import Fetcher
from feedhub.logs import VERBOSE
from feedhub.store import Store
from feedhub.types import FetchResult, SourceOutcome

log = logging.getLogger("feedhub.daemon")

SUBSCRIPTIONS_META = "websub_subscriptions"  # the store's meta key of the table


class Pusher:
    def __init__(self, config: Callable[[], Config], fetcher: Callable[[], Fetcher], refresh: ContinuousRefresh,
                 store: Store, wake: Callable[[], None]):
        self._config = config  # the daemon's, whatever a reload made it
        self._fetcher = fetcher
        self.refresh = refresh
        websub = config().websub
        self.subscriptions = Subscriptions(websub.callback, websub.lease, utcnow, on_push=wake)
        self.subscriptions.load(Subscriptions.from_json(store.get_meta(SUBSCRIPTIONS_META)))
        self._deferred: list[Pushed] = []

    def interval_for(self, source: SourceConfig) -> timedelta:
        """A pushed source is polled at websub.poll_interval, or its own interval if longer."""
        if self.subscriptions.is_active(source.name):
            return max(source.interval, self._config().websub.poll_interval)
        return source.interval

    def stored(self, outcomes: list[SourceOutcome]) -> None:
        """Polls stored: a source whose feed names a hub is subscribed, if it is not yet."""
        for outcome in outcomes:
            if outcome.hub and outcome.topic:
                self._subscribe_if_due(outcome.source, outcome.hub, outcome.topic)

    def turn(self, store: Store) -> None:
        """Pushed documents to store, leases to renew, the table to save."""
        by_name = {s.name: s for s in self._config().sources}
        pending, self._deferred = self._deferred + self.subscriptions.take_pushed(), []
        for pushed in pending:
            source = by_name.get(pushed.source)
            if source is None:
                continue  # removed by a reload
            log.log(VERBOSE, "%s: pushed by its hub (%d bytes)", source.name, len(pushed.body))
            result = FetchResult(url=pushed.topic, status=200, content=pushed.body, content_type=pushed.content_type)
            if not self.refresh.push(source, result):
                self._deferred.append(pushed)  # a poll of it is in flight
        self.subscriptions.forget(lambda name: name in by_name)
        for sub in self.subscriptions.due_renewals():
            self._subscribe_if_due(sub.source, sub.hub, sub.topic)
        if self.subscriptions.changed:
            self.subscriptions.changed = False
            try:
                with store.transaction():
                    store.set_meta(SUBSCRIPTIONS_META, self.subscriptions.to_json())
            except FeedhubError:
                pass  # the store cannot be written: saved at the next change

    def answer(self, call) -> tuple[int, str, bytes]:
        """A hub's verification (GET) or delivery (POST) at a callback (serve.Call)."""
        if call.method == "POST":
            status = self.subscriptions.deliver(call.path, call.body, call.headers.get("Content-Type"),
                                                call.headers.get("X-Hub-Signature"))
            return status, "text/plain; charset=utf-8", b""
        status, body = self.subscriptions.verify(call.path, call.query)
        return status, "text/plain; charset=utf-8", body

    def _subscribe_if_due(self, source: str, hub: str, topic: str) -> None:
        action = next_request(self.subscriptions.of(source), hub, topic, utcnow())
        if action is None:
            return
        sub = self.subscriptions.request(source, hub, topic)
        form = self.subscriptions.form(sub)
        fetcher = self._fetcher()

        def sent(future) -> None:
            error = future.exception()
            if error is None and 200 <= future.result()[0] < 300:
                log.log(VERBOSE, "%s: %s sent to %s; waiting for the hub to verify it", source,
                        "renewal" if action == "renew" else "subscription", hub)
                return
            why = str(error) if error is not None else "answered %d %s" % future.result()
            log.warning("%s: cannot subscribe at the hub %s: %s; polled meanwhile", source, hub, why)
            self.subscriptions.request_failed(sub.token, why)

        try:
            fetcher.executor().submit(fetcher.post_form, hub, form).add_done_callback(sent)
        except RuntimeError:  # the fetcher is closing: feedhub is stopping
            pass
