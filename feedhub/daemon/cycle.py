"""One cycle: refresh the given sources, then publish what changed.

Shared by `feedhub run --once` and the daemon, which differ only in which
sources are due and in how often they call this.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from feedhub.config import Config, SourceConfig
from feedhub.daemon.refresh import Updater
from feedhub.logs import VERBOSE
from feedhub.memory import release_free_memory
from feedhub.pool import WorkerPool
from feedhub.publish.run import needs_publishing, publish
from feedhub.store import Store
from feedhub.types import CycleSummary, SourceOutcome

log = logging.getLogger("feedhub.daemon")


def run_cycle(config: Config, store: Store, updater: Updater, sources: Sequence[SourceConfig],
              on_outcome: Callable[[SourceOutcome], None] | None = None) -> CycleSummary:
    started = time.monotonic()
    written: list[Path] = []
    with WorkerPool() as pool:
        report = updater.refresh(sources, on_outcome, pool=pool)
        if report.new_entries:
            release_free_memory()  # before publishing adds its own peak (memory.py)
        if needs_publishing(config, store):
            written = publish(config, store, pool=pool, stopping=updater.stopping)
            release_free_memory()  # what the daemon holds until its next cycle
        for path in written:
            log.log(VERBOSE, "wrote %s", path)
    return CycleSummary(report, tuple(written), time.monotonic() - started)


def pollable(config: Config, store: Store, now: datetime | None = None) -> tuple[list[SourceConfig], list[tuple[SourceConfig, str]]]:
    """Enabled sources to poll, and those skipped with the reason why.

    `run --once` polls every enabled source whatever its schedule (whoever
    runs it chose the time), except one whose server asked, with an unexpired
    Retry-After, not to be asked again yet (issue #3).
    """
    states = store.source_states()
    poll, skipped = [], []
    for source in config.sources:
        state = states.get(source.name)
        if not source.enabled:
            skipped.append((source, "disabled in the config"))
        elif state and state.disabled_reason and state.configured_url == source.url:
            skipped.append((source, state.disabled_reason))
        elif (now and state and state.next_poll_reason == "Retry-After" and state.next_poll
              and state.next_poll > now and state.configured_url == source.url):
            skipped.append((source, f"the server asked to wait (Retry-After) until {state.next_poll:%Y-%m-%d %H:%M:%S} UTC"))
        else:
            poll.append(source)
    return poll, skipped
