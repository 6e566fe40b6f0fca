"""The liability check's pure plan: which side of a difference is timing, which is a fault."""

from __future__ import annotations

from decimal import Decimal

from daemon.flows.gift_cards.liability import Document, plan_liability

D = Decimal
ISSUED = {
    "id": "gc1",
    "origin": "issued",
    "state": "enabled",
    "initial": "35.00",
    "balance": "15.00",
    "currency": "EUR",
    "issued_entry": "e1",
}
EXPIRED = {
    "id": "gc2",
    "origin": "issued",
    "state": "expired",
    "initial": "17.50",
    "balance": "17.50",
    "currency": "EUR",
    "issued_entry": "e2",
    "released": "17.50",
}
SOLD = {
    "id": "gc3",
    "origin": "order",
    "state": "enabled",
    "initial": "50.00",
    "balance": "50.00",
    "currency": "EUR",
    "order_name": "#1007",
}
SALES_ORDER = Document("salesorder", "#1007/AMS", "12", gift_cards=True)
INVOICE = Document("invoice", "#1007/AMS", "24000001", gift_cards=True)


def test_a_sold_card_on_an_uninvoiced_sales_order_is_named_timing_not_a_difference():
    report = plan_liability([ISSUED, EXPIRED, SOLD], D("20.00"), {"gc3": [SALES_ORDER]}, set())
    assert (report.shopify_outstanding, report.ledger) == (D("65.00"), D("15.00"))
    assert [t.reason for t in report.timing] == [
        "50.00 EUR on sales order 12 (#1007/AMS) not yet invoiced"
    ]
    assert report.difference == 0


def test_once_invoiced_or_in_invoice_mode_the_sold_card_is_in_the_ledger():
    invoiced = plan_liability([ISSUED, SOLD], D("20.00"), {"gc3": [SALES_ORDER]}, {"#1007/AMS"})
    at_once = plan_liability([ISSUED, SOLD], D("20.00"), {"gc3": [INVOICE]}, set())
    for report in (invoiced, at_once):
        assert (report.ledger, report.timing, report.difference) == (D("65.00"), (), 0)


def test_a_card_sold_in_an_order_not_in_exact_yet_is_timing_too():
    report = plan_liability([SOLD], D(0), {"gc3": []}, set())
    assert [t.reason for t in report.timing] == ["50.00 EUR sold in order #1007, not in Exact yet"]
    assert report.difference == 0


def test_a_missing_booking_is_a_difference():
    # The redemption of 20.00 was never booked: the ledger holds 20.00 more than Shopify owes.
    report = plan_liability([ISSUED], D(0), {}, set())
    assert report.difference == D("-20.00")
    # An issued card whose issue entry is missing: Shopify owes 15.00 the ledger never had.
    unbooked = {k: v for k, v in ISSUED.items() if k != "issued_entry"}
    assert plan_liability([unbooked], D("20.00"), {}, set()).difference == D("35.00")


def test_shopsync_status_shows_a_difference_plainly():
    from daemon.cli.control import render_status

    liability = plan_liability([ISSUED], D(0), {}, set()).as_dict()
    status = {
        "version": "x",
        "uptime_s": 1,
        "flows": [
            {
                "name": "gift_cards",
                "health": "healthy",
                "pending": 0,
                "dead": 0,
                "last_success": None,
                "paused_reason": None,
                "last_error": None,
                "stats": {"liability": liability, "liability_timing": "none"},
            }
        ],
        "queue": {"by_state": {}, "oldest_due_age_s": None},
        "throughput": {"last_5_min_per_min": 0},
        "schedules": [],
        "budgets": {},
    }
    assert (
        "gift card liability: Shopify 15.00, Exact ledger 35.00; DIFFERS by -20.00"
        in render_status(status)
    )
