"""Goods deliveries against sales order lines: stock leaves the warehouse, the order completes.

Fields from picqer/exact-php-client GoodsDelivery.php / GoodsDeliveryLine.php (key EntryID;
lines point at SalesOrderLineID with QuantityDelivered). A goods delivery has no YourRef, and
DeliveryDate and lines are mandatory (contract/exact-contract.json, Elmas goods_delivery.rb).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .jsonio import ApiError, parse_date
from .sales import STATUS, lines_of_body
from .store import Row, Store, new_guid
from .validation import decimal_field, guid, reject_unknown, required

DELIVERY_FIELDS = (
    "EntryID",
    "DeliveryNumber",
    "DeliveryDate",
    "DeliveryAccount",
    "DeliveryAccountName",
    "Description",
    "Warehouse",
    "TrackingNumber",
    "ShippingMethod",
    "Remarks",
    "GoodsDeliveryLines",
    "Division",
    "Created",
    "Modified",
)
DELIVERY_LINE_FIELDS = (
    "ID",
    "EntryID",
    "SalesOrderLineID",
    "SalesOrderNumber",
    "Item",
    "ItemCode",
    "Description",
    "QuantityOrdered",
    "QuantityDelivered",
    "TrackingNumber",
    "DeliveryDate",
    "Division",
)


def create_goods_delivery(store: Store, body: dict[str, Any]) -> Row:
    reject_unknown(body, DELIVERY_FIELDS, "GoodsDelivery")
    raw_lines = lines_of_body(body, "GoodsDeliveryLines")
    entry_id = new_guid()
    number = store.next_number("delivery", 1)
    planned: list[tuple[Row, Row, Decimal]] = []
    for raw in raw_lines:
        reject_unknown(raw, DELIVERY_LINE_FIELDS, "GoodsDeliveryLine")
        line_id = guid(required(raw, "SalesOrderLineID"), "SalesOrderLineID")
        qty = decimal_field(raw, "QuantityDelivered")
        found = _order_line(store, line_id)
        if found is None:
            raise ApiError(400, f"Invalid reference: SalesOrderLineID '{line_id}' does not exist.")
        order, line = found
        if qty <= 0 or line["QuantityDelivered"] + qty > line["Quantity"]:
            raise ApiError(400, "Quantity delivered exceeds the quantity still to deliver.")
        planned.append((order, line, qty))
    orders = {id(o): o for o, _, _ in planned}
    first = planned[0][0]
    delivery = {f: None for f in DELIVERY_FIELDS} | store.base_row()
    delivery.update(
        EntryID=entry_id,
        DeliveryNumber=number,
        # Mandatory (the contract checked it is there): Exact never defaults it.
        DeliveryDate=parse_date(body["DeliveryDate"], "DeliveryDate", store.rules.offset_dates),
        DeliveryAccount=first["DeliverTo"],
        DeliveryAccountName=first["OrderedByName"],
        Description=body.get("Description"),
        Warehouse=first["WarehouseID"],
        TrackingNumber=body.get("TrackingNumber"),
        ShippingMethod=body.get("ShippingMethod"),
        Remarks=body.get("Remarks"),
    )
    lines = []
    for order, line, qty in planned:
        line["QuantityDelivered"] += qty
        lines.append(
            {
                "ID": new_guid(),
                "EntryID": entry_id,
                "SalesOrderLineID": line["ID"],
                "SalesOrderNumber": order["OrderNumber"],
                "Item": line["Item"],
                "ItemCode": line["ItemCode"],
                "Description": line["Description"],
                "QuantityOrdered": line["Quantity"],
                "QuantityDelivered": qty,
                "TrackingNumber": delivery["TrackingNumber"],
                "DeliveryDate": delivery["DeliveryDate"],
                "Division": store.division,
            }
        )
        item = store.get("logistics/Items", line["Item"])
        if item and item["IsStockItem"]:
            store.deliver_stock(item["ID"], order["WarehouseID"], qty)
    delivery["GoodsDeliveryLines"] = lines
    store.table("salesorder/GoodsDeliveries")[entry_id] = delivery
    for order in orders.values():
        done = all(ln["QuantityDelivered"] >= ln["Quantity"] for ln in order["SalesOrderLines"])
        order["DeliveryStatus"] = 21 if done else 20
        order["Status"] = 21 if done else 20
        order["StatusDescription"] = STATUS[order["Status"]]
        order["Modified"] = store.clock.now_dt()
        store.changed(
            "SalesOrders",
            "Update",
            order["OrderID"],
            f"salesorder/SalesOrders(guid'{order['OrderID']}')",
        )
    return delivery


def _order_line(store: Store, line_id: str) -> tuple[Row, Row] | None:
    for order in store.table("salesorder/SalesOrders").values():
        for line in order["SalesOrderLines"]:
            if line["ID"] == line_id:
                return order, line
    return None
