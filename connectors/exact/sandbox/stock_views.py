"""Read-only stock and item views, computed from the store on every call.

Field names: `inventory/ItemWarehouses` (ItemWarehouse.php in
picqer/exact-php-client) and the Sync API `sync/Inventory/StockPositions` (fields as selected by
public Exact taps: Timestamp, CurrentStock, FreeStock, ItemId, ItemCode, ItemDescription,
PlanningIn, PlanningOut, ProjectedStock, ReorderPoint, ReservedStock, UnitCode,
UnitDescription, Warehouse, WarehouseCode, WarehouseDescription). Exact has no `InStock` on
that endpoint: `CurrentStock` is the quantity in stock, `FreeStock` = CurrentStock − ReservedStock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from .store import Row, Store

ITEM_WAREHOUSE_FIELDS = (
    "ID",
    "Item",
    "ItemCode",
    "ItemDescription",
    "Warehouse",
    "WarehouseCode",
    "WarehouseDescription",
    "CurrentStock",
    "ReservedStock",
    "PlannedStockIn",
    "PlannedStockOut",
    "ProjectedStock",
    "SafetyStock",
    "ReorderPoint",
    "MaximumStock",
    "Division",
    "Modified",
)
STOCK_POSITION_FIELDS = (
    "Timestamp",
    "ID",
    "ItemId",
    "ItemCode",
    "ItemDescription",
    "UnitCode",
    "UnitDescription",
    "CurrentStock",
    "FreeStock",
    "ReservedStock",
    "PlanningIn",
    "PlanningOut",
    "ProjectedStock",
    "ReorderPoint",
    "Warehouse",
    "WarehouseCode",
    "WarehouseDescription",
    "Division",
)


def stock_views(store: Store) -> tuple[Callable[[], list[Row]], Callable[[], list[Row]]]:
    def joined() -> Iterable[tuple[Any, Row, Row]]:
        items = store.table("logistics/Items")
        warehouses = store.table("inventory/Warehouses")
        for (item_id, wh_id), st in store.stock.items():
            yield st, items[item_id], warehouses[wh_id]

    def item_warehouses() -> list[Row]:
        return [
            {
                "ID": st.id,
                "Item": item["ID"],
                "ItemCode": item["Code"],
                "ItemDescription": item["Description"],
                "Warehouse": wh["ID"],
                "WarehouseCode": wh["Code"],
                "WarehouseDescription": wh["Description"],
                "CurrentStock": st.on_hand,
                "ReservedStock": st.reserved,
                "PlannedStockIn": st.planning_in,
                "PlannedStockOut": st.planning_out,
                "ProjectedStock": st.on_hand + st.planning_in - st.planning_out,
                "SafetyStock": Decimal(0),
                "ReorderPoint": Decimal(0),
                "MaximumStock": Decimal(0),
                "Division": store.division,
                "Modified": st.modified,
            }
            for st, item, wh in joined()
        ]

    def stock_positions() -> list[Row]:
        return [
            {
                "Timestamp": st.timestamp,
                "ID": st.id,
                "ItemId": item["ID"],
                "ItemCode": item["Code"],
                "ItemDescription": item["Description"],
                "UnitCode": item["Unit"],
                "UnitDescription": item["UnitDescription"],
                "CurrentStock": st.on_hand,
                "FreeStock": st.free,
                "ReservedStock": st.reserved,
                "PlanningIn": st.planning_in,
                "PlanningOut": st.planning_out,
                "ProjectedStock": st.on_hand + st.planning_in - st.planning_out,
                "ReorderPoint": Decimal(0),
                "Warehouse": wh["ID"],
                "WarehouseCode": wh["Code"],
                "WarehouseDescription": wh["Description"],
                "Division": store.division,
            }
            for st, item, wh in joined()
        ]

    return item_warehouses, stock_positions


def item_rows(store: Store, *, with_timestamp: bool = False) -> Callable[[], list[Row]]:
    def rows() -> list[Row]:
        totals: dict[str, Decimal] = {}
        for (item_id, _), st in store.stock.items():
            totals[item_id] = totals.get(item_id, Decimal(0)) + st.on_hand
        out = []
        for item in store.table("logistics/Items").values():
            row = {**item, "Stock": totals.get(item["ID"], Decimal(0))}
            if not with_timestamp:
                row.pop("Timestamp", None)
            out.append(row)
        return out

    return rows
