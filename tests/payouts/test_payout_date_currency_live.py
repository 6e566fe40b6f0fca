"""Payouts on the day and in the currency Shopify issued them: each currency to its own bank
journal, each bank entry dated the payout's local day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.payouts.sandboxes import ledger_env
from tests.payouts.test_payouts_live import import_payouts, paid_order

pytestmark = pytest.mark.anyio
D = Decimal


def exact_day(value: str) -> str:
    """Exact's `/Date(ms)/` (midnight of the booking day) → YYYY-MM-DD."""
    ms = int(value[len("/Date(") : -len(")/")])
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).date().isoformat()


async def test_a_payout_in_a_second_currency_goes_to_its_journal_dated_its_local_day(tmp_path):
    payouts = {"currency_journals": {"USD": "21"}}
    async with ledger_env(tmp_path, payouts=payouts) as env:
        zone = ZoneInfo(env.shopify_sandbox.state.catalogue.timezone)
        today = dt.datetime.now(zone).date()
        await paid_order(env)
        [charge] = env.shopify_sandbox.state.balance_txs.values()  # the card payment, less fee
        eur = await env.shopify_control(
            "POST", "/payouts", {"date": (today + dt.timedelta(days=1)).isoformat()}
        )
        usd = await env.shopify_control(
            "POST",
            "/payouts",
            {
                "currency": "USD",
                "date": (today + dt.timedelta(days=2)).isoformat(),
                "include_pending": False,
                "transactions": [{"type": "ADJUSTMENT", "amount": "120.00", "reason": "usd"}],
            },
        )
        assert (eur["currency"], D(eur["net"])) == ("EUR", charge.amount - charge.fee)
        assert (usd["currency"], D(usd["net"])) == ("USD", D("120.00"))
        jobs = await import_payouts(env)
        assert set(jobs) == {"succeeded"}, {k: [j.last_error for j in v] for k, v in jobs.items()}
        entries = (await env.exact_state())["bank_entries"]
    booked = {
        (e["JournalCode"], e["Currency"]): {
            (exact_day(ln["Date"]), ln["Description"].split(" ", 1)[0])
            for ln in e["BankEntryLines"]
        }
        for e in entries
    }
    assert set(booked) == {("20", "EUR"), ("21", "USD")}
    assert {d for d, _ in booked["20", "EUR"]} == {(today + dt.timedelta(days=1)).isoformat()}
    assert {d for d, _ in booked["21", "USD"]} == {(today + dt.timedelta(days=2)).isoformat()}
    [usd_entry] = [e for e in entries if e["Currency"] == "USD"]
    assert sum(D(str(ln["AmountFC"])) for ln in usd_entry["BankEntryLines"]) == D("120.00")
