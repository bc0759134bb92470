"""Telling a service manager how the daemon is: systemd's notify protocol.

Under a unit with ``Type=notify`` systemd sets ``$NOTIFY_SOCKET`` and waits
for ``READY=1`` before it calls the service started; with ``WatchdogSec=`` it
also sets ``$WATCHDOG_USEC`` and kills the service when no ``WATCHDOG=1``
arrives for that long (sd_notify(3), sd_watchdog_enabled(3)). Each message is
one datagram of ``KEY=value`` lines to an AF_UNIX socket; a name beginning
with ``@`` is in the abstract namespace.

Written here rather than taken from a library: python-systemd needs
libsystemd's headers to install, sdnotify has had no release since 2017, and
the protocol is one ``sendto``. Outside systemd (no ``$NOTIFY_SOCKET``) every
call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping

log = logging.getLogger("feedhub.daemon")


class ServiceManager:
    """The daemon's side of sd_notify: ready, reloading, stopping, alive."""

    def __init__(self, environ: Mapping[str, str] = os.environ, clock=time.monotonic):
        self.address = _address(environ.get("NOTIFY_SOCKET", ""))
        self.clock = clock
        # Ping at half the watchdog's period, as sd_watchdog_enabled(3) advises.
        watchdog = _watchdog_seconds(environ) if self.address else None
        self.ping_every = watchdog / 2 if watchdog else None
        self._last_ping = float("-inf")
        self._socket: socket.socket | None = None

    def ready(self, status: str) -> None:
        """The first schedule is loaded: systemd may call the service started."""
        self._send(f"READY=1\nSTATUS={status}")

    def reloading(self) -> None:
        """A SIGHUP's reload begins; ready() again when it ends (either way)."""
        self._send(f"RELOADING=1\nMONOTONIC_USEC={time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000}")

    def stopping(self) -> None:
        self._send("STOPPING=1")

    def alive(self) -> None:
        """Called from each turn of the daemon's loop: a watchdog ping when one is due,
        so a loop stuck in one step longer than WatchdogSec gets the daemon restarted."""
        if self.ping_every is None:
            return
        now = self.clock()
        if now - self._last_ping >= self.ping_every:
            self._last_ping = now
            self._send("WATCHDOG=1")

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _send(self, message: str) -> None:
        if not self.address:
            return
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._socket.sendto(message.encode("utf-8"), self.address)
        except OSError as e:
            # The manager went away or the socket is not ours to use: the
            # daemon's work does not depend on it.
            log.debug("cannot notify the service manager at %s: %s", self.address, e)


def _address(name: str) -> str | None:
    if name.startswith("@"):
        return "\0" + name[1:]  # the abstract namespace (unix(7))
    return name if name.startswith("/") else None


def _watchdog_seconds(environ: Mapping[str, str]) -> float | None:
    """$WATCHDOG_USEC, if it is meant for this process ($WATCHDOG_PID, when set, is its pid)."""
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    pid = environ.get("WATCHDOG_PID")
    if usec <= 0 or (pid and pid != str(os.getpid())):
        return None
    return usec / 1_000_000
