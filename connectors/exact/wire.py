"""Exact's JSON on the wire: numbers read as Decimal, Decimals written digit for digit."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def loads(content: bytes) -> Any:
    """Parse an answer; every JSON number with a fraction becomes a Decimal, never a float."""
    return json.loads(content, parse_float=Decimal) if content else None


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(json.dumps(str(key)))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send {value} to Exact")
        # A JSON number with exactly the Decimal's digits (no exponent, no float rounding).
        out.append(format(value, "f"))
    elif isinstance(value, float):
        raise TypeError("money and quantities go to Exact as Decimal, not float")
    elif isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes sent to Exact must be timezone-aware")
        out.append(json.dumps(value.isoformat()))
    elif isinstance(value, date):
        out.append(json.dumps(value.isoformat()))
    elif isinstance(value, uuid.UUID):
        out.append(json.dumps(str(value)))
    else:
        out.append(json.dumps(value))


def dumps(value: Any) -> bytes:
    """Serialise a request body without ever passing an amount through float."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out).encode()
