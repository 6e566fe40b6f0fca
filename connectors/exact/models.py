"""Typed views of the Exact entities flows read; field names are Exact's own (PascalCase).

Field names checked against picqer/exact-php-client entity classes (e.g. SalesOrder.php: primary
key `OrderID`, `WarehouseID`, `YourRef`) and, for sync/Inventory/StockPositions, a public Singer
tap's schema (ItemId, ItemCode, Warehouse, CurrentStock, PlanningIn/Out, ReservedStock, FreeStock).
`select()` gives the `$select` list, so flows only download what they read.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict

from connectors.exact.odata import parse_date


def _date(value: Any) -> Any:
    return parse_date(value) if isinstance(value, str) and value.startswith("/Date(") else value


def _decimal(value: Any) -> Any:
    # Exact's numbers arrive as Decimal (wire.loads) or int; refuse a float sneaking in.
    if isinstance(value, float):
        raise ValueError("quantities and amounts must not be floats")
    return value


def _strip(value: Any) -> Any:
    # Exact right-aligns some codes with spaces (account Code "            1001").
    return value.strip() if isinstance(value, str) else value


ODataDate = Annotated[datetime | None, BeforeValidator(_date)]
Amount = Annotated[Decimal, BeforeValidator(_decimal)]
Trimmed = Annotated[str, BeforeValidator(_strip)]


class ExactEntity(BaseModel):
    """Base: unknown fields are ignored, so a richer answer never breaks a flow."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    endpoint: ClassVar[str]
    key: ClassVar[str] = "ID"

    @classmethod
    def select(cls) -> str:
        return ",".join(cls.model_fields)


class Account(ExactEntity):
    endpoint = "crm/Accounts"
    ID: str
    Code: Trimmed | None = None
    Name: str
    Email: str | None = None
    VATNumber: str | None = None
    Country: str | None = None
    City: str | None = None
    Postcode: str | None = None
    AddressLine1: str | None = None
    IsSales: bool | None = None
    Status: str | None = None


class Item(ExactEntity):
    endpoint = "logistics/Items"
    ID: str
    Code: Trimmed
    Description: str | None = None
    IsStockItem: bool | None = None
    SalesVatCode: str | None = None
    Unit: str | None = None
    ItemGroup: str | None = None


class Warehouse(ExactEntity):
    endpoint = "inventory/Warehouses"
    ID: str
    Code: Trimmed
    Description: str | None = None


class StockPosition(ExactEntity):
    """One item in one warehouse, from the sync API (`Timestamp` is the sync cursor)."""

    endpoint = "Inventory/StockPositions"  # read through client.sync(), i.e. sync/Inventory/…
    ID: str
    Timestamp: int
    ItemId: str
    ItemCode: Trimmed | None = None
    Warehouse: str | None = None
    WarehouseCode: Trimmed | None = None
    CurrentStock: Amount = Decimal(0)
    PlanningIn: Amount = Decimal(0)
    PlanningOut: Amount = Decimal(0)
    ReservedStock: Amount = Decimal(0)
    FreeStock: Amount | None = None


class ItemWarehouse(ExactEntity):
    endpoint = "inventory/ItemWarehouses"
    ID: str
    Item: str
    ItemCode: Trimmed | None = None
    Warehouse: str
    WarehouseCode: Trimmed | None = None
    CurrentStock: Amount = Decimal(0)
    ReservedStock: Amount = Decimal(0)
    PlannedStockIn: Amount = Decimal(0)
    PlannedStockOut: Amount = Decimal(0)


class VATCode(ExactEntity):
    endpoint = "vat/VATCodes"
    ID: str
    Code: Trimmed
    Description: str | None = None
    Percentage: Amount = Decimal(0)  # a fraction: 0.21 for 21 %
    Type: str | None = None
    VATTransactionType: str | None = None


class GLAccount(ExactEntity):
    endpoint = "financial/GLAccounts"
    ID: str
    Code: Trimmed
    Description: str | None = None
    BalanceType: str | None = None  # "B" balance sheet, "W" profit and loss


class Journal(ExactEntity):
    endpoint = "financial/Journals"
    ID: str
    Code: Trimmed
    Description: str | None = None
    Type: int | None = None


class SalesOrder(ExactEntity):
    endpoint = "salesorder/SalesOrders"
    key = "OrderID"
    OrderID: str
    OrderNumber: int | None = None
    OrderedBy: str | None = None
    YourRef: str | None = None
    Description: str | None = None
    Currency: str | None = None
    AmountFC: Amount | None = None
    Status: int | None = None  # 12 open, 20 partial, 21 complete, 45 cancelled
    OrderDate: ODataDate = None
    WarehouseID: str | None = None


class SalesInvoice(ExactEntity):
    endpoint = "salesinvoice/SalesInvoices"
    key = "InvoiceID"
    InvoiceID: str
    InvoiceNumber: int | None = None
    OrderedBy: str | None = None
    YourRef: str | None = None
    Journal: str | None = None
    Type: int | None = None  # 8020 invoice, 8021 credit note
    Currency: str | None = None
    AmountFC: Amount | None = None
    Status: int | None = None
    InvoiceDate: ODataDate = None


class BankEntry(ExactEntity):
    endpoint = "financialtransaction/BankEntries"
    key = "EntryID"
    EntryID: str
    EntryNumber: int | None = None
    JournalCode: Trimmed | None = None
    Currency: str | None = None
    Created: ODataDate = None
