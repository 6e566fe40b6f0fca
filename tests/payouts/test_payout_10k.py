"""A payout of 10,000 transactions books as one bank entry within Exact's real rate limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.payouts.sandboxes import Stopwatch, ledger_env

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_a_payout_of_ten_thousand_transactions_is_one_post_within_exacts_limits(tmp_path):
    async with ledger_env(tmp_path, minute_limit=60) as env:
        txs = [
            {"type": "CHARGE", "amount": f"{10 + i % 90}.{i % 100:02d}", "fee": "0.43"}
            for i in range(10_000)
        ]
        made = await env.shopify_control(
            "POST", "/payouts", {"include_pending": False, "transactions": txs}
        )
        await env.services.queue.enqueue("payouts.import", "payouts:bench", {})
        with Stopwatch() as took:
            jobs = await env.run_jobs(limit=110)
        assert set(jobs) == {"succeeded"}
        [entry] = (await env.exact_state())["bank_entries"]
        assert len(entry["BankEntryLines"]) == 10_001  # 10,000 receipts and one fee line
        assert Decimal(str(entry["ClosingBalanceFC"])) == Decimal(made["net"])
        rate = env.services.exact.status()["rate"]
        assert rate["refused"] == 0 and rate["calls"] <= 10  # no 429s: a handful of calls
        calls = rate["calls"]
        print(f"\n10,000-transaction payout booked in {took.seconds:.1f} s, {calls} Exact calls")
