"""Business dates are zone-less local dates in Exact; what an offset does is a sandbox rule.

Exact stores dates without a zone (the division's wall clock). No source says how it reads an
ISO text with an offset, so the sandbox rule `offset_dates` decides: "refuse" (default, 400),
"local" (keep the wall clock) or "utc" (convert to UTC first: the day-shift a client sending
UTC would cause). The client sends zone-less local dates, so it is right under each.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from connectors.exact import wire
from tests.exact_sandbox.test_documents import _ids

pytestmark = pytest.mark.anyio
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _invoice(ids, when):
    return {
        "OrderedBy": ids["account"],
        "Journal": "70",
        "InvoiceDate": when,
        "SalesInvoiceLines": [
            {"Item": ids["item"], "Quantity": 1, "NetPrice": "10", "VATCode": "1"}
        ],
    }


def _day(ms_date: str) -> dt.date:
    ms = int(ms_date[len("/Date(") : -len(")/")])
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).date()


async def test_a_date_with_an_offset_is_refused_by_default(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        r = await run.post("salesinvoice/SalesInvoices", _invoice(ids, "2026-12-04T23:30:00+00:00"))
        assert r.status_code == 400
        assert "InvoiceDate" in r.json()["error"]["message"]["value"]
        assert (await run.control("state"))["invoices"] == []


@pytest.mark.parametrize(
    ("offset_dates", "sent", "booked"),
    [
        ("refuse", "2026-12-05T00:30:00", dt.date(2026, 12, 5)),
        ("local", "2026-12-05T00:30:00+01:00", dt.date(2026, 12, 5)),
        ("utc", "2026-12-05T00:30:00+01:00", dt.date(2026, 12, 4)),  # the day shifts
    ],
)
async def test_zone_less_dates_are_kept_and_offsets_follow_the_rule(
    exact_sandbox, offset_dates, sent, booked
):
    async with exact_sandbox(rules={"offset_dates": offset_dates}) as run:
        ids = await _ids(run)
        r = await run.post("salesinvoice/SalesInvoices", _invoice(ids, sent))
        assert r.status_code == 201, r.text
        assert _day(r.json()["d"]["InvoiceDate"]) == booked


def test_the_client_sends_the_shops_wall_clock_without_an_offset():
    paid = dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC)  # 00:30 on 5 December in Amsterdam
    body = wire.dumps({"InvoiceDate": paid, "Date": dt.date(2026, 12, 5)}, AMSTERDAM)
    assert body == b'{"InvoiceDate":"2026-12-05T00:30:00","Date":"2026-12-05"}'
    with pytest.raises(ValueError):
        wire.dumps({"InvoiceDate": dt.datetime(2026, 12, 5)})  # naive: which zone?
