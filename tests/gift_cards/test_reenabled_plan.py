"""The plan for a card made valid again after its balance was released: back once, out again."""

from __future__ import annotations

from decimal import Decimal

from daemon.flows.gift_cards.plan import Ledger, plan_gift_card
from tests.gift_cards.test_gift_card_plan import TODAY, S, card, entry_lines

D = Decimal


def test_a_released_card_valid_again_books_the_released_amount_back():
    released = Ledger(issued_entry="e1", released_entry="e2", released=D("20.00"), releases=1)
    plan = plan_gift_card(
        card("50.00", "20.00", expires="2027-06-30"), released, None, S, today=TODAY
    )
    assert entry_lines(plan, "reinstate") == [("8900", D("20.00")), ("1800", D("-20.00"))]
    assert plan.entries[0].reference == "GC5501E1:"


def test_a_card_booked_back_books_nothing_more_while_valid():
    back = Ledger(issued_entry="e1", released_entry="e2", released=D(0), releases=1, reinstates=1)
    assert plan_gift_card(card("50.00", "20.00"), back, None, S, today=TODAY).entries == ()


def test_a_card_expiring_again_releases_under_its_own_reference():
    back = Ledger(issued_entry="e1", released_entry="e2", released=D(0), releases=1, reinstates=1)
    plan = plan_gift_card(card("50.00", "20.00", expires="2026-11-01"), back, None, S, today=TODAY)
    assert entry_lines(plan, "release") == [("1800", D("20.00")), ("8900", D("-20.00"))]
    assert plan.entries[0].reference == "GC5501X2:"


def test_a_record_from_before_reinstatements_still_counts_its_release():
    old = Ledger.from_link({"issued_entry": "e1", "released_entry": "e2", "released": "20.00"})
    assert (old.releases, old.reinstates, old.out) == (1, 0, True)
    still_expired = card("50.00", "20.00", expires="2026-11-01")
    assert plan_gift_card(still_expired, old, None, S, today=TODAY).entries == ()
