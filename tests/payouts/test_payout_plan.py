"""The payout plan: every transaction type on its account, and lines that add up to the cent."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from connectors.errors import PermanentError
from daemon.flows.payouts.config import PayoutsSettings
from daemon.flows.payouts.plan import (
    Receivable,
    is_test_payout,
    plan_bank_entry,
    plan_reversal,
    wanted,
)
from tests.payouts.factory import payout, tx

S = PayoutsSettings()
D = Decimal
CUSTOMER = "9a1c7f3e-0000-4000-8000-000000000001"


def lines_by_kind(plan) -> dict[str, list[tuple[str, Decimal]]]:
    out: dict[str, list[tuple[str, Decimal]]] = {}
    for ln in plan.lines:
        out.setdefault(ln.kind, []).append((ln.gl, ln.amount))
    return out


def test_every_transaction_type_lands_on_its_account_and_the_lines_equal_the_payout():
    txs = [
        tx("CHARGE", "121.00", "2.07", order="#1001"),
        tx("CHARGE", "49.95", "0.95", order="#1002"),
        tx("REFUND", "-20.00", order="#1001"),
        tx("DISPUTE_WITHDRAWAL", "-49.95", order="#1003"),
        tx("CHARGEBACK_FEE", "-15.00"),
        tx("DISPUTE_REVERSAL", "49.95", order="#1003"),
        tx("RESERVED_FUNDS", "-30.00"),
        tx("RESERVED_FUNDS_REVERSAL", "10.00"),
        tx("ADJUSTMENT", "-0.40"),
        tx("TRANSFER", "-112.53"),  # the payout itself: never a line, not in the sum
    ]
    p = payout(txs)
    plan = plan_bank_entry(p, txs, [], S)
    got = lines_by_kind(plan)
    assert got["unassigned"] == [("1990", D("121.00")), ("1990", D("49.95")), ("1990", D("-20.00"))]
    assert got["dispute"] == [("1960", D("-49.95")), ("1960", D("-15.00")), ("1960", D("49.95"))]
    assert got["reserve"] == [("1950", D("-30.00")), ("1950", D("10.00"))]
    assert got["adjustment"] == [("8990", D("-0.40"))]
    assert got["fees"] == [("4500", D("-3.02"))]
    assert "rounding" not in got
    assert plan.net == p.net.amount == D("112.53")
    assert plan.total == plan.net
    assert plan.journal == "20" and plan.currency == "EUR"


def test_a_charge_that_pays_an_open_invoice_exactly_is_a_receipt_against_the_customer():
    txs = [tx("CHARGE", "121.00", "2.07", order="#1001"), tx("CHARGE", "60.00", order="#1002")]
    open_items = [
        Receivable(20260017, CUSTOMER, D("121.00"), "EUR", "#1001/AMS"),
        Receivable(20260018, CUSTOMER, D("59.99"), "EUR", "#1002/AMS"),  # not a 100 % match
    ]
    plan = plan_bank_entry(payout(txs), txs, open_items, S)
    receipt, unassigned, fees = plan.lines
    assert (receipt.kind, receipt.gl, receipt.amount) == ("receipt", "1300", D("121.00"))
    assert (receipt.account_id, receipt.invoice_number) == (CUSTOMER, 20260017)
    assert (unassigned.kind, unassigned.gl, unassigned.amount) == ("unassigned", "1990", D("60"))
    assert "#1002" in unassigned.description  # enough for an operator to match it by hand
    assert fees.amount == D("-2.07")
    assert plan.matched_invoices == (20260017,)


def test_an_order_split_over_two_locations_is_matched_to_both_invoices():
    txs = [tx("CHARGE", "100.00", "1.50", order="#1004")]
    open_items = [
        Receivable(1, CUSTOMER, D("60.00"), "EUR", "#1004/AMS"),
        Receivable(2, CUSTOMER, D("40.00"), "EUR", "#1004/RTM"),
    ]
    plan = plan_bank_entry(payout(txs), txs, open_items, S)
    assert [(ln.invoice_number, ln.amount) for ln in plan.lines if ln.kind == "receipt"] == [
        (1, D("60.00")),
        (2, D("40.00")),
    ]


def test_a_refund_matches_its_open_credit_note_as_a_negative_receipt():
    txs = [tx("CHARGE", "50.00", "1.00", order="#1005"), tx("REFUND", "-15.00", order="#1005")]
    open_items = [
        Receivable(7, CUSTOMER, D("50.00"), "EUR", "#1005/AMS"),
        Receivable(8, CUSTOMER, D("-15.00"), "EUR", "#1005/AMS"),
    ]
    plan = plan_bank_entry(payout(txs), txs, open_items, S)
    assert [(ln.kind, ln.invoice_number, ln.amount) for ln in plan.lines] == [
        ("receipt", 7, D("50.00")),
        ("receipt", 8, D("-15.00")),
        ("fees", None, D("-1.00")),
    ]


def test_an_invoice_is_used_once_even_if_two_charges_could_pay_it():
    txs = [tx("CHARGE", "30.00", order="#1006"), tx("CHARGE", "30.00", order="#1006")]
    open_items = [Receivable(9, CUSTOMER, D("30.00"), "EUR", "#1006/AMS")]
    plan = plan_bank_entry(payout(txs), txs, open_items, S)
    assert [ln.kind for ln in plan.lines] == ["receipt", "unassigned"]


def test_an_invoice_in_another_currency_is_not_a_match():
    txs = [tx("CHARGE", "30.00", order="#1007")]
    open_items = [Receivable(9, CUSTOMER, D("30.00"), "USD", "#1007/AMS")]
    assert plan_bank_entry(payout(txs), txs, open_items, S).lines[0].kind == "unassigned"


def test_sub_cent_figures_are_rounded_to_the_currency_and_zero_lines_dropped():
    txs = [tx("CHARGE", "10.005", "0.0025"), tx("CHARGE", "10.005", "0.0025")]
    plan = plan_bank_entry(payout(txs), txs, [], S)  # net 20.005: the bank gets 20.00
    assert [(ln.kind, ln.amount) for ln in plan.lines] == [
        ("unassigned", D("10.00")),
        ("unassigned", D("10.00")),
    ]
    assert all(ln.amount.as_tuple().exponent == -2 for ln in plan.lines)
    assert plan.total == plan.net == D("20.00")


def test_a_rounding_residue_goes_to_the_rounding_account():
    txs = [tx("CHARGE", "10.004"), tx("CHARGE", "10.004"), tx("CHARGE", "10.004")]
    plan = plan_bank_entry(payout(txs), txs, [], S)  # net 30.012 → 30.01; lines 3 × 10.00
    assert lines_by_kind(plan)["rounding"] == [("8990", D("0.01"))]
    assert plan.total == plan.net == D("30.01")


@pytest.mark.parametrize(
    ("currency", "amounts", "net"),
    [
        ("EUR", ["19.99", "5.01"], D("25.00")),
        ("USD", ["100.10"], D("100.10")),
        ("JPY", ["1500", "2300"], D("3800")),  # no minor unit
        ("KWD", ["12.345"], D("12.345")),  # three decimals
    ],
)
def test_each_currency_books_to_its_own_minor_unit(currency, amounts, net):
    txs = [tx("CHARGE", a, currency=currency) for a in amounts]
    plan = plan_bank_entry(payout(txs, currency=currency), txs, [], S)
    assert plan.currency == currency
    assert plan.total == plan.net == net
    assert plan.exact_body({"1990": "gl"})["Currency"] == currency


def test_a_payout_that_does_not_add_up_is_refused_with_the_difference_and_the_types():
    txs = [tx("CHARGE", "100.00", "2.00"), tx("REFUND", "-10.00")]
    p = payout(txs, net="88.50")  # Shopify says 88.50; the transactions give 88.00
    with pytest.raises(PermanentError) as err:
        plan_bank_entry(p, txs, [], S)
    msg = str(err.value)
    assert "add up to 88.00 EUR but the payout is 88.50 EUR (off by 0.50 EUR)" in msg
    assert "CHARGE 98.00" in msg and "REFUND -10.00" in msg
    assert err.value.hint


def test_a_transaction_whose_net_is_not_amount_minus_fee_is_refused():
    bad = tx("CHARGE", "10.00", "1.00", net="9.50")
    with pytest.raises(PermanentError, match=r"amount 10.00 − fee 1.00 ≠ net 9.50"):
        plan_bank_entry(payout([bad], net="9.50"), [bad], [], S)


def test_a_transaction_in_another_currency_is_refused():
    mixed = [tx("CHARGE", "10.00"), tx("CHARGE", "10.00", currency="USD")]
    with pytest.raises(PermanentError, match="is in USD, the payout in EUR"):
        plan_bank_entry(payout(mixed, net="20.00"), mixed, [], S)


def test_a_type_a_later_api_adds_is_booked_unassigned_and_flagged_never_dropped():
    txs = [tx("CHARGE", "50.00"), tx("HOVERCRAFT_RENTAL", "-9.00"), tx("TRANSFER", "-41.00")]
    plan = plan_bank_entry(payout(txs), txs, [], S)
    assert (plan.lines[1].kind, plan.lines[1].gl) == ("unknown", "1990")
    assert plan.lines[1].amount == D("-9.00")
    assert plan.unknown_types == ("HOVERCRAFT_RENTAL",)
    assert plan.summary()["unknown_types"] == ["HOVERCRAFT_RENTAL"]
    assert plan.total == plan.net == D("41.00")


def test_real_types_without_an_account_of_their_own_are_unassigned_but_not_flagged():
    txs = [tx("CHARGE", "50.00"), tx("SHIPPING_LABEL", "-6.50"), tx("BILLING_DEBIT", "-9.00")]
    plan = plan_bank_entry(payout(txs), txs, [], S)
    assert [(ln.kind, ln.gl) for ln in plan.lines[1:3]] == [("other", "1990"), ("fee", "4500")]
    assert plan.unknown_types == () and "unknown_types" not in plan.summary()


def test_a_retried_failed_payout_clears_the_failed_payout_account():
    txs = [tx("TRANSFER_FAILURE", "200.00"), tx("CHARGE", "20.00")]
    plan = plan_bank_entry(payout(txs), txs, [], S)
    assert lines_by_kind(plan)["failed"] == [("1950", D("200.00"))]


def test_every_line_starts_with_the_payout_reference_and_dates_are_the_shop_local_day():
    txs = [tx("CHARGE", "10.00", "0.30", order="#1008")]
    p = payout(txs, legacy=4242)
    plan = plan_bank_entry(p, txs, [], S, zone=ZoneInfo("Europe/Amsterdam"))
    body = plan.exact_body({"1990": "g1", "4500": "g2"})
    assert all(ln["Description"].startswith("SP4242:") for ln in body["BankEntryLines"])
    # A plain date: it goes to Exact zone-less, the local day (never midnight UTC).
    assert {ln["Date"].isoformat() for ln in body["BankEntryLines"]} == {"2026-11-21"}
    assert body["ClosingBalanceFC"] == D("9.70") and body["OpeningBalanceFC"] == 0


def test_test_payouts_are_recognised():
    assert is_test_payout([tx("CHARGE", "1.00", test=True), tx("TRANSFER", "-1.00")])
    assert not is_test_payout([tx("CHARGE", "1.00"), tx("CHARGE", "1.00", test=True)])


def test_the_currency_filter_keeps_only_the_chosen_currencies():
    usd = payout([tx("CHARGE", "5.00", currency="USD")], currency="USD")
    eur = payout([tx("CHARGE", "5.00")])
    only_eur = PayoutsSettings(currencies=["eur"])
    with pytest.raises(ValueError, match="'euro' is not an ISO currency code"):
        PayoutsSettings(currencies=["euro"])
    assert wanted(eur, only_eur) and not wanted(usd, only_eur)
    assert wanted(usd, S)


def test_a_reversal_takes_the_booked_amount_back_out_to_the_failed_payout_account():
    p = payout([tx("CHARGE", "10.00")], status="FAILED", legacy=77)
    plan = plan_reversal(p, D("9.70"), S)
    assert [(ln.gl, ln.amount) for ln in plan.lines] == [("1950", D("-9.70"))]
    assert plan.reference == "SP77R:" and plan.lines[0].description.startswith("SP77R:")
    assert plan.total == plan.net == D("-9.70")


def test_a_payout_in_another_currency_goes_to_that_currencys_bank_journal():
    per_currency = PayoutsSettings(currency_journals={"usd": "21"})
    usd = [tx("CHARGE", "5.00", currency="USD")]
    eur = [tx("CHARGE", "5.00")]
    assert plan_bank_entry(payout(usd, currency="USD"), usd, [], per_currency).journal == "21"
    assert plan_bank_entry(payout(eur), eur, [], per_currency).journal == "20"
