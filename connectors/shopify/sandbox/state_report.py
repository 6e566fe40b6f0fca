"""GET /_sandbox/shopify/state: what the fake shop holds now, in plain JSON for tests and demos."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.shopify.sandbox import order_math as om
from connectors.shopify.sandbox.state import gid, iso

if TYPE_CHECKING:
    from connectors.shopify.sandbox.app import ShopifySandbox


def report(sb: ShopifySandbox) -> dict[str, Any]:
    s = sb.state
    inventory = []
    for (item_id, loc_id), level in sorted(s.levels.items()):
        variant = s.variants[s.variant_by_item[item_id]]
        inventory.append(
            {
                "sku": variant.sku,
                "location": s.locations[loc_id].code,
                "inventory_item_id": gid("InventoryItem", item_id),
                "location_id": gid("Location", loc_id),
                **{
                    k: v
                    for k, v in level.quantities.items()
                    if k in ("available", "on_hand", "committed")
                },
            }
        )
    return {
        "inventory": inventory,
        "orders": [
            {
                "id": gid("Order", o.id),
                "name": o.name,
                "updated_at": iso(o.updated_at),
                "financial_status": om.financial_status(s, o),
                "fulfillment_status": om.fulfillment_status(o),
                "cancelled": o.cancelled_at is not None,
                "total_price": str(om.total_price(s, o)),
                "lines": [
                    {
                        "sku": x.sku,
                        "quantity": x.quantity,
                        "location": s.locations[x.location_id].code,
                        "gift_card": x.is_gift_card,
                    }
                    for x in o.lines
                ],
            }
            for o in s.orders.values()
        ],
        "refunds": [
            {
                "id": gid("Refund", r.id),
                "order_id": gid("Order", r.order_id),
                "amount": str(om.refund_amount(s, r)),
                "gateways": [s.transactions[t].gateway for t in r.transaction_ids],
            }
            for r in s.refunds.values()
        ],
        "returns": [
            {"id": gid("Return", r.id), "name": r.name, "status": r.status}
            for r in s.returns.values()
        ],
        "gift_cards": [
            {
                "id": gid("GiftCard", g.id),
                "balance": str(g.balance),
                "initial_value": str(g.initial_value),
                "enabled": g.deactivated_at is None,
                "expires_on": g.expires_on and g.expires_on.isoformat(),
                "order_id": g.order_id and gid("Order", g.order_id),
            }
            for g in s.gift_cards.values()
        ],
        "store_credit": [
            {
                "id": gid("StoreCreditAccount", a.id),
                "balance": str(a.balance),
                "customer_id": gid("Customer", a.customer_id),
            }
            for a in s.store_credit.values()
        ],
        "payouts": [
            {
                "id": gid("ShopifyPaymentsPayout", p.id),
                "status": p.status,
                "net": str(p.net),
                "transactions": len(p.transaction_ids),
            }
            for p in s.payouts.values()
        ],
        "subscriptions": [
            {"id": gid("WebhookSubscription", x.id), "topic": x.topic, "uri": x.uri}
            for x in s.subscriptions.values()
        ],
        "webhook_deliveries": [d.as_log() for d in sb.webhooks.log],
        "webhook_behaviour": {"duplicates": sb.webhooks.duplicates, "shuffle": sb.webhooks.shuffle},
        "requests": dict(sb.requests),
        "faults": sb.faults.as_dict(),
        "bucket": sb.bucket.status(),
    }
