"""Pay. receipts no open invoice matches: booked against a resolved customer, or unassigned;
and the buyer Pay.'s transaction details describe, as an Exact account."""

from __future__ import annotations

from decimal import Decimal

from daemon.flows.payouts.entry import Receivable, plan_entry
from daemon.flows.payouts.paynl_relations import buyer_plan
from daemon.flows.payouts.paynl_source import accounts, paynl_facts
from tests.payouts.test_paynl_plan import CUSTOMER, S, detail, record

D = Decimal
NEW = "9a1c7f3e-0000-4000-8000-0000000000aa"


def plan(facts, receivables=(), relations=None):
    return plan_entry(
        facts,
        receivables,
        journal="22",
        debtors_account="1300",
        accounts=accounts(S),
        relations=relations,
    )


def test_an_unmatched_receipt_with_a_resolved_customer_books_against_it_on_the_debtors():
    facts = paynl_facts(
        detail("35.00", record("#1001", "24.95", "EX-1"), record("#1002", "10.05", "EX-2")), []
    )
    invoice = Receivable(7, CUSTOMER, D("24.95"), "EUR", "#1001/AMS")
    # EX-1 has a relation too, but its invoice matches in full: the invoice wins.
    p = plan(facts, [invoice], {"EX-1": NEW, "EX-2": NEW})
    matched, other = p.lines
    assert (matched.kind, matched.account_id, matched.invoice_number) == ("receipt", CUSTOMER, 7)
    assert (other.kind, other.gl, other.account_id, other.invoice_number) == (
        "customer",
        "1300",
        NEW,
        None,
    )
    assert other.amount == D("10.05") and p.total == D("35.00")


def test_without_a_relation_the_unmatched_receipt_stays_unassigned():
    facts = paynl_facts(detail("10.05", record("#1002", "10.05", "EX-2")), [])
    [line] = plan(facts, [], {"EX-9": NEW}).lines
    assert (line.kind, line.gl, line.account_id) == ("unassigned", "1990", None)


def details(customer=None, address=None):
    return {"customer": customer or {}, "order": {"invoiceAddress": address or {}}}


def test_a_company_buyer_becomes_an_account_named_for_the_company_with_its_vat_number():
    plan_ = buyer_plan(
        details(
            {
                "firstName": "Anna",
                "lastName": "Jansen",
                "email": "Anna@Example.com",
                "company": {"name": "Jansen BV", "vat": "nl 0012.34567.B01", "countryCode": "BE"},
            },
            {
                "street": "Kerkstraat",
                "streetNumber": "5",
                "zipCode": "1011 AB",
                "city": "Amsterdam",
            },
        ),
        "NL",
    )
    assert plan_ is not None
    body = plan_.account_body()
    assert body["Name"] == "Jansen BV" and body["Email"] == "anna@example.com"
    assert body["VATNumber"] == "NL001234567B01" and body["Country"] == "BE"
    assert body["AddressLine1"] == "Kerkstraat 5" and body["Postcode"] == "1011 AB"
    assert plan_.link_key == "email:anna@example.com"  # the orders flow's key for this buyer


def test_a_consumer_takes_the_name_from_the_address_and_the_shop_country():
    plan_ = buyer_plan(details({}, {"firstName": "Piet", "lastName": "Bos", "country": "x"}), "NL")
    assert plan_ is not None
    assert (plan_.name, plan_.country, plan_.link_key) == ("Piet Bos", "NL", None)


def test_a_transaction_without_any_buyer_data_gives_no_account():
    nulls = {"firstName": None, "email": None, "company": {"name": None}}
    assert buyer_plan(details(nulls, {"city": "Utrecht"}), "NL") is None
