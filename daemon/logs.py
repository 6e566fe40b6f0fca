"""structlog set-up: JSON lines for journald, readable on a terminal, secrets redacted."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

REDACTED = "[redacted]"
# Keys whose values are secret whatever they contain.
SECRET_KEY = re.compile(
    r"(token|secret|password|passwd|authorization|hmac|signature|cookie|api[_-]?key|hashcode"
    r"|credential)",
    re.IGNORECASE,
)
# Values that look like credentials wherever they appear (bearer headers, Shopify tokens).
SECRET_VALUE = re.compile(r"(Bearer\s+[A-Za-z0-9._~+/=-]+|shp(at|ss|ca|pa)_[A-Za-z0-9]+)")

_known: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a configured secret so it is scrubbed from any log line it sneaks into."""
    if value and len(value) >= 6:
        _known.add(value)


def _scrub(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        for secret in _known:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return SECRET_VALUE.sub(REDACTED, value)
    if depth > 6:
        return value
    if isinstance(value, dict):
        return {
            k: (REDACTED if isinstance(k, str) and SECRET_KEY.search(k) else _scrub(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_scrub(v, depth + 1) for v in value)
    return value


def redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: secret-named keys and known secret values never reach output."""
    for key in list(event_dict):
        if SECRET_KEY.search(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _scrub(event_dict[key])
    return event_dict


def configure_logging(level: str = "info", fmt: str = "auto", stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    use_json = fmt == "json" or (fmt == "auto" and not stream.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer(default=str)
        if use_json
        else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_secrets,  # after exceptions are rendered, so tracebacks are scrubbed too
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            getattr(logging, level.upper(), logging.INFO)
        ),
        logger_factory=structlog.WriteLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )
    # Libraries log through stdlib; only their warnings matter, and httpx's INFO lines would
    # carry request URLs with query strings.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, force=True)


def get_logger(name: str = "shopsync") -> Any:
    return structlog.get_logger(name)
