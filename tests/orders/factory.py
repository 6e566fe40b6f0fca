"""Real-looking Shopify orders for plan tests, priced the way Shopify prices them."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.shopify.models import Order
from daemon.config import MappingSettings
from daemon.flows.orders.config import OrdersSettings
from daemon.flows.orders.facts import OrderFacts

_ids = itertools.count(1)
MAPPING = MappingSettings(
    default_warehouse="AMS",
    locations={"Amsterdam warehouse": "AMS", "Rotterdam store": "RTM", "Antwerp warehouse": "ANR"},
)


def c(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def bag(amount: Decimal | str) -> dict[str, Any]:
    return {"shopMoney": {"amount": str(amount), "currencyCode": "EUR"}}


def tax_of(amount: Decimal, rate: Decimal, included: bool) -> Decimal:
    if not rate:
        return Decimal(0)
    return c(amount * rate / (1 + rate)) if included else c(amount * rate)


def line(
    sku: str | None,
    qty: int,
    unit: str,
    rate: str = "0.21",
    *,
    discount: str = "0",
    gift_card: bool = False,
) -> dict[str, Any]:
    return {
        "sku": sku,
        "qty": qty,
        "unit": Decimal(unit),
        "rate": Decimal(rate),
        "discount": Decimal(discount),
        "gift_card": gift_card,
    }


def order(
    lines: list[dict[str, Any]],
    *,
    shipping: str | None = None,
    shipping_rate: str = "0.21",
    taxes_included: bool = True,
    country: str = "NL",
    company: str | None = None,
    email: str | None = "anna@example.com",
    customer: bool = True,
    name: str = "#1001",
    total_adjust: str = "0",
    tip: str = "0",
) -> Order:
    total = Decimal(tip)
    items = []
    for spec in lines:
        after = spec["unit"] * spec["qty"] - spec["discount"]
        tax = tax_of(after, spec["rate"], taxes_included)
        total += after + (Decimal(0) if taxes_included else tax)
        items.append(
            {
                "id": f"gid://shopify/LineItem/{next(_ids)}",
                "sku": spec["sku"],
                "name": f"Product {spec['sku']}",
                "quantity": spec["qty"],
                "isGiftCard": spec["gift_card"],
                "originalUnitPriceSet": bag(spec["unit"]),
                "discountAllocations": [{"allocatedAmountSet": bag(spec["discount"])}]
                if spec["discount"]
                else [],
                "taxLines": [{"title": "VAT", "rate": str(spec["rate"]), "priceSet": bag(tax)}]
                if spec["rate"]
                else [],
            }
        )
    ship = []
    if shipping is not None:
        price, rate = Decimal(shipping), Decimal(shipping_rate)
        tax = tax_of(price, rate, taxes_included)
        total += price + (Decimal(0) if taxes_included else tax)
        ship.append(
            {
                "id": f"gid://shopify/ShippingLine/{next(_ids)}",
                "title": "Standard",
                "originalPriceSet": bag(price),
                "taxLines": [{"rate": str(rate), "priceSet": bag(tax)}] if rate else [],
            }
        )
    number = next(_ids)
    address = {
        "firstName": "Anna",
        "lastName": "de Vries",
        "company": company,
        "address1": "Keizersgracht 1",
        "zip": "1015 AA",
        "city": "Amsterdam",
        "countryCodeV2": country,
    }
    now = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
    return Order.model_validate(
        {
            "id": f"gid://shopify/Order/{number}",
            "legacyResourceId": number,
            "name": name,
            "email": email,
            "createdAt": now.isoformat(),
            "updatedAt": now.isoformat(),
            "currencyCode": "EUR",
            "taxesIncluded": taxes_included,
            "displayFinancialStatus": "PAID",
            "totalPriceSet": bag(total + Decimal(total_adjust)),
            "customer": {
                "id": f"gid://shopify/Customer/{number}",
                "email": email,
                "firstName": "Anna",
                "lastName": "de Vries",
            }
            if customer
            else None,
            "billingAddress": address,
            "shippingAddress": address,
            "lineItems": {"nodes": items},
            "shippingLines": {"nodes": ship},
        }
    )


def facts(
    o: Order,
    *,
    vat_number: str | None = None,
    tip: str = "0",
    places: dict[int, list[tuple[str, int]]] | None = None,
) -> OrderFacts:
    """`places`: line index → [(location name, quantity)]."""
    line_locations = {o.line_items[i].id: tuple(where) for i, where in (places or {}).items()}
    return OrderFacts(
        attributes={"vat_number": vat_number} if vat_number else {},
        tip=Decimal(tip),
        line_locations=line_locations,
    )


def settings(**kw: Any) -> OrdersSettings:
    return OrdersSettings(**kw)
