"""An order paid in another currency books in the shop currency, the buyer's amount named."""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.flows.orders.jobs import sync_order
from daemon.flows.refunds.jobs import credit_refund
from tests.orders.conftest import order_env

D = Decimal
ORDER = {
    "lines": [{"sku": "SKU-00001", "quantity": 2}, {"sku": "SKU-00002", "quantity": 1}],
    "customer": {"email": "sam@example.com", "first_name": "Sam", "last_name": "Lee"},
    "shipping": {"title": "Standard", "price": "4.95"},
    "presentment_currency": "USD",
    "rate": "1.0850",
}


@pytest.mark.anyio
async def test_a_dollar_order_books_in_euros_with_its_dollar_amounts_named(tmp_path):
    async with order_env(tmp_path, document="invoice") as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        oid = made["order_id"]
        await sync_order(env.services, oid)
        refund = await env.shop_control(
            "POST", f"/orders/{oid}/refunds", {"lines": [{"sku": "SKU-00002", "quantity": 1}]}
        )
        await credit_refund(env.services, refund["refund_id"], oid)
        order = await env.services.shopify.get_order(oid)
        back = (await env.services.shopify.get_refund(refund["refund_id"])).total_refunded_set
        state = await env.exact_state()
    ours, theirs = order.total_price_set.shop_money, order.total_price_set.presentment_money
    assert (ours.currency_code, theirs.currency_code) == ("EUR", "USD")
    (invoice,) = state["invoices"]
    assert invoice["Currency"] == "EUR" and D(str(invoice["AmountFC"])) == ours.amount
    assert invoice["Description"].endswith(f"(paid USD {theirs.amount})")
    (note,) = state["credit_notes"]
    assert -D(str(note["AmountFC"])) == back.shop_money.amount
    assert note["Description"].endswith(f"(paid USD {back.presentment_money.amount})")
    # Payments stay in the shop currency too: the entry is in euros.
    assert {e["Currency"] for e in state["journal_entries"]} == {"EUR"}
