"""Money traffic for `shopsync demo` (gift cards, store credit, a payout) and the verdict on it.

Acts through the Shopify sandbox's control routes only and judges from the two sandboxes' state
reports, plus the gift card flow's own liability check for what is timing (a sold card on a
sales order Exact has not invoiced yet is owed in Shopify but not yet on the liability account).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal
from typing import Any

from daemon.flows.orders.demo_check import BUYERS, Control

ZERO = Decimal(0)
BONUS = "2.50"  # store credit given on top of the store-credit refund


async def money_traffic(
    control: Control, rng: random.Random, skus: list[str], locations: list[str]
) -> Counter[str]:
    """Gift cards sold, issued, partly redeemed and expired; a refund to the card and one to
    store credit with a bonus; then a payout of every pending balance transaction plus a
    dispute and its chargeback fee. Answers what it did."""
    events: Counter[str] = Counter()
    buyer, country = rng.choice(BUYERS)
    sku, where = rng.choice(skus), rng.choice(locations)
    sold = await control(
        "POST",
        "/orders",
        {
            "lines": [
                {"sku": sku, "quantity": 3, "location": where},
                {"gift_card": True, "amount": "50.00"},
            ],
            "customer": buyer,
            "shipping_country": country,
        },
    )
    events["gift_cards_sold"] += len(sold.get("gift_card_ids") or [])
    issued = await control("POST", "/gift_cards", {"amount": "40.00", "note": "demo: issued"})
    events["gift_cards_issued"] += 1
    await control(
        "POST",
        "/orders",
        {
            "lines": [{"sku": rng.choice(skus), "quantity": 1, "location": where}],
            "customer": buyer,
            "shipping_country": country,
            "gift_card_payment": {"gift_card_id": issued["gift_card_id"], "amount": "15.00"},
        },
    )
    events["gift_cards_redeemed"] += 1
    lapsing = await control("POST", "/gift_cards", {"amount": "20.00", "note": "demo: expires"})
    await control("POST", f"/gift_cards/{lapsing['gift_card_id']}/expire", {})
    events["gift_cards_expired"] += 1

    order = sold["order_id"]
    line = {"sku": sku, "quantity": 1}
    await control("POST", f"/orders/{order}/refunds", {"lines": [line]})
    events["card_refunds"] += 1
    await control(
        "POST", f"/orders/{order}/refunds", {"lines": [line], "to": "store_credit", "bonus": BONUS}
    )
    events["store_credit"] += 1

    await control(
        "POST",
        "/payouts",
        {
            "transactions": [
                {"type": "DISPUTE_WITHDRAWAL", "amount": "-20.00", "order_id": order},
                {"type": "CHARGEBACK_FEE", "amount": "-15.00"},
            ]
        },
    )
    events["payouts"] += 1
    return events


def payouts_verdict(shop_state: dict[str, Any], exact_state: dict[str, Any]) -> dict[str, Any]:
    """Each paid payout is one bank entry in Exact whose lines add up to the payout's net."""
    entries: dict[str, list[Decimal]] = {}
    for entry in exact_state.get("bank_entries", []):
        lines = entry.get("BankEntryLines") or []
        refs = {str(ln.get("Description") or "").split(":", 1)[0] for ln in lines}
        for ref in refs:
            if ref.startswith("SP") and not ref.endswith("R"):
                total = sum((Decimal(str(ln["AmountFC"])) for ln in lines), ZERO)
                entries.setdefault(ref, []).append(total)
    checked, wrong = [], []
    for payout in shop_state.get("payouts", []):
        if payout["status"] != "PAID":
            continue
        ref = "SP" + payout["id"].rsplit("/", 1)[-1]
        found = entries.get(ref, [])
        checked.append(
            {"payout": ref, "net": payout["net"], "bank_entries": [str(t) for t in found]}
        )
        if len(found) != 1 or found[0] != Decimal(payout["net"]):
            wrong.append(f"{ref}: net {payout['net']}, bank entries {[str(t) for t in found]}")
    return {"payouts": checked, "wrong": wrong[:5], "payouts_in_sync": not wrong and bool(checked)}


def gift_cards_verdict(
    shop_state: dict[str, Any], liability: dict[str, Any] | None, today: dt.date
) -> dict[str, Any]:
    """Shopify's outstanding balances equal Exact's liability plus named timing, and the flow's
    check saw the same outstanding balances the sandbox holds."""
    outstanding = sum(
        (
            Decimal(g["balance"])
            for g in shop_state.get("gift_cards", [])
            if g["enabled"]
            and not (g["expires_on"] and dt.date.fromisoformat(g["expires_on"]) < today)
        ),
        ZERO,
    )
    if not liability:
        return {"shopify_outstanding": str(outstanding), "gift_cards_in_sync": False}
    agrees = (
        Decimal(liability["shopify_outstanding"]) == outstanding
        and Decimal(liability["difference"]) == 0
        and not liability.get("pending_jobs")
    )
    return {
        "shopify_outstanding": str(outstanding),
        "exact_liability": liability["ledger_liability"],
        "timing": liability["timing"],
        "gift_cards_in_sync": agrees,
    }
