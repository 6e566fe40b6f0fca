"""Control actions outside orders: gift cards, a sale in the shop, and Shopify Payments payouts."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from connectors.shopify.sandbox.actions_common import ActionError, Emit, dec, emit_level, ids
from connectors.shopify.sandbox.records import BalanceTxRec, GiftCardRec, PayoutRec
from connectors.shopify.sandbox.state import ShopState, gid, parse_id, utcnow

PAYOUT_STATUSES = {"SCHEDULED", "IN_TRANSIT", "PAID", "FAILED", "CANCELED"}


# Balance transaction types a payout may carry besides the charges and refunds of orders: any
# real ShopifyPaymentsTransactionType value but the payout's own TRANSFER line.
def extra_types() -> set[str]:
    from connectors.shopify.sandbox.schema import executable_schema

    enum = executable_schema().type_map["ShopifyPaymentsTransactionType"]
    return set(enum.values) - {"TRANSFER"}  # type: ignore[attr-defined]


def source_type(kind: str) -> str:
    """The real ShopifyPaymentsSourceType a balance transaction of this type points at."""
    if kind == "CHARGE":
        return "CHARGE"
    family = kind.split("_")[0]
    return family if family in ("REFUND", "DISPUTE", "TRANSFER") else "ADJUSTMENT"


def issue_gift_card(state: ShopState, emit: Emit, data: dict[str, Any]) -> dict:
    amount = dec(data.get("amount", "25.00"), "amount")
    if amount <= 0:
        raise ActionError("amount must be positive")
    customer = (
        state.customer_by_email(data["customer_email"]) if data.get("customer_email") else None
    )
    expires = date.fromisoformat(data["expires_on"]) if data.get("expires_on") else None
    now = utcnow()
    card = GiftCardRec(
        state.new_id(),
        secrets.token_hex(8).upper(),
        amount,
        amount,
        now,
        now,
        expires_on=expires,
        customer_id=customer.id if customer else None,
        note=data.get("note"),
    )
    card.transactions.append({"id": state.new_id(), "amount": amount, "at": now})
    state.gift_cards[card.id] = card
    return {"gift_card_id": gid("GiftCard", card.id), "code": card.code}


def change_gift_card(
    state: ShopState, emit: Emit, ref: Any, action: str, data: dict[str, Any] | None = None
) -> dict:
    card = state.gift_cards.get(parse_id(ref))
    if card is None:
        raise ActionError(f"gift card {ref} not found", status=404)
    now = utcnow()
    if action == "disable":
        card.deactivated_at = card.deactivated_at or now
    elif action == "expire":
        card.expires_on = date.today() - timedelta(days=1)
    elif action == "extend":  # giftCardUpdate(input: {expiresOn}): an expired card valid again
        if card.deactivated_at is not None:
            # Shopify: "A deactivated gift card cannot be re-enabled" (giftCardDeactivate docs).
            raise ActionError("a deactivated gift card cannot be re-enabled")
        try:
            card.expires_on = date.fromisoformat(str((data or {}).get("expires_on")))
        except ValueError:
            raise ActionError("expires_on must be a date YYYY-MM-DD") from None
    else:
        raise ActionError(f"unknown gift card action {action!r}", status=404)
    card.updated_at = now
    return {"gift_card_id": gid("GiftCard", card.id)}


def shop_sale(state: ShopState, emit: Emit, data: dict[str, Any]) -> dict:
    """A sale outside our orders (e.g. a POS sale): available and on_hand drop at once."""
    variant = state.variant_by_sku(str(data.get("sku")))
    loc = (
        state.location_by_code(str(data.get("location")))
        if data.get("location")
        else next(iter(state.locations.values()))
    )
    if variant is None or loc is None:
        raise ActionError("sale needs a known sku and location")
    qty = int(data.get("quantity", 1))
    level = state.levels[(variant.inventory_item_id, loc.id)]
    state.move(level, available=-qty)
    emit_level(state, emit, level)
    return {
        "inventory_item_id": gid("InventoryItem", variant.inventory_item_id),
        "location_id": gid("Location", loc.id),
        "available": level.quantities["available"],
    }


def create_payout(state: ShopState, emit: Emit, data: dict[str, Any]) -> dict:
    """Bundle pending balance transactions (and any extras given) into one payout.

    Signs follow Shopify Payments: money in is positive (charges), money out negative (refunds,
    disputes, reserves); fees are positive and subtracted, so net = amount - fee per line and the
    payout's net is the sum of those nets. The payout's own TRANSFER line carries -net.

    `date` (YYYY-MM-DD, the shop's local day; or an ISO time with offset) is when the payout is
    issued (default now); pending transactions after it stay pending. `currency` (default the
    shop's) is the payout's: Shopify Payments pays each currency out separately (a shop with
    payouts in its local currencies), so only pending transactions in that currency go in, and
    the extras given are in it too.
    """
    status = str(data.get("status", "PAID")).upper()
    if status not in PAYOUT_STATUSES:
        raise ActionError(f"status must be one of {sorted(PAYOUT_STATUSES)}")
    currency = str(data.get("currency") or state.currency).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ActionError("currency must be an ISO 4217 code such as EUR or USD")
    issued = _issued_at(state, data.get("date"))
    own = None if currency == state.currency else currency  # records keep None for the shop's
    payout = PayoutRec(state.new_id(), issued, status, Decimal(0), [], currency=own)
    chosen = (
        [
            t
            for t in state.balance_txs.values()
            if t.payout_id is None
            and (t.currency or state.currency) == currency
            and t.created_at <= issued  # a payout carries what happened before it was issued
        ]
        if data.get("include_pending", True)
        else []
    )
    for i, extra in enumerate(data.get("transactions") or []):
        kind = str(extra.get("type", "ADJUSTMENT")).upper()
        if kind not in extra_types():
            raise ActionError(
                f"transactions[{i}].type must be a ShopifyPaymentsTransactionType but TRANSFER"
            )
        order_id = parse_id(extra["order_id"]) if extra.get("order_id") else None
        btx = BalanceTxRec(
            state.new_id(),
            kind,
            dec(extra.get("amount", "0"), "amount"),
            dec(extra.get("fee", "0"), "fee"),
            min(utcnow(), issued),
            None,
            order_id=order_id,
            source_type=source_type(kind),
            adjustment_reason=extra.get("reason"),
            currency=own,
        )
        state.balance_txs[btx.id] = btx
        chosen.append(btx)
    if not chosen:
        raise ActionError(f"no pending {currency} balance transactions to pay out")
    for t in chosen:
        t.payout_id = payout.id
    payout.net = sum((t.net for t in chosen), Decimal(0))
    closing = BalanceTxRec(
        state.new_id(),
        "TRANSFER",
        -payout.net,
        Decimal(0),
        issued,
        payout.id,
        source_type="TRANSFER",
        currency=own,
    )
    state.balance_txs[closing.id] = closing
    payout.transaction_ids = [t.id for t in chosen] + [closing.id]
    state.payouts[payout.id] = payout
    return {
        "payout_id": gid("ShopifyPaymentsPayout", payout.id),
        "net": str(payout.net),
        "currency": currency,
        "issued_at": issued.isoformat(),
        "balance_transaction_ids": ids("ShopifyPaymentsBalanceTransaction", payout.transaction_ids),
    }


def _issued_at(state: ShopState, raw: Any) -> datetime:
    """A payout's issue time: a shop-local day (issued at 06:00 there, as Shopify Payments
    issues the morning's payouts) or an ISO time with its offset."""
    if raw is None:
        return utcnow()
    text = str(raw)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            local = datetime.combine(date.fromisoformat(text), time(6))
            return local.replace(tzinfo=ZoneInfo(state.catalogue.timezone)).astimezone(UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ActionError("date must be YYYY-MM-DD or an ISO time with offset") from None
    if moment.tzinfo is None:
        raise ActionError("date: an ISO time needs its offset (e.g. 2026-03-02T06:00:00+01:00)")
    return moment.astimezone(UTC)
