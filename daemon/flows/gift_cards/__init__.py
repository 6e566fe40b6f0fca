"""Gift card liability in Exact: issue, link to the order that sold it, release on expiry.

Shopify has no gift-card webhook topic (Admin API 2026-01), so cards are only polled:
`gift_cards.import` reads every card updated since its cursor (updated_at).
"""

from __future__ import annotations

from daemon.flows.gift_cards.apply import (
    import_gift_cards,
    redeem_gift_cards,
    sync_gift_card,
)
from daemon.flows.gift_cards.liability import KIND as RECONCILE
from daemon.flows.gift_cards.liability import reconcile_job
from daemon.worker import Registry


def register(registry: Registry) -> None:
    registry.register("gift_cards.import", import_gift_cards)
    registry.register("gift_cards.sync", sync_gift_card)
    registry.register("gift_cards.redeem", redeem_gift_cards)
    registry.register(RECONCILE, reconcile_job)
