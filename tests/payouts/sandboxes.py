"""Both sandboxes on loopback, real clients, a real database and queue, and a worker to drain it.

Shared by the payout and gift card end-to-end tests (import it; it is not a conftest).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx

from connectors.exact.client import ExactClient
from connectors.exact.limiter import RateBudget
from connectors.exact.oauth import OAuthApp, TokenManager, authorize_url
from connectors.exact.tokens import MemoryTokenStore
from connectors.sandbox_catalogue import build_catalogue
from connectors.shopify.api import ShopifyAPI
from connectors.shopify.client import ShopifyClient
from daemon.config import load_settings
from daemon.context import Services
from daemon.flows import build_registry
from daemon.serving import running_server
from daemon.worker import Worker
from state.db import Database
from state.queue import Queue
from tests.support.daemon_proc import write_config

SHOPIFY_TOKEN = "shpat_payouts_test_token_0001"
EXACT_ID, EXACT_SECRET = "payouts-client", "payouts-client-secret-0001"
CATALOGUE = build_catalogue(seed=1, products=30)


@dataclass
class Env:
    services: Services
    shopify_sandbox: Any
    exact_sandbox: Any
    shopify_url: str
    exact_url: str

    async def shopify_control(self, method: str, path: str, json: Any = None) -> Any:
        async with httpx.AsyncClient(base_url=self.shopify_url, timeout=60) as http:
            r = await http.request(method, f"/_sandbox/shopify{path}", json=json)
            r.raise_for_status()
            return r.json()

    async def exact_state(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.exact_url, timeout=60) as http:
            r = await http.get("/_sandbox/exact/state")
            r.raise_for_status()
            return r.json()

    async def run_jobs(self, *, limit: float = 60) -> dict[str, list[Any]]:
        """Run the worker until nothing is due or running; jobs by final state."""
        q = self.services.queue
        worker = Worker(q, build_registry(), self.services, concurrency=4, idle_poll=0.05)
        with anyio.fail_after(limit):
            async with anyio.create_task_group() as tg:
                await tg.start(worker.run)
                while True:
                    await anyio.sleep(0.05)
                    [soonest] = await self.services.db.fetchone(
                        "SELECT min(run_after) FROM jobs WHERE state IN ('queued', 'retrying')"
                    )
                    if not worker.running and (soonest is None or soonest > time.time() + 1.0):
                        break
                worker.stop_claiming()
        rows = await self.services.db.fetchall("SELECT id, state FROM jobs ORDER BY id")
        out: dict[str, list[Any]] = {}
        for job_id, state in rows:
            out.setdefault(state, []).append(await q.get(job_id))
        return out


async def _code(app: OAuthApp) -> str:
    async with httpx.AsyncClient() as http:
        r = await http.get(authorize_url(app, "s"))
    return parse_qs(urlsplit(r.headers["location"]).query)["code"][0]


@contextlib.asynccontextmanager
async def ledger_env(
    tmp_path: Path, *, minute_limit: int = 60, **sections: dict[str, Any]
) -> AsyncIterator[Env]:
    """Shopify + Exact sandboxes (Exact at its real 60 calls a minute) and Services over both."""
    from connectors.exact.sandbox import ExactSandbox
    from connectors.shopify.sandbox import ShopifySandbox

    shop = ShopifySandbox(CATALOGUE, access_token=SHOPIFY_TOKEN, webhook_secret="whsec-payouts")
    exact = ExactSandbox(
        CATALOGUE,
        client_id=EXACT_ID,
        client_secret=EXACT_SECRET,
        webhook_secret="exact-webhook",
        minute_limit=minute_limit,
    )

    async def exact_app(scope: Any, receive: Any, send: Any) -> None:
        await exact.app(scope, receive, send)

    async with (
        running_server(shop.app, port=0, lifespan="auto") as shop_url,
        running_server(exact_app, lifespan="auto") as exact_url,
    ):
        app = OAuthApp(exact_url, EXACT_ID, EXACT_SECRET, "http://127.0.0.1/callback")
        tokens = TokenManager(app, MemoryTokenStore(), refresh_margin=timedelta(seconds=30))
        await tokens.exchange_code(await _code(app))
        tmp_path.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - test setup
        settings = load_settings(write_config(tmp_path, **sections))
        db = await Database.open(tmp_path / "shopsync.db")
        shopify_client = ShopifyClient(shop_url, SHOPIFY_TOKEN)
        exact_client = ExactClient(
            exact_url, None, tokens, budget=RateBudget(reset_margin=0.05), timeout=60
        )
        services = Services(settings=settings, db=db, queue=Queue(db))
        services.shopify, services.exact = ShopifyAPI(shopify_client), exact_client
        try:
            yield Env(services, shop, exact, shop_url, exact_url)
        finally:
            await exact_client.aclose()
            await tokens.aclose()
            await shopify_client.aclose()
            await db.close()


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
