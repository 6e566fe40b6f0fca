"""A cancel after a partial refund credits only what the refund left (both sandboxes)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.flows.orders.jobs import sync_order
from daemon.flows.refunds.jobs import credit_refund
from tests.orders.conftest import order_env
from tests.refunds.test_refunds_live import entry_for

D = Decimal
ORDER = {
    "lines": [{"sku": "SKU-00001", "quantity": 2}, {"sku": "SKU-00002", "quantity": 1}],
    "customer": {"email": "anna@example.com", "first_name": "Anna", "last_name": "de Vries"},
    "shipping": {"title": "Standard", "price": "4.95"},
}


def net_credited(state: dict) -> Decimal:
    return sum((D(str(n["AmountFC"])) for n in state["credit_notes"]), D(0))


def units(state: dict, ref: str) -> dict[str, Decimal]:
    note = next(n for n in state["credit_notes"] if n["YourRef"] == ref)
    return {ln["ItemCode"]: D(str(ln["Quantity"])) for ln in note["SalesInvoiceLines"]}


@pytest.mark.anyio
async def test_cancel_after_partial_refund_credits_only_the_rest_of_the_invoice(tmp_path):
    async with order_env(tmp_path, document="invoice") as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        oid = made["order_id"]
        await sync_order(env.services, oid)
        refund = await env.shop_control(
            "POST", f"/orders/{oid}/refunds", {"lines": [{"sku": "SKU-00001", "quantity": 1}]}
        )
        await credit_refund(env.services, refund["refund_id"], oid)
        cancelled = await env.shop_control("POST", f"/orders/{oid}/cancel", {"refund": True})
        await credit_refund(env.services, cancelled["refund_id"], oid)
        await credit_refund(env.services, cancelled["refund_id"], oid)  # once
        await sync_order(env.services, oid)
        # A retry after a crash that lost the reversal's link: found by YourRef, not made again.
        await env.services.db.execute_write(
            "UPDATE links SET data = json_remove(data, '$.reversed') WHERE entity = 'order'"
        )
        await sync_order(env.services, oid)
        state = await env.exact_state()
        back = (await env.services.shopify.get_refund(cancelled["refund_id"])).total_refunded_set
    (invoice,) = state["invoices"]
    assert len(state["credit_notes"]) == 2
    # Everything invoiced is credited exactly once: the refund's note plus the cancel's.
    assert net_credited(state) == -D(str(invoice["AmountFC"]))
    rest = units(state, f"{made['order_name']}/AMS/C")
    assert rest == {"SKU-00001": D(-1), "SKU-00002": D(-1), "SHIPPING": D(-1)}
    # The money the cancel gave back settles the cancel's credit note on the customer.
    paid = back.shop_money.amount
    number = cancelled["refund_id"].rsplit("/", 1)[-1]
    entry = entry_for(state, f"Shopify refund {made['order_name']} R{number}")
    assert entry == {"1300": paid, "1990": -paid}
    note = next(n for n in state["credit_notes"] if n["YourRef"].endswith("/C"))
    assert -D(str(note["AmountFC"])) == paid


@pytest.mark.anyio
async def test_cancel_after_everything_was_refunded_books_no_credit_note(tmp_path):
    async with order_env(tmp_path, document="invoice") as env:
        made = await env.shop_control(
            "POST", "/orders", ORDER | {"lines": [{"sku": "SKU-00001", "quantity": 1}]}
        )
        oid = made["order_id"]
        await sync_order(env.services, oid)
        refund = await env.shop_control(
            "POST", f"/orders/{oid}/refunds", {"lines": [{"sku": "SKU-00001"}], "shipping": True}
        )
        await credit_refund(env.services, refund["refund_id"], oid)
        await env.shop_control("POST", f"/orders/{oid}/cancel", {"refund": True})
        why = await sync_order(env.services, oid)
        state = await env.exact_state()
    (invoice,) = state["invoices"]
    assert len(state["credit_notes"]) == 1, why
    assert net_credited(state) == -D(str(invoice["AmountFC"]))


@pytest.mark.anyio
async def test_sales_order_cancelled_after_a_refund_leaves_nothing_on_the_customer(tmp_path):
    async with order_env(tmp_path) as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        oid = made["order_id"]
        await sync_order(env.services, oid)
        refund = await env.shop_control(
            "POST",
            f"/orders/{oid}/refunds",
            {"lines": [{"sku": "SKU-00001", "quantity": 1, "restock": True}]},
        )
        await credit_refund(env.services, refund["refund_id"], oid)
        cancelled = await env.shop_control("POST", f"/orders/{oid}/cancel", {"refund": True})
        await credit_refund(env.services, cancelled["refund_id"], oid)
        await sync_order(env.services, oid)
        await env.services.db.execute_write(
            "UPDATE links SET data = json_remove(data, '$.reversed') WHERE entity = 'order'"
        )
        await sync_order(env.services, oid)  # a retry that lost its link makes nothing twice
        state = await env.exact_state()
    assert state["sales_orders"] == []
    (note,) = state["credit_notes"]
    (offset,) = state["invoices"]
    # The refund's note and the cancel's offsetting invoice net to zero, stock included.
    assert D(str(offset["AmountFC"])) == -D(str(note["AmountFC"]))
    assert offset["YourRef"] == f"{made['order_name']}/AMS/C" and offset["Type"] == 8023
    receivable, seen = D(0), 0
    for entry in state["journal_entries"]:
        for ln in entry["GeneralJournalEntryLines"]:
            if ln.get("GLAccountCode") == "1300":
                receivable += D(str(ln["AmountFC"]))
                seen += 1
    receivable += D(str(offset["AmountFC"])) + D(str(note["AmountFC"]))
    assert seen == 3 and receivable == 0  # prepayment, the refund's and the cancel's money
