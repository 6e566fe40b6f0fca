"""Sales documents: SalesOrders and SalesInvoices/credit notes, lines posted inline.

Field names and keys from picqer/exact-php-client (SalesOrder.php: primary key OrderID, Status
12 open / 20 partial / 21 complete / 45 cancelled; SalesInvoice.php: InvoiceID, Type 8020 sales
invoice / 8021 credit note / 8023 direct invoice / 8024 direct credit note). Stock effects: an
order line plans stock out (`Store.order_stock`: PlanningOut, and ReservedStock only when the
sandbox's `orders_reserve` setting says so; a delivery, in `deliveries`, takes it out). Only the
direct types move stock (8023 books it out, 8024 back in) and they need `Warehouse`; the normal
types 8020/8021 refuse it and never touch stock (SalesInvoice.php: "Mandatory for direct sales
invoice/credit note, cannot be set for normal sales invoice/credit note"; the contract's
`conditional` rules for salesinvoice/SalesInvoices).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .jsonio import ApiError, parse_date
from .store import Row, Store, new_guid
from .validation import decimal_field, money, reference, reject_unknown, required, vat_code

ORDER_FIELDS = (
    "OrderID",
    "OrderNumber",
    "OrderDate",
    "OrderedBy",
    "OrderedByName",
    "DeliverTo",
    "InvoiceTo",
    "YourRef",
    "Description",
    "Remarks",
    "Currency",
    "AmountFC",
    "AmountFCExclVat",
    "AmountDC",
    "Status",
    "StatusDescription",
    "DeliveryStatus",
    "InvoiceStatus",
    "WarehouseID",
    "WarehouseCode",
    "DeliveryDate",
    "PaymentReference",
    "SalesOrderLines",
    "Division",
    "Created",
    "Modified",
)
ORDER_LINE_FIELDS = (
    "ID",
    "OrderID",
    "OrderNumber",
    "LineNumber",
    "Item",
    "ItemCode",
    "ItemDescription",
    "Description",
    "Quantity",
    "QuantityDelivered",
    "QuantityInvoiced",
    "UnitPrice",
    "NetPrice",
    "Discount",
    "AmountFC",
    "AmountDC",
    "VATAmount",
    "VATCode",
    "VATPercentage",
    "DeliveryDate",
    "Division",
)
INVOICE_FIELDS = (
    "InvoiceID",
    "InvoiceNumber",
    "InvoiceDate",
    "Type",
    "Journal",
    "OrderedBy",
    "OrderedByName",
    "InvoiceTo",
    "DeliverTo",
    "YourRef",
    "Description",
    "Remarks",
    "Currency",
    "AmountFC",
    "AmountFCExclVat",
    "VATAmountFC",
    "AmountDC",
    "Status",
    "StatusDescription",
    "Warehouse",
    "DueDate",
    "PaymentCondition",
    "SalesInvoiceLines",
    "Division",
    "Created",
    "Modified",
)
INVOICE_LINE_FIELDS = (
    "ID",
    "InvoiceID",
    "LineNumber",
    "Item",
    "ItemCode",
    "ItemDescription",
    "Description",
    "Quantity",
    "UnitPrice",
    "NetPrice",
    "Discount",
    "AmountFC",
    "AmountDC",
    "VATAmountFC",
    "VATCode",
    "VATPercentage",
    "GLAccount",
    "SalesOrder",
    "SalesOrderLine",
    "Division",
)
_ORDER_INPUT = set(ORDER_FIELDS) - {"OrderID", "OrderNumber", "AmountFC", "AmountDC"}
STATUS = {12: "Open", 20: "Partial", 21: "Complete", 45: "Cancelled"}
NORMAL_TYPES = (8020, 8021)  # sales invoice, sales credit note: no stock, no Warehouse
DIRECT_TYPES = (8023, 8024)  # direct invoice, direct credit note: Warehouse, stock moves
INVOICE_TYPES = (8020, 8023)
CREDIT_TYPES = (8021, 8024)


def lines_of_body(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    lines = body.get(name)
    if isinstance(lines, dict):  # OData v2 also accepts {"results": [...]}
        lines = lines.get("results")
    if not lines or not isinstance(lines, list):
        raise ApiError(400, f"Mandatory: {name}")
    return lines


def _priced_line(
    store: Store, raw: dict[str, Any], allowed: tuple[str, ...], kind: str, account: Row, n: int
) -> Row:
    reject_unknown(raw, allowed, kind)
    item = reference(store, "logistics/Items", raw, "Item")
    assert item is not None
    qty = decimal_field(raw, "Quantity")
    discount = decimal_field(raw, "Discount", Decimal(0))
    unit = decimal_field(raw, "UnitPrice", item["StandardSalesPrice"])
    net = decimal_field(raw, "NetPrice", unit * (1 - discount))
    vat = vat_code(store, raw.get("VATCode") or item["SalesVatCode"], account)
    amount = money(qty * net)
    return {
        "ID": new_guid(),
        "LineNumber": raw.get("LineNumber") or n,
        "Item": item["ID"],
        "ItemCode": item["Code"],
        "ItemDescription": item["Description"],
        "Description": raw.get("Description") or item["Description"],
        "Quantity": qty,
        "UnitPrice": unit,
        "NetPrice": net,
        "Discount": discount,
        "AmountFC": amount,
        "AmountDC": amount,
        "VATCode": vat["Code"],
        "VATPercentage": vat["Percentage"],
        "_vat": money(amount * vat["Percentage"]),
        "Division": store.division,
    }


def create_sales_order(store: Store, body: dict[str, Any]) -> Row:
    reject_unknown(body, ORDER_FIELDS, "SalesOrder")
    account = reference(store, "crm/Accounts", body, "OrderedBy")
    assert account is not None
    for field in ("DeliverTo", "InvoiceTo"):
        reference(store, "crm/Accounts", body, field, mandatory=False)
    if body.get("WarehouseID"):
        warehouse = reference(store, "inventory/Warehouses", body, "WarehouseID")
    else:
        warehouse = store.main_warehouse()
    assert warehouse is not None
    raw_lines = lines_of_body(body, "SalesOrderLines")
    lines = [
        _priced_line(store, raw, ORDER_LINE_FIELDS, "SalesOrderLine", account, i)
        for i, raw in enumerate(raw_lines, 1)
    ]
    number = store.next_number("order", 1)
    order_id = new_guid()
    excl = sum((ln["AmountFC"] for ln in lines), Decimal(0))
    vat = sum((ln["_vat"] for ln in lines), Decimal(0))
    order = {f: None for f in ORDER_FIELDS} | store.base_row()
    order.update({k: v for k, v in body.items() if k in _ORDER_INPUT and k != "SalesOrderLines"})
    order.update(
        OrderID=order_id,
        OrderNumber=number,
        OrderedBy=account["ID"],
        OrderedByName=account["Name"],
        DeliverTo=body.get("DeliverTo") or account["ID"],
        InvoiceTo=body.get("InvoiceTo") or account["ID"],
        OrderDate=parse_date(body["OrderDate"], "OrderDate", store.rules.offset_dates)
        if body.get("OrderDate")
        else store.local_now(),
        Currency=body.get("Currency") or store.catalogue.currency,
        AmountFCExclVat=excl,
        AmountFC=excl + vat,
        AmountDC=excl + vat,
        Status=12,
        StatusDescription="Open",
        DeliveryStatus=12,
        InvoiceStatus=12,
        WarehouseID=warehouse["ID"],
        WarehouseCode=warehouse["Code"],
    )
    for ln in lines:
        ln.update(
            OrderID=order_id,
            OrderNumber=number,
            QuantityDelivered=Decimal(0),
            QuantityInvoiced=Decimal(0),
            VATAmount=ln.pop("_vat"),
            DeliveryDate=None,
        )
    order["SalesOrderLines"] = lines
    store.table("salesorder/SalesOrders")[order_id] = order
    for ln in lines:
        item = store.get("logistics/Items", ln["Item"])
        if item and item["IsStockItem"]:
            store.order_stock(item["ID"], warehouse["ID"], ln["Quantity"])
    return order


def update_sales_order(store: Store, row: Row, body: dict[str, Any]) -> None:
    reject_unknown(body, ORDER_FIELDS, "SalesOrder")
    for fixed in ("OrderedBy", "DeliverTo", "InvoiceTo", "SalesOrderLines"):
        if fixed in body and body[fixed] != row[fixed]:
            raise ApiError(400, f"{fixed} can not be changed for an existing sales order.")
    for key in ("YourRef", "Description", "Remarks", "DeliveryDate", "PaymentReference"):
        if key in body:
            row[key] = body[key]
    row["Modified"] = store.clock.now_dt()


def create_sales_invoice(store: Store, body: dict[str, Any]) -> Row:
    reject_unknown(body, INVOICE_FIELDS, "SalesInvoice")
    account = reference(store, "crm/Accounts", body, "OrderedBy")
    assert account is not None
    journal_code = str(required(body, "Journal")).strip()
    journal = store.find("financial/Journals", "Code", journal_code)
    if journal is None or journal["Type"] != 20:
        raise ApiError(400, f"Invalid journal: {journal_code} is not a sales journal.")
    kind = body.get("Type", 8020)
    if kind not in (*NORMAL_TYPES, *DIRECT_TYPES):
        raise ApiError(400, f"Invalid value for Type: {kind}")
    warehouse = None
    if kind in NORMAL_TYPES and body.get("Warehouse") is not None:
        raise ApiError(
            400, "Warehouse: cannot be set for normal sales invoice/credit note (Type 8020/8021)."
        )
    if kind in DIRECT_TYPES:
        if not body.get("Warehouse"):
            raise ApiError(400, "Mandatory: Warehouse (direct sales invoice/credit note).")
        warehouse = reference(store, "inventory/Warehouses", body, "Warehouse")
    lines = [
        _priced_line(store, raw, INVOICE_LINE_FIELDS, "SalesInvoiceLine", account, i)
        for i, raw in enumerate(lines_of_body(body, "SalesInvoiceLines"), 1)
    ]
    invoice_id = new_guid()
    excl = sum((ln["AmountFC"] for ln in lines), Decimal(0))
    for ln in lines:
        ln["VATAmountFC"] = ln.pop("_vat")
        ln["InvoiceID"] = invoice_id
        ln.setdefault("GLAccount", None)
        ln.setdefault("SalesOrder", None)
        ln.setdefault("SalesOrderLine", None)
    vat = sum((ln["VATAmountFC"] for ln in lines), Decimal(0))
    invoice = {f: None for f in INVOICE_FIELDS} | store.base_row()
    invoice.update(
        InvoiceID=invoice_id,
        InvoiceNumber=store.next_number("invoice", 24_000_001),
        InvoiceDate=parse_date(body["InvoiceDate"], "InvoiceDate", store.rules.offset_dates)
        if body.get("InvoiceDate")
        else store.local_now(),
        Type=kind,
        Journal=journal_code,
        OrderedBy=account["ID"],
        OrderedByName=account["Name"],
        InvoiceTo=body.get("InvoiceTo") or account["ID"],
        DeliverTo=body.get("DeliverTo") or account["ID"],
        YourRef=body.get("YourRef"),
        Description=body.get("Description"),
        Remarks=body.get("Remarks"),
        Currency=body.get("Currency") or store.catalogue.currency,
        AmountFCExclVat=excl,
        VATAmountFC=vat,
        AmountFC=excl + vat,
        AmountDC=excl + vat,
        Status=20,
        StatusDescription="Open",
        Warehouse=warehouse["ID"] if warehouse else None,
        SalesInvoiceLines=lines,
        PaymentCondition=body.get("PaymentCondition"),
    )
    invoice["DueDate"] = invoice["InvoiceDate"]
    store.table("salesinvoice/SalesInvoices")[invoice_id] = invoice
    if warehouse is None:
        return invoice  # a normal invoice or credit note: stock leaves by goods delivery only
    for ln in lines:
        item = store.get("logistics/Items", ln["Item"])
        if item and item["IsStockItem"] and ln["Quantity"]:
            # 8023 lines are positive (stock out); 8024 lines negative (stock back in).
            store.move_stock(item["ID"], warehouse["ID"], on_hand=-ln["Quantity"])
    return invoice
