"""JSON as Exact writes it: Decimal numbers kept exact, `/Date(ms)/` dates, OData error bodies."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any


class ApiError(Exception):
    """An answer Exact gives as `{"error": {"code": "", "message": {"lang": "", "value": ...}}}`."""

    def __init__(self, status: int, message: str, *, headers: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []


def not_simulated(what: str) -> ApiError:
    """Exact has it (the contract says so); the sandbox does not model it: a gap, never a pass."""
    return ApiError(
        501, f"Not simulated: {what} exists in Exact but this sandbox does not model it"
    )


def error_body(message: str) -> bytes:
    # Shape from exact.md (Errors) and the OData v2 error format Exact's REST API uses.
    return dumps({"error": {"code": "", "message": {"lang": "", "value": message}}}).encode()


def exact_date(value: datetime | date) -> str:
    """`/Date(ms)/`; a zone-less business date is rendered as its wall clock read as UTC, the
    way Exact renders its local dates (so the day in the number is the booked day)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return f"/Date({int(value.timestamp() * 1000)})/"


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    return text


def dumps(obj: Any) -> str:
    """Serialise with Decimals as JSON numbers (never via float) and datetimes as `/Date(ms)/`."""
    parts: list[str] = []
    _encode(obj, parts)
    return "".join(parts)


def _encode(obj: Any, out: list[str]) -> None:
    if isinstance(obj, dict):
        out.append("{")
        first = True
        for key, value in obj.items():
            if not first:
                out.append(",")
            first = False
            out.append(json.dumps(str(key)))
            out.append(":")
            _encode(value, out)
        out.append("}")
    elif isinstance(obj, list | tuple):
        out.append("[")
        for i, value in enumerate(obj):
            if i:
                out.append(",")
            _encode(value, out)
        out.append("]")
    elif isinstance(obj, bool) or obj is None or isinstance(obj, int | str):
        out.append(json.dumps(obj, ensure_ascii=False))
    elif isinstance(obj, Decimal):
        out.append(_decimal_text(obj))
    elif isinstance(obj, datetime | date):
        out.append(json.dumps(exact_date(obj)))
    elif isinstance(obj, float):
        out.append(repr(obj))  # rates and durations only; amounts are always Decimal
    else:
        out.append(json.dumps(str(obj)))


def loads(raw: bytes) -> Any:
    return json.loads(raw, parse_float=Decimal)


_DATE_RE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


OFFSET_POLICIES = ("refuse", "local", "utc")


def parse_date(value: Any, field: str, offsets: str = "refuse") -> datetime:
    """A business date as Exact stores it: a zone-less local date and time (naive datetime).

    Input is ISO 8601 text or `/Date(ms)/` (its wall clock). No source says what Exact does
    with an ISO text that carries an offset, so `offsets` (the sandbox rule `offset_dates`)
    decides: "refuse" answers 400 (the strict default), "local" keeps the wall clock and drops
    the offset, "utc" converts to UTC first (how a day can shift when a client sends UTC).
    """
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, str):
        m = _DATE_RE.match(value)
        if m:
            return datetime.fromtimestamp(int(m.group(1)) / 1000, tz=UTC).replace(tzinfo=None)
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                return parsed
            if offsets == "local":
                return parsed.replace(tzinfo=None)
            if offsets == "utc":
                return parsed.astimezone(UTC).replace(tzinfo=None)
            raise ApiError(
                400,
                f"Error converting value '{value}' to type 'Edm.DateTime' for '{field}': "
                "send the local date and time without an offset.",
            )
    raise ApiError(400, f"Error converting value '{value}' to type 'Edm.DateTime' for '{field}'.")


def parse_decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, bool):
        raise ApiError(400, f"Error converting value '{value}' to type 'Edm.Double' for '{field}'.")
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            pass
    raise ApiError(400, f"Error converting value '{value}' to type 'Edm.Double' for '{field}'.")
