"""The entity sets the sandbox serves: URL path, key, fields, row source, writers and topic."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import crm, deliveries, items, ledger, order_lines, sales
from .contract_check import Contract, load_contract
from .items import ITEM_FIELDS
from .jsonio import ApiError, not_simulated
from .stock_views import (
    ITEM_WAREHOUSE_FIELDS,
    STOCK_POSITION_FIELDS,
    item_rows,
    stock_views,
)
from .store import Row, Store


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
    sync: bool = False  # pages on Timestamp instead of the key

    def get(self, key: str) -> Row | None:
        key_l = key.lower()
        for row in self.rows():
            if str(row[self.key]).lower() == key_l:
                return row
        return None


def _lines_of(store: Store, table: str, nav: str) -> Callable[[], list[Row]]:
    def rows() -> list[Row]:
        return [ln for doc in store.table(table).values() for ln in doc[nav]]

    return rows


def _no_edit(what: str) -> Callable[..., None]:
    # Only reached when the contract allows the PUT (Exact can change it): not simulated here.
    def refuse(*_: Any) -> None:
        raise not_simulated(f"changing {what}")

    return refuse


def _as_contract_says(sets: list[EntitySet], contract: Contract) -> list[EntitySet]:
    """Serve only what Exact has: every set must be a contract endpoint, and a field the
    contract does not list is dropped (never rendered, filtered on or accepted)."""
    for es in sets:
        ep = contract.require(es.path)
        es.fields = tuple(f for f in es.fields if f in ep.fields)
        if es.lines:
            line_ep = contract.require(ep.inline[es.lines])
            es.line_fields = tuple(f for f in es.line_fields if f in line_ep.fields)
    return sets


def build_registry(
    store: Store, client_id: str, contract: Contract | None = None
) -> dict[str, EntitySet]:
    """Every served set, keyed by its lower-cased path (Exact's URLs are case-insensitive)."""
    item_warehouses, stock_positions = stock_views(store)

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
                store.order_stock(item["ID"], row["WarehouseID"], -ln["Quantity"])
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
            item_rows(store),
            create=wrap(items.create_item),
            update=wrap(items.update_item),
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
            sync=True,
        ),
        EntitySet(
            "sync/Logistics/Items",
            "Item",
            "ID",
            (*ITEM_FIELDS, "Timestamp"),
            item_rows(store, with_timestamp=True),
            page_size=1000,
            sync=True,
        ),
        EntitySet(
            "bulk/Logistics/Items",
            "Item",
            "ID",
            ITEM_FIELDS,
            item_rows(store),
            page_size=1000,
        ),
        EntitySet(
            "bulk/CRM/Accounts",
            "Account",
            "ID",
            crm.ACCOUNT_FIELDS,
            table("crm/Accounts"),
            page_size=1000,
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
            create=wrap(order_lines.create_order_line),
            update=wrap(order_lines.update_order_line),
            delete=wrap(order_lines.delete_order_line),
        ),
        EntitySet(
            "salesorder/GoodsDeliveries",
            "GoodsDelivery",
            "EntryID",
            deliveries.DELIVERY_FIELDS,
            table("salesorder/GoodsDeliveries"),
            lines="GoodsDeliveryLines",
            line_fields=deliveries.DELIVERY_LINE_FIELDS,
            create=wrap(deliveries.create_goods_delivery),
            update=_no_edit("A goods delivery"),
            topic="GoodsDeliveries",
        ),
        EntitySet(
            "salesorder/GoodsDeliveryLines",
            "GoodsDeliveryLine",
            "ID",
            deliveries.DELIVERY_LINE_FIELDS,
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
        EntitySet(
            "system/Divisions",
            "SystemDivision",
            "Code",
            (
                "Code",
                "Description",
                "Current",
                "Currency",
                "DivisionMoveDate",
                "Status",
                "Created",
                "Modified",
            ),
            store.division_rows,
        ),
    ]
    return {s.path.lower(): s for s in _as_contract_says(sets, contract or load_contract())}
