"""Fixtures that serve a real ShopifySandbox on a loopback port for each test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from connectors.sandbox_catalogue import build_catalogue
from connectors.shopify.sandbox import ShopifySandbox
from daemon.serving import running_server

TOKEN = "shpat_sandbox_token"
SECRET = "sandbox_webhook_secret"
# The strictest version the sandbox models (2026-04: the inventory rules); 2026-01 is the default.
VERSION = "2026-04"


@dataclass
class Shop:
    sandbox: ShopifySandbox
    url: str
    http: httpx.AsyncClient

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, token: str = TOKEN
    ) -> dict[str, Any]:
        r = await self.http.post(
            f"{self.url}/admin/api/{VERSION}/graphql.json",
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": token},
        )
        assert r.status_code == 200, r.text
        return r.json()

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        r = await self.http.request(method, f"{self.url}/_sandbox/shopify{path}", json=body)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def shop_options() -> dict[str, Any]:
    return {}


@pytest.fixture
async def shop(shop_options: dict[str, Any]) -> AsyncIterator[Shop]:
    sandbox = ShopifySandbox(
        build_catalogue(products=20), access_token=TOKEN, webhook_secret=SECRET, **shop_options
    )
    async with (
        running_server(sandbox.app, port=0, lifespan="on") as url,
        httpx.AsyncClient(timeout=10) as client,
    ):
        yield Shop(sandbox, url, client)
