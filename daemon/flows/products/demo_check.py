"""The demo's product traffic (a merchant adds a product, then changes its price) and verdict."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import anyio

from daemon.flows.products.plan import net_price

Control = Callable[[str, str, Any], Awaitable[Any]]
RATE = Decimal("0.21")  # the demo product's type has no [products.vat_rates] entry: 21 %


async def product_traffic(control: Control, rng: random.Random) -> dict[str, Decimal]:
    """Create a product of two variants, then raise one price; answer code → expected net."""
    tag = rng.randrange(10_000, 99_999)
    sizes = {f"DEMO-{tag}-S": "24.20", f"DEMO-{tag}-M": "24.20"}
    made = await control(
        "POST",
        "/products",
        {
            "title": f"Demo Tee {tag}",
            "product_type": "Shirts",
            "variants": [
                {"sku": sku, "title": sku[-1], "price": price} for sku, price in sizes.items()
            ],
        },
    )
    await anyio.sleep(1.0)  # an edit after the create, as a merchant makes it
    small = next(iter(sizes))
    sizes[small] = "30.25"
    await control(
        "POST", f"/products/{made['product_id']}", {"variants": [{"sku": small, "price": "30.25"}]}
    )
    return {sku: net_price(Decimal(price), RATE) for sku, price in sizes.items()}


def products_verdict(exact_state: dict[str, Any], expected: dict[str, Decimal]) -> dict[str, Any]:
    """Each expected item exists once in Exact with the shop's price net of VAT."""
    rows = [i for i in exact_state.get("items", []) if i["Code"] in expected]
    wrong = []
    for code, price in expected.items():
        found = [r for r in rows if r["Code"] == code]
        if len(found) != 1 or Decimal(str(found[0]["StandardSalesPrice"])) != price:
            got = [str(r["StandardSalesPrice"]) for r in found]
            wrong.append(f"{code}: want one item at {price}, Exact has {got or 'none'}")
    return {"items": len(rows), "items_in_sync": not wrong, "item_mismatches": wrong}
