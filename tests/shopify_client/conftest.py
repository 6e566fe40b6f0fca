"""Factories that serve a real Shopify sandbox on loopback and build clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from connectors.sandbox_catalogue import Catalogue, build_catalogue
from connectors.shopify.api import ShopifyAPI
from connectors.shopify.client import ShopifyClient
from connectors.shopify.throttle import CostThrottle
from daemon.serving import running_server

TOKEN = "shpat_sandbox_token_do_not_log_0123456789"
WEBHOOK_SECRET = "shpss_sandbox_webhook_secret"
CONTROL = "/_sandbox/shopify"


@dataclass
class SandboxShop:
    url: str
    sandbox: Any
    catalogue: Catalogue

    def client(self, *, token: str = TOKEN, throttle: CostThrottle | None = None, **kw: Any):
        return ShopifyClient(self.url, token, throttle=throttle, **kw)

    async def control(self, method: str, path: str, **kw: Any) -> Any:
        """Call the sandbox's own control surface (not part of Shopify's API)."""
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as http:
            response = await http.request(method, f"{CONTROL}{path}", **kw)
            response.raise_for_status()
            return response.json() if response.content else None


@asynccontextmanager
async def sandbox_shop(*, products: int = 30, **kw: Any) -> AsyncIterator[SandboxShop]:
    from connectors.shopify.sandbox import ShopifySandbox

    catalogue = build_catalogue(seed=1, products=products)
    sandbox = ShopifySandbox(catalogue, access_token=TOKEN, webhook_secret=WEBHOOK_SECRET, **kw)
    async with running_server(sandbox.app, port=0, lifespan="auto") as url:
        yield SandboxShop(url, sandbox, catalogue)


@pytest.fixture
async def shop() -> AsyncIterator[SandboxShop]:
    async with sandbox_shop() as s:
        yield s


@pytest.fixture
async def api(shop: SandboxShop) -> AsyncIterator[ShopifyAPI]:
    async with shop.client() as client:
        yield ShopifyAPI(client)
