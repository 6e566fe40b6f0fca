"""The entity sets the sandbox serves: URL path, key, fields, row source, writers and topic.

Read-only stock views (field names): `inventory/ItemWarehouses` (ItemWarehouse.php in
picqer/exact-php-client) and the Sync API `sync/Inventory/StockPositions` (fields as selected by
public Exact taps: Timestamp, CurrentStock, FreeStock, ItemId, ItemCode, ItemDescription,
PlanningIn, PlanningOut, ProjectedStock, ReorderPoint, ReservedStock, UnitCode,
UnitDescription, Warehouse, WarehouseCode, WarehouseDescription). Exact has no `InStock` on
that endpoint: `CurrentStock` is the quantity in stock, `FreeStock` = CurrentStock − ReservedStock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import crm, items, ledger, sales
from .items import ITEM_FIELDS
from .jsonio import ApiError
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


@dataclass
class EntitySet:
    path: str
    type_name: str
    key: str
    fields: tuple[str, ...]
    rows: Callable[[], Iterable[Row]]
    page_size: int = 60
    lines: str | None = None  # navigation property holding the document's lines
    line_fields: tuple[str, ...] = ()
    create: Callable[[dict[str, Any]], Row] | None = None
    update: Callable[[Row, dict[str, Any]], None] | None = None
    delete: Callable[[Row], None] | None = None
    topic: str | None = None
    needs_select: bool = False  # Exact's bulk and sync endpoints insist on $select
    sync: bool = False  # pages on Timestamp instead of the key

    def get(self, key: str) -> Row | None:
        key_l = key.lower()
        for row in self.rows():
            if str(row[self.key]).lower() == key_l:
                return row
        return None


def _stock_views(store: Store) -> tuple[Callable[[], list[Row]], Callable[[], list[Row]]]:
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


def _items(store: Store, *, with_timestamp: bool = False) -> Callable[[], list[Row]]:
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


def _lines_of(store: Store, table: str, nav: str) -> Callable[[], list[Row]]:
    def rows() -> list[Row]:
        return [ln for doc in store.table(table).values() for ln in doc[nav]]

    return rows


def _no_edit(what: str) -> Callable[..., None]:
    def refuse(*_: Any) -> None:
        raise ApiError(400, f"{what} can not be changed through this endpoint.")

    return refuse


def build_registry(store: Store, client_id: str) -> dict[str, EntitySet]:
    """Every served set, keyed by its lower-cased path (Exact's URLs are case-insensitive)."""
    item_warehouses, stock_positions = _stock_views(store)

    def table(name: str) -> Callable[[], Iterable[Row]]:
        return lambda: store.table(name).values()

    def deleter(name: str, key: str) -> Callable[[Row], None]:
        return lambda row: store.table(name).pop(row[key], None)

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        return lambda *args: fn(store, *args)

    def delete_order(row: Row) -> None:
        if any(ln["QuantityDelivered"] for ln in row["SalesOrderLines"]):
            raise ApiError(400, "A sales order with deliveries can not be deleted.")
        for ln in row["SalesOrderLines"]:
            item = store.get("logistics/Items", ln["Item"])
            if item and item["IsStockItem"]:
                store.move_stock(
                    item["ID"],
                    row["WarehouseID"],
                    reserved=-ln["Quantity"],
                    planning_out=-ln["Quantity"],
                )
        store.table("salesorder/SalesOrders").pop(row["OrderID"], None)

    sets = [
        EntitySet(
            "crm/Accounts",
            "Account",
            "ID",
            crm.ACCOUNT_FIELDS,
            table("crm/Accounts"),
            create=wrap(crm.create_account),
            update=wrap(crm.update_account),
            delete=deleter("crm/Accounts", "ID"),
            topic="Accounts",
        ),
        EntitySet(
            "crm/Contacts",
            "Contact",
            "ID",
            crm.CONTACT_FIELDS,
            table("crm/Contacts"),
            create=wrap(crm.create_contact),
            update=wrap(crm.update_contact),
            delete=deleter("crm/Contacts", "ID"),
            topic="Contacts",
        ),
        EntitySet(
            "crm/Addresses",
            "Address",
            "ID",
            crm.ADDRESS_FIELDS,
            table("crm/Addresses"),
            create=wrap(crm.create_address),
            update=wrap(crm.update_address),
            delete=deleter("crm/Addresses", "ID"),
            topic="Addresses",
        ),
        EntitySet(
            "logistics/Items",
            "Item",
            "ID",
            ITEM_FIELDS,
            _items(store),
            create=wrap(items.create_item),
            update=_no_edit("An item"),
            topic="Items",
        ),
        EntitySet(
            "logistics/ItemGroups",
            "ItemGroup",
            "ID",
            ("ID", "Code", "Description", "Division", "Created", "Modified"),
            table("logistics/ItemGroups"),
        ),
        EntitySet(
            "inventory/Warehouses",
            "Warehouse",
            "ID",
            ("ID", "Code", "Description", "Main", "Division", "Created", "Modified"),
            table("inventory/Warehouses"),
        ),
        EntitySet(
            "inventory/ItemWarehouses",
            "ItemWarehouse",
            "ID",
            ITEM_WAREHOUSE_FIELDS,
            item_warehouses,
        ),
        EntitySet(
            "sync/Inventory/StockPositions",
            "StockPosition",
            "ID",
            STOCK_POSITION_FIELDS,
            stock_positions,
            page_size=1000,
            needs_select=True,
            sync=True,
        ),
        EntitySet(
            "sync/Logistics/Items",
            "Item",
            "ID",
            (*ITEM_FIELDS, "Timestamp"),
            _items(store, with_timestamp=True),
            page_size=1000,
            needs_select=True,
            sync=True,
        ),
        EntitySet(
            "bulk/Logistics/Items",
            "Item",
            "ID",
            ITEM_FIELDS,
            _items(store),
            page_size=1000,
            needs_select=True,
        ),
        EntitySet(
            "bulk/CRM/Accounts",
            "Account",
            "ID",
            crm.ACCOUNT_FIELDS,
            table("crm/Accounts"),
            page_size=1000,
            needs_select=True,
        ),
        EntitySet(
            "vat/VATCodes",
            "VATCode",
            "ID",
            (
                "ID",
                "Code",
                "Description",
                "Percentage",
                "Type",
                "VATTransactionType",
                "EUSalesListing",
                "OssCountry",
                "IsBlocked",
                "Division",
                "Created",
                "Modified",
            ),
            table("vat/VATCodes"),
        ),
        EntitySet(
            "financial/GLAccounts",
            "GLAccount",
            "ID",
            (
                "ID",
                "Code",
                "Description",
                "BalanceType",
                "BalanceSide",
                "Division",
                "Created",
                "Modified",
            ),
            table("financial/GLAccounts"),
        ),
        EntitySet(
            "financial/Journals",
            "Journal",
            "ID",
            ("ID", "Code", "Description", "Type", "Division", "Created", "Modified"),
            table("financial/Journals"),
        ),
        EntitySet(
            "salesorder/SalesOrders",
            "SalesOrder",
            "OrderID",
            sales.ORDER_FIELDS,
            table("salesorder/SalesOrders"),
            lines="SalesOrderLines",
            line_fields=sales.ORDER_LINE_FIELDS,
            create=wrap(sales.create_sales_order),
            update=wrap(sales.update_sales_order),
            delete=delete_order,
            topic="SalesOrders",
        ),
        EntitySet(
            "salesorder/SalesOrderLines",
            "SalesOrderLine",
            "ID",
            sales.ORDER_LINE_FIELDS,
            _lines_of(store, "salesorder/SalesOrders", "SalesOrderLines"),
        ),
        EntitySet(
            "salesorder/GoodsDeliveries",
            "GoodsDelivery",
            "EntryID",
            sales.DELIVERY_FIELDS,
            table("salesorder/GoodsDeliveries"),
            lines="GoodsDeliveryLines",
            line_fields=sales.DELIVERY_LINE_FIELDS,
            create=wrap(sales.create_goods_delivery),
            update=_no_edit("A goods delivery"),
            topic="GoodsDeliveries",
        ),
        EntitySet(
            "salesorder/GoodsDeliveryLines",
            "GoodsDeliveryLine",
            "ID",
            sales.DELIVERY_LINE_FIELDS,
            _lines_of(store, "salesorder/GoodsDeliveries", "GoodsDeliveryLines"),
        ),
        EntitySet(
            "salesinvoice/SalesInvoices",
            "SalesInvoice",
            "InvoiceID",
            sales.INVOICE_FIELDS,
            table("salesinvoice/SalesInvoices"),
            lines="SalesInvoiceLines",
            line_fields=sales.INVOICE_LINE_FIELDS,
            create=wrap(sales.create_sales_invoice),
            update=_no_edit("A sales invoice"),
            topic="SalesInvoices",
        ),
        EntitySet(
            "salesinvoice/SalesInvoiceLines",
            "SalesInvoiceLine",
            "ID",
            sales.INVOICE_LINE_FIELDS,
            _lines_of(store, "salesinvoice/SalesInvoices", "SalesInvoiceLines"),
        ),
        EntitySet(
            "financialtransaction/BankEntries",
            "BankEntry",
            "EntryID",
            ledger.BANK_FIELDS,
            table("financialtransaction/BankEntries"),
            lines="BankEntryLines",
            line_fields=ledger.BANK_LINE_FIELDS,
            create=wrap(ledger.create_bank_entry),
            update=_no_edit("A bank entry"),
            topic="FinancialTransactions",
        ),
        EntitySet(
            "financialtransaction/BankEntryLines",
            "BankEntryLine",
            "ID",
            ledger.BANK_LINE_FIELDS,
            _lines_of(store, "financialtransaction/BankEntries", "BankEntryLines"),
        ),
        EntitySet(
            "generaljournalentry/GeneralJournalEntries",
            "GeneralJournalEntry",
            "EntryID",
            ledger.JOURNAL_ENTRY_FIELDS,
            table("generaljournalentry/GeneralJournalEntries"),
            lines="GeneralJournalEntryLines",
            line_fields=ledger.JOURNAL_LINE_FIELDS,
            create=wrap(ledger.create_journal_entry),
            update=_no_edit("A journal entry"),
            topic="FinancialTransactions",
        ),
        EntitySet(
            "generaljournalentry/GeneralJournalEntryLines",
            "GeneralJournalEntryLine",
            "ID",
            ledger.JOURNAL_LINE_FIELDS,
            _lines_of(
                store, "generaljournalentry/GeneralJournalEntries", "GeneralJournalEntryLines"
            ),
        ),
        EntitySet(
            "read/financial/ReceivablesList",
            "ReceivablesList",
            "HID",
            ledger.RECEIVABLE_FIELDS,
            lambda: ledger.receivables(store),
        ),
        EntitySet(
            "webhooks/WebhookSubscriptions",
            "WebhookSubscription",
            "ID",
            crm.WEBHOOK_FIELDS,
            table("webhooks/WebhookSubscriptions"),
            create=lambda body: crm.create_webhook(store, body, client_id),
            update=_no_edit("A webhook subscription"),
            delete=deleter("webhooks/WebhookSubscriptions", "ID"),
        ),
    ]
    return {s.path.lower(): s for s in sets}
