"""What an operator sees of the running daemon (issue #15): is it well, and
what went wrong lately.

The daemon's loop reports here (each turn, each stored poll, a store or
publish error, a publish); the HTTP server's threads read (/healthz, the
numbers behind /metrics, the problems feed). A lock guards both sides;
nothing here touches the store, the network or a file. The verdict itself is
a pure function of a frozen snapshot (`verdict`).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from feedhub.daemon.timing import utcnow
from feedhub.types import SourceOutcome

# The loop turns at least once a second; a minute without a turn means it is
# stuck in one step (a store that hangs, a publish that does not end).
STALLED_AFTER = 60.0
PROBLEMS_KEPT = 100  # the problems feed's length, and what the store keeps of it


@dataclass(frozen=True)
class Problem:
    """One line of the problems feed: something the operator should know."""

    at: datetime
    kind: str  # "source failing", "source recovered", "store", "publish"
    subject: str  # the source's name, or "store" / "output"
    text: str

    def key(self) -> str:
        """Stable, unique enough for an Atom id: the same problem twice is two entries."""
        return f"{self.kind}/{self.subject}/{self.at.isoformat()}"


@dataclass(frozen=True)
class HealthSnapshot:
    """What `verdict` decides on."""

    started: bool  # the first schedule is loaded
    stopping: bool
    seconds_since_turn: float  # since the loop last turned
    store_error: str | None  # the last store write failed, and none succeeded since
    publish_error: str | None  # the last publish failed, and none succeeded since
    sources: int
    failing: frozenset[str] = frozenset()


def verdict(snapshot: HealthSnapshot) -> tuple[bool, str]:
    """(healthy, the reason in one line). Failing sources are the sources'
    problem, not the daemon's: they show in /metrics and the problems feed,
    and the daemon stays healthy."""
    if snapshot.stopping:
        return False, "stopping"
    if not snapshot.started:
        return False, "starting: the schedule is not loaded yet"
    if snapshot.seconds_since_turn > STALLED_AFTER:
        return False, f"stalled: the daemon's loop has not turned for {snapshot.seconds_since_turn:.0f} s"
    if snapshot.store_error:
        return False, f"cannot write the store: {snapshot.store_error}"
    if snapshot.publish_error:
        return False, f"cannot publish: {snapshot.publish_error}"
    failing = f", {len(snapshot.failing)} failing" if snapshot.failing else ""
    return True, f"ok: polling {snapshot.sources} sources{failing}"


@dataclass
class _State:
    started: bool = False
    stopping: bool = False
    last_turn: float = 0.0
    store_error: str | None = None
    publish_error: str | None = None
    sources: int = 0
    failing: set[str] = field(default_factory=set)
    newest: dict[str, datetime] = field(default_factory=dict)  # category slug -> its newest story's date


class Health:
    """The daemon's side writes, the server's side reads."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, now: Callable[[], datetime] = utcnow):
        self._clock = clock
        self._now = now
        self._lock = threading.Lock()
        self._state = _State(last_turn=clock())
        self._problems: deque[Problem] = deque(maxlen=PROBLEMS_KEPT)
        self.changed = False  # problems added since the loop last saved them

    # --- the daemon's loop reports -----------------------------------------

    def started(self, sources: int, failing: Iterable[str], problems: Iterable[Problem] = ()) -> None:
        """The first schedule is loaded; sources already failing (from the
        store) are not news, nor are the problems a previous run saved."""
        with self._lock:
            self._state.started = True
            self._state.sources = sources
            self._state.failing = set(failing)
            self._problems.extend(sorted(problems, key=lambda p: p.at))

    def turned(self, sources: int) -> None:
        with self._lock:
            self._state.last_turn = self._clock()
            self._state.sources = sources

    def stopping(self) -> None:
        with self._lock:
            self._state.stopping = True

    def stored(self, outcomes: Iterable[SourceOutcome]) -> None:
        """Polls stored: the store works, and a source that starts or stops failing is news."""
        with self._lock:
            if self._state.store_error:
                self._add("store recovered", "store", "the store is written again")
            self._state.store_error = None
            for outcome in outcomes:
                if outcome.aborted:
                    continue
                if outcome.error and outcome.source not in self._state.failing:
                    self._state.failing.add(outcome.source)
                    self._add("source failing", outcome.source, outcome.error)
                elif not outcome.error and outcome.source in self._state.failing:
                    self._state.failing.discard(outcome.source)
                    self._add("source recovered", outcome.source, "polled successfully again")

    def store_failed(self, message: str) -> None:
        with self._lock:
            if self._state.store_error is None:
                self._add("store", "store", message)
            self._state.store_error = message

    def published(self, newest: Mapping[str, datetime]) -> None:
        with self._lock:
            if self._state.publish_error:
                self._add("publish recovered", "output", "published again")
            self._state.publish_error = None
            self._state.newest = dict(newest)

    def publish_failed(self, message: str) -> None:
        with self._lock:
            if self._state.publish_error is None:
                self._add("publish", "output", message)
            self._state.publish_error = message

    def forget_sources(self, names: Iterable[str]) -> None:
        """A reload removed these sources: they fail no more."""
        with self._lock:
            self._state.failing.difference_update(names)

    def _add(self, kind: str, subject: str, text: str) -> None:
        self._problems.append(Problem(self._now(), kind, subject, text))
        self.changed = True

    # --- the server's threads read -----------------------------------------

    def snapshot(self) -> HealthSnapshot:
        with self._lock:
            s = self._state
            return HealthSnapshot(started=s.started, stopping=s.stopping,
                                  seconds_since_turn=self._clock() - s.last_turn, store_error=s.store_error,
                                  publish_error=s.publish_error, sources=s.sources, failing=frozenset(s.failing))

    def newest_entries(self) -> dict[str, datetime]:
        with self._lock:
            return dict(self._state.newest)

    def problems(self) -> list[Problem]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._problems))


def problems_to_json(problems: Iterable[Problem]) -> str:
    return json.dumps([{"at": p.at.isoformat(), "kind": p.kind, "subject": p.subject, "text": p.text}
                       for p in problems], ensure_ascii=False)


def problems_from_json(text: str | None) -> list[Problem]:
    """What a previous run saved; nothing when there is nothing or it cannot be read."""
    try:
        return [Problem(datetime.fromisoformat(p["at"]), p["kind"], p["subject"], p["text"])
                for p in json.loads(text or "[]")]
    except (ValueError, KeyError, TypeError):
        return []
