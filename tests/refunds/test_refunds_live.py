"""Refunds reach Exact once as credit notes and a balancing entry (both sandboxes, real sockets)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.flows.orders.jobs import sync_order
from daemon.flows.refunds.jobs import credit_job, credit_refund
from tests.orders.conftest import order_env

D = Decimal
ANNA = {"email": "anna@example.com", "first_name": "Anna", "last_name": "de Vries"}
ORDER = {
    "lines": [{"sku": "SKU-00001", "quantity": 2}, {"sku": "SKU-00002", "quantity": 1}],
    "customer": ANNA,
    "shipping": {"title": "Standard", "price": "4.95"},
}


def entry_for(state: dict, reference: str) -> dict[str, Decimal]:
    """GL code → amount of the memorial entry whose lines carry `reference`."""
    gl_codes = {a["ID"]: str(a["Code"]).strip() for a in state.get("gl_accounts", [])}
    out: dict[str, Decimal] = {}
    for entry in state["journal_entries"]:
        lines = entry.get("GeneralJournalEntryLines") or entry.get("lines") or []
        if not any(ln.get("Description") == reference for ln in lines):
            continue
        for ln in lines:
            code = gl_codes.get(ln["GLAccount"], ln.get("GLAccountCode") or ln["GLAccount"])
            out[code] = out.get(code, D(0)) + D(str(ln["AmountFC"]))
    return out


def credit_notes(state: dict) -> dict[str, dict]:
    return {n["YourRef"]: n for n in state["credit_notes"]}


@pytest.mark.anyio
async def test_returned_unit_and_shipping_become_one_credit_note_booked_once(tmp_path):
    async with order_env(tmp_path) as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        await sync_order(env.services, made["order_id"])
        await env.shop_control("POST", f"/orders/{made['order_id']}/fulfil", {})
        refund = await env.shop_control(
            "POST",
            f"/orders/{made['order_id']}/refunds",
            {"lines": [{"sku": "SKU-00001", "quantity": 1, "restock": True}], "shipping": True},
        )
        before = await env.exact_state()
        await credit_refund(env.services, refund["refund_id"], made["order_id"])
        await credit_refund(env.services, refund["refund_id"], made["order_id"])  # no-op
        state = await env.exact_state()
        number = refund["refund_id"].rsplit("/", 1)[-1]
        note = credit_notes(state)[f"{made['order_name']}/R{number}/AMS"]
        assert len(state["credit_notes"]) == 1
        shop = await env.services.shopify.get_refund(refund["refund_id"])
        paid = shop.total_refunded_set.shop_money.amount
        # As the real API reports it: shipping in refundShippingLines, no order adjustment.
        assert len(shop.refund_shipping_lines) == 1 and shop.order_adjustments == []
        assert -D(str(note["AmountFC"])) == paid
        codes = [(ln["ItemCode"], D(str(ln["Quantity"]))) for ln in note["SalesInvoiceLines"]]
        assert codes == [("SKU-00001", D(-1)), ("SHIPPING", D(-1))]
        assert len(state["journal_entries"]) == len(before["journal_entries"]) + 1


@pytest.mark.anyio
async def test_store_credit_refund_with_bonus_books_liability_and_marketing(tmp_path):
    async with order_env(tmp_path) as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        await sync_order(env.services, made["order_id"])
        refund = await env.shop_control(
            "POST",
            f"/orders/{made['order_id']}/refunds",
            {"lines": [{"sku": "SKU-00002", "quantity": 1}], "to": "store_credit", "bonus": "1.00"},
        )
        await credit_refund(env.services, refund["refund_id"], made["order_id"])
        state = await env.exact_state()
        (note,) = state["credit_notes"]
        shop = await env.services.shopify.get_refund(refund["refund_id"])
        paid = shop.total_refunded_set.shop_money.amount
        number = refund["refund_id"].rsplit("/", 1)[-1]
        booked = entry_for(state, f"Shopify refund {made['order_name']} R{number}")
        assert booked == {
            "1300": -D(str(note["AmountFC"])),
            "1810": -(paid + D("1.00")),
            "4600": D("1.00"),
        }


@pytest.mark.anyio
async def test_refund_before_its_order_is_exported_waits_and_is_credited_after(tmp_path):
    async with order_env(tmp_path, export_on="fulfilled") as env:
        env.services.settings.refunds.wait_for_order = 0.1
        made = await env.shop_control("POST", "/orders", ORDER)
        refund = await env.shop_control(
            "POST", f"/orders/{made['order_id']}/refunds", {"lines": [{"sku": "SKU-00002"}]}
        )
        await env.services.queue.enqueue(*credit_job(refund["refund_id"], made["order_id"]))
        said = await credit_refund(env.services, refund["refund_id"], made["order_id"])
        assert said == "waiting for the order's export"
        assert (await env.exact_state())["credit_notes"] == []
        await env.shop_control("POST", f"/orders/{made['order_id']}/fulfil", {})
        await env.run_jobs()
        state = await env.exact_state()
        assert len(state["sales_orders"]) == 1
        assert len(state["credit_notes"]) == 1
        counts = await env.services.queue.counts()
        assert not counts.get("dead")


@pytest.mark.anyio
async def test_refund_made_by_cancelling_a_booked_order_is_left_to_the_orders_reversal(tmp_path):
    async with order_env(tmp_path, document="invoice") as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        await sync_order(env.services, made["order_id"])
        cancelled = await env.shop_control(
            "POST", f"/orders/{made['order_id']}/cancel", {"refund": True, "restock": True}
        )
        said = await credit_refund(env.services, cancelled["refund_id"], made["order_id"])
        await sync_order(env.services, made["order_id"])  # the orders flow reverses the invoice
        state = await env.exact_state()
        assert said.startswith("cancellation refund")
        assert [n["YourRef"] for n in state["credit_notes"]] == [f"{made['order_name']}/AMS/C"]
