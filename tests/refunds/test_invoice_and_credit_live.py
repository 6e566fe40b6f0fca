"""Invoice mode: credit notes name their invoice; store credit spent later pays an invoice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.shopify.sandbox import order_math as om
from connectors.shopify.sandbox.actions_common import add_transaction
from connectors.shopify.sandbox.state import parse_id
from daemon.flows.orders.jobs import sync_order
from daemon.flows.refunds.jobs import credit_refund, run_scan, scan_job
from state.queue import Job, JobState
from tests.orders.conftest import order_env
from tests.refunds.test_refunds_live import ORDER

D = Decimal


def lines_of(state: dict, reference: str) -> list[dict]:
    return [
        ln
        for e in state["journal_entries"]
        for ln in e["GeneralJournalEntryLines"]
        if ln.get("Description") == reference
    ]


@pytest.mark.anyio
async def test_invoice_mode_credit_note_credits_the_invoice_of_the_refunded_location(tmp_path):
    async with order_env(tmp_path, document="invoice", multi_location=True) as env:
        body = {
            "lines": [
                {"sku": "SKU-00001", "quantity": 1, "location": "AMS"},
                {"sku": "SKU-00002", "quantity": 1, "location": "RTM"},
            ],
            "customer": ORDER["customer"],
        }
        made = await env.shop_control("POST", "/orders", body)
        await sync_order(env.services, made["order_id"])
        refund = await env.shop_control(
            "POST",
            f"/orders/{made['order_id']}/refunds",
            {"lines": [{"sku": "SKU-00002", "quantity": 1, "restock": True}]},
        )
        await credit_refund(env.services, refund["refund_id"], made["order_id"])
        state = await env.exact_state()
        invoice = next(i for i in state["invoices"] if i["YourRef"].endswith("/RTM"))
        (note,) = state["credit_notes"]
        assert note["YourRef"].endswith("/RTM")
        assert str(invoice["InvoiceNumber"]) in note["Remarks"]
        assert note["Journal"] == "70"
        assert D(str(note["AmountFC"])) == -D(str(invoice["AmountFC"]))


@pytest.mark.anyio
async def test_store_credit_spent_on_an_order_pays_its_invoice_from_the_liability(tmp_path):
    async with order_env(tmp_path, document="invoice") as env:
        made = await env.shop_control("POST", "/orders", ORDER | {"financial_status": "pending"})
        # The sandbox has no checkout with store credit: record the payment as Shopify would.
        record = env.shop.state.orders[parse_id(made["order_id"])]
        total = om.total_price(env.shop.state, record)
        add_transaction(env.shop.state, record, "SALE", "shopify_store_credit", total)
        await sync_order(env.services, made["order_id"])
        kind, key, payload = scan_job(made["order_id"])
        job = Job(1, kind, key, payload, JobState.RUNNING, 1, 5, 0.0, 0.0)
        for _ in range(2):  # the second scan finds it booked
            await run_scan(env.services, job)
        state = await env.exact_state()
        (invoice,) = state["invoices"]
        tx = record.transaction_ids[-1]
        lines = lines_of(state, f"Shopify store credit {made['order_name']} {tx}")
        booked = {str(ln["GLAccountCode"]).strip(): D(str(ln["AmountFC"])) for ln in lines}
        assert booked == {"1810": total, "1300": -total}
        credit = next(ln for ln in lines if D(str(ln["AmountFC"])) < 0)
        assert int(credit["OurRef"]) == int(invoice["InvoiceNumber"])
