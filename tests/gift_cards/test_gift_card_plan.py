"""The gift card plan: each card state gives the right entries, and never the same one twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from connectors.shopify.models import GiftCard
from daemon.flows.gift_cards.config import GiftCardsSettings
from daemon.flows.gift_cards.plan import (
    Ledger,
    OrderBooking,
    card_state,
    plan_gift_card,
    plan_redemption,
)

S = GiftCardsSettings()
D = Decimal
TODAY = dt.date(2026, 11, 22)


def card(
    initial: str = "50.00",
    balance: str | None = None,
    *,
    order: str | None = None,
    expires: str | None = None,
    disabled: str | None = None,
    number: int = 5501,
) -> GiftCard:
    node: dict[str, Any] = {
        "id": f"gid://shopify/GiftCard/{number}",
        "lastCharacters": "7f3a",
        "enabled": disabled is None,
        "createdAt": "2026-10-01T09:00:00Z",
        "updatedAt": "2026-11-21T09:00:00Z",
        "expiresOn": expires,
        "deactivatedAt": disabled,
        "initialValue": {"amount": initial, "currencyCode": "EUR"},
        "balance": {"amount": balance or initial, "currencyCode": "EUR"},
        "order": {"id": f"gid://shopify/Order/{order}", "name": f"#{order}"} if order else None,
    }
    return GiftCard.model_validate(node)


def entry_lines(plan, kind: str) -> list[tuple[str, Decimal]]:
    [entry] = [e for e in plan.entries if e.kind == kind]
    assert sum(ln.amount for ln in entry.lines) == 0  # a journal entry balances
    return [(ln.gl, ln.amount) for ln in entry.lines]


def test_a_card_the_merchant_issues_moves_its_value_from_the_issue_account_to_the_liability():
    plan = plan_gift_card(card("50.00"), Ledger(), None, S, today=TODAY)
    assert plan.origin == "issued"
    assert entry_lines(plan, "issue") == [("4600", D("50.00")), ("1800", D("-50.00"))]
    [entry] = plan.entries
    assert entry.journal == "90" and entry.date == dt.date(2026, 10, 1)
    assert all(ln.description.startswith("GC5501I:") for ln in entry.lines)


def test_an_issued_card_already_booked_books_nothing_more():
    plan = plan_gift_card(card("50.00"), Ledger(issued_entry="e1"), None, S, today=TODAY)
    assert plan.entries == ()


def test_a_card_sold_in_an_order_is_linked_to_the_orders_booking_without_new_entries():
    booking = OrderBooking(("so-1", "so-2"), D("75.00"))
    plan = plan_gift_card(card("50.00", order="1001"), Ledger(), booking, S, today=TODAY)
    assert plan.entries == ()
    assert plan.link_order == ("so-1", "so-2")
    assert plan.problems == ()


def test_a_sold_card_whose_order_is_not_in_exact_yet_waits_for_the_next_run():
    plan = plan_gift_card(card("50.00", order="1002"), Ledger(), None, S, today=TODAY)
    assert plan.waiting_for_order and plan.entries == () and plan.problems == ()


def test_a_sold_card_worth_more_than_the_orders_gift_card_lines_is_a_problem():
    booking = OrderBooking(("so-3",), D("25.00"))
    plan = plan_gift_card(card("50.00", order="1003"), Ledger(), booking, S, today=TODAY)
    assert plan.problems == (
        "order #1003 booked 25.00 EUR of gift cards, less than this card's 50.00 EUR",
    )


def test_a_partly_redeemed_card_records_what_was_redeemed_and_books_nothing():
    plan = plan_gift_card(
        card("50.00", "12.50", order="1004"), Ledger(order_link=("so",)), None, S, today=TODAY
    )
    assert (plan.balance, plan.redeemed, plan.entries) == (D("12.50"), D("37.50"), ())


@pytest.mark.parametrize(
    ("kwargs", "state"),
    [
        ({"expires": "2026-11-21"}, "expired"),
        ({"disabled": "2026-11-20T15:00:00Z"}, "disabled"),
    ],
)
def test_an_expired_or_disabled_card_releases_its_remaining_balance_once(kwargs, state):
    c = card("50.00", "20.00", order="1005", **kwargs)
    assert card_state(c, TODAY) == state
    plan = plan_gift_card(c, Ledger(order_link=("so",)), None, S, today=TODAY)
    assert entry_lines(plan, "release") == [("1800", D("20.00")), ("8900", D("-20.00"))]
    assert plan.entries[0].reference == "GC5501X:"
    again = plan_gift_card(c, Ledger(order_link=("so",), released_entry="e9"), None, S, today=TODAY)
    assert again.entries == ()


def test_an_issued_card_that_expired_unbooked_books_its_issue_and_its_release():
    c = card("30.00", "30.00", expires="2026-01-31")
    plan = plan_gift_card(c, Ledger(), None, S, today=TODAY)
    assert [e.kind for e in plan.entries] == ["issue", "release"]
    assert entry_lines(plan, "release") == [("1800", D("30.00")), ("8900", D("-30.00"))]


def test_an_empty_expired_card_has_nothing_to_release():
    plan = plan_gift_card(
        card("30.00", "0.00", expires="2026-01-31"), Ledger(issued_entry="e"), None, S, today=TODAY
    )
    assert plan.entries == ()


def test_a_card_expiring_today_is_still_valid():
    assert card_state(card(expires="2026-11-22"), TODAY) == "enabled"


def test_a_balance_above_the_initial_value_is_reported():
    plan = plan_gift_card(card("10.00", "15.00"), Ledger(issued_entry="e"), None, S, today=TODAY)
    assert plan.problems == ("balance 15.00 EUR outside 0 … 10.00 EUR",)


def test_a_gift_card_payment_settles_each_invoice_share_from_the_liability():
    plan = plan_redemption(
        order_name="#1009",
        transaction_id="gid://shopify/OrderTransaction/8801",
        parts=[(D("24.00"), 24000007), (D("16.00"), 24000008)],  # one invoice per location
        currency="EUR",
        account_id="acc-1",
        when=TODAY,
        settings=S,
        debtors_gl="1300",
    )
    assert [(ln.gl, ln.amount, ln.invoice_number) for ln in plan.lines] == [
        ("1800", D("40.00"), None),
        ("1300", D("-24.00"), 24000007),
        ("1300", D("-16.00"), 24000008),
    ]
    assert sum(ln.amount for ln in plan.lines) == 0
    body = plan.exact_body({"1800": "g1", "1300": "g2"})
    assert body["JournalCode"] == "90"
    assert body["GeneralJournalEntryLines"][1]["Account"] == "acc-1"
    assert body["GeneralJournalEntryLines"][1]["OurRef"] == 24000007
    assert all(ln.description.startswith("GCR8801:") for ln in plan.lines)
