"""A product import: N variants (10 per product) become Exact items; seconds and Exact calls.

Run: `.venv/bin/python tests/benchmarks/products.py [--variants N]` → one JSON object.
Uses the orders tests' environment (both sandboxes on loopback, real clients, the real queue and
worker) with Exact's limits out of the way, so `seconds` is shopsync's own time; the Exact calls
are read from the Exact sandbox's counters. What Exact's real limits make of them is arithmetic
(`limits`): 60 calls a minute, 5,000 a day (api/exact.md), shared with every other flow.
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
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

PER_PRODUCT = 10
MINUTE_LIMIT, DAY_LIMIT = 60, 5000
NIGHT_HOURS = 8


def limits(calls: int, variants: int) -> dict[str, Any]:
    """What Exact's real limits make of `calls`, scaled to 10,000 variants."""
    per_item = calls / variants
    calls_10k = math.ceil(per_item * 10_000)
    return {
        "calls_per_item": round(per_item, 3),
        "exact_calls_10k": calls_10k,
        "minutes_at_minute_limit_10k": round(calls_10k / MINUTE_LIMIT, 1),
        "night_calls_at_minute_limit": NIGHT_HOURS * 60 * MINUTE_LIMIT,
        "days_of_full_daily_limit_10k": round(calls_10k / DAY_LIMIT, 2),
        "fits_one_night": calls_10k <= min(NIGHT_HOURS * 60 * MINUTE_LIMIT, DAY_LIMIT),
    }


async def _import(workdir: Path, variants: int) -> dict[str, Any]:
    from connectors.shopify.sandbox.actions_products import create_product
    from daemon.flows.products.config import ProductsSettings
    from daemon.flows.products.jobs import sync_job
    from daemon.logs import configure_logging
    from tests.orders.conftest import order_env

    configure_logging("warning", "json")
    async with order_env(workdir) as env:
        env.services.settings.products = ProductsSettings(enabled=True, groups={"Shirts": "HOME"})
        state = env.shop.state
        gids = []
        for p in range(math.ceil(variants / PER_PRODUCT)):
            n = min(PER_PRODUCT, variants - p * PER_PRODUCT)
            made = create_product(
                state,
                lambda *_: None,  # no webhooks: the import is enqueued as a backfill would
                {
                    "title": f"Bench Tee {p}",
                    "product_type": "Shirts",
                    "variants": [
                        {"sku": f"B{p:05d}-{v}", "title": f"Size {v}", "price": f"{10 + v}.95"}
                        for v in range(n)
                    ],
                },
            )
            gids.append(made["product_id"])
        # The client's one-time division read (current/Me) is not the import's.
        calls_before = sum(env.exact_sandbox.store.calls.values()) + 1
        for gid in gids:
            kind, key, payload = sync_job(gid)
            await env.services.queue.enqueue(kind, key, payload)
        started = time.perf_counter()
        await env.run_jobs(limit=3600)
        seconds = time.perf_counter() - started
        calls = sum(env.exact_sandbox.store.calls.values()) - calls_before
        items = sum(
            1
            for row in env.exact_sandbox.store.table("logistics/Items").values()
            if row["Code"].startswith("B")
        )
        dead = (await env.services.queue.counts()).get("dead", {})
    return {
        "variants": variants,
        "items_created": items,
        "dead_jobs": sum(dead.values()),
        "seconds": round(seconds, 2),
        "seconds_10k": round(seconds * 10_000 / variants, 1),
        "exact_calls": calls,
        **limits(calls, variants),
    }


def measure(variants: int = 10_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="shopsync-bench-products-") as tmp:
        return anyio.run(_import, Path(tmp), variants)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variants", type=int, default=10_000)
    print(json.dumps(measure(parser.parse_args().variants)))


if __name__ == "__main__":
    main()
