"""Writes to salesorder/SalesOrderLines: add, change or remove a line of an open sales order.

The contract allows GET, POST, PUT and DELETE on SalesOrderLines (flurryrush valid_actions),
with `Item` and `OrderID` mandatory on a POST. What Exact does around them is not published, so
the sandbox takes the strict reading: only an open order (not complete or cancelled: "a
completed sales order cannot be changed through the API") is changed; a line keeps its item and
order; its quantity never goes below what was delivered or invoiced; a delivered or invoiced
line is never removed, nor an order's last line (a POST needs at least one). The order's
totals and its planned stock (PlanningOut) follow every change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .jsonio import ApiError
from .sales import ORDER_LINE_FIELDS, _priced_line
from .store import Row, Store
from .validation import decimal_field, money, reference, reject_unknown, vat_code

ORDERS = "salesorder/SalesOrders"
_CHANGEABLE = {"Quantity", "UnitPrice", "NetPrice", "Discount", "Description", "VATCode"}


def _open_order(store: Store, order_id: str) -> Row:
    order = store.get(ORDERS, order_id)
    if order is None:
        raise ApiError(400, f"Invalid reference: OrderID '{order_id}' does not exist.")
    if order["Status"] in (21, 45):
        raise ApiError(400, "A completed or cancelled sales order can not be changed.")
    return order


def _stock(store: Store, order: Row, line: Row, quantity: Decimal) -> None:
    item = store.get("logistics/Items", line["Item"])
    if item and item["IsStockItem"] and quantity:
        store.order_stock(item["ID"], order["WarehouseID"], quantity)


def _totals(order: Row) -> None:
    excl = sum((ln["AmountFC"] for ln in order["SalesOrderLines"]), Decimal(0))
    vat = sum((ln["VATAmount"] for ln in order["SalesOrderLines"]), Decimal(0))
    order.update(AmountFCExclVat=excl, AmountFC=excl + vat, AmountDC=excl + vat)


def create_order_line(store: Store, body: dict[str, Any]) -> Row:
    order_row = reference(store, ORDERS, body, "OrderID")
    assert order_row is not None
    order = _open_order(store, order_row["OrderID"])
    account = store.get("crm/Accounts", order["OrderedBy"])
    raw = {k: v for k, v in body.items() if k != "OrderID"}
    n = max((ln["LineNumber"] for ln in order["SalesOrderLines"]), default=0) + 1
    line = _priced_line(store, raw, ORDER_LINE_FIELDS, "SalesOrderLine", account, n)
    line.update(
        OrderID=order["OrderID"],
        OrderNumber=order["OrderNumber"],
        QuantityDelivered=Decimal(0),
        QuantityInvoiced=Decimal(0),
        VATAmount=line.pop("_vat"),
        DeliveryDate=None,
    )
    order["SalesOrderLines"].append(line)
    _stock(store, order, line, line["Quantity"])
    _totals(order)
    order["Modified"] = store.clock.now_dt()
    return line


def update_order_line(store: Store, line: Row, body: dict[str, Any]) -> None:
    reject_unknown(body, ORDER_LINE_FIELDS, "SalesOrderLine")
    for fixed in ("Item", "OrderID"):
        if fixed in body and str(body[fixed]).lower() != str(line[fixed]).lower():
            raise ApiError(400, f"{fixed} can not be changed for an existing sales order line.")
    unknown = set(body) - _CHANGEABLE - {"ID", "Item", "OrderID"}
    if unknown:
        raise ApiError(400, f"Not simulated: changing {', '.join(sorted(unknown))}.")
    order = _open_order(store, line["OrderID"])
    qty = decimal_field(body, "Quantity", line["Quantity"])
    done = max(line["QuantityDelivered"], line["QuantityInvoiced"])
    if qty < done:
        raise ApiError(400, f"Quantity can not be less than the quantity delivered ({done}).")
    discount = decimal_field(body, "Discount", line["Discount"])
    unit = decimal_field(body, "UnitPrice", line["UnitPrice"])
    priced = "UnitPrice" in body or "Discount" in body  # else the line keeps its net price
    net = decimal_field(body, "NetPrice", unit * (1 - discount) if priced else line["NetPrice"])
    account = store.get("crm/Accounts", order["OrderedBy"])
    vat = vat_code(store, body.get("VATCode") or line["VATCode"], account)
    _stock(store, order, line, qty - line["Quantity"])
    amount = money(qty * net)
    line.update(
        Quantity=qty,
        UnitPrice=unit,
        NetPrice=net,
        Discount=discount,
        Description=body.get("Description") or line["Description"],
        AmountFC=amount,
        AmountDC=amount,
        VATCode=vat["Code"],
        VATPercentage=vat["Percentage"],
        VATAmount=money(amount * vat["Percentage"]),
    )
    _totals(order)
    order["Modified"] = store.clock.now_dt()


def delete_order_line(store: Store, line: Row) -> None:
    order = _open_order(store, line["OrderID"])
    if line["QuantityDelivered"] or line["QuantityInvoiced"]:
        raise ApiError(400, "A delivered or invoiced sales order line can not be deleted.")
    if len(order["SalesOrderLines"]) == 1:
        raise ApiError(400, "A sales order needs at least one line.")
    order["SalesOrderLines"] = [ln for ln in order["SalesOrderLines"] if ln["ID"] != line["ID"]]
    _stock(store, order, line, -line["Quantity"])
    _totals(order)
    order["Modified"] = store.clock.now_dt()
