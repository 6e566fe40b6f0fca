"""`shopsync demo`: both sandboxes, the real daemon against them, simulated traffic, a verdict.

Everything runs on loopback in one process except the console, which is its own process (the
daemon never imports Textual). The verdict compares the two sandboxes' final state.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import random
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx

from connectors.sandbox import Sandboxes
from daemon.demo_money import gift_cards_verdict, money_traffic, payouts_verdict
from daemon.flows.orders.demo_check import order_traffic, orders_verdict
from daemon.flows.products.demo_check import product_traffic, products_verdict
from daemon.flows.refunds.demo_check import refund_traffic, refunds_verdict
from daemon.serving import bound_port, make_server, wait_started
from state.secrets import ensure_dev_key


@dataclass
class Traffic:
    """What the generator did and what the watcher saw."""

    events: Counter[str] = field(default_factory=Counter)
    # (sku, location code) → (expected Shopify available, when the change was made)
    expected: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_config(
    directory: Path,
    sandbox_url: str,
    ingress_port: int,
    sb: Sandboxes,
    *,
    exact_webhooks: bool = True,
    poll_interval: float = 30,
    safety_poll_interval: float = 360,
    min_poll_interval: float = 2,
    backoff_base: float = 10,
) -> Path:
    c = sb.credentials
    locations = {loc.name: loc.code for loc in sb.catalogue.locations}
    mapping = "\n".join(f'"{name}" = "{code}"' for name, code in locations.items())
    text = f"""# Written by `shopsync demo`: the daemon against the local sandboxes.
[daemon]
state_dir = "{directory / "state"}"
workers = 4
log_level = "warning"

[queue]
backoff_base = {backoff_base}

[ingress]
port = {ingress_port}
public_url = "http://127.0.0.1:{ingress_port}"

[control]
socket = "{directory / "shopsync.sock"}"

[shopify]
shop_url = "{sandbox_url}"
# A Dev Dashboard app: tokens from the client credentials grant; the secret signs webhooks.
auth = "client_credentials"
client_id = "{c.shopify_client_id}"
client_secret = "{c.shopify_client_secret}"

[exact]
base_url = "{sandbox_url}"
division = {c.exact_division}
client_id = "{c.exact_client_id}"
client_secret = "{c.exact_client_secret}"
{f'webhook_secret = "{c.exact_webhook_secret}"' if exact_webhooks else ""}
redirect_uri = "http://127.0.0.1:8765/callback"

[mapping]
default_warehouse = "{sb.catalogue.locations[0].code}"

[mapping.locations]
{mapping}

[orders]
# Three locations: one Exact document per location, so Exact reserves stock where Shopify sells.
multi_location = true

[products]
# A product the traffic adds and edits becomes an Exact item with the new price.
enabled = true

[refunds]
# A refund placed moments after its order looks again soon (production waits 30 s).
wait_for_order = 3

