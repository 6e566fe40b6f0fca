"""Exact's JSON on the wire: numbers read as Decimal, Decimals written digit for digit.

Dates go out as Exact keeps them: zone-less local dates and times (`2026-12-05T00:30:00`),
the shop's wall clock, never an offset. An order paid at 00:30 in Amsterdam books on that day;
sent as `2026-12-04T23:30:00+00:00` it could land on the day before.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

EXACT_ZONE = ZoneInfo("Europe/Amsterdam")  # a Dutch division's zone: the default local time


def loads(content: bytes) -> Any:
    """Parse an answer; every JSON number with a fraction becomes a Decimal, never a float."""
    return json.loads(content, parse_float=Decimal) if content else None


def local_text(value: datetime, zone: tzinfo) -> str:
    """An aware datetime as Exact stores it: the wall clock in `zone`, without an offset."""
    if value.tzinfo is None:
        raise ValueError("datetimes sent to Exact must be timezone-aware")
    return value.astimezone(zone).replace(tzinfo=None).isoformat(timespec="seconds")


def _encode(value: Any, out: list[str], zone: tzinfo = EXACT_ZONE) -> None:
    if isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(json.dumps(str(key)))
            out.append(":")
            _encode(item, out, zone)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out, zone)
        out.append("]")
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send {value} to Exact")
        # A JSON number with exactly the Decimal's digits (no exponent, no float rounding).
        out.append(format(value, "f"))
    elif isinstance(value, float):
        raise TypeError("money and quantities go to Exact as Decimal, not float")
    elif isinstance(value, datetime):
        out.append(json.dumps(local_text(value, zone)))
    elif isinstance(value, date):
        out.append(json.dumps(value.isoformat()))
    elif isinstance(value, uuid.UUID):
        out.append(json.dumps(str(value)))
    else:
        out.append(json.dumps(value))


def dumps(value: Any, zone: tzinfo = EXACT_ZONE) -> bytes:
    """Serialise a request body without ever passing an amount through float; datetimes as
    zone-less local time in `zone` (the shop's)."""
    out: list[str] = []
    _encode(value, out, zone)
    return "".join(out).encode()
