"""Our Pay. client against the sandbox, under every setting Pay. leaves open."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from connectors.errors import AuthError, RateLimited, TransientError
from connectors.paynl.models import UnitMismatch, units_of

pytestmark = pytest.mark.anyio
DAY = date(2026, 11, 30)


async def _mixed_day(run) -> None:
    """Two payments and a refund of 5.00 on one day, cleared with 0.29 a payment (+21 % VAT)."""
    first = await run.pay("1001", "24.95")
    await run.pay("1002", "10.00", method="Visa Mastercard")
    await run.control(
        f"transactions/{first['id']}/refund", {"amount": "5.00", "date": "2026-11-30"}
    )
    await run.control("clear", {"date": "2026-11-30"})


@pytest.mark.parametrize("unit", ["cents", "decimal"])
@pytest.mark.parametrize("refunds_as", ["negative", "debit"])
async def test_a_settlement_reads_the_same_in_every_unit_and_refund_style(paynl, unit, refunds_as):
    async with paynl(amount_unit=unit, refunds_as=refunds_as) as run:
        await _mixed_day(run)
        [settlement] = await run.client.settlements_on(DAY)
        detail = await run.client.settlement_detail(settlement)
    # 24.95 + 10.00 − 5.00 − costs 0.70 (2 × 0.29 = 0.58, VAT 0.12) = 29.25 on the bank
    assert detail.amount == Decimal("29.25")
    assert detail.unit == unit
    assert sum(line.amount for line in detail.lines) == Decimal("29.25")
    assert sorted((r.reference, r.amount) for r in detail.records) == [
        ("1001", Decimal("-5.00")),
        ("1001", Decimal("24.95")),
        ("1002", Decimal("10.00")),
    ]


async def test_the_costs_come_from_invoice_lines_with_their_vat(paynl):
    async with paynl() as run:
        await _mixed_day(run)
        lines = await run.client.invoice_lines(DAY, DAY)
    assert sorted((x.billing_type, x.costs, x.vat) for x in lines) == [
        ("Visa Mastercard", Decimal("0.29"), Decimal("0.06")),
        ("iDEAL", Decimal("0.29"), Decimal("0.06")),
    ]


@pytest.mark.parametrize("next_links", [True, False])
async def test_every_settlement_of_a_day_is_read_across_pages(paynl, next_links):
    async with paynl(split_by_turnover_group=True, next_links=next_links) as run:
        for n in range(13):  # 13 revenue groups: 13 settlements, two pages of ten
            group = (await run.control("turnover_groups", {"name": f"Shop {n}"}))["code"]
            await run.pay(f"{2000 + n}", "1.00", turnover_group=group)
        await run.control("clear", {"date": "2026-11-30"})
        found = await run.client.settlements_on(DAY)
        calls = run.sandbox.api.calls
    assert len(found) == 13
    assert len({s.code for s in found}) == 13
    assert calls == 2


async def test_a_day_without_settlements_is_an_empty_list(paynl):
    async with paynl() as run:
        assert await run.client.settlements_on(DAY) == []


async def test_a_429_is_waited_out_within_the_allowance(paynl):
    async with paynl(requests_per_minute=1) as run:
        await run.client.settlements_on(DAY)
        await run.client.settlements_on(DAY)  # refused once, then the minute has passed
        assert run.time.slept == [60.0]
        assert run.client.waits == 1


async def test_a_429_past_the_allowance_is_rate_limited(paynl):
    async with paynl(requests_per_minute=1) as run:
        run.client.max_wait = 5
        await run.client.settlements_on(DAY)
        with pytest.raises(RateLimited):
            await run.client.settlements_on(DAY)


async def test_a_failed_read_is_sent_again_and_a_lasting_failure_is_transient(paynl):
    async with paynl() as run:
        await run.control("faults", {"fail_next": [503]})
        assert await run.client.settlements_on(DAY) == []
        await run.control("faults", {"fail_next": [500, 502, 503]})
        with pytest.raises(TransientError):
            await run.client.settlements_on(DAY)


async def test_missing_clearing_rights_say_what_to_ask_pay(paynl):
    async with paynl(clearing_permission=False) as run:
        with pytest.raises(AuthError) as caught:
            await run.client.settlements_on(DAY)
    assert "permission group" in caught.value.hint
    assert caught.value.status == 403


async def test_the_token_never_shows_in_the_clients_text(paynl):
    async with paynl() as run:
        text = repr(run.client) + str(vars(run.client))
    assert "0123456789abcdef" not in text


def test_a_total_that_fits_no_unit_is_refused_not_guessed():
    assert units_of(2925, Decimal("29.25")) == "cents"
    assert units_of(Decimal("29.25"), Decimal("29.25")) == "decimal"
    with pytest.raises(UnitMismatch):
        units_of(2900, Decimal("29.25"))
