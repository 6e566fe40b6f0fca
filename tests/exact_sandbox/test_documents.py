"""Writing documents: Exact's validation answers, and what orders and deliveries do to stock."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

pytestmark = pytest.mark.anyio


async def _ids(run):
    padded = "1".rjust(18)  # Exact's account codes carry leading spaces to 18 characters
    account = (await run.get("crm/Accounts", **{"$filter": f"Code eq '{padded}'"})).json()["d"]
    item = (await run.get("logistics/Items", **{"$filter": "Code eq 'SKU-00001'"})).json()["d"]
    gl = (await run.get("financial/GLAccounts", **{"$filter": "Code eq '8000'"})).json()["d"]
    bank_gl = (await run.get("financial/GLAccounts", **{"$filter": "Code eq '1100'"})).json()
    return {
        "account": account["results"][0]["ID"],
        "item": item["results"][0]["ID"],
        "revenue": gl["results"][0]["ID"],
        "bank": bank_gl["d"]["results"][0]["ID"],
    }


def _invalid_bodies(ids):
    line = {"Item": ids["item"], "Quantity": 1}
    return {
        "unknown item": (
            "salesorder/SalesOrders",
            {
                "OrderedBy": ids["account"],
                "SalesOrderLines": [{"Item": str(uuid.uuid4()), "Quantity": 1}],
            },
            "Item",
        ),
        "unknown account": (
            "salesinvoice/SalesInvoices",
            {"OrderedBy": str(uuid.uuid4()), "Journal": "70", "SalesInvoiceLines": [line]},
            "OrderedBy",
        ),
        "missing lines": (
            "salesorder/SalesOrders",
            {"OrderedBy": ids["account"]},
            "SalesOrderLines",
        ),
        "ICP without VAT number": (
            "salesinvoice/SalesInvoices",
            {
                "OrderedBy": ids["account"],
                "Journal": "70",
                "SalesInvoiceLines": [line | {"VATCode": "ICP"}],
            },
            "VAT code",
        ),
        "unbalanced journal entry": (
            "generaljournalentry/GeneralJournalEntries",
            {
                "JournalCode": "90",
                "GeneralJournalEntryLines": [
                    {"GLAccount": ids["revenue"], "AmountFC": "10.00", "Date": "2026-01-05"},
                    {"GLAccount": ids["bank"], "AmountFC": "-9.99", "Date": "2026-01-05"},
                ],
            },
            "not in balance",
        ),
        "unbalanced bank entry": (
            "financialtransaction/BankEntries",
            {
                "JournalCode": "20",
                "OpeningBalanceFC": "0",
                "ClosingBalanceFC": "50.00",
                "BankEntryLines": [
                    {"GLAccount": ids["revenue"], "AmountFC": "49.99", "Date": "2026-01-05"}
                ],
            },
            "closing balance",
        ),
        "unknown property": ("crm/Accounts", {"Name": "X", "Nmae": "typo"}, "Nmae"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "unknown item",
        "unknown account",
        "missing lines",
        "ICP without VAT number",
        "unbalanced journal entry",
        "unbalanced bank entry",
        "unknown property",
    ],
)
async def test_invalid_documents_get_400_with_exacts_error_body(exact_sandbox, case):
    async with exact_sandbox() as run:
        path, body, words = _invalid_bodies(await _ids(run))[case]
        r = await run.post(path, body)
        assert r.status_code == 400
        error = r.json()["error"]
        assert error["code"] == ""
        assert set(error["message"]) == {"lang", "value"}
        assert words in error["message"]["value"]
        state = await run.control("state")
        assert not state["sales_orders"] and not state["invoices"]
        assert not state["journal_entries"] and not state["bank_entries"]


async def _stock(run, item_id):
    rows = (
        await run.get(
            "inventory/ItemWarehouses",
            **{"$filter": f"Item eq guid'{item_id}' and WarehouseCode eq 'AMS'"},
        )
    ).json(parse_float=Decimal)["d"]["results"]
    return rows[0]


@pytest.mark.parametrize("orders_reserve", [False, True])
async def test_order_plans_stock_out_and_delivery_takes_it_out(exact_sandbox, orders_reserve):
    """An open order raises PlanningOut (and ReservedStock only under the opposite reading)."""
    async with exact_sandbox(rules={"orders_reserve": orders_reserve}) as run:
        ids = await _ids(run)
        before = await _stock(run, ids["item"])
        order = await run.post(
            "salesorder/SalesOrders",
            {
                "OrderedBy": ids["account"],
                "YourRef": "#1001-AMS",
                "Description": "Shopify #1001",
                "SalesOrderLines": [
                    {"Item": ids["item"], "Quantity": 2, "NetPrice": "12.40", "VATCode": "1"}
                ],
            },
        )
        assert order.status_code == 201, order.text
        d = order.json(parse_float=Decimal)["d"]
        assert d["AmountFCExclVat"] == Decimal("24.80")
        assert d["AmountFC"] == Decimal("30.01")  # 24.80 + 21% VAT 5.208 -> 5.21
        reserved = await _stock(run, ids["item"])
        assert reserved["CurrentStock"] == before["CurrentStock"]
        assert reserved["ReservedStock"] == before["ReservedStock"] + (2 if orders_reserve else 0)
        assert reserved["PlannedStockOut"] == before["PlannedStockOut"] + 2
        line_id = d["SalesOrderLines"]["results"][0]["ID"]
        delivery = await run.post(
            "salesorder/GoodsDeliveries",
            {
                "DeliveryDate": "2026-05-04",
                "GoodsDeliveryLines": [{"SalesOrderLineID": line_id, "QuantityDelivered": 2}],
            },
        )
        assert delivery.status_code == 201, delivery.text
        shipped = await _stock(run, ids["item"])
        assert shipped["CurrentStock"] == before["CurrentStock"] - 2
        assert shipped["ReservedStock"] == before["ReservedStock"]
        assert shipped["PlannedStockOut"] == before["PlannedStockOut"]
        again = await run.post(
            "salesorder/GoodsDeliveries",
            {
                "DeliveryDate": "2026-05-04",
                "GoodsDeliveryLines": [{"SalesOrderLineID": line_id, "QuantityDelivered": 1}],
            },
        )
        assert again.status_code == 400
        assert "exceeds" in again.json()["error"]["message"]["value"]
        found = (
            await run.get(
                "salesorder/SalesOrders",
                **{"$filter": "YourRef eq '#1001-AMS'", "$select": "OrderID,Status"},
            )
        ).json()["d"]
        assert found["results"][0]["Status"] == 21


async def test_invoice_then_bank_receipt_clears_the_receivable(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        invoice = await run.post(
            "salesinvoice/SalesInvoices",
            {
                "OrderedBy": ids["account"],
                "Journal": "70",
                "YourRef": "#1002",
                "SalesInvoiceLines": [
                    {"Item": ids["item"], "Quantity": 1, "NetPrice": "100", "VATCode": "1"}
                ],
            },
        )
        assert invoice.status_code == 201, invoice.text
        inv = invoice.json(parse_float=Decimal)["d"]
        assert inv["Type"] == 8020 and inv["AmountFC"] == Decimal("121.00")
        open_items = (await run.get("read/financial/ReceivablesList")).json(parse_float=Decimal)[
            "d"
        ]["results"]
        assert [(r["InvoiceNumber"], r["Amount"]) for r in open_items] == [
            (inv["InvoiceNumber"], Decimal("121.00"))
        ]
        receipt = await run.post(
            "financialtransaction/BankEntries",
            {
                "JournalCode": "20",
                "BankEntryLines": [
                    {
                        "GLAccount": ids["bank"],
                        "Account": ids["account"],
                        "AmountFC": "121.00",
                        "OurRef": inv["InvoiceNumber"],
                        "Date": "2026-01-06",
                        "Description": "payout",
                    }
                ],
            },
        )
        assert receipt.status_code == 201, receipt.text
        assert (await run.get("read/financial/ReceivablesList")).json()["d"]["results"] == []


async def test_credit_note_is_type_8021(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        credit = await run.post(
            "salesinvoice/SalesInvoices",
            {
                "OrderedBy": ids["account"],
                "Journal": "70",
                "Type": 8021,
                "SalesInvoiceLines": [
                    {"Item": ids["item"], "Quantity": -1, "NetPrice": "10", "VATCode": "1"}
                ],
            },
        )
        assert credit.status_code == 201
        state = await run.control("state")
        assert len(state["credit_notes"]) == 1 and state["invoices"] == []
        assert state["credit_notes"][0]["AmountFC"] == Decimal("-12.10")
