"""Refund traffic for `shopsync demo` and the verdict on it: is every refund in Exact, once, right?

Speaks only the sandboxes' control routes (`/_sandbox/shopify/...` to act, the two `state`
reports to judge), like `daemon/flows/orders/demo_check.py`.
"""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from typing import Any

from daemon.flows.orders.demo_check import PAID, Control

ZERO = Decimal(0)


async def refund_traffic(
    control: Control, rng: random.Random, count: int, *, bonus: str = "1.50"
) -> Counter[str]:
    """Refund up to `count` paid orders: to the card, as a return, or as store credit + bonus."""
    events: Counter[str] = Counter()
    state = await control("GET", "/state", None)
    orders = [
        o
        for o in state["orders"]
        if not o["cancelled"] and o["financial_status"] == "PAID" and _goods(o)
    ]
    for order in rng.sample(orders, min(count, len(orders))):
        sku = rng.choice(_goods(order))
        line = {"sku": sku, "quantity": 1}
        oid = order["id"]
        kind = rng.choice(["original", "return", "store_credit"])
        if kind == "return" and order["fulfillment_status"] == "FULFILLED":
            made = await control("POST", f"/orders/{oid}/returns", {"lines": [line]})
            await control("POST", f"/returns/{made['return_id']}/approve", {})
            body = {"lines": [line | {"restock": True}], "return_id": made["return_id"]}
            await control("POST", f"/orders/{oid}/refunds", body)
            await control("POST", f"/returns/{made['return_id']}/close", {})
            events["returns"] += 1
        elif kind == "store_credit":
            body = {"lines": [line], "to": "store_credit", "bonus": bonus}
            await control("POST", f"/orders/{oid}/refunds", body)
            events["store_credit_refunds"] += 1
        else:
            body = {
                "lines": [line | {"restock": rng.random() < 0.5}],
                "shipping": rng.random() < 0.3,
            }
            await control("POST", f"/orders/{oid}/refunds", body)
            events["refunds"] += 1
    return events


def _goods(order: dict[str, Any]) -> list[str]:
    return [ln["sku"] for ln in order["lines"] if not ln["gift_card"] and ln["sku"]]


def _number(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


def refunds_verdict(
    shop_state: dict[str, Any],
    exact_state: dict[str, Any],
    *,
    store_credit_gl: str = "1810",
    tolerance: Decimal = Decimal("0.05"),
) -> dict[str, Any]:
    """Each refund of a booked, live order has its entry once and credit notes to its amount.

    Also: store credit owed in Exact (the `store_credit_gl` lines of refund entries) equals
    the store credit balances in Shopify (the demo never spends store credit).
    """
    names = {o["id"]: o for o in shop_state.get("orders", [])}
    notes: dict[str, list[dict[str, Any]]] = {}
    refs = Counter(n.get("YourRef") for n in exact_state.get("credit_notes", []))
    for note in exact_state.get("credit_notes", []):
        head = str(note.get("YourRef") or "").rsplit("/", 1)[0]  # "#1001/R123"
        notes.setdefault(head, []).append(note)
    entries = Counter()
    liability = ZERO
    for entry in exact_state.get("journal_entries", []):
        lines = entry.get("GeneralJournalEntryLines") or []
        refs_here = {ln.get("Description") for ln in lines}
        for ref in refs_here:
            if str(ref or "").startswith("Shopify refund "):
                entries[ref] += 1
                liability -= sum(
                    (
                        Decimal(str(ln["AmountFC"]))
                        for ln in lines
                        if str(ln.get("GLAccountCode") or "").strip() == store_credit_gl
                    ),
                    ZERO,
                )
    missing, wrong, expected = [], [], 0
    for refund in shop_state.get("refunds", []):
        order = names.get(refund["order_id"])
        if order is None or order["cancelled"] or order["financial_status"] not in PAID:
            continue  # cancelled orders are reversed whole by the orders flow
        expected += 1
        head = f"{order['name']}/R{_number(refund['id'])}"
        if not entries.get(f"Shopify refund {order['name']} R{_number(refund['id'])}"):
            missing.append(head)
            continue
        credited = -sum((Decimal(str(n["AmountFC"])) for n in notes.get(head, [])), ZERO)
        if abs(credited - Decimal(refund["amount"])) > tolerance:
            wrong.append(f"{head}: Shopify {refund['amount']}, Exact credit notes {credited}")
    owed = sum((Decimal(a["balance"]) for a in shop_state.get("store_credit", [])), ZERO)
    duplicates = sorted(r for r, n in refs.items() if n > 1)
    duplicates += sorted(r for r, n in entries.items() if n > 1)
    return {
        "refunds_expected": expected,
        "credit_notes": len(exact_state.get("credit_notes", [])),
        "missing": missing[:5],
        "duplicates": duplicates[:5],
        "wrong_totals": wrong[:5],
        "store_credit": {"shopify": str(owed), "exact": str(liability)},
        "refunds_in_sync": not (missing or duplicates or wrong) and owed == liability,
    }
