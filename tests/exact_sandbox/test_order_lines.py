"""Sales order lines written one by one: add, change, remove on an open order; refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.exact_sandbox.test_documents import _ids, _stock

pytestmark = pytest.mark.anyio
LINES = "salesorder/SalesOrderLines"


async def _order(run, ids, quantity: int = 2) -> dict:
    r = await run.post(
        "salesorder/SalesOrders",
        {
            "OrderedBy": ids["account"],
            "SalesOrderLines": [
                {"Item": ids["item"], "Quantity": quantity, "NetPrice": "10", "VATCode": "1"}
            ],
        },
    )
    assert r.status_code == 201, r.text
    return r.json(parse_float=Decimal)["d"]


async def _send(run, method: str, path: str, body=None):
    return await run.http.request(method, run.url(path), json=body, headers=run.auth)


async def test_lines_are_added_changed_and_removed_with_totals_and_planned_stock(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        before = await _stock(run, ids["item"])
        order = await _order(run, ids)
        added = await run.post(
            LINES,
            {"OrderID": order["OrderID"], "Item": ids["item"], "Quantity": 3, "NetPrice": "5"},
        )
        assert added.status_code == 201, added.text
        new_id = added.json()["d"]["ID"]
        first_id = order["SalesOrderLines"]["results"][0]["ID"]
        changed = await _send(run, "PUT", f"{LINES}(guid'{first_id}')", {"Quantity": 1})
        assert changed.status_code == 204, changed.text
        planned = await _stock(run, ids["item"])
        assert planned["PlannedStockOut"] == before["PlannedStockOut"] + 4  # 1 + 3
        gone = await _send(run, "DELETE", f"{LINES}(guid'{new_id}')")
        assert gone.status_code == 204, gone.text
        d = (await run.get(f"salesorder/SalesOrders(guid'{order['OrderID']}')")).json(
            parse_float=Decimal
        )["d"]
        after = await _stock(run, ids["item"])
    assert d["AmountFCExclVat"] == Decimal("10.00")
    assert after["PlannedStockOut"] == before["PlannedStockOut"] + 1


async def test_line_writes_exact_would_refuse_are_refused(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        order = await _order(run, ids)
        line_id = order["SalesOrderLines"]["results"][0]["ID"]
        no_order = await run.post(LINES, {"Item": ids["item"], "Quantity": 1})
        last = await _send(run, "DELETE", f"{LINES}(guid'{line_id}')")
        other_item = await _send(
            run, "PUT", f"{LINES}(guid'{line_id}')", {"Item": ids["account"], "Quantity": 1}
        )
        await run.post(
            "salesorder/GoodsDeliveries",
            {
                "DeliveryDate": "2026-05-04",
                "GoodsDeliveryLines": [{"SalesOrderLineID": line_id, "QuantityDelivered": 1}],
            },
        )
        below = await _send(run, "PUT", f"{LINES}(guid'{line_id}')", {"Quantity": 0})
    assert no_order.status_code == 400 and "OrderID" in no_order.text
    assert last.status_code == 400 and "at least one line" in last.text
    assert other_item.status_code == 400 and "Item can not be changed" in other_item.text
    assert below.status_code == 400 and "less than the quantity delivered" in below.text