[stock]
poll_interval = {poll_interval}
safety_poll_interval = {safety_poll_interval}
min_poll_interval = {min_poll_interval}
coalesce_window = 0.5
"""
    path = directory / "shopsync.toml"
    path.write_text(text)
    return path


async def authorize_exact(settings: Any, sandbox_url: str) -> None:
    """The real authorization-code flow against the sandbox, as `shopsync auth exact` does."""
    from connectors.exact.oauth import OAuthApp, TokenManager, authorize_url
    from state.db import Database
    from state.tokens import SqliteTokenStore

    app = OAuthApp(
        base_url=sandbox_url,
        client_id=settings.exact.client_id,
        client_secret=settings.exact.client_secret.get_secret_value(),
        redirect_uri=settings.exact.redirect_uri,
    )
    async with httpx.AsyncClient() as http:
        answer = await http.get(authorize_url(app, "demo"), follow_redirects=False)
    code = httpx.URL(answer.headers["location"]).params["code"]
    db = await Database.open(settings.daemon.database_path)
    try:
        async with TokenManager(app, SqliteTokenStore(db)) as manager:
            await manager.exchange_code(code)
    finally:
        await db.close()


def shopify_available(sb: Sandboxes) -> dict[tuple[str, str], int]:
    s = sb.shopify.state
    out = {}
    for (item_id, loc_id), level in s.levels.items():
        sku = s.variants[s.variant_by_item[item_id]].sku
        out[(sku, s.locations[loc_id].code)] = int(level.quantities.get("available", 0))
    return out


async def exact_free(http: httpx.AsyncClient) -> dict[tuple[str, str], Decimal]:
    state = (await http.get("/_sandbox/exact/state")).json()
    out = {}
    for item in state["items"]:
        for code, row in (item.get("stock") or {}).items():
            out[(item["Code"], code)] = Decimal(str(row["sellable"]))  # the default figure
    return out


async def stock_traffic(
    http: httpx.AsyncClient,
    sb: Sandboxes,
    traffic: Traffic,
    rate: float,
    until: float,
    rng: random.Random,
) -> None:
    skus = [p.sku for p in sb.catalogue.products]
    codes = [loc.code for loc in sb.catalogue.locations]
    while time.monotonic() < until:
        sku, code = rng.choice(skus), rng.choice(codes)
        delta = rng.choice([-3, -2, -1, 1, 2, 5])
        r = await http.post(
            "/_sandbox/exact/stock", json={"sku": sku, "warehouse": code, "delta": delta}
        )
        if r.status_code == 200:
            free = Decimal(str(r.json()["sellable"]))
            traffic.expected[(sku, code)] = (max(0, math.floor(free)), time.monotonic())
            traffic.events["stock"] += 1
        await anyio.sleep(rng.expovariate(rate))


async def watch_latency(sb: Sandboxes, traffic: Traffic) -> None:
    """Stock latency as a merchant sees it: Exact change → Shopify shows the new number."""
    while True:
        if traffic.expected:
            now = time.monotonic()
            seen = shopify_available(sb)
            for pair, (want, t0) in list(traffic.expected.items()):
                if seen.get(pair) == want:
                    traffic.latencies_ms.append((now - t0) * 1000)
                    traffic.expected.pop(pair, None)
        await anyio.sleep(0.05)


def percentiles(values: list[float]) -> dict[str, float | None]:
    ordered = sorted(values)

    def pick(p: float) -> float | None:
        return (
            round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)
            if ordered
            else None
        )

    return {"p50": pick(50), "p95": pick(95), "max": round(ordered[-1], 1) if ordered else None}


async def wait_quiet(services: Any, limit: float) -> None:
    """Until nothing is pending or running (or `limit` seconds pass)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if await _busy(services) == 0:
            return
        await anyio.sleep(0.2)


