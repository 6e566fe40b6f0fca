"""A Shopify sandbox on loopback with a Dev Dashboard app, and clients for each way to auth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from connectors.sandbox_catalogue import build_catalogue
from connectors.shopify.auth import ClientCredentials, MemoryShopifyTokenStore
from connectors.shopify.client import ShopifyClient
from daemon.serving import running_server

CLIENT_ID = "dev-dashboard-client-id"
CLIENT_SECRET = "shpss_canary_client_secret_0123"
STATIC_TOKEN = "shpat_legacy_static_token_0123456"


@dataclass
class App:
    url: str
    sandbox: Any

    def credentials(self, secret: str = CLIENT_SECRET, **kw: Any) -> ClientCredentials:
        kw.setdefault("store", MemoryShopifyTokenStore())
        return ClientCredentials(self.url, CLIENT_ID, secret, **kw)

    def client(self, source: Any) -> ShopifyClient:
        return ShopifyClient(self.url, source)

    async def control(self, method: str, path: str = "", **kw: Any) -> Any:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as http:
            response = await http.request(method, f"/_sandbox/shopify/auth{path}", **kw)
            response.raise_for_status()
            return response.json()

    def counts(self) -> dict[str, int]:
        return dict(self.sandbox.auth.counts)


@asynccontextmanager
async def sandbox_app(**kw: Any) -> AsyncIterator[App]:
    from connectors.shopify.sandbox import ShopifySandbox

    sandbox = ShopifySandbox(
        build_catalogue(seed=1, products=10),
        access_token=STATIC_TOKEN,
        webhook_secret=CLIENT_SECRET,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        **kw,
    )
    async with running_server(sandbox.app, port=0, lifespan="auto") as url:
        yield App(url, sandbox)


@pytest.fixture
async def app() -> AsyncIterator[App]:
    async with sandbox_app() as a:
        yield a


NO_WAIT = timedelta(0)
