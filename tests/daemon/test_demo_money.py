"""The demo's verdict on payouts and gift cards: what counts as in sync and what does not."""

from __future__ import annotations

import datetime as dt

from daemon.demo_money import gift_cards_verdict, payouts_verdict

TODAY = dt.date(2026, 12, 5)
SHOP = {
    "payouts": [{"id": "gid://shopify/ShopifyPaymentsPayout/77", "status": "PAID", "net": "90.00"}]
}


def bank_entry(*amounts: str, ref: str = "SP77") -> dict:
    return {"BankEntryLines": [{"Description": f"{ref}: line", "AmountFC": a} for a in amounts]}


def test_a_payout_is_in_sync_when_one_bank_entry_adds_up_to_its_net():
    exact = {"bank_entries": [bank_entry("100.00", "-10.00"), bank_entry("5", ref="SP12")]}
    assert payouts_verdict(SHOP, exact)["payouts_in_sync"]


def test_a_missing_short_or_doubled_bank_entry_is_not_in_sync():
    for entries in ([], [bank_entry("100.00")], [bank_entry("90.00"), bank_entry("90.00")]):
        verdict = payouts_verdict(SHOP, {"bank_entries": entries})
        assert not verdict["payouts_in_sync"], entries
        assert verdict["wrong"][0].startswith("SP77: net 90.00")


def test_a_reversal_entry_is_not_taken_for_the_payouts_own():
    exact = {"bank_entries": [bank_entry("90.00"), bank_entry("-90.00", ref="SP77R")]}
    assert payouts_verdict(SHOP, exact)["payouts_in_sync"]


def card(balance: str, *, enabled: bool = True, expires: str | None = None) -> dict:
    return {"balance": balance, "enabled": enabled, "expires_on": expires}


CARDS = {
    "gift_cards": [
        card("25.00"),
        card("50.00"),
        card("20.00", expires="2026-12-04"),  # expired: owed no more
        card("10.00", enabled=False),  # disabled: owed no more
    ]
}


def liability(outstanding: str, ledger: str, difference: str, pending: int = 0) -> dict:
    return {
        "shopify_outstanding": outstanding,
        "ledger_liability": ledger,
        "difference": difference,
        "timing": ["50.00 EUR on sales order 5 (#1003/AMS) not yet invoiced"],
        "pending_jobs": pending,
    }


def test_gift_cards_are_in_sync_when_ledger_and_named_timing_make_the_balances():
    verdict = gift_cards_verdict(CARDS, liability("75.00", "25.00", "0"), TODAY)
    assert verdict["gift_cards_in_sync"] and verdict["shopify_outstanding"] == "75.00"


def test_an_unexplained_difference_a_stale_check_or_no_check_is_not_in_sync():
    assert not gift_cards_verdict(CARDS, liability("75.00", "40.00", "-15.00"), TODAY)[
        "gift_cards_in_sync"
    ]
    assert not gift_cards_verdict(CARDS, liability("95.00", "45.00", "0"), TODAY)[
        "gift_cards_in_sync"
    ]
    assert not gift_cards_verdict(CARDS, liability("75.00", "25.00", "0", 2), TODAY)[
        "gift_cards_in_sync"
    ]
    assert not gift_cards_verdict(CARDS, None, TODAY)["gift_cards_in_sync"]
