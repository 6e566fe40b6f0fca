"""The request shapes the sandbox accepts: write bodies and query parameters, per resource.

Vendored facts, not our client's wishes. Write bodies: CCV's JSON schemas
`internal.resource.{products,orders}.patch.v1.json` and `…webhooks.post.v1.json` as generated
into jacobdekeizer/ccvshop-client (`src/Models/Internal/Resource/{Products,Orders,Webhooks}/…`,
commit 08c1a24, scraped from https://demo.ccvshop.nl/API/Docs/). Query parameters: the same
client's `src/Parameters/{Orders,Products,Users,Invoices}/All.php` and `SortableFields`.
Enums come from the schema descriptions; where a value set is unpublished only the type is
checked. Fields that exist in CCV but that the sandbox does not simulate are refused with 501.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

NUMBER, INT, BOOL, STRING = "number", "integer", "boolean", "string"

PRODUCT_PATCH: dict[str, str] = {
    "productnumber": STRING,
    "active": BOOL,
    "eannumber": STRING,
    "mpnnumber": STRING,
    "name": STRING,
    "shortdescription": STRING,
    "description": STRING,
    "vatrate": NUMBER,
    "taxtariff": STRING,
    "price": NUMBER,
    "discount": NUMBER,
    "purchaseprice": NUMBER,
    "container_deposit_price": NUMBER,
    "safety_deposit_price": NUMBER,
    "credit_points_custom": INT,
    "unit": STRING,
    "stockenabled": BOOL,
    "stocktype": STRING,
    "stock": NUMBER,
    "stocklocation": STRING,
    "ordering_without_stock": STRING,
    "weight": NUMBER,
    "brand": STRING,
    "brand_id": INT,
    "condition_id": INT,
    "color_id": INT,
    "condition": STRING,
    "maincategory": STRING,
    "subcategory": STRING,
    "package_id": INT,
    "meta_description": STRING,
    "meta_keywords": STRING,
    "page_title": STRING,
    "no_index": BOOL,
    "no_follow": BOOL,
    "alias": STRING,
    "specs": STRING,
    "decimal_amount": INT,
    "minimal_order_amount": NUMBER,
    "stock_delivery_number": INT,
    "stock_delivery_type": STRING,
    "stock_delivery_standard": STRING,
    "show_in_template": BOOL,
    "show_on_beginpage": BOOL,
    "show_on_facebook": BOOL,
    "show_order_button": STRING,
    "product_layout": INT,
    "photo_size": STRING,
    "hide_without_category": STRING,
    "memo": STRING,
    "supplier_id": INT,
    "fixed_staggered_prices": BOOL,
    "marktplaats_active": BOOL,
    "marktplaats_status": STRING,
    "marktplaats_cpc": NUMBER,
    "marktplaats_daily_budget": NUMBER,
    "marktplaats_total_budget": NUMBER,
    "marktplaats_category_id": INT,
    "marktplaats_price_type": STRING,
    "google_shopping_category": STRING,
    "is_included_for_export_feed": BOOL,
}

ORDER_PATCH: dict[str, str] = {
    "invoicenumber": INT,
    "paid": BOOL,
    "safety_deposit_returned": BOOL,
    "total_shipping": NUMBER,
    "paymethod_costs": NUMBER,
    "extra_costs": NUMBER,
    "extra_costs_description": STRING,
    "taxes_included": BOOL,
    "order_row_taxes_included": BOOL,
    "shipping_taxes_included": BOOL,
    "is_intra_community_order": BOOL,
    "currency": STRING,
    "is_platform_sale": BOOL,
    "orderedinlng": STRING,
    "status": INT,
    "note": STRING,
    "track_and_trace_code": STRING,
    "track_and_trace_carrier": STRING,
    "mail": BOOL,
    "deliver_date": STRING,
    "deliver_method": STRING,
    "takeoutslot": INT,
    "reservationnumber": STRING,
    "customer": "object",
    "orderrows": "array",
}

WEBHOOK_POST: dict[str, str] = {"event": STRING, "address": STRING, "is_active": BOOL}
WEBHOOK_PATCH: dict[str, str] = {"address": STRING, "is_active": BOOL}  # event is fixed

# Real fields whose effects (row replacement and recalculation, customer rewrite, POS take-out
# slots) the sandbox does not model: refused with 501 rather than silently half-applied.
NOT_SIMULATED = {"orderrows", "customer", "takeoutslot"}

ENUMS: dict[tuple[str, str], tuple[Any, ...]] = {
    ("orders", "status"): tuple(range(1, 15)),  # 1 New … 14 Reserved
    ("orders", "deliver_method"): ("shipping", "delivery", "pickup"),
    ("products", "ordering_without_stock"): ("global_setting", "yes", "no"),
    ("products", "show_order_button"): ("Y", "QUOTATION", "N"),
    ("products", "hide_without_category"): ("YES", "NO_DIRECTLINK", "NO_SEARCHRESULTS"),
    ("products", "stock_delivery_type"): (
        "days",
        "weeks",
        "months",
        "quarters",
        "years",
        "outofstock",
        "temporarilysoldout",
        "ordered",
        "onrequest",
        "unknown",
    ),
    ("products", "product_layout"): (1, 2, 3, 4),
}
NON_NEGATIVE = {("products", "price"), ("products", "discount"), ("orders", "total_shipping")}

# Query parameters per collection (besides start and size) and the type of each value.
QUERY: dict[str, dict[str, str]] = {
    "orders": {
        "ordernumber": INT,
        "status": INT,
        "is_paid": BOOL,
        "min_create_date": "date",
        "max_create_date": "date",
        "is_completed": BOOL,
        "orderby": "orderby",
    },
    "products": {
        "productnumber": STRING,
        "eannumber": STRING,
        "active": BOOL,
        "orderby": "orderby",
    },
    "users": {"orderby": "orderby"},
    "invoices": {
        "invoicenumber": INT,
        "ordernumber": INT,
        "status": STRING,
        "min_create_date": "date",
        "max_create_date": "date",
    },
    "orderrows": {},
    "invoicerows": {},
    "webhooks": {},
}
SORTABLE = {
    "orders": ("id", "ordernumber", "create_date", "deliver_date"),
    "products": ("id", "name", "createdate", "modifydate"),
    "users": ("id", "first_name", "last_name"),
}
INVOICE_STATUS = {"paid": 1, "unpaid": 2, "reimbursed": 3}


class Invalid(ValueError):
    """A request that does not match the schema; `field` names the culprit."""

    def __init__(self, message: str, field: str | None = None, *, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


def check_body(resource: str, schema: dict[str, str], body: Any) -> dict[str, Any]:
    """The body, or Invalid for a non-object, an unknown property or a wrong value."""
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object.")
    if not body:
        raise Invalid("The request body has no properties.")
    for name, value in body.items():
        kind = schema.get(name)
        if kind is None:
            raise Invalid(f"The property '{name}' is not allowed for {resource}.", name)
        if name in NOT_SIMULATED:
            raise Invalid(
                f"The property '{name}' is not simulated by the sandbox.", name, status=501
            )
        if value is None:
            continue  # the generated models type every property as nullable
        if not _is(kind, value):
            raise Invalid(f"The property '{name}' must be of type {kind}.", name)
        choices = ENUMS.get((resource, name))
        if choices and value not in choices:
            raise Invalid(f"The property '{name}' has an invalid value: {value!r}.", name)
        if (resource, name) in NON_NEGATIVE and value < 0:
            raise Invalid(f"The property '{name}' may not be negative.", name)
    return body


def _is(kind: str, value: Any) -> bool:
    if kind == NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == STRING:
        return isinstance(value, str)
    if kind == "object":
        return isinstance(value, dict)
    return isinstance(value, list)


def check_query(resource: str, params: dict[str, str], *, one: bool) -> dict[str, Any]:
    """Parsed filter values, or Invalid for an unknown parameter or an unreadable value."""
    allowed = {} if one else QUERY.get(resource, {})
    parsed: dict[str, Any] = {}
    for name, text in params.items():
        if name in ("start", "size") and not one:
            continue
        kind = allowed.get(name)
        if kind is None:
            raise Invalid(f"The parameter '{name}' is not allowed here.", name)
        parsed[name] = _parse(resource, name, kind, text)
    return parsed


def _parse(resource: str, name: str, kind: str, text: str) -> Any:
    bad = Invalid(f"The parameter '{name}' has an invalid value: {text!r}.", name)
    if kind == INT:
        if not text.isdigit():
            raise bad
        return int(text)
    if kind == BOOL:
        # PHP's http_build_query (official SDK) writes 1/0; other clients write true/false.
        if text in ("1", "true"):
            return True
        if text in ("0", "false"):
            return False
        raise bad
    if kind == "date":
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            raise bad from None
    if kind == "orderby":
        field = text.removesuffix("_desc")
        if field not in SORTABLE.get(resource, ()):
            raise bad
        return (field, text.endswith("_desc"))
    if name == "status" and resource == "invoices" and text not in INVOICE_STATUS:
        raise bad
    return text
