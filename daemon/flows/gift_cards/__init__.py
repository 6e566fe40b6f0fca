"""Gift card liability in Exact: issue, link to the order that sold it, release on expiry."""

from __future__ import annotations

from daemon.flows.gift_cards.apply import (
    import_gift_cards,
    redeem_gift_cards,
    route_gift_card_webhook,
    sync_gift_card,
)
from daemon.flows.gift_cards.liability import KIND as RECONCILE
from daemon.flows.gift_cards.liability import reconcile_job
from daemon.flows.webhooks import SHOPIFY_ROUTES
from daemon.worker import Registry

SHOPIFY_ROUTES["gift_cards/create"] = route_gift_card_webhook
SHOPIFY_ROUTES["gift_cards/update"] = route_gift_card_webhook


def register(registry: Registry) -> None:
    registry.register("gift_cards.import", import_gift_cards)
    registry.register("gift_cards.sync", sync_gift_card)
    registry.register("gift_cards.redeem", redeem_gift_cards)
    registry.register(RECONCILE, reconcile_job)
