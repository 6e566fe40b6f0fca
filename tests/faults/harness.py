"""Both sandboxes in their own process and the daemon as a real `shopsync run` we can SIGKILL.

The sandboxes outlive every daemon, so what Shopify and Exact hold at the end is the truth the
test compares; the daemon restarts on the same database, config and ingress port.
"""

from __future__ import annotations

import contextlib
import math
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx

from connectors.sandbox import Sandboxes
from daemon.config import load_settings
from daemon.demo import authorize_exact, demo_config, free_port
from daemon.flows.orders.demo_check import order_traffic, orders_verdict
from tests.faults.support import query, wait_until
from tests.support.daemon_proc import DaemonProcess

PRODUCTS = 40
SEED = 5
# Exact's real limit is 60 calls a minute; at that pace a worker waiting on the budget holds its
# slot, so a short run would mostly wait. Both fault runs serve Exact with 600 a minute.
MINUTE_LIMIT = 600


class Chaos:
    """Sandboxes subprocess + daemon subprocess + the traffic and the final comparison."""

    def __init__(self, workdir: Path, minute_limit: int = MINUTE_LIMIT):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sandbox: subprocess.Popen[bytes] | None = None
        self.daemon: DaemonProcess | None = None
        self.kills = 0
        self.minute_limit = minute_limit
        self.events: Counter[str] = Counter()
        self.http = httpx.Client(base_url=self.url, timeout=30)
        local = Sandboxes(seed=SEED, products=PRODUCTS)  # same seed: same catalogue, credentials
        self.skus = [p.sku for p in local.catalogue.products]
        self.codes = [loc.code for loc in local.catalogue.locations]
        self.default_warehouse = local.catalogue.locations[0].code
        self.location_names = {loc.code: loc.name for loc in local.catalogue.locations}
        self.config = demo_config(
            workdir,
            self.url,
            free_port(),
            local,
            poll_interval=2,
            # A lost Exact webhook's change waits for the safety net at most this long.
            safety_poll_interval=10,
            min_poll_interval=1,
            backoff_base=1,
        )
        # DaemonProcess waits for the info-level "started" line, in JSON.
        text = self.config.read_text().replace(
            'log_level = "warning"', 'log_level = "info"\nlog_format = "json"'
        )
        # Lost webhooks are caught by the orders poller: poll often enough for a short run.
        if "[orders]\n" in text:
            text = text.replace("[orders]\n", "[orders]\npoll_interval = 5\n", 1)
        else:
            text += "\n[orders]\npoll_interval = 5\n"
        self.config.write_text(text)
        self.settings = load_settings(self.config)
        self.db = self.settings.daemon.database_path

    # -- processes ---------------------------------------------------------------------------
    def start_sandboxes(self) -> None:
        cmd = [sys.executable, "-m", "tests.faults.harness", str(self.port), str(self.minute_limit)]
        self.sandbox = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up() -> bool:
            with contextlib.suppress(httpx.HTTPError):
                return self.http.get("/_sandbox/").status_code == 200
            return False

        wait_until(up, 30, "sandboxes answering")
        anyio.run(authorize_exact, self.settings, self.url)

    def start_daemon(self) -> None:
        self.daemon = DaemonProcess(self.config).start(wait=60)

    def kill_daemon(self) -> None:
        assert self.daemon
        self.daemon.kill()  # SIGKILL: no drain, no checkpoint
        self.kills += 1

    def close(self) -> None:
        if self.daemon:
            self.daemon.close()
        if self.sandbox and self.sandbox.poll() is None:
            self.sandbox.kill()
            self.sandbox.wait(10)
        self.http.close()

    # -- traffic ------------------------------------------------------------------------------
    def shop(self, method: str, path: str, body: Any = None) -> Any:
        r = self.http.request(method, f"/_sandbox/shopify{path}", json=body)
        r.raise_for_status()
        return r.json()

    def exact(self, method: str, path: str, body: Any = None) -> Any:
        r = self.http.request(method, f"/_sandbox/exact{path}", json=body)
        r.raise_for_status()
        return r.json()

    def faults(self, shopify: dict[str, Any], exact: dict[str, Any]) -> None:
        self.shop("PUT", "/faults", shopify)
        self.exact("POST", "/faults", exact)

    def mixed_events(self, n: int, rng: random.Random) -> None:
        """`n` events: orders (paid, pending, fulfilled, cancelled), refunds, stock, gift cards."""
        orders: list[str] = []
        for _ in range(n):
            roll = rng.random()
            if roll < 0.35:
                self.events += anyio.run(self._orders, rng)
                orders.append(self.shop("GET", "/state")["orders"][-1]["id"])
            elif roll < 0.45 and orders:
                self._refund(rng.choice(orders))
            elif roll < 0.9:
                self.exact(
                    "POST",
                    "/stock",
                    {
                        "sku": rng.choice(self.skus),
                        "warehouse": rng.choice(self.codes),
                        "delta": rng.choice([-2, -1, 1, 3]),
                    },
                )
                self.events["stock"] += 1
            else:
                self.shop("POST", "/gift_cards", {"amount": str(rng.choice([10, 25, 50]))})
                self.events["gift_cards"] += 1

    async def _orders(self, rng: random.Random) -> Counter[str]:
        async def control(method: str, path: str, body: Any) -> Any:
            return await anyio.to_thread.run_sync(self.shop, method, path, body)

        return await order_traffic(control, rng, self.skus, self.codes, 1)

    def _refund(self, order_id: str) -> None:
        r = self.http.post(
            f"/_sandbox/shopify/orders/{order_id.rsplit('/', 1)[-1]}/refunds",
            json={"amount": "1.00"},
        )
        if r.status_code == 200:  # a cancelled or unpaid order cannot be refunded: fine
            self.events["refunds"] += 1

    # -- the end ------------------------------------------------------------------------------
    def wait_settled(self, timeout: float) -> None:
        def settled() -> bool:
            [(busy,)] = query(
                self.db, "SELECT count(*) FROM jobs WHERE state IN ('queued','retrying','running')"
            )
            [(dirty,)] = query(self.db, "SELECT count(*) FROM stock_dirty")
            return busy == 0 and dirty == 0

        wait_until(settled, timeout, "every job finished and no stock dirty", every=0.5)

    def wait_in_sync(self, timeout: float) -> dict[str, Any]:
        """Until the queue is idle and both sides agree, or `timeout`: the last verdict."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(AssertionError):
                self.wait_settled(max(1.0, deadline - time.monotonic()))
            verdict = self.verdict()
            agreed = verdict["orders"]["orders_in_sync"] and not verdict["stock_mismatches"]
            if agreed or time.monotonic() > deadline:
                return verdict
            time.sleep(1)

    def verdict(self) -> dict[str, Any]:
        shop, exact = self.shop("GET", "/state"), self.exact("GET", "/state")
        orders = orders_verdict(
            shop,
            exact,
            default_warehouse=self.default_warehouse,
            multi_location=self.settings.orders.multi_location,
        )
        # Shopify shows the default figure, CurrentStock − PlanningOut ([stock] figure).
        free = {
            (item["Code"], code): Decimal(str(row["sellable"]))
            for item in exact["items"]
            for code, row in (item.get("stock") or {}).items()
        }
        shown = {(lv["sku"], lv["location"]): lv["available"] for lv in shop["inventory"]}
        off = [
            (sku, code, f)
            for (sku, code), f in sorted(free.items())
            if (sku, code) in shown and shown[(sku, code)] != max(0, math.floor(f))
        ]
        stock_off = [f"{sku}@{c}: Exact {f} Shopify {shown[(sku, c)]}" for sku, c, f in off]
        duplicated = {}
        for kind in ("sales_orders", "invoices", "credit_notes", "bank_entries", "journal_entries"):
            refs = Counter(d.get("YourRef") for d in exact.get(kind, []) if d.get("YourRef"))
            duplicated.update({f"{kind}:{r}": n for r, n in refs.items() if n > 1})
        dead = query(self.db, "SELECT kind, key, last_error FROM jobs WHERE state = 'dead'")
        return {
            "events": dict(self.events),
            "kills": self.kills,
            "orders": orders,
            "lost_orders": orders["missing"],
            "duplicated_documents": duplicated,
            "stock_mismatches": stock_off[:5],
            "stock_state": [self._stock_state(sku, code) for sku, code, _ in off[:5]],
            "stock_jobs": self._stock_jobs() if off else [],
            "dead_jobs": [tuple(r) for r in dead][:5],
        }

    def _stock_jobs(self) -> list[tuple[Any, ...]]:
        """Stock jobs not finished: kind, state, attempts, seconds until due, last error."""
        return query(
            self.db,
            "SELECT kind, state, attempts, round(run_after - ?, 1), last_error FROM jobs"
            " WHERE kind LIKE 'stock.%' AND state IN ('queued', 'retrying', 'running')",
            (time.time(),),
        )

    def _stock_state(self, sku: str, code: str) -> dict[str, Any]:
        """What the daemon believes of a mismatched pair: the clue when one stays wrong."""
        loc = self.location_names[code]
        pair = (sku, loc)
        return {
            "pair": f"{sku}@{code}",
            "level": query(
                self.db,
                "SELECT free, exact_ts FROM stock_levels WHERE sku = ? AND warehouse = ?",
                (sku, code),
            ),
            "pushed": query(
                self.db, "SELECT quantity FROM stock_pushed WHERE sku = ? AND location = ?", pair
            ),
            "holds": query(
                self.db,
                "SELECT order_id, quantity FROM stock_holds WHERE sku = ? AND location = ?",
                pair,
            ),
            "dirty": query(
                self.db, "SELECT 1 FROM stock_dirty WHERE sku = ? AND location = ?", pair
            ),
            "problems": query(
                self.db,
                "SELECT problem, detail FROM stock_problems WHERE sku = ? AND location = ?",
                pair,
            ),
        }


@contextlib.contextmanager
def chaos(workdir: Path, minute_limit: int = MINUTE_LIMIT) -> Iterator[Chaos]:
    c = Chaos(workdir, minute_limit)
    try:
        c.start_sandboxes()
        c.start_daemon()
        yield c
    finally:
        c.close()


def serve_sandboxes(port: int, minute_limit: int) -> None:
    """What `shopsync sandbox` does, with the Exact minute limit as an argument."""
    from daemon.serving import make_server

    sb = Sandboxes(seed=SEED, products=PRODUCTS, exact_minute_limit=minute_limit)
    server = make_server(sb.app, port=port, lifespan="on")
    anyio.run(server.serve)


if __name__ == "__main__":
    serve_sandboxes(int(sys.argv[1]), int(sys.argv[2]))