async def wait_settled(services: Any, limit: float, calm: float = 2.0) -> None:
    """Quiet, and still quiet `calm` seconds later with no new webhook: deliveries in flight
    (Shopify's and Exact's) have landed and been worked off."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        await wait_quiet(services, deadline - time.monotonic())
        before = await services.db.fetchone("SELECT count(*) FROM receipts")
        await anyio.sleep(calm)
        after = await services.db.fetchone("SELECT count(*) FROM receipts")
        if before[0] == after[0] and await _busy(services) == 0:
            return


async def _busy(services: Any) -> int:
    jobs = await services.db.fetchone(
        "SELECT count(*) FROM jobs WHERE state IN ('queued','retrying','running')"
    )
    dirty = await services.db.fetchone("SELECT count(*) FROM stock_dirty")
    return jobs[0] + dirty[0]


async def verdict(sb: Sandboxes, http: httpx.AsyncClient) -> dict[str, Any]:
    free = await exact_free(http)
    shown = shopify_available(sb)
    mismatched = [
        f"{sku}@{code}: Exact {free[(sku, code)]} vs Shopify {shown.get((sku, code))}"
        for sku, code in sorted(free)
        if (sku, code) in shown and shown[(sku, code)] != max(0, math.floor(free[(sku, code)]))
    ]
    return {"stock_mismatches": len(mismatched), "examples": mismatched[:5]}


@contextlib.asynccontextmanager
async def demo_stack(
    workdir: Path,
    *,
    seed: int = 1,
    products: int = 300,
    log_format: str = "json",
    log_level: str = "warning",
    sandbox_options: dict[str, Any] | None = None,
    config_options: dict[str, Any] | None = None,
    log_file: Path | None = None,
) -> AsyncIterator[Stack]:
    """Sandboxes on loopback, Exact authorized, the real daemon running against them."""
    from daemon.app import Daemon
    from daemon.config import load_settings
    from daemon.logs import configure_logging

    await anyio.Path(workdir).mkdir(parents=True, exist_ok=True)
    sb = Sandboxes(seed=seed, products=products, **(sandbox_options or {}))
    sandbox_server = make_server(sb.app, port=0, lifespan="on")
    async with anyio.create_task_group() as tg:
        tg.start_soon(sandbox_server.serve)
        await wait_started(sandbox_server)
        url = f"http://127.0.0.1:{bound_port(sandbox_server)}"
        config = demo_config(workdir, url, free_port(), sb, **(config_options or {}))
        settings = load_settings(config)
        stream = log_file.open("a", encoding="utf-8") if log_file else sys.stderr
        configure_logging(log_level, log_format, stream=stream)
        # A demo's tokens are sealed too, with a development key beside its database: the one
        # place such a key may live (state/secrets.py); a real installation uses the credential.
        ensure_dev_key(settings.daemon.database_path.parent)
        await authorize_exact(settings, url)
        stack = Stack(sb=sb, url=url, config=config, settings=settings, workdir=workdir, tg=tg)
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            stack.http = http
            await stack.start_daemon(Daemon)
            try:
                yield stack
            finally:
                await stack.stop_daemon()
        sandbox_server.should_exit = True


@dataclass
class Stack:
    sb: Sandboxes
    url: str
    config: Path
    settings: Any
    workdir: Path
    tg: Any = None  # the stack's task group: daemons run in it
    http: Any = None
    daemon: Any = None
    _done: Any = None

    @property
    def services(self) -> Any:
        return self.daemon.services

    async def start_daemon(self, factory: Any = None) -> None:
        """Run a fresh daemon on the same database (a restart when one ran before)."""
        from daemon.app import Daemon

        daemon = self.daemon = (factory or Daemon)(self.settings)
        done = self._done = anyio.Event()

        async def run() -> None:
            try:
                await daemon.run()
            finally:
                done.set()

        self.tg.start_soon(run)
        with anyio.fail_after(30):
            await self.daemon.ready.wait()
            checked = daemon.services.extras.get("subscriptions_checked")
            if checked is not None:
                await checked.wait()  # webhooks point at us before traffic starts

    async def stop_daemon(self) -> None:
        if self.daemon is None:
            return
        self.daemon.stop.set()
        with anyio.fail_after(90):
            await self._done.wait()
        self.daemon = None


async def run_demo(
    *,
    headless: bool,
    duration: float,
    as_json: bool,
    rate: float,
    seed: int,
    products: int,
    directory: Path | None,
) -> int:
    workdir = directory or Path(tempfile.mkdtemp(prefix="shopsync-demo-"))
    rng = random.Random(seed)
    traffic = Traffic()
    # Interactive: the console owns the terminal, so the daemon logs to a file beside it.
    async with demo_stack(
        workdir,
        seed=seed,
        products=products,
        log_level="warning" if headless else "info",
        log_file=None if headless else workdir / "shopsync.log",
    ) as stack:
        if headless:
            report = await _exercise(stack, duration, rate, rng, traffic)
        else:
            report = await _with_console(stack, duration, rate, rng, traffic)
    out = json.dumps(report, indent=None if as_json else 2)
    print(out)
    return 0 if report["in_sync"] and report["dead"] == 0 else 1


async def _with_console(
    stack: Stack, duration: float, rate: float, rng: random.Random, traffic: Traffic
) -> dict[str, Any]:
    """Traffic rounds until the operator quits the console (its own process: no Textual here)."""
    socket_path = str(stack.settings.control.socket)
    command = [sys.executable, "-m", "daemon.cli", "console", "--socket", socket_path]
    async with await anyio.open_process(command, stdin=None, stdout=None, stderr=None) as console:
        report: dict[str, Any] = {}
        async with anyio.create_task_group() as tg:

            async def rounds() -> None:
                nonlocal report
                while True:
                    report = await _exercise(stack, duration, rate, rng, traffic)

            tg.start_soon(rounds)
            await console.wait()
            tg.cancel_scope.cancel()
    return report or {"in_sync": True, "dead": 0, "note": "stopped before the first round"}


async def _exercise(
    stack: Stack, duration: float, rate: float, rng: random.Random, traffic: Traffic
) -> dict[str, Any]:
    """One round of traffic, then the verdict of both sandboxes."""
    daemon, sb, settings, sandbox_url = stack.daemon, stack.sb, stack.settings, stack.url
    await wait_quiet(daemon.services, 30)  # the first full stock sync
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=30) as http:

        async def control(method: str, path: str, body: Any) -> Any:
            answer = await http.request(method, "/_sandbox/shopify" + path, json=body)
            answer.raise_for_status()
            return answer.json()

        skus = [p.sku for p in sb.catalogue.products]
        codes = [loc.code for loc in sb.catalogue.locations]
        # Exact allows 60 calls a minute, so the run's Exact work must fit in (duration + 60) s
        # of them: ~25 go to start-up and stock, ~50 to the money traffic below (two orders,
        # four gift cards, two refunds, a payout) and a new customer's order costs ~10.
        orders = max(1, int(duration / 15))
        async with anyio.create_task_group() as traffic_tg:
            traffic_tg.start_soon(watch_latency, sb, traffic)
            async with anyio.create_task_group() as load:
                # Everything happens within `duration`: orders first, then (half-way, once the
                # daemon has had time to book them) refunds, gift cards, store credit, a payout.
                load.start_soon(stock_traffic, http, sb, traffic, rate, started + duration, rng)
                traffic.events.update(await order_traffic(control, rng, skus, codes, orders))
                await anyio.sleep(max(0.0, started + duration / 2 - time.monotonic()))
                traffic.events.update(await refund_traffic(control, rng, max(1, orders // 3)))
                traffic.events.update(await money_traffic(control, rng, skus, codes))
                expected_items = await product_traffic(control, rng)
                traffic.events["products_edited"] = 1
                # Payouts have no webhook (polled daily in production): poll while traffic runs,
                # in the minutes Exact has left now.
                await daemon.services.queue.enqueue("payouts.import", "payouts:demo", {})
            settling = time.monotonic()
            # Exact's 60 calls a minute bound how fast this goes (80-100 calls for 30 s of
            # traffic); the limits only stop a stuck run.
            await wait_settled(daemon.services, 180)
            # Gift cards (polled daily in production) only once every order is booked: a sold
            # card is checked against its order's documents, which must be complete then.
            await daemon.services.queue.enqueue("gift_cards.import", "gift_cards:demo", {})
            await wait_settled(daemon.services, 180)
            settled_s = time.monotonic() - settling
            await anyio.sleep(0.3)  # let the watcher see the last pushes
            traffic_tg.cancel_scope.cancel()
        result = await verdict(sb, http)
        shop_state = await control("GET", "/state", None)
        exact_state = (await http.get("/_sandbox/exact/state")).json()
    orders_v = orders_verdict(
        shop_state,
        exact_state,
        default_warehouse=settings.mapping.default_warehouse,
        multi_location=settings.orders.multi_location,
    )
    refunds_v = refunds_verdict(shop_state, exact_state)
    products_v = products_verdict(exact_state, expected_items)
    payouts_v = payouts_verdict(shop_state, exact_state)
    from daemon.flows.gift_cards.liability import REPORT

    gift_v = gift_cards_verdict(
        shop_state, daemon.services.extras.get(REPORT), dt.datetime.now(dt.UTC).date()
    )
    events = dict(traffic.events)
    events["store_credit"] = events.pop("store_credit", 0) + events.pop("store_credit_refunds", 0)
    events["gift_cards"] = sum(
        events.pop(k, 0)
        for k in (
            "gift_cards_sold",
            "gift_cards_issued",
            "gift_cards_redeemed",
            "gift_cards_expired",
        )
    )
    from daemon.tieout.demo_check import tieout_verdict

    tieout_v = await tieout_verdict(daemon.services)  # informative: orders and payouts only
    dead = await daemon.services.db.fetchone("SELECT count(*) FROM jobs WHERE state = 'dead'")
    stats = daemon.services.extras.get("stats", {}).get("stock", {})
    return {
        "duration_s": round(time.monotonic() - started, 1),
        "settling_s": round(settled_s, 1),
        "events": events,
        "synced": {
            "stock": stats.get("pushed", 0),
            "orders": orders_v["documents"],
            "deliveries": orders_v["deliveries"],
            "refunds": refunds_v["credit_notes"],
        },
        "dead": dead[0],
        "in_sync": result["stock_mismatches"] == 0
        and orders_v["orders_in_sync"]
        and refunds_v["refunds_in_sync"]
        and payouts_v["payouts_in_sync"]
        and gift_v["gift_cards_in_sync"]
        and products_v["items_in_sync"],
        "mismatches": result["examples"],
        "orders": orders_v,
        "refunds": refunds_v,
        "payouts": payouts_v,
        "gift_cards": gift_v,
        "products": products_v,
        "tieout": tieout_v,
        "stock_latency_ms": percentiles(traffic.latencies_ms),
        "shopify_calls": stats.get("shopify_calls", 0),
        "exact_calls": daemon.services.exact.budget.calls,
    }
