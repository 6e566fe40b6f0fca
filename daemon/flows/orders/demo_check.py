"""Order traffic for `shopsync demo` and the verdict on it: is every order in Exact, once, exactly?

Used by the demo (daemon/demo.py) and the orders tests; it speaks only the sandboxes' control
routes (`/_sandbox/shopify/...` to act, the two `state` reports to judge).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

Control = Callable[[str, str, Any], Awaitable[Any]]  # (method, path under /_sandbox/shopify, body)
PAID = {"PAID", "PARTIALLY_REFUNDED", "REFUNDED"}

BUYERS = [
    ({"email": "anna@example.com", "first_name": "Anna", "last_name": "de Vries"}, "NL"),
    ({"email": "bram@example.be", "first_name": "Bram", "last_name": "Peeters"}, "BE"),
    ({"email": "greta@example.de", "first_name": "Greta", "last_name": "Müller"}, "DE"),
    ({"email": "hugo@example.com", "first_name": "Hugo", "last_name": "Smit"}, "US"),
    (
        {
            "email": "inkoop@interieur.example",
            "first_name": "Jan",
            "last_name": "Jansen",
            "company": "Jansen Interieur BV",
            "vat_number": "BE0123456789",
        },
        "BE",
    ),
]


async def order_traffic(
    control: Control, rng: random.Random, skus: list[str], locations: list[str], count: int
) -> Counter[str]:
    """Place `count` orders of every kind; pay late, fulfil and cancel some. Answers events."""
    events: Counter[str] = Counter()
    for _ in range(count):
        buyer, country = rng.choice(BUYERS)
        lines: list[dict[str, Any]] = [
            {
                "sku": rng.choice(skus),
                "quantity": rng.randint(1, 3),
                "location": rng.choice(locations),
            }
            for _ in range(rng.randint(1, 3))
        ]
        if rng.random() < 0.15:
            lines.append({"gift_card": True, "amount": str(rng.choice([25, 50]))})
        body: dict[str, Any] = {"lines": lines, "customer": buyer, "shipping_country": country}
        if rng.random() < 0.7:
            body["shipping"] = {"title": "Parcel", "price": str(rng.choice(["4.95", "6.95"]))}
        if rng.random() < 0.3:
            body["discount"] = {"amount": "3.33", "title": "DEMO"}
        if rng.random() < 0.1:
            body["tip"] = "2.00"
        pending = rng.random() < 0.2
        if pending:
            body["financial_status"] = "pending"
        made = await control("POST", "/orders", body)
        events["orders"] += 1
        order_id = made["order_id"]
        if pending and rng.random() < 0.5:
            await control("POST", f"/orders/{order_id}/cancel", {})
            events["cancelled"] += 1
            continue
        if pending:
            await control("POST", f"/orders/{order_id}/pay", {})
            events["paid_later"] += 1
        if rng.random() < 0.5:
            await control("POST", f"/orders/{order_id}/fulfil", {})
            events["fulfilled"] += 1
    return events


def orders_verdict(
    shop_state: dict[str, Any],
    exact_state: dict[str, Any],
    *,
    default_warehouse: str,
    multi_location: bool = False,
) -> dict[str, Any]:
    """Compare both sandboxes: each paid, live order has its documents, once, to the cent."""
    documents = [*exact_state.get("sales_orders", []), *exact_state.get("invoices", [])]
    refs = Counter(d.get("YourRef") for d in documents)
    by_order: dict[str, Decimal] = {}
    for d in documents:
        name = str(d.get("YourRef") or "").split("/", 1)[0]
        by_order[name] = by_order.get(name, Decimal(0)) + Decimal(str(d["AmountFC"]))
    missing, wrong_total, expected = [], [], 0
    for order in shop_state.get("orders", []):
        if order["cancelled"] or order["financial_status"] not in PAID:
            continue
        expected += 1
        codes = {
            ln["location"] if multi_location and not ln["gift_card"] else default_warehouse
            for ln in order["lines"]
        }
        missing += [
            f"{order['name']}/{c}" for c in sorted(codes) if not refs.get(f"{order['name']}/{c}")
        ]
        if by_order.get(order["name"]) != Decimal(order["total_price"]):
            wrong_total.append(
                f"{order['name']}: Shopify {order['total_price']}, Exact "
                f"{by_order.get(order['name'])}"
            )
    duplicates = sorted(ref for ref, n in refs.items() if n > 1)
    return {
        "orders_expected": expected,
        "documents": len(documents),
        "deliveries": len(exact_state.get("goods_deliveries", [])),
        "missing": missing[:5],
        "duplicates": duplicates[:5],
        "wrong_totals": wrong_total[:5],
        "orders_in_sync": not (missing or duplicates or wrong_total),
    }
