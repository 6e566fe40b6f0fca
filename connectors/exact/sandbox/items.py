"""Creating items through `logistics/Items`, as the orders flow does for unknown SKUs.

Writable fields per picqer/exact-php-client Item.php; read-only ones a client sends (such as
ItemGroupCode or Stock) are ignored, ItemGroup (a GUID) sets the group.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .jsonio import ApiError
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
        "Timestamp": store.bump(),
    }
    store.table("logistics/Items")[row["ID"]] = row
    return row
