"""Both sandboxes on loopback and a hand-built Services wired to them, for end-to-end tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx

from connectors.exact.client import ExactClient
from connectors.exact.limiter import RateBudget
from connectors.exact.oauth import OAuthApp, TokenManager
from connectors.exact.sandbox import ExactSandbox
from connectors.exact.tokens import MemoryTokenStore
from connectors.sandbox_catalogue import build_catalogue
from connectors.shopify.api import ShopifyAPI
from connectors.shopify.client import ShopifyClient
from connectors.shopify.sandbox.app import ShopifySandbox
from daemon.config import Settings
from daemon.context import Services
from daemon.flows import build_registry
from daemon.serving import running_server
from daemon.worker import Worker
from state.db import Database
from state.queue import Backoff, Queue
from tests.exact_client.conftest import authorization_code

SHOPIFY_TOKEN = "shpat_orders_test_token_0123456789"
SHOPIFY_SECRET = "shpss_orders_test_secret"
EXACT_ID = "shopsync-orders-test"
EXACT_SECRET = "orders-test-client-secret"
CATALOGUE = build_catalogue(seed=1, products=40)
LOCATIONS = {"Amsterdam warehouse": "AMS", "Rotterdam store": "RTM", "Antwerp warehouse": "ANR"}


@dataclass
class Env:
    services: Services
    shop_url: str
    exact_url: str
    shop: ShopifySandbox
    exact_sandbox: ExactSandbox

    async def shop_control(self, method: str, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(base_url=self.shop_url, timeout=10) as http:
            r = await http.request(method, f"/_sandbox/shopify{path}", json=body)
            r.raise_for_status()
            return r.json() if r.content else None

    async def exact_control(self, method: str, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(base_url=self.exact_url, timeout=10) as http:
            r = await http.request(method, f"/_sandbox/exact/{path}", json=body)
            r.raise_for_status()
            return r.json() if r.content else None

    async def exact_state(self) -> dict[str, Any]:
        return await self.exact_control("GET", "state")

    async def run_jobs(self, *, limit: float = 60) -> None:
        """Run the real worker until no job is queued, retrying or running."""
        queue = self.services.queue
        worker = Worker(queue, build_registry(), self.services, concurrency=4, idle_poll=0.05)
        async with anyio.create_task_group() as tg:
            await tg.start(worker.run)
            with anyio.fail_after(limit):
                while True:
                    counts = await queue.counts()
                    busy = sum(
                        sum(counts.get(s, {}).values()) for s in ("queued", "retrying", "running")
                    )
                    if not busy and not worker.running:
                        break
                    await anyio.sleep(0.05)
            worker.stop_claiming()


def complete_seeded_accounts(exact: ExactSandbox) -> None:
    # Workaround: the sandbox seeds "Webshop consumers" without Email/VATNumber/…, and its
    # $filter answers 400 for a field a row lacks, so any search by email would fail.
    from connectors.exact.sandbox.crm import ACCOUNT_FIELDS

    for row in exact.store.table("crm/Accounts").values():
        for name in ACCOUNT_FIELDS:
            row.setdefault(name, None)


@contextlib.asynccontextmanager
async def order_env(
    tmp_path: Path, *, exact_products: int = 40, **orders: Any
) -> AsyncIterator[Env]:
    # A Plus-sized cost bucket: these tests are about Exact, not about waiting for Shopify.
    shop = ShopifySandbox(
        CATALOGUE,
        access_token=SHOPIFY_TOKEN,
        webhook_secret=SHOPIFY_SECRET,
        bucket_size=20_000,
        restore_rate=1_000,
    )
    exact = ExactSandbox(
        CATALOGUE if exact_products == 40 else build_catalogue(seed=1, products=exact_products),
        client_id=EXACT_ID,
        client_secret=EXACT_SECRET,
        webhook_secret="orders-exact-webhook",
        minute_limit=100_000,
        daily_limit=1_000_000,
    )
    complete_seeded_accounts(exact)
    async with (
        running_server(shop.app, port=0, lifespan="auto") as shop_url,
        running_server(exact.app, port=0, lifespan="auto") as exact_url,
    ):
        app = OAuthApp(exact_url, EXACT_ID, EXACT_SECRET, "http://127.0.0.1/callback")
        tokens = TokenManager(app, MemoryTokenStore(), refresh_margin=timedelta(seconds=30))
        await tokens.exchange_code(await authorization_code(app))
        settings = Settings(
            daemon={"state_dir": tmp_path},
            shopify={
                "shop_url": shop_url,
                "access_token": SHOPIFY_TOKEN,
                "webhook_secret": SHOPIFY_SECRET,
            },
            exact={"client_id": EXACT_ID, "client_secret": EXACT_SECRET, "base_url": exact_url},
            mapping={"default_warehouse": "AMS", "locations": LOCATIONS},
            orders=orders,
        )
        db = await Database.open(tmp_path / "shopsync.db")
        queue = Queue(db, max_attempts=40, backoff=Backoff(base=0.02, cap=0.2))
        exact_client = ExactClient(
            exact_url, None, tokens, budget=RateBudget(reset_margin=0.05), timeout=5
        )
        async with ShopifyClient(shop_url, SHOPIFY_TOKEN) as shopify_client:
            services = Services(
                settings, db, queue, shopify=ShopifyAPI(shopify_client), exact=exact_client
            )
            try:
                yield Env(services, shop_url, exact_url, shop, exact)
            finally:
                await exact_client.aclose()
                await tokens.aclose()
                await db.close()
