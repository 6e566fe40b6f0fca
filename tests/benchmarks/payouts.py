"""Seconds to book one payout of N balance transactions, with Exact at its real 60 calls/min.

Run: `.venv/bin/python tests/benchmarks/payouts.py [--transactions N]` → one JSON object.
Uses the payouts tests' sandbox environment (tests/payouts/sandboxes.py): both sandboxes on
loopback, real clients, the real queue and worker.
"""

from __future__ import annotations

if __name__ == "__main__":  # tests/benchmarks/queue.py would shadow the stdlib `queue`
    import sys
    from pathlib import Path

    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    sys.path.insert(0, str(_here.parents[1]))

import argparse
import json
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio


async def _book(workdir: Path, transactions: int) -> dict[str, Any]:
    from daemon.logs import configure_logging
    from tests.payouts.sandboxes import ledger_env

    configure_logging("warning", "json")
    async with ledger_env(workdir, minute_limit=60) as env:
        txs = [
            {"type": "CHARGE", "amount": f"{10 + i % 90}.{i % 100:02d}", "fee": "0.43"}
            for i in range(transactions)
        ]
        made = await env.shopify_control(
            "POST", "/payouts", {"include_pending": False, "transactions": txs}
        )
        await env.services.queue.enqueue("payouts.import", "payouts:bench", {})
        started = time.perf_counter()
        jobs = await env.run_jobs(limit=600)
        seconds = time.perf_counter() - started
        entries = (await env.exact_state())["bank_entries"]
        rate = env.services.exact.status()["rate"]
    booked = len(entries) == 1 and Decimal(str(entries[0]["ClosingBalanceFC"])) == Decimal(
        made["net"]
    )
    return {
        "transactions": transactions,
        "seconds": round(seconds, 2),
        "booked_to_the_cent": booked,
        "bank_entry_lines": len(entries[0]["BankEntryLines"]) if entries else 0,
        "exact_calls": rate["calls"],
        "exact_429s": rate["refused"],
        "jobs": {state: len(js) for state, js in jobs.items()},
    }


def measure(transactions: int = 10_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="shopsync-bench-payouts-") as tmp:
        return anyio.run(_book, Path(tmp), transactions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=10_000)
    print(json.dumps(measure(parser.parse_args().transactions)))


if __name__ == "__main__":
    main()
