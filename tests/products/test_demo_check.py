"""The demo's product verdict: one item per code at the shop's price net of VAT, or it says why."""

from __future__ import annotations

from decimal import Decimal

from daemon.flows.products.demo_check import products_verdict

WANT = {"DEMO-1-S": Decimal("25.0000"), "DEMO-1-M": Decimal("20.0000")}


def state(*items: tuple[str, str]) -> dict:
    return {"items": [{"Code": c, "StandardSalesPrice": p} for c, p in items]}


def test_items_at_the_edited_price_are_in_sync():
    verdict = products_verdict(state(("DEMO-1-S", "25.0"), ("DEMO-1-M", "20"), ("X", "1")), WANT)
    assert verdict == {"items": 2, "items_in_sync": True, "item_mismatches": []}


def test_an_old_price_a_missing_or_a_doubled_item_is_not_in_sync():
    for exact in (
        state(("DEMO-1-S", "20.0000"), ("DEMO-1-M", "20.0000")),  # the edit never arrived
        state(("DEMO-1-S", "25.0000")),  # an item missing
        state(("DEMO-1-S", "25.0000"), ("DEMO-1-S", "25.0000"), ("DEMO-1-M", "20.0000")),
    ):
        verdict = products_verdict(exact, WANT)
        assert not verdict["items_in_sync"] and verdict["item_mismatches"], exact
