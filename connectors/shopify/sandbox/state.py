"""The sandbox shop's in-memory records, seeded from the shared catalogue, and its stock rules."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.sandbox_catalogue import Catalogue
from connectors.shopify.sandbox.records import (
    BalanceTxRec,
    BulkOperationRec,
    CustomerRec,
    FulfillmentRec,
    GiftCardRec,
    LevelRec,
    LocationRec,
    OrderRec,
    PayoutRec,
    ProductRec,
    RefundRec,
    ReturnRec,
    StoreCreditAccountRec,
    SubscriptionRec,
    TransactionRec,
    VariantRec,
)

CENT = Decimal("0.01")
# Quantity names an InventoryLevel reports; `available` + the reserved states make `on_hand`.
QUANTITY_NAMES = (
    "available",
    "committed",
    "damaged",
    "incoming",
    "on_hand",
    "quality_control",
    "reserved",
    "safety_stock",
)
_IN_ON_HAND = ("available", "committed", "damaged", "quality_control", "reserved", "safety_stock")


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime | None) -> str | None:
    """Shopify's DateTime format: UTC with a Z suffix, whole seconds."""
    if ts is None:
        return None
    return ts.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def gid(kind: str, num: int) -> str:
    return f"gid://shopify/{kind}/{num}"


def parse_id(value: str | int) -> int:
    """Accept `gid://shopify/Order/5`, `5` or 5 (the control surface takes all three)."""
    if isinstance(value, int):
        return value
    text = str(value).split("?")[0]
    return int(text.rsplit("/", 1)[-1])


class ShopState:
    """Everything the fake shop knows. Plain dicts keyed by numeric id; gids are built on output."""

    def __init__(self, catalogue: Catalogue, *, shop_domain: str) -> None:
        self.catalogue = catalogue
        self.currency = catalogue.currency
        self.shop_domain = shop_domain
        self.taxes_included = catalogue.taxes_included
        self._ids = itertools.count(1001)
        self._order_numbers = itertools.count(1001)
        self._return_numbers = itertools.count(1)
        now = utcnow()
        self.locations: dict[int, LocationRec] = {}
        self.products: dict[int, ProductRec] = {}
        self.variants: dict[int, VariantRec] = {}
        self.variant_by_item: dict[int, int] = {}
        self.levels: dict[tuple[int, int], LevelRec] = {}
        self.customers: dict[int, CustomerRec] = {}
        self.orders: dict[int, OrderRec] = {}
        self.transactions: dict[int, TransactionRec] = {}
        self.fulfillments: dict[int, FulfillmentRec] = {}
        self.refunds: dict[int, RefundRec] = {}
        self.returns: dict[int, ReturnRec] = {}
        self.gift_cards: dict[int, GiftCardRec] = {}
        self.store_credit: dict[int, StoreCreditAccountRec] = {}
        self.balance_txs: dict[int, BalanceTxRec] = {}
        self.payouts: dict[int, PayoutRec] = {}
        self.subscriptions: dict[int, SubscriptionRec] = {}
        self.bulk_operations: dict[int, BulkOperationRec] = {}
        # @idempotent keys seen by mutations: key -> (input fingerprint, payload given then).
        self.idempotency: dict[str, tuple[str, Any]] = {}
        for loc in catalogue.locations:
            lid = self.new_id()
            self.locations[lid] = LocationRec(lid, loc.code, loc.name, loc.country)
        for p in catalogue.products:
            pid, vid, iid = self.new_id(), self.new_id(), self.new_id()
            handle = p.title.lower().replace(" ", "-")
            self.products[pid] = ProductRec(pid, p.title, handle, p.item_group, [vid], now)
            self.variants[vid] = VariantRec(
                vid, pid, p.sku, "Default Title", p.price, p.vat_rate, iid, now
            )
            self.variant_by_item[iid] = vid
            for lid, loc in self.locations.items():
                qty = catalogue.stock.get((p.sku, loc.code), 0)
                q = dict.fromkeys(QUANTITY_NAMES, 0)
                q["available"] = q["on_hand"] = qty
                self.levels[(iid, lid)] = LevelRec(iid, lid, q, now, now)
        for c in catalogue.customers:
            cid = self.new_id()
            self.customers[cid] = CustomerRec(
                cid,
                c.email,
                c.first_name,
                c.last_name,
                c.company,
                c.country,
                c.vat_number,
                now,
                now,
            )

    def new_id(self) -> int:
        return next(self._ids)

    def next_order_number(self) -> int:
        return next(self._order_numbers)

    def next_return_name(self, order: OrderRec) -> str:
        return f"{order.name}-R{next(self._return_numbers)}"

    # ------------------------------------------------------------------ lookups

    def variant_by_sku(self, sku: str) -> VariantRec | None:
        for v in self.variants.values():
            if v.sku == sku:
                return v
        return None

    def location_by_code(self, code: str) -> LocationRec | None:
        for loc in self.locations.values():
            if loc.code == code or loc.name == code or str(loc.id) == str(code):
                return loc
        return None

    def customer_by_email(self, email: str) -> CustomerRec | None:
        for c in self.customers.values():
            if c.email.lower() == email.lower():
                return c
        return None

    def store_credit_account_for(self, customer: CustomerRec) -> StoreCreditAccountRec:
        if customer.store_credit_account_id is None:
            acc = StoreCreditAccountRec(self.new_id(), customer.id)
            self.store_credit[acc.id] = acc
            customer.store_credit_account_id = acc.id
        return self.store_credit[customer.store_credit_account_id]

    # ------------------------------------------------------------------ inventory rules

    def set_quantity(self, level: LevelRec, name: str, value: int) -> dict[str, int]:
        """Set `available` or `on_hand` absolutely; the other moves with it. Returns the deltas."""
        q = level.quantities
        delta = value - q[name]
        q["available"] += delta
        q["on_hand"] += delta
        level.updated_at = utcnow()
        return {"available": delta, "on_hand": delta}

    def move(self, level: LevelRec, **deltas: int) -> None:
        """Apply deltas to named quantities, then recompute on_hand from its parts."""
        for name, d in deltas.items():
            level.quantities[name] += d
        level.quantities["on_hand"] = sum(level.quantities[n] for n in _IN_ON_HAND)
        level.updated_at = utcnow()
