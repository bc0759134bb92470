"""One cycle: refresh the given sources, then publish what changed.

Shared by `feedhub run --once` and the daemon, which differ only in which
sources are due and in how often they call this.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feedhub.config import Config, SourceConfig
from feedhub.daemon.refresh import CycleReport, SourceOutcome, Updater
from feedhub.logs import VERBOSE
from feedhub.memory import release_free_memory
from feedhub.pool import WorkerPool
from feedhub.publish.run import needs_publishing, publish
from feedhub.store import Store

log = logging.getLogger("feedhub.daemon")


@dataclass(frozen=True)
class CycleSummary:
    report: CycleReport
    written: tuple[Path, ...]
    seconds: float

    def line(self) -> str:
        """The one-line summary `run --once` ends with."""
        outcomes = self.report.outcomes
        failed = len(self.report.failed)
        unchanged = sum(o.not_modified for o in outcomes)
        edited = sum(o.edited for o in outcomes)
        polled = len(outcomes) - self.report.aborted
        parts = [f"{polled} source{'s' if polled != 1 else ''} polled"]
        details = [f"{failed} failed"] if failed else []
        if unchanged:
            details.append(f"{unchanged} not modified")
        if details:
            parts[0] += f" ({', '.join(details)})"
        if self.report.aborted:
            parts.append(f"{self.report.aborted} not polled (shutting down)")
        parts.append(f"{self.report.new_entries} new entr{'ies' if self.report.new_entries != 1 else 'y'}")
        if edited:
            parts.append(f"{edited} edited")
        parts.append(f"{len(self.written)} file{'s' if len(self.written) != 1 else ''} written")
        return ", ".join(parts) + f" in {self.seconds:.1f} s"


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
