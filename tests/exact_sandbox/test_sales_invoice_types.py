"""SalesInvoices Type ↔ Warehouse ↔ stock: only direct invoices and credit notes move stock.

The rule is the contract's (salesinvoice/SalesInvoices `conditional`, from SalesInvoice.php:
Warehouse is "mandatory for direct sales invoice/credit note, cannot be set for normal sales
invoice/credit note"); each test shows the sandbox refusing the wrong call and what stock does.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.exact_sandbox.test_documents import _ids

pytestmark = pytest.mark.anyio


async def _warehouse(run, code="AMS"):
    rows = (await run.get("inventory/Warehouses", **{"$filter": f"Code eq '{code}'"})).json()
    return rows["d"]["results"][0]["ID"]


async def _in_stock(run, item_id):
    rows = (
        await run.get(
            "inventory/ItemWarehouses",
            **{"$filter": f"Item eq guid'{item_id}' and WarehouseCode eq 'AMS'"},
        )
    ).json(parse_float=Decimal)["d"]["results"]
    return rows[0]["CurrentStock"]


def _invoice(ids, kind, quantity, **extra):
    return {
        "OrderedBy": ids["account"],
        "Journal": "70",
        "Type": kind,
        "SalesInvoiceLines": [
            {"Item": ids["item"], "Quantity": quantity, "NetPrice": "10", "VATCode": "1"}
        ],
        **extra,
    }


@pytest.mark.parametrize(("kind", "quantity"), [(8020, 1), (8021, -1)])
async def test_a_normal_invoice_or_credit_note_refuses_a_warehouse(exact_sandbox, kind, quantity):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        before = await _in_stock(run, ids["item"])
        r = await run.post(
            "salesinvoice/SalesInvoices",
            _invoice(ids, kind, quantity, Warehouse=await _warehouse(run)),
        )
        assert r.status_code == 400
        assert (
            "cannot be set for normal sales invoice/credit note"
            in (r.json()["error"]["message"]["value"])
        )
        state = await run.control("state")
        assert state["invoices"] == [] and state["credit_notes"] == []
        assert await _in_stock(run, ids["item"]) == before


@pytest.mark.parametrize(("kind", "quantity"), [(8020, 3), (8021, -3)])
async def test_a_normal_invoice_or_credit_note_moves_no_stock(exact_sandbox, kind, quantity):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        before = await _in_stock(run, ids["item"])
        r = await run.post("salesinvoice/SalesInvoices", _invoice(ids, kind, quantity))
        assert r.status_code == 201, r.text
        assert r.json()["d"]["Warehouse"] is None
        assert await _in_stock(run, ids["item"]) == before


@pytest.mark.parametrize(("kind", "quantity"), [(8023, 1), (8024, -1)])
async def test_a_direct_invoice_or_credit_note_requires_a_warehouse(exact_sandbox, kind, quantity):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        r = await run.post("salesinvoice/SalesInvoices", _invoice(ids, kind, quantity))
        assert r.status_code == 400
        assert "Warehouse" in r.json()["error"]["message"]["value"]
        state = await run.control("state")
        assert state["invoices"] == [] and state["credit_notes"] == []


async def test_a_direct_invoice_books_stock_out_and_its_credit_note_back_in(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        warehouse = await _warehouse(run)
        before = await _in_stock(run, ids["item"])
        sold = await run.post(
            "salesinvoice/SalesInvoices", _invoice(ids, 8023, 3, Warehouse=warehouse)
        )
        assert sold.status_code == 201, sold.text
        assert await _in_stock(run, ids["item"]) == before - 3
        back = await run.post(
            "salesinvoice/SalesInvoices", _invoice(ids, 8024, -2, Warehouse=warehouse)
        )
        assert back.status_code == 201, back.text
        assert await _in_stock(run, ids["item"]) == before - 1
        state = await run.control("state")
        assert [i["Type"] for i in state["invoices"]] == [8023]
        assert [i["Type"] for i in state["credit_notes"]] == [8024]


async def test_an_unknown_invoice_type_is_refused(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        r = await run.post("salesinvoice/SalesInvoices", _invoice(ids, 8022, 1))
        assert r.status_code == 400
        assert "Type" in r.json()["error"]["message"]["value"]
