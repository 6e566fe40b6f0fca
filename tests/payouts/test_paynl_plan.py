"""Pay. settlements as bank entries: every line kind, and lines that equal the transfer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from connectors.paynl.models import ClearingRecord, InvoiceLine, Settlement, SettlementDetail
from daemon.flows.payouts.config import PaynlSettings
from daemon.flows.payouts.entry import Receivable, plan_entry
from daemon.flows.payouts.paynl_source import UNEXPLAINED, accounts, paynl_facts

D = Decimal
DAY = date(2026, 11, 30)
S = PaynlSettings(at_code="AT-1234-5678", api_token="t")
CUSTOMER = "9a1c7f3e-0000-4000-8000-000000000001"


def record(ref: str, amount: str, rid: str) -> ClearingRecord:
    return ClearingRecord(rid, f"{rid}X", ref, f"Order {ref}", D(amount), "EUR", "iDEAL", None, DAY)


def detail(total: str, *records: ClearingRecord) -> SettlementDetail:
    s = Settlement("SK6Y-7PBP", "", DAY, 0, "EUR", ("CLEARING-1",), ("CT-1000-0001",))
    return SettlementDetail(s, "cents", D(total), (), tuple(records))


def costs(amount: str, vat: str = "21") -> InvoiceLine:
    return InvoiceLine("c", "INVOICE-1", "CT-1000-0001", "iDEAL", D(amount), D(vat), "EUR", 1, DAY)


def plan(facts, receivables=()):
    return plan_entry(
        facts, receivables, journal="22", debtors_account="1300", accounts=accounts(S)
    )


def by_kind(p) -> dict[str, list[tuple[str, Decimal]]]:
    out: dict[str, list[tuple[str, Decimal]]] = {}
    for ln in p.lines:
        out.setdefault(ln.kind, []).append((ln.gl, ln.amount))
    return out


def test_a_payment_that_pays_an_open_invoice_in_full_books_against_it():
    facts = paynl_facts(detail("24.95", record("#1001", "24.95", "EX-1")), [])
    invoice = Receivable(7, CUSTOMER, D("24.95"), "EUR", "#1001/AMS")
    p = plan(facts, [invoice])
    [line] = p.lines
    assert (line.kind, line.gl, line.invoice_number, line.account_id) == (
        "receipt",
        "1300",
        7,
        CUSTOMER,
    )
    assert line.description.startswith("PAYSK6Y-7PBP: ")
    assert p.matched_invoices == (7,)


def test_a_reference_written_without_the_hash_still_finds_the_invoice():
    facts = paynl_facts(detail("10.00", record("1002", "10.00", "EX-1")), [])
    p = plan(facts, [Receivable(8, CUSTOMER, D("10.00"), "EUR", "#1002/RTM")])
    assert p.lines[0].invoice_number == 8


def test_a_payment_that_pays_part_of_an_invoice_or_none_is_unassigned():
    facts = paynl_facts(
        detail("30.00", record("#1001", "20.00", "EX-1"), record("#1009", "10.00", "EX-2")), []
    )
    p = plan(facts, [Receivable(7, CUSTOMER, D("24.95"), "EUR", "#1001/AMS")])
    assert by_kind(p) == {"unassigned": [("1990", D("20.00")), ("1990", D("10.00"))]}
    assert p.matched_invoices == ()


def test_a_refund_matching_an_open_credit_note_books_against_it_a_chargeback_says_so():
    facts = paynl_facts(
        detail("-17.50", record("#1003", "-5.00", "EX-3"), record("#1004", "-12.50", "EX-4")),
        [],
        chargebacks={"EX-4"},
    )
    note = Receivable(9, CUSTOMER, D("-5.00"), "EUR", "#1003/R55/AMS")
    p = plan(facts, [note])
    refund, chargeback = p.lines
    assert (refund.kind, refund.invoice_number, refund.amount) == ("receipt", 9, D("-5.00"))
    assert (chargeback.kind, chargeback.gl) == ("unassigned", "1990")
    assert "chargeback #1004" in chargeback.description


def test_costs_kept_back_book_as_costs_and_their_vat_when_the_invoice_explains_them():
    # 24.95 paid, 0.58 costs + 0.12 VAT kept back: 24.25 reaches the bank.
    facts = paynl_facts(
        detail("24.25", record("#1001", "24.95", "EX-1")), [costs("0.29"), costs("0.29")]
    )
    p = plan(facts)
    assert by_kind(p)["fees"] == [("4500", D("-0.58"))]
    assert by_kind(p)["costs_vat"] == [("1520", D("-0.12"))]
    assert p.total == p.net == D("24.25")
    assert p.unknown_types == ()


def test_a_deduction_no_invoice_explains_is_unassigned_and_flagged_never_guessed():
    facts = paynl_facts(detail("24.00", record("#1001", "24.95", "EX-1")), [costs("0.29")])
    p = plan(facts)
    assert by_kind(p)["other"] == [("1990", D("-0.95"))]
    assert p.unknown_types == (UNEXPLAINED,)
    assert p.total == D("24.00")


def test_the_entry_is_dated_the_settlement_day_in_the_payout_journal():
    p = plan(paynl_facts(detail("1.00", record("#1", "1.00", "EX-1")), []))
    body = p.exact_body({"1990": "gl-1990"}, opening=D("100.00"))
    assert (body["JournalCode"], body["OpeningBalanceFC"], body["ClosingBalanceFC"]) == (
        "22",
        D("100.00"),
        D("101.00"),
    )
    assert body["BankEntryLines"][0]["Date"] == DAY
