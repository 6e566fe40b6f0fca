"""The tie-out's reasons, judged without I/O: each kind of difference is named, and only what no
reason explains counts as unexplained."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from daemon.tieout.compare import Expected, Found, Unmapped, tie_out

DAY = dt.date(2026, 11, 30)
CAP = D("0.05")


def _exp(ref: str, gross: str, **kw) -> Expected:
    return Expected(
        ref, ref.split("/")[0], "EUR", D(gross), (D(gross) / D("1.21")).quantize(D("0.01")), **kw
    )


def _found(ref: str, gross: str, day: dt.date = DAY, currency: str = "EUR") -> Found:
    g = D(gross)
    return Found(ref, f"id-{ref}", day, currency, g, (g / D("1.21")).quantize(D("0.01")))


def _reasons(report) -> dict[str, str]:
    return {d["ref"]: d["reason"] for d in report["differences"]}


def test_equal_documents_tie_out_and_totals_match_per_currency():
    report = tie_out(
        DAY, [_exp("#1/AMS", "121.00")], [_found("#1/AMS", "121.00")], {}, [], rounding_cap=CAP
    )
    assert report["differences"] == [] and report["unexplained"] == 0
    assert report["currencies"]["EUR"]["difference"] == "0.00"


def test_each_reason_is_named():
    expected = [
        _exp("#1/AMS", "121.00"),  # a cent off: rounding
        _exp("#2/AMS", "60.50"),  # Exact dates it the next day
        _exp("#3/AMS", "30.25", booked_id="x3", booked_total=D("30.25")),  # edited in Exact
        _exp("#4/AMS", "10.00", booked_id="x4"),  # deleted in Exact
        _exp("#5/AMS", "20.00", job="job 9 (orders.export) queued"),  # not yet booked
        _exp("#6/AMS", "5.00"),  # nothing explains it
        _exp("#7/AMS", "8.00"),  # Exact's total differs and we never booked it
    ]
    found = [
        _found("#1/AMS", "120.99"),
        _found("#3/AMS", "25.00"),
        _found("#7/AMS", "9.00"),
        _found("#9/AMS", "12.10"),  # dated this day, its order is of another day
    ]
    elsewhere = {"#2/AMS": _found("#2/AMS", "60.50", DAY + dt.timedelta(days=1))}
    unmapped = [Unmapped("#8", "[mapping] locations: 'Utrecht'")]
    report = tie_out(DAY, expected, found, elsewhere, unmapped, rounding_cap=CAP)
    assert _reasons(report) == {
        "#1/AMS": "rounding",
        "#2/AMS": "booked_on_another_day",
        "#3/AMS": "changed_in_exact",
        "#4/AMS": "changed_in_exact",
        "#5/AMS": "not_yet_booked",
        "#6/AMS": "unexplained",
        "#7/AMS": "unexplained",
        "#9/AMS": "booked_on_another_day",
        "#8": "unmapped",
    }
    assert report["unexplained"] == 2
    assert report["unexplained_amount"] == "6.00"  # 5.00 missing + 1.00 over, in absolute cents
    details = {d["ref"]: d["detail"] for d in report["differences"]}
    assert "2026-12-01" in details["#2/AMS"]
    assert "deleted in Exact" in details["#4/AMS"] and "x4" in details["#4/AMS"]
    assert "booked at 30.25" in details["#3/AMS"]
    assert details["#5/AMS"].startswith("job 9")
    assert "Utrecht" in details["#8"]


def test_a_difference_over_the_rounding_cap_is_not_rounding():
    report = tie_out(
        DAY, [_exp("#1/AMS", "121.00")], [_found("#1/AMS", "120.90")], {}, [], rounding_cap=CAP
    )
    assert _reasons(report) == {"#1/AMS": "unexplained"}


def test_a_document_in_another_currency_is_unexplained():
    report = tie_out(
        DAY,
        [_exp("#1/AMS", "121.00")],
        [_found("#1/AMS", "121.00", currency="USD")],
        {},
        [],
        rounding_cap=CAP,
    )
    assert _reasons(report) == {"#1/AMS": "unexplained"}
    assert set(report["currencies"]) == {"EUR", "USD"}
