"""The shipping item: made in Exact the first time an order with shipping costs needs it.

Code `orders.items.shipping`, description `orders.items.shipping_description` ("Shipment"), a
sales item that is not a stock item, with the sales VAT code of the shop's standard rate (the
highest rate in `[orders.vat.domestic]`; each order line still carries its own VAT code).
Created once through the intent journal; `shopsync config check` says whether it exists yet.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.exact.odata import eq
from daemon.flows.orders.config import OrdersSettings
from state.intents import create_once

ITEMS = "logistics/Items"


def shipping_vat_code(settings: OrdersSettings) -> str:
    domestic = settings.vat.domestic
    if not domestic:
        return settings.vat.zero
    return domestic[max(domestic, key=Decimal)]


def shipping_body(settings: OrdersSettings) -> dict[str, Any]:
    return {
        "Code": settings.items.shipping,
        "Description": settings.items.shipping_description,
        "IsSalesItem": True,
        "IsStockItem": False,
        "SalesVatCode": shipping_vat_code(settings),
    }


async def create_shipping_item(services: Any, settings: OrdersSettings) -> str:
    """The shipping item's Exact id, made now if Exact has none (once, even across a crash)."""
    code = settings.items.shipping

    async def search() -> Any:
        rows = await services.exact.get(ITEMS, filter=eq("Code", code), select="ID", top=1)
        return rows[0] if rows else None

    async def create() -> Any:
        return await services.exact.post(ITEMS, shipping_body(settings))

    found, _ = await create_once(services.intents, f"{ITEMS}:{code}", ("ID",), search, create)
    return str(found["ID"])


async def shipping_status(services_exact: Any, settings: OrdersSettings) -> str:
    """One line for `config check`: the shipping item exists, or will be made on first use."""
    code = settings.items.shipping
    rows = await services_exact.get(ITEMS, filter=eq("Code", code), select="Code", top=1)
    if rows:
        return f"shipping item {code!r} exists in Exact"
    body = shipping_body(settings)
    return (
        f"shipping item {code!r} is not in Exact yet: the first order with shipping costs "
        f"creates it ({body['Description']!r}, non-stock, VAT code {body['SalesVatCode']!r})"
    )
