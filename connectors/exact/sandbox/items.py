"""Creating and changing items through `logistics/Items` (orders' unknown SKUs, the products flow).

Writable fields per picqer/exact-php-client Item.php; read-only ones a client sends (such as
ItemGroupCode or Stock) are ignored, ItemGroup (a GUID) sets the group.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .jsonio import ApiError, parse_date
from .store import Row, Store, new_guid
from .validation import decimal_field, reference, reject_unknown, required

ITEM_FIELDS = (
    "ID",
    "Code",
    "Description",
    "ItemGroup",
    "ItemGroupCode",
    "ItemGroupDescription",
    "IsStockItem",
    "IsSalesItem",
    "SalesVatCode",
    "SalesVatCodeDescription",
    "Unit",
    "UnitDescription",
    "StandardSalesPrice",
    "Stock",
    "Barcode",
    "EndDate",
    "Division",
    "Created",
    "Modified",
)


def create_item(store: Store, body: dict[str, Any]) -> Row:
    reject_unknown(body, ITEM_FIELDS, "Item")
    code = str(required(body, "Code")).strip()
    description = required(body, "Description")
    if store.find("logistics/Items", "Code", code):
        raise ApiError(400, f"Code {code} already exists.")
    group = reference(store, "logistics/ItemGroups", body, "ItemGroup", mandatory=False)
    vat_code = str(body.get("SalesVatCode") or "1").strip()
    vat = store.find("vat/VATCodes", "Code", vat_code)
    if vat is None:
        raise ApiError(400, f"Invalid VAT code: {vat_code}")
    row = store.base_row() | {
        "ID": new_guid(),
        "Code": code,
        "Description": description,
        "ItemGroup": group["ID"] if group else None,
        "ItemGroupCode": group["Code"] if group else None,
        "ItemGroupDescription": group["Description"] if group else None,
        "IsStockItem": bool(body.get("IsStockItem", False)),
        "IsSalesItem": bool(body.get("IsSalesItem", True)),
        "SalesVatCode": vat["Code"],
        "SalesVatCodeDescription": vat["Description"],
        "Unit": body.get("Unit") or "pc",
        "UnitDescription": "Piece",
        "StandardSalesPrice": decimal_field(body, "StandardSalesPrice", Decimal(0)),
        "Barcode": body.get("Barcode"),
        "EndDate": None,
        "Timestamp": store.bump(),
    }
    store.table("logistics/Items")[row["ID"]] = row
    return row


# What a PUT may change here. Others of Exact's item properties (Code, IsStockItem once the item
# has moved, Unit) are not simulated: refused as such rather than silently taken.
UPDATABLE = ("Description", "ItemGroup", "SalesVatCode", "StandardSalesPrice", "Barcode", "EndDate")


def update_item(store: Store, view: Row, body: dict[str, Any]) -> None:
    """Validate every field first, then write: a refused PUT changes nothing."""
    reject_unknown(body, UPDATABLE, "Item (update)")
    row = store.table("logistics/Items")[view["ID"]]  # the served row is a view with Stock
    if "Description" in body and not str(body["Description"] or "").strip():
        raise ApiError(400, "Mandatory: Description")
    group = reference(store, "logistics/ItemGroups", body, "ItemGroup", mandatory=False)
    vat = None
    if "SalesVatCode" in body:
        vat = store.find("vat/VATCodes", "Code", str(body["SalesVatCode"] or "").strip())
        if vat is None:
            raise ApiError(400, f"Invalid VAT code: {body['SalesVatCode']}")
    price = decimal_field(body, "StandardSalesPrice") if "StandardSalesPrice" in body else None
    end = body.get("EndDate")
    end_date = None if end is None else parse_date(end, "EndDate", store.rules.offset_dates)
    if "Description" in body:
        row["Description"] = body["Description"]
    if "ItemGroup" in body:
        row["ItemGroup"] = group["ID"] if group else None
        row["ItemGroupCode"] = group["Code"] if group else None
        row["ItemGroupDescription"] = group["Description"] if group else None
    if vat is not None:
        row["SalesVatCode"] = vat["Code"]
        row["SalesVatCodeDescription"] = vat["Description"]
    if price is not None:
        row["StandardSalesPrice"] = price
    if "Barcode" in body:
        row["Barcode"] = body["Barcode"]
    if "EndDate" in body:
        row["EndDate"] = end_date
    row["Timestamp"] = store.bump()
