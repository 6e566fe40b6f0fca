"""An order paid at 00:30 Amsterdam time books on that day in Exact, not the day before (UTC).

The client sends the shop's wall clock without an offset (connectors/exact/wire.py), so the
booked day is the same whatever Exact does with an offset (sandbox rule `offset_dates`).
"""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.shopify.sandbox.state import parse_id
from daemon.flows.orders.jobs import sync_order
from tests.orders.conftest import order_env

PAID = dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC)  # 00:30 on 5 December in Amsterdam
ANNA = {"email": "anna@example.com", "first_name": "Anna", "last_name": "de Vries"}


def _day(ms_date: str) -> dt.date:
    ms = int(ms_date[len("/Date(") : -len(")/")])
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).date()


@pytest.mark.anyio
@pytest.mark.parametrize("offset_dates", ["refuse", "local", "utc"])
async def test_an_order_paid_after_midnight_books_on_the_shops_day(tmp_path, offset_dates):
    async with order_env(tmp_path, document="invoice") as env:
        env.exact_sandbox.store.rules.update({"offset_dates": offset_dates})
        made = await env.shop_control(
            "POST", "/orders", {"lines": [{"sku": "SKU-00001", "quantity": 1}], "customer": ANNA}
        )
        record = env.shop.state.orders[parse_id(made["order_id"])]
        record.created_at = PAID
        for tx_id in record.transaction_ids:
            env.shop.state.transactions[tx_id].created_at = PAID
        await sync_order(env.services, made["order_id"])
        state = await env.exact_state()
        (invoice,) = state["invoices"]
        assert _day(invoice["InvoiceDate"]) == dt.date(2026, 12, 5)
        dates = {
            _day(ln["Date"])
            for entry in state["journal_entries"]
            for ln in entry["GeneralJournalEntryLines"]
        }
        assert dates == {dt.date(2026, 12, 5)}  # the payment, booked on the same day
