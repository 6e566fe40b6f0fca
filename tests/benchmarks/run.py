"""Every benchmark in one run: `.venv/bin/python tests/benchmarks/run.py --json` (`make bench`).

Prints one JSON object: ingest, queue, stock, payouts, economy (and its `exact.*`/`stock.*`
figures at top level), products (`products.seconds_10k`, `products.exact_calls_10k` at top
level), memory, the goals, and the machine.
`--tiny` runs each at a tiny size (what tests/benchmarks/test_benchmarks_tiny.py checks).
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
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.benchmarks import economy, ingest, payouts, products, stock
from tests.benchmarks import queue as queue_bench

GOALS = {
    "ingest.ratio": ">= 0.6",
    "ingest.p99_ms_at_500_rps": "<= 50",
    "queue.jobs_per_s": ">= 1000",
    "queue.ratio_vs_huey": ">= 1.0 (4 producers, both queues)",
    "stock.exact_calls_full_reconcile": "<= 15 (10,000 SKUs in one warehouse)",
    "payouts.seconds": "<= 60 (10,000 transactions)",
    "memory.idle_rss_mb": "<= 80",
    "memory.under_ingest_rss_mb": "<= 150",
    "exact.idle_calls_per_day": "<= 300 (Exact stock webhooks healthy)",
    "exact.calls_per_order_new": "<= 4",
    "exact.calls_per_order_returning": "<= 2",
    "exact.calls_per_fulfilment": "<= 2",
    "exact.calls_per_refund": "<= 3",
    "exact.calls_per_payout": "<= 3",
    "exact.orders_per_day_capacity": ">= 1000 (new customers, each fulfilled once, stock on)",
    "exact.burst_share_of_minute_limit": ">= 0.9 (200 orders)",
    "stock.poll_path_p95_ms": "<= poll interval + 2000",
    "stock.burst_shopify_calls_per_1000": "<= 6 (1,000 changes within 10 s)",
    "stock.burst_p95_ms_during_orders": "<= 5000",
    "products.exact_calls_10k": "<= 2 per changed item (one POST each + one GET per 20 codes)",
    "products.seconds_10k": "shopsync's own time, Exact's limits aside (they are arithmetic)",
}

FULL = {
    "ingest": {"requests": 5000, "paced_seconds": 5.0},
    "queue": {"jobs": 2000},
    "stock": {"changes": 300, "rate": 10.0, "reconcile_skus": 10_000},
    "payouts": {"transactions": 10_000},
    "economy": {},
    "products": {"variants": 10_000},
}
TINY = {
    "ingest": {"requests": 30, "paced_seconds": 0.1, "idle_wait": 0.2},
    "queue": {"jobs": 40},
    "stock": {"changes": 4, "rate": 20.0, "reconcile_skus": 20, "poll_interval": 1.0},
    "payouts": {"transactions": 20},
    "economy": economy.TINY,
    "products": {"variants": 20},
}


def machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def run(sizes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"machine": machine()}
    started = time.perf_counter()
    ingest_and_memory = ingest.measure(**sizes["ingest"])
    out["ingest"] = ingest_and_memory["ingest"]
    out["memory"] = ingest_and_memory["memory"]
    out["queue"] = queue_bench.measure(**sizes["queue"])
    out["stock"] = stock.measure(**sizes["stock"])
    out["payouts"] = payouts.measure(**sizes["payouts"])
    out["economy"] = economy.measure(**sizes["economy"])
    out.update(out["economy"]["figures"])  # the economy's keys at top level, as the goals name them
    out["products"] = products.measure(**sizes["products"])
    for key in ("seconds_10k", "exact_calls_10k"):  # at top level, as the goals name them
        out[f"products.{key}"] = out["products"][key]
    out["goals"] = GOALS
    out["run_seconds"] = round(time.perf_counter() - started, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="one line of JSON (default: indented)")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes: checks it runs")
    args = parser.parse_args()
    result = run(TINY if args.tiny else FULL)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
