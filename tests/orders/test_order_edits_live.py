"""Orders edited in Shopify: before export booked as edited; after, Exact follows to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.flows.orders.jobs import sync_order
from tests.orders.conftest import order_env

D = Decimal
ORDER = {
    "lines": [{"sku": "SKU-00001", "quantity": 2}, {"sku": "SKU-00002", "quantity": 1}],
    "customer": {"email": "anna@example.com", "first_name": "Anna", "last_name": "de Vries"},
    "shipping": {"title": "Standard", "price": "4.95"},
}
EDIT = {"lines": [{"sku": "SKU-00001", "quantity": 1}, {"sku": "SKU-00003", "quantity": 2}]}


def amount(doc: dict) -> Decimal:
    return D(str(doc["AmountFC"]))


async def shopify_total(env, order_id: str) -> Decimal:
    order = await env.services.shopify.get_order(order_id)
    return order.total_price_set.shop_money.amount


@pytest.mark.anyio
async def test_invoice_edited_after_export_gets_a_credit_and_an_extra_invoice(tmp_path):
    async with order_env(tmp_path, document="invoice") as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        oid, name = made["order_id"], made["order_name"]
        await sync_order(env.services, oid)
        before = await shopify_total(env, oid)
        await env.shop_control("POST", f"/orders/{oid}/edit", EDIT)
        why = await sync_order(env.services, oid)
        await sync_order(env.services, oid)  # nothing twice
        state = await env.exact_state()
        now = await shopify_total(env, oid)
    assert now != before and "edited after export" in why
    refs = sorted(d["YourRef"] for d in state["invoices"] + state["credit_notes"])
    assert refs == [f"{name}/AMS", f"{name}/AMS/E1+", f"{name}/AMS/E1-"]
    booked = sum(map(amount, state["invoices"]), D(0)) + sum(map(amount, state["credit_notes"]))
    assert booked == now  # Exact's documents add up to Shopify's current order
    (credit,) = state["credit_notes"]
    assert [(ln["ItemCode"], D(str(ln["Quantity"]))) for ln in credit["SalesInvoiceLines"]][:1] == [
        ("SKU-00001", D(-1))
    ]
    extra = next(d for d in state["invoices"] if d["YourRef"].endswith("E1+"))
    assert extra["Type"] == 8023 and credit["Type"] == 8024  # stock follows the edit


@pytest.mark.anyio
async def test_an_edit_booked_before_a_crash_lost_the_record_is_found_not_made_again(tmp_path):
    async with order_env(tmp_path, document="invoice") as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        oid = made["order_id"]
        await sync_order(env.services, oid)
        link = await env.services.links.get("order", f"{oid}:AMS")
        await env.shop_control("POST", f"/orders/{oid}/edit", EDIT)
        await sync_order(env.services, oid)
        # The process died after Exact's answers, before the link was rewritten.
        await env.services.links.put(
            "order", link.shopify_id, link.exact_id, exact_ref=link.exact_ref, data=link.data
        )
        await sync_order(env.services, oid)
        state = await env.exact_state()
    assert len(state["invoices"]) == 2 and len(state["credit_notes"]) == 1


@pytest.mark.anyio
async def test_open_sales_order_is_changed_in_place_line_by_line(tmp_path):
    async with order_env(tmp_path) as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        oid, name = made["order_id"], made["order_name"]
        await sync_order(env.services, oid)
        (first,) = (await env.exact_state())["sales_orders"]
        await env.shop_control("POST", f"/orders/{oid}/edit", EDIT)
        await sync_order(env.services, oid)
        await sync_order(env.services, oid)
        # A second edit finds each line through the Exact line it recorded.
        second = {
            "lines": [{"sku": "SKU-00002", "quantity": 0}, {"sku": "SKU-00003", "quantity": 3}]
        }
        await env.shop_control("POST", f"/orders/{oid}/edit", second)
        await sync_order(env.services, oid)
        state = await env.exact_state()
        now = await shopify_total(env, oid)
    (so,) = state["sales_orders"]
    assert (so["OrderID"], so["OrderNumber"]) == (first["OrderID"], first["OrderNumber"])
    assert so["YourRef"] == f"{name}/AMS" and amount(so) == now
    lines = {ln["ItemCode"]: D(str(ln["Quantity"])) for ln in so["SalesOrderLines"]}
    assert lines["SKU-00001"] == 1 and lines["SKU-00003"] == 3 and "SKU-00002" not in lines


@pytest.mark.anyio
async def test_an_order_edited_before_export_is_booked_as_edited(tmp_path):
    async with order_env(tmp_path, export_on="fulfilled") as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        oid = made["order_id"]
        await sync_order(env.services, oid)  # waits
        await env.shop_control(
            "POST", f"/orders/{oid}/edit", {"lines": [{"sku": "SKU-00002", "quantity": 0}]}
        )
        await env.shop_control("POST", f"/orders/{oid}/fulfil", {})
        await sync_order(env.services, oid)
        state = await env.exact_state()
        now = await shopify_total(env, oid)
    (so,) = state["sales_orders"]
    assert amount(so) == now
    assert [ln["ItemCode"] for ln in so["SalesOrderLines"]][:2] == ["SKU-00001", "SHIPPING"]


@pytest.mark.anyio
async def test_the_refund_of_what_an_edit_removed_books_only_the_money(tmp_path):
    from daemon.flows.refunds.jobs import credit_refund
    from tests.refunds.test_refunds_live import entry_for

    async with order_env(tmp_path, document="invoice") as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        oid, name = made["order_id"], made["order_name"]
        await sync_order(env.services, oid)
        before = await shopify_total(env, oid)
        await env.shop_control(
            "POST", f"/orders/{oid}/edit", {"lines": [{"sku": "SKU-00001", "quantity": 1}]}
        )
        await sync_order(env.services, oid)
        owed = before - await shopify_total(env, oid)
        refund = await env.shop_control("POST", f"/orders/{oid}/refunds", {"amount": str(owed)})
        said = await credit_refund(env.services, refund["refund_id"], oid)
        await credit_refund(env.services, refund["refund_id"], oid)  # once
        state = await env.exact_state()
    assert said.startswith("refund of an edit")
    (credit,) = state["credit_notes"]
    assert credit["YourRef"] == f"{name}/AMS/E1-" and -amount(credit) == owed
    number = refund["refund_id"].rsplit("/", 1)[-1]
    assert entry_for(state, f"Shopify refund {name} R{number}") == {"1300": owed, "1990": -owed}


@pytest.mark.anyio
async def test_the_stock_hold_of_a_waiting_order_follows_its_edit(tmp_path):
    async def holds(env):
        rows = await env.services.db.fetchall(
            "SELECT sku, quantity FROM stock_holds WHERE released_at IS NULL ORDER BY sku"
        )
        return [tuple(r) for r in rows]

    async with order_env(tmp_path, export_on="fulfilled") as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        oid = made["order_id"]
        await sync_order(env.services, oid)
        before = await holds(env)
        await env.shop_control("POST", f"/orders/{oid}/edit", EDIT)
        await sync_order(env.services, oid)
        after = await holds(env)
    assert before == [("SKU-00001", 2), ("SKU-00002", 1)]
    assert after == [("SKU-00001", 1), ("SKU-00002", 1), ("SKU-00003", 2)]
