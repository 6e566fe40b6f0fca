"""Stock: Exact change → Shopify shows it, on the webhook path and on the poll path; call counts.

Run: `.venv/bin/python tests/benchmarks/stock.py [--changes N] [--reconcile-skus N]`.
Uses `daemon.demo.demo_stack`: both sandboxes on loopback and the real daemon in-process.
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
import math
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio

from daemon.demo import Traffic, demo_stack, percentiles, wait_quiet, watch_latency

POLL_INTERVAL = 5.0  # seconds between timed polls on the poll path (webhooks off)


def _shopify_calls(stack: Any) -> int:
    return stack.services.extras.get("stats", {}).get("stock", {}).get("shopify_calls", 0)


async def _changes(stack: Any, traffic: Traffic, changes: int, rate: float) -> None:
    """`changes` stock changes in Exact at ~`rate` per second over the catalogue."""
    rng = random.Random(7)
    skus = [p.sku for p in stack.sb.catalogue.products]
    codes = [loc.code for loc in stack.sb.catalogue.locations]
    for _ in range(changes):
        sku, code = rng.choice(skus), rng.choice(codes)
        r = await stack.http.post(
            "/_sandbox/exact/stock",
            json={"sku": sku, "warehouse": code, "delta": rng.choice([-3, -1, 1, 2, 5])},
        )
        r.raise_for_status()
        free = Decimal(str(r.json()["sellable"]))
        traffic.expected[(sku, code)] = (max(0, math.floor(free)), time.monotonic())
        traffic.events["stock"] += 1
        await anyio.sleep(rng.expovariate(rate))


async def latency(
    workdir: Path,
    *,
    webhooks: bool,
    changes: int,
    rate: float,
    poll_interval: float = POLL_INTERVAL,
) -> dict[str, Any]:
    options = (
        {"poll_interval": 3600}  # only the webhook carries a change
        if webhooks
        else {"exact_webhooks": False, "poll_interval": poll_interval}
    )
    async with demo_stack(workdir, products=200, config_options=options) as stack:
        await wait_quiet(stack.services, 60)  # the first full sync
        before = _shopify_calls(stack)
        traffic = Traffic()
        async with anyio.create_task_group() as tg:
            tg.start_soon(watch_latency, stack.sb, traffic)
            await _changes(stack, traffic, changes, rate)
            await wait_quiet(stack.services, 60)
            with anyio.move_on_after(poll_interval * 3):
                while traffic.expected:  # noqa: ASYNC110 - the watcher empties it
                    await anyio.sleep(0.05)
            tg.cancel_scope.cancel()
        calls = _shopify_calls(stack) - before
    lat = percentiles(traffic.latencies_ms)
    return {
        "changes": changes,
        "latency_samples": len(traffic.latencies_ms),
        "p50_ms": lat["p50"],
        "p95_ms": lat["p95"],
        "shopify_calls": calls,
        "shopify_calls_per_1000_changes": round(calls * 1000 / changes, 1),
    }


async def _job_state(stack: Any, key: str) -> str | None:
    row = await stack.services.db.fetchone("SELECT state FROM jobs WHERE key = ?", (key,))
    return row[0] if row else None


async def _wait_finished(stack: Any, key: str, limit: float) -> str | None:
    with anyio.move_on_after(limit):
        while await _job_state(stack, key) not in ("succeeded", "dead"):  # noqa: ASYNC110
            await anyio.sleep(0.1)
    return await _job_state(stack, key)


async def reconcile(workdir: Path, skus: int, locations: int = 1) -> dict[str, Any]:
    """Exact calls for one full reconcile over `skus` SKUs stocked in `locations` warehouses.

    Exact's sync API returns 1,000 stock positions (item × warehouse) a call and cannot filter
    by warehouse, so the floor is positions / 1,000 (+1 when the last page is full).

    Counted from the reconcile job's start to its end, without waiting for the first sync's
    pushes to Shopify to drain (at 10,000 SKUs those take minutes of Shopify's cost budget and
    make no Exact calls); timed polls are off, so every Exact call in the window is the
    reconcile's.
    """
    options = {"poll_interval": 3600}
    sandbox = {"locations": locations}
    async with demo_stack(
        workdir, products=skus, config_options=options, sandbox_options=sandbox
    ) as stack:
        with anyio.fail_after(300):
            while not await stack.services.db.fetchone(  # noqa: ASYNC110
                "SELECT 1 FROM jobs WHERE kind = 'stock.poll' AND state = 'succeeded'"
            ):
                await anyio.sleep(0.1)
        exact = stack.services.exact.budget
        before = exact.calls
        started = time.perf_counter()
        key = "stock:reconcile:bench"
        await stack.services.queue.enqueue("stock.reconcile", key, {})
        state = await _wait_finished(stack, key, 300)
        return {
            "skus": skus,
            "warehouses": locations,
            "stock_positions": skus * locations,
            "exact_calls": exact.calls - before,
            "seconds": round(time.perf_counter() - started, 2),
            "job": state,
        }


def measure(
    changes: int = 300,
    rate: float = 10.0,
    reconcile_skus: int = 10_000,
    poll_interval: float = POLL_INTERVAL,
) -> dict:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="shopsync-bench-stock-") as tmp:
        root = Path(tmp)
        hook = anyio.run(lambda: latency(root / "hook", webhooks=True, changes=changes, rate=rate))
        poll = anyio.run(
            lambda: latency(
                root / "poll",
                webhooks=False,
                changes=changes,
                rate=rate,
                poll_interval=poll_interval,
            )
        )
        out["webhook_path"] = hook
        out["poll_path"] = {**poll, "poll_interval_s": poll_interval}
        out["shopify_calls_per_1000_changes"] = hook["shopify_calls_per_1000_changes"]
        one = anyio.run(reconcile, root / "reconcile-1", reconcile_skus, 1)
        three = anyio.run(reconcile, root / "reconcile-3", reconcile_skus, 3)
        out["full_reconcile"] = one
        out["full_reconcile_3_warehouses"] = three
        out["exact_calls_full_reconcile"] = one["exact_calls"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--reconcile-skus", type=int, default=10_000)
    a = parser.parse_args()
    print(json.dumps(measure(a.changes, a.rate, a.reconcile_skus)))


if __name__ == "__main__":
    main()
