"""Tell systemd how the daemon is doing (sd_notify: ready, status, watchdog, stopping).

The protocol is one AF_UNIX datagram of `KEY=VALUE` lines sent to `$NOTIFY_SOCKET`. Outside
systemd (a terminal, tests, containers) the variable is unset and every method is a no-op.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping

import structlog

log = structlog.get_logger(__name__)


def _socket_address(value: str) -> str | bytes | None:
    if value.startswith("@"):
        # Linux abstract namespace: the name starts with a NUL byte instead of "@".
        return b"\0" + value[1:].encode()
    if value.startswith("/"):
        return value
    return None  # vsock: and other transports of newer systemd; not needed on a VPS


def _watchdog_interval(environ: Mapping[str, str]) -> float | None:
    """Half of `$WATCHDOG_USEC` in seconds; None if the watchdog is off or meant for another pid."""
    pid = environ.get("WATCHDOG_PID")
    if pid and pid.strip() != str(os.getpid()):
        return None  # inherited from a parent that systemd watches, not us
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    return usec / 2_000_000


class Notifier:
    """Sends sd_notify messages; silent outside systemd and never raises on a send failure."""

    def __init__(
        self, address: str | bytes | None = None, *, watchdog_interval: float | None = None
    ) -> None:
        self.address = address
        # Without a socket there is nobody to ping, so no watchdog either.
        self.watchdog_interval = watchdog_interval if address is not None else None
        self._failing = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Notifier:
        """Read `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID` (default: os.environ)."""
        env = os.environ if environ is None else environ
        raw = env.get("NOTIFY_SOCKET", "")
        address = _socket_address(raw) if raw else None
        if raw and address is None:
            log.warning("sd_notify_unsupported_socket", notify_socket=raw)
        return cls(address, watchdog_interval=_watchdog_interval(env))

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, **fields: str | int) -> bool:
        """Send one message, e.g. `send(READY=1, STATUS="idle")`; True when systemd got it."""
        if self.address is None or not fields:
            return False
        # A newline inside a value would start a new field (a STATUS could smuggle in READY=1).
        message = "\n".join(
            f"{key}={' '.join(str(value).splitlines())}" for key, value in fields.items()
        )
        try:
            # A fresh socket per message, like libsystemd: nothing to close, nothing leaks.
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                # Never stall the event loop: if PID 1 cannot take a datagram, drop it instead.
                sock.setblocking(False)
                sock.sendto(message.encode(errors="replace"), self.address)
        except (OSError, ValueError) as exc:
            if not self._failing:  # log once per outage, not on every watchdog ping
                log.warning("sd_notify_failed", error=str(exc), fields=sorted(fields))
            self._failing = True
            return False
        if self._failing:
            log.info("sd_notify_recovered")
            self._failing = False
        return True

    def ready(self, status: str | None = None) -> bool:
        """Startup is complete: database migrated, listeners bound, scheduler running."""
        if status is None:
            return self.send(READY=1)
        return self.send(READY=1, STATUS=status)

    def status(self, text: str) -> bool:
        """One-line summary shown by `systemctl status shopsync`."""
        return self.send(STATUS=text)

    def watchdog(self) -> bool:
        """Keep-alive; call every `watchdog_interval` seconds, only after checking real progress."""
        return self.send(WATCHDOG=1)

    def stopping(self, status: str | None = None) -> bool:
        """Shutdown has begun (draining); systemd now waits up to TimeoutStopSec."""
        if status is None:
            return self.send(STOPPING=1)
        return self.send(STOPPING=1, STATUS=status)

    def reloading(self) -> bool:
        """Configuration reload has begun; send `ready()` when it is done."""
        # MONOTONIC_USEC lets systemd >= 253 match the reload to this message.
        return self.send(
            RELOADING=1, MONOTONIC_USEC=time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        )

    def extend_timeout(self, seconds: float) -> bool:
        """Ask for more time during a long start or stop (e.g. a slow migration or drain)."""
        return self.send(EXTEND_TIMEOUT_USEC=int(seconds * 1_000_000))
