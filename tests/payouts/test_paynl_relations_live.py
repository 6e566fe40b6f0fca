"""Pay. payments of orders Exact does not know yet: their buyer created from Pay.'s transaction
details (create_relations), or one standard debtor for every unmatched line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.exact.odata import eq
from tests.payouts.test_paynl_live import import_settlements, pay_env, today
from tests.payouts.test_payouts_live import open_invoice

pytestmark = pytest.mark.anyio
D = Decimal
BUYER = {
    "firstName": "Anna",
    "lastName": "Jansen",
    "email": "anna@example.com",
    "company": {"name": "Jansen BV", "vat": "NL001234567B01", "countryCode": "NL"},
}
ADDRESS = {"street": "Kerkstraat", "streetNumber": "5", "zipCode": "1011 AB", "city": "Amsterdam"}


def lines_by_order(entry: dict) -> dict[str, dict]:
    return {
        ln["Description"].split()[-1]: ln
        for ln in entry["BankEntryLines"]
        if "#" in ln["Description"]
    }


async def test_create_relations_makes_the_missing_buyer_and_books_the_payment_against_it(
    tmp_path,
):
    async with pay_env(tmp_path, {"create_relations": True}) as (env, control):
        await open_invoice(env, "#4002/AMS", D("30.00"))  # Exact knows this order: 25 ≠ 30
        await control(
            "transactions",
            {
                "reference": "#4001",
                "amount": "19.95",
                "customer": BUYER,
                "invoice_address": ADDRESS,
            },
        )
        await control("transactions", {"reference": "#4002", "amount": "25.00", "customer": BUYER})
        await control("transactions", {"reference": "#4003", "amount": "5.00"})  # no buyer data
        await control("clear", {"date": today(), "fee": "0"})
        jobs = await import_settlements(env)
        assert set(jobs) == {"succeeded"}, jobs
        [entry] = (await env.exact_state())["bank_entries"]
        accounts = await env.services.exact.get(
            "crm/Accounts",
            filter=eq("Email", "anna@example.com"),
            select=["ID", "Name", "VATNumber", "Postcode"],
        )
    [account] = accounts
    assert (account["Name"], account["VATNumber"], account["Postcode"]) == (
        "Jansen BV",
        "NL001234567B01",
        "1011 AB",
    )
    lines = lines_by_order(entry)
    new = lines["#4001"]
    assert (new["GLAccountCode"], new["Account"], D(str(new["AmountFC"]))) == (
        "1300",
        account["ID"],
        D("19.95"),
    )
    assert new["OurRef"] is None
    # The order Exact has an invoice of, and the payment without buyer data: unassigned.
    assert lines["#4002"]["GLAccountCode"] == "1990" and lines["#4002"]["Account"] is None
    assert lines["#4003"]["GLAccountCode"] == "1990"
    assert sum(D(str(ln["AmountFC"])) for ln in entry["BankEntryLines"]) == D("49.95")


async def test_a_standard_debtor_takes_every_unmatched_line_and_matches_still_close_invoices(
    tmp_path,
):
    async with pay_env(tmp_path, {"standard_debtor": "1", "create_relations": True}) as (
        env,
        control,
    ):
        invoice = await open_invoice(env, "#5001/AMS", D("12.00"))
        paid = await control("transactions", {"reference": "#5001", "amount": "12.00"})
        other = await control(
            "transactions", {"reference": "#5002", "amount": "8.00", "customer": BUYER}
        )
        await control(f"transactions/{other['id']}/refund", {"amount": "2.00", "date": today()})
        await control("clear", {"date": today(), "fee": "0"})
        assert paid["id"]
        jobs = await import_settlements(env)
        assert set(jobs) == {"succeeded"}, jobs
        [entry] = (await env.exact_state())["bank_entries"]
        [debtor] = await env.services.exact.get(
            "crm/Accounts", filter=eq("Code", "1".rjust(18)), select=["ID"]
        )
        created = await env.services.exact.get(
            "crm/Accounts", filter=eq("Email", "anna@example.com"), select=["ID"]
        )
    booked = sorted(
        (
            (ln["GLAccountCode"], ln["Account"], ln["OurRef"], D(str(ln["AmountFC"])))
            for ln in entry["BankEntryLines"]
        ),
        key=lambda row: row[3],
    )
    assert booked == [
        ("1300", debtor["ID"], None, D("-2.00")),
        ("1300", debtor["ID"], None, D("8.00")),
        ("1300", debtor["ID"], invoice, D("12.00")),
    ]
    assert created == []  # the standard debtor comes first: nothing created


async def test_a_standard_debtor_exact_does_not_have_fails_with_the_setting_named(tmp_path):
    async with pay_env(tmp_path, {"standard_debtor": "99999"}) as (env, control):
        await control("transactions", {"reference": "#6001", "amount": "8.00"})
        await control("clear", {"date": today(), "fee": "0"})
        jobs = await import_settlements(env)
        state = await env.exact_state()
    [dead] = jobs["dead"]
    assert "paynl.standard_debtor" in (dead.last_error or "")
    assert state["bank_entries"] == []  # nothing booked half


async def test_config_check_names_a_standard_debtor_exact_lacks(tmp_path):
    from daemon.config_check import check_live

    async with pay_env(tmp_path, {"standard_debtor": "99999"}) as (env, _):
        problems, _ = await check_live(env.services.settings, None, env.services.exact)
        settings = env.services.settings.model_copy(
            update={
                "paynl": env.services.settings.paynl.model_copy(update={"standard_debtor": "1"})
            }
        )
        fixed, _ = await check_live(settings, None, env.services.exact)
    wrong = "paynl.standard_debtor: account '99999' does not exist in Exact"
    assert wrong in problems
    assert not [p for p in fixed if "standard_debtor" in p]
