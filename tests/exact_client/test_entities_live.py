"""The typed models read what Exact sends; writes and the sync cursor behave as flows expect."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.exact import models
from connectors.exact.odata import eq

READ_MODELS = [
    models.Account,
    models.Item,
    models.Warehouse,
    models.ItemWarehouse,
    models.VATCode,
    models.GLAccount,
    models.Journal,
    models.SalesOrder,
    models.SalesInvoice,
    models.BankEntry,
]


@pytest.mark.anyio
@pytest.mark.parametrize("model", READ_MODELS, ids=lambda m: m.__name__)
async def test_every_model_selects_only_fields_exact_knows_and_reads_its_rows(make_exact, model):
    async with make_exact() as env:
        rows = await env.client.get(model.endpoint, select=model.select(), top=5)
        for row in rows:
            model.model_validate(row)


@pytest.mark.anyio
async def test_sales_order_is_found_again_by_your_ref_with_exact_amounts(make_exact):
    async with make_exact() as env:
        item = (await env.client.get("logistics/Items", filter=eq("Code", "SKU-00001")))[0]
        debtor = (await env.client.get("crm/Accounts", select="ID", top=1))[0]
        created = models.SalesOrder.model_validate(
            await env.client.post(
                "salesorder/SalesOrders",
                {
                    "OrderedBy": debtor["ID"],
                    "YourRef": "#1001-AMS",
                    "SalesOrderLines": [
                        {"Item": item["ID"], "Quantity": Decimal("3"), "NetPrice": Decimal("19.99")}
                    ],
                },
            )
        )
        # What a flow does after a crash between "created" and "recorded": search by YourRef.
        found = await env.client.get(
            "salesorder/SalesOrders",
            filter=eq("YourRef", "#1001-AMS"),
            select=models.SalesOrder.select() + ",AmountFCExclVat",
        )
    assert [row["OrderID"] for row in found] == [created.OrderID]
    assert found[0]["AmountFCExclVat"] == Decimal("59.97")
    assert created.OrderDate is not None and created.OrderDate.tzinfo is not None


@pytest.mark.anyio
async def test_sync_after_a_stock_change_returns_only_the_changed_position(make_exact):
    select = models.StockPosition.select()
    async with make_exact() as env:
        _, cursor = await env.client.sync("Inventory/StockPositions", 1, select=select)
        await env.control("POST", "stock", {"sku": "SKU-00002", "warehouse": "RTM", "quantity": 17})
        rows, newer = await env.client.sync("Inventory/StockPositions", cursor, select=select)
    changed = [models.StockPosition.model_validate(r) for r in rows]
    assert [(p.ItemCode, p.WarehouseCode) for p in changed] == [("SKU-00002", "RTM")]
    assert changed[0].FreeStock == Decimal(17)
    assert newer > cursor
