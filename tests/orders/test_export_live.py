"""Orders reach Exact once, with the right account, items, VAT codes and totals (both sandboxes)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from daemon.flows.orders.jobs import sync_order
from daemon.flows.stock import store as stock_store
from tests.orders.conftest import order_env

D = Decimal


def docs_by_ref(state: dict, kind: str = "sales_orders") -> dict[str, dict]:
    return {d["YourRef"]: d for d in state[kind]}


@pytest.mark.anyio
async def test_paid_domestic_order_becomes_one_sales_order_with_matching_total(tmp_path):
    async with order_env(tmp_path) as env:
        made = await env.shop_control(
            "POST",
            "/orders",
            {
                "lines": [{"sku": "SKU-00001", "quantity": 2}, {"sku": "SKU-00002", "quantity": 1}],
                "customer": {
                    "email": "anna@example.com",
                    "first_name": "Anna",
                    "last_name": "de Vries",
                },
                "shipping": {"title": "Standard", "price": "4.95"},
            },
        )
        await sync_order(env.services, made["order_id"])
        await sync_order(env.services, made["order_id"])  # a second run changes nothing
        order = await env.services.shopify.get_order(made["order_id"])
        state = await env.exact_state()
        (doc,) = state["sales_orders"]
        assert doc["YourRef"] == f"{made['order_name']}/AMS"
        assert D(str(doc["AmountFC"])) == order.total_price_set.shop_money.amount
        account = next(a for a in state["accounts"] if a["ID"] == doc["OrderedBy"])
        assert account["Email"] == "anna@example.com"
        codes = [ln["ItemCode"] for ln in doc["SalesOrderLines"]]
        assert codes[:3] == ["SKU-00001", "SKU-00002", "SHIPPING"]
        assert len(state["journal_entries"]) == 1  # the payment, booked once


ONE = {"lines": [{"sku": "SKU-00001", "quantity": 1}], "customer": {"email": "iris@example.com"}}


@pytest.mark.anyio
async def test_document_created_before_a_crash_is_found_by_yourref_not_made_again(tmp_path):
    async with order_env(tmp_path) as env:
        made = await env.shop_control("POST", "/orders", ONE)
        await sync_order(env.services, made["order_id"])
        # The process died after Exact's answer, before anything was recorded.
        await env.services.db.execute_write("DELETE FROM links WHERE entity LIKE 'order%'")
        await sync_order(env.services, made["order_id"])
        state = await env.exact_state()
        link = await env.services.links.get("order", f"{made['order_id']}:AMS")
    assert len(state["sales_orders"]) == 1
    assert len(state["journal_entries"]) == 1
    assert link.exact_id == state["sales_orders"][0]["OrderID"]
    assert link.data["document"] == "salesorder" and link.data["lines"][0]["vat_code"] == "2"


@pytest.mark.anyio
async def test_invoice_mode_books_an_invoice_in_the_sales_journal_already_paid(tmp_path):
    async with order_env(tmp_path, document="invoice") as env:
        made = await env.shop_control("POST", "/orders", ONE)
        await sync_order(env.services, made["order_id"])
        state = await env.exact_state()
    (invoice,) = state["invoices"]
    assert (invoice["Journal"], invoice["YourRef"]) == ("70", f"{made['order_name']}/AMS")
    (entry,) = state["journal_entries"]
    credit = [ln for ln in entry["GeneralJournalEntryLines"] if D(str(ln["AmountFC"])) < 0]
    assert [(ln["OurRef"], -D(str(ln["AmountFC"]))) for ln in credit] == [
        (invoice["InvoiceNumber"], D(str(invoice["AmountFC"])))
    ]
    assert {ln["GLAccountCode"] for ln in entry["GeneralJournalEntryLines"]} == {"1300", "1990"}


@pytest.mark.anyio
async def test_prepayment_moves_onto_the_invoice_exact_makes_of_the_sales_order(tmp_path):
    from daemon.flows.orders.payments import apply_prepayments

    async with order_env(tmp_path) as env:
        made = await env.shop_control("POST", "/orders", ONE)
        await sync_order(env.services, made["order_id"])
        (so,) = (await env.exact_state())["sales_orders"]
        # The accountant invoices the delivered order in Exact; YourRef comes along.
        invoice = await env.services.exact.post(
            "salesinvoice/SalesInvoices",
            {
                "Journal": "70",
                "OrderedBy": so["OrderedBy"],
                "YourRef": so["YourRef"],
                "SalesInvoiceLines": [
                    {
                        "Item": ln["Item"],
                        "Quantity": D(str(ln["Quantity"])),
                        "NetPrice": D(str(ln["NetPrice"])),
                        "VATCode": ln["VATCode"],
                    }
                    for ln in so["SalesOrderLines"]
                ],
            },
        )
        applied = await apply_prepayments(env.services, invoice["InvoiceID"])
        again = await apply_prepayments(env.services, invoice["InvoiceID"])
        state = await env.exact_state()
    assert applied == D(str(invoice["AmountFC"])) and again == 0
    moved = state["journal_entries"][-1]["GeneralJournalEntryLines"]
    assert [ln["OurRef"] for ln in moved] == [None, invoice["InvoiceNumber"]]


@pytest.mark.anyio
async def test_order_cancelled_before_export_books_nothing(tmp_path):
    async with order_env(tmp_path) as env:
        made = await env.shop_control("POST", "/orders", ONE | {"financial_status": "pending"})
        await env.shop_control("POST", f"/orders/{made['order_id']}/cancel", {})
        why = await sync_order(env.services, made["order_id"])
        state = await env.exact_state()
    assert "cancelled before export" in why
    assert state["sales_orders"] == [] and state["accounts"][1:] == []


@pytest.mark.anyio
async def test_order_cancelled_after_export_is_reversed_in_exact(tmp_path):
    async with order_env(tmp_path) as env:
        made = await env.shop_control("POST", "/orders", ONE)
        await sync_order(env.services, made["order_id"])
        await env.shop_control("POST", f"/orders/{made['order_id']}/cancel", {"refund": True})
        why = await sync_order(env.services, made["order_id"])
        await sync_order(env.services, made["order_id"])  # and only once
        state = await env.exact_state()
        link = await env.services.links.get("order", f"{made['order_id']}:AMS")
    assert why.startswith("reversed")
    assert state["sales_orders"] == []
    assert link.data["reversed"] is True


@pytest.mark.anyio
async def test_cancelled_invoice_gets_one_credit_note(tmp_path):
    async with order_env(tmp_path, document="invoice") as env:
        made = await env.shop_control("POST", "/orders", ONE)
        await sync_order(env.services, made["order_id"])
        await env.shop_control("POST", f"/orders/{made['order_id']}/cancel", {"refund": True})
        await sync_order(env.services, made["order_id"])
        await env.services.db.execute_write("DELETE FROM links WHERE entity = 'order_export'")
        state = await env.exact_state()
    (invoice,) = state["invoices"]
    (credit,) = state["credit_notes"]
    assert D(str(credit["AmountFC"])) == -D(str(invoice["AmountFC"]))


@pytest.mark.anyio
async def test_unknown_sku_is_a_permanent_error_naming_the_sku_and_the_fix(tmp_path):
    from connectors.errors import PermanentError

    async with order_env(tmp_path, exact_products=30) as env:
        made = await env.shop_control(
            "POST", "/orders", ONE | {"lines": [{"sku": "SKU-00035", "quantity": 1}]}
        )
        with pytest.raises(PermanentError) as err:
            await sync_order(env.services, made["order_id"])
        state = await env.exact_state()
    assert "SKU-00035" in err.value.message
    assert "Create item SKU-00035 in Exact" in err.value.hint
    assert state["sales_orders"] == []


@pytest.mark.anyio
async def test_standard_debtor_mode_books_every_order_to_one_account(tmp_path):
    async with order_env(
        tmp_path, customers={"mode": "standard_debtor", "standard_debtor": "1"}
    ) as env:
        for email in ("x@example.com", "y@example.com"):
            made = await env.shop_control("POST", "/orders", ONE | {"customer": {"email": email}})
            await sync_order(env.services, made["order_id"])
        state = await env.exact_state()
    assert len(state["accounts"]) == 1
    assert {so["OrderedByName"] for so in state["sales_orders"]} == {"Webshop consumers"}


@pytest.mark.anyio
async def test_poller_enqueues_orders_updated_since_its_cursor(tmp_path):
    import datetime as dt

    from daemon.flows.orders.poller import CURSOR, poll_orders_once

    async with order_env(tmp_path, start_date="2020-01-01") as env:
        for _ in range(3):
            await env.shop_control("POST", "/orders", ONE)
        first = await poll_orders_once(env.services)
        cursor = await env.services.cursors.get(CURSOR)
        counts = await env.services.queue.counts()
        await env.run_jobs()
        state = await env.exact_state()
    assert first == 3 and counts["queued"]["orders.export"] == 3
    assert dt.datetime.fromisoformat(cursor).tzinfo is not None
    assert len(state["sales_orders"]) == 3


@pytest.mark.anyio
async def test_unknown_sku_becomes_a_new_item_when_auto_create_is_on(tmp_path):
    async with order_env(
        tmp_path, exact_products=30, items={"auto_create": True, "auto_create_group": "HOME"}
    ) as env:
        made = await env.shop_control(
            "POST", "/orders", ONE | {"lines": [{"sku": "SKU-00035", "quantity": 2}]}
        )
        await sync_order(env.services, made["order_id"])
        state = await env.exact_state()
    (item,) = [i for i in state["items"] if i["Code"] == "SKU-00035"]
    assert item["Description"]
    (so,) = state["sales_orders"]
    assert so["SalesOrderLines"][0]["ItemCode"] == "SKU-00035"


@pytest.mark.anyio
async def test_unexported_order_holds_its_units_for_the_stock_flow_until_exported(tmp_path):
    async def holds(env):
        rows = await env.services.db.fetchall(
            "SELECT sku, location, quantity FROM stock_holds ORDER BY sku"
        )
        return [tuple(r) for r in rows]

    async with order_env(tmp_path) as env:
        body = ONE | {
            "lines": [{"sku": "SKU-00002", "quantity": 3, "location": "RTM"}],
            "financial_status": "pending",
        }
        made = await env.shop_control("POST", "/orders", body)
        await sync_order(env.services, made["order_id"])
        waiting = await holds(env)
        await env.shop_control("POST", f"/orders/{made['order_id']}/pay", {})
        await sync_order(env.services, made["order_id"])
        exported = await holds(env)
        released = await env.services.db.fetchall(
            "SELECT count(*) FROM stock_holds WHERE released_at IS NOT NULL"
        )
        # The next stock poll has read Exact's figure with the sales order in it: hold gone.
        async with env.services.db.transaction() as conn:
            await stock_store.drop_released_holds(conn, time.time())
        after = await holds(env)
    assert waiting == [("SKU-00002", "Rotterdam store", 3)]
    # Exported: released, but still counted until a poll has seen Exact's new figure.
    assert exported == waiting and released[0][0] == 1
    assert after == []


@pytest.mark.anyio
async def test_returning_buyer_who_now_gives_a_vat_number_gets_reverse_charge(tmp_path):
    buyer = {"email": "jan@peeters.example", "company": "Peeters BV"}
    async with order_env(tmp_path) as env:
        first = await env.shop_control("POST", "/orders", ONE | {"customer": buyer})
        await sync_order(env.services, first["order_id"])
        second = await env.shop_control(
            "POST",
            "/orders",
            ONE | {"customer": buyer | {"vat_number": "BE0123456789"}, "shipping_country": "BE"},
        )
        await sync_order(env.services, second["order_id"])
        state = await env.exact_state()
    accounts = [a for a in state["accounts"] if a["Email"] == "jan@peeters.example"]
    assert [a["VATNumber"] for a in accounts] == ["BE0123456789"]
    icp = docs_by_ref(state)[f"{second['order_name']}/AMS"]
    assert {ln["VATCode"] for ln in icp["SalesOrderLines"]} == {"ICP"}
