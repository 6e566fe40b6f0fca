"""What the order plan needs beyond `connectors.shopify.models.Order`, and reading it from Shopify.

The shared order query has no fulfilment-order lines, attributes or tip; this small extra query
reads them (one call per order, about 260 points: 5 locations × 25 lines).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connectors.shopify.api import ShopifyAPI
from connectors.shopify.models import Order

ORDER_FACTS_QUERY = """
query order_facts($id: ID!) {
  order(id: $id) {
    id
    phone
    customAttributes { key value }
    totalTipReceivedSet { shopMoney { amount currencyCode } }
    customer { defaultPhoneNumber { phoneNumber } }
    fulfillmentOrders(first: 5) {
      nodes {
        status
        assignedLocation { name }
        lineItems(first: 25) { nodes { totalQuantity lineItem { id } } }
      }
    }
    fulfillments(first: 5) {
      id
      createdAt
      location { id }
      fulfillmentLineItems(first: 25) { nodes { quantity lineItem { id } } }
    }
  }
}
"""


@dataclass(frozen=True)
class OrderFacts:
    """Facts about one order the standard order read does not carry."""

    attributes: Mapping[str, str] = field(default_factory=dict)
    tip: Decimal = Decimal(0)
    phone: str | None = None
    # Line item id → [(Shopify location name, quantity)] from the fulfilment orders.
    line_locations: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    # The order's fulfilments as the fulfilment job wants them (the webhook's payload shape),
    # so the poller catches a fulfilment whose webhook never came.
    fulfillments: tuple[dict[str, Any], ...] = ()


def facts_from_graphql(node: dict[str, Any] | None) -> OrderFacts:
    if not node:
        return OrderFacts()
    attributes = {a["key"]: a["value"] for a in node.get("customAttributes") or [] if a}
    tip_set = (node.get("totalTipReceivedSet") or {}).get("shopMoney") or {}
    customer = node.get("customer") or {}
    phone = node.get("phone") or (customer.get("defaultPhoneNumber") or {}).get("phoneNumber")
    places: dict[str, list[tuple[str, int]]] = {}
    for fo in (node.get("fulfillmentOrders") or {}).get("nodes") or []:
        if fo.get("status") == "CANCELLED":
            continue
        name = (fo.get("assignedLocation") or {}).get("name") or ""
        for item in (fo.get("lineItems") or {}).get("nodes") or []:
            line_id = item["lineItem"]["id"]
            places.setdefault(line_id, []).append((name, int(item["totalQuantity"])))
    fulfillments = []
    for f in node.get("fulfillments") or []:
        location = (f.get("location") or {}).get("id")
        fulfillments.append(
            {
                "fulfillment_id": f["id"],
                "order_id": node.get("id"),
                "location_id": int(location.rsplit("/", 1)[-1]) if location else None,
                "created_at": f.get("createdAt"),
                "lines": [
                    [item["lineItem"]["id"], int(item["quantity"] or 0)]
                    for item in (f.get("fulfillmentLineItems") or {}).get("nodes") or []
                ],
            }
        )
    return OrderFacts(
        fulfillments=tuple(fulfillments),
        attributes=attributes,
        tip=Decimal(str(tip_set.get("amount") or 0)),
        phone=phone,
        line_locations={k: tuple(v) for k, v in places.items()},
    )


async def read_order(shopify: ShopifyAPI, gid: str) -> tuple[Order, OrderFacts] | None:
    """The order and its facts, as Shopify has them now; None if Shopify does not know it."""
    order = await shopify.get_order(gid)
    if order is None:
        return None
    data = await shopify.client.execute(ORDER_FACTS_QUERY, {"id": gid})
    return order, facts_from_graphql(data.get("order"))
