"""OData filter escaping and /Date()/ conversion, as Exact reads and writes them."""

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.exact.odata import (
    Guid,
    eq,
    format_date,
    gt,
    literal,
    parse_date,
    substringof,
    timestamp_after,
)


def test_quote_in_a_value_is_doubled_so_it_cannot_end_the_string():
    assert str(eq("Code", "O'Brien")) == "Code eq 'O''Brien'"


def test_injection_attempt_stays_inside_the_literal():
    f = eq("Name", "x' or Name ne 'y")
    assert str(f) == "Name eq 'x'' or Name ne ''y'"


def test_guids_are_written_as_guid_literals():
    g = "6f1c2f0e-1a2b-4c3d-8e9f-0123456789ab"
    assert str(eq("Item", Guid(g))) == f"Item eq guid'{g}'"
    assert literal(uuid.UUID(g)) == f"guid'{g}'"
    with pytest.raises(ValueError):
        Guid("not-a-guid' or 1 eq 1")


def test_datetimes_are_written_in_utc():
    cet = timezone(timedelta(hours=1))
    assert str(gt("Modified", datetime(2026, 1, 2, 13, 0, tzinfo=cet))) == (
        "Modified gt datetime'2026-01-02T12:00:00'"
    )
    with pytest.raises(ValueError):
        literal(datetime(2026, 1, 2))


def test_and_or_combine_with_parentheses():
    f = (eq("Code", "A") | eq("Code", "B")) & eq("IsSales", True)
    assert str(f) == "((Code eq 'A') or (Code eq 'B')) and (IsSales eq true)"


def test_numbers_bools_null_and_substringof():
    assert literal(Decimal("12.50")) == "12.50"
    assert literal(7) == "7"
    assert literal(None) == "null"
    assert str(substringof("ab'c", "Description")) == "substringof('ab''c',Description)"
    assert str(timestamp_after(123456)) == "Timestamp gt 123456L"


def test_odata_date_becomes_aware_utc_datetime():
    assert parse_date("/Date(1700000000123)/") == datetime(
        2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC
    )
    assert parse_date("/Date(-86400000)/") == datetime(1969, 12, 31, tzinfo=UTC)
    assert parse_date(None) is None
    with pytest.raises(ValueError):
        parse_date("2023-11-14")


@given(st.integers(min_value=-(10**12), max_value=10**13))
def test_date_round_trips_to_the_millisecond(millis):
    text = f"/Date({millis})/"
    assert format_date(parse_date(text)) == text
