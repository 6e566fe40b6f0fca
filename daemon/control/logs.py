"""A structlog processor that copies each (already redacted) log event to the live event stream.

Install it right after `daemon.logs.redact_secrets` so nothing secret reaches the console:
`install_log_stream(bus)` does that on the running configuration; `detach` undoes it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import structlog

from daemon.events import EventBus
from daemon.logs import redact_secrets

# Fields worth showing on a log line; everything else is carried as-is in `fields`.
_SKIP = {"event", "level", "timestamp", "logger", "exc_info"}


class LogStream:
    """Publishes `log` events to an EventBus; a no-op until a bus is attached."""

    def __init__(self) -> None:
        self.bus: EventBus | None = None

    def __call__(
        self, _logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        bus = self.bus
        if bus is not None:
            fields = {k: _short(v) for k, v in event_dict.items() if k not in _SKIP}
            bus.publish(
                "log",
                level=event_dict.get("level", method),
                message=str(event_dict.get("event", "")),
                logger=event_dict.get("logger"),
                fields=fields,
            )
        return event_dict


log_stream = LogStream()


def install_log_stream(bus: EventBus) -> None:
    """Attach `bus` and put the processor right after redaction in the live structlog config."""
    log_stream.bus = bus
    processors = list(structlog.get_config()["processors"])
    if log_stream in processors:
        return
    if redact_secrets in processors:
        processors.insert(processors.index(redact_secrets) + 1, log_stream)
    else:
        # Configured without redaction (a test, a library user): redact first, before the
        # renderer, which stays last.
        at = max(0, len(processors) - 1)
        processors[at:at] = [redact_secrets, log_stream]
    structlog.configure(processors=processors)


def detach_log_stream() -> None:
    log_stream.bus = None


def _short(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value if not isinstance(value, str) else value[:2000]
    return str(value)[:2000]
