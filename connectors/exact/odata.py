"""OData v2 pieces Exact speaks: escaped `$filter` expressions and `/Date(ms)/` timestamps."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

_DATE_RE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")
_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_/]*$")

Literal = str | int | Decimal | bool | uuid.UUID | datetime | None


@dataclass(frozen=True)
class Guid:
    """Marks a string as a GUID so it is written `guid'…'` rather than as a text literal."""

    value: str

    def __post_init__(self) -> None:
        if not _GUID_RE.match(self.value):
            raise ValueError(f"not a GUID: {self.value!r}")


@dataclass(frozen=True)
class Filter:
    """A `$filter` expression; combine with `&` (and) and `|` (or)."""

    text: str

    def __and__(self, other: Filter) -> Filter:
        return and_(self, other)

    def __or__(self, other: Filter) -> Filter:
        return or_(self, other)

    def __str__(self) -> str:
        return self.text


def literal(value: Literal | Guid) -> str:
    """Render a value as an OData v2 literal; quotes are doubled so input cannot end the string."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, Guid):
        return f"guid'{value.value}'"
    if isinstance(value, uuid.UUID):
        return f"guid'{value}'"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetime literals must be timezone-aware")
        # Exact compares datetime literals without zone; we always speak UTC.
        stamp = value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        return f"datetime'{stamp}'"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"cannot write {type(value).__name__} as an OData literal")


def _field(name: str) -> str:
    # Field names are ours, never user input, but a typo should fail loudly, not query oddly.
    if not _FIELD_RE.match(name):
        raise ValueError(f"not a field name: {name!r}")
    return name


def _compare(op: str, name: str, value: Literal | Guid) -> Filter:
    return Filter(f"{_field(name)} {op} {literal(value)}")


def eq(name: str, value: Literal | Guid) -> Filter:
    return _compare("eq", name, value)


def ne(name: str, value: Literal | Guid) -> Filter:
    return _compare("ne", name, value)


def gt(name: str, value: Literal | Guid) -> Filter:
    return _compare("gt", name, value)


def ge(name: str, value: Literal | Guid) -> Filter:
    return _compare("ge", name, value)


def lt(name: str, value: Literal | Guid) -> Filter:
    return _compare("lt", name, value)


def le(name: str, value: Literal | Guid) -> Filter:
    return _compare("le", name, value)


def substringof(value: str, name: str) -> Filter:
    """OData v2 argument order: the needle first, then the field."""
    return Filter(f"substringof({literal(value)},{_field(name)})")


def timestamp_after(value: int) -> Filter:
    """The sync API's cursor condition: Timestamp is an Int64, written with an `L` suffix."""
    return Filter(f"Timestamp gt {int(value)}L")


def _join(op: str, parts: tuple[Filter, ...]) -> Filter:
    if not parts:
        raise ValueError(f"{op} needs at least one condition")
    if len(parts) == 1:
        return parts[0]
    return Filter(f" {op} ".join(f"({p.text})" for p in parts))


def and_(*parts: Filter) -> Filter:
    return _join("and", parts)


def or_(*parts: Filter) -> Filter:
    return _join("or", parts)


def parse_date(value: str | None) -> datetime | None:
    """`/Date(1700000000000)/` → aware UTC datetime; the milliseconds are UTC by definition."""
    if value is None:
        return None
    match = _DATE_RE.match(value.strip())
    if not match:
        raise ValueError(f"not an OData date: {value!r}")
    return _EPOCH + timedelta(milliseconds=int(match.group(1)))


def format_date(value: datetime) -> str:
    """Aware datetime → `/Date(ms)/`, the inverse of `parse_date` to the millisecond."""
    if value.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    delta = value.astimezone(UTC) - _EPOCH
    millis = delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000
    return f"/Date({millis})/"
