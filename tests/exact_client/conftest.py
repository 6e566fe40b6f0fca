"""Factory for a live Exact sandbox on loopback plus a client authorized through the code flow."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.exact.client import ExactClient
from connectors.exact.limiter import ErrorBudget, RateBudget
from connectors.exact.oauth import OAuthApp, TokenManager, authorize_url
from connectors.exact.tokens import MemoryTokenStore, TokenStore
from connectors.sandbox_catalogue import build_catalogue
from daemon.serving import running_server

CLIENT_ID = "shopsync-test-client"
CLIENT_SECRET = "canary-client-secret-4f1d"
REDIRECT_URI = "http://127.0.0.1/callback"
DIVISION = 123456
CATALOGUE = build_catalogue(seed=1, products=300)


@dataclass
class ExactEnv:
    sandbox: Any
    base_url: str
    app: OAuthApp
    store: TokenStore
    tokens: TokenManager
    client: ExactClient

    def manager(self, store: TokenStore | None = None, **kw: Any) -> TokenManager:
        """Another TokenManager on the same app (a 'restarted process')."""
        kw.setdefault("refresh_margin", self.tokens.refresh_margin)
        return TokenManager(self.app, store or self.store, **kw)

    async def control(self, method: str, path: str, json: Any = None) -> Any:
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            response = await http.request(method, f"/_sandbox/exact/{path}", json=json)
            response.raise_for_status()
            return response.json() if response.content else None


async def authorization_code(app: OAuthApp, state: str = "s1") -> str:
    """Play the operator's browser: the sandbox consents at once and redirects with a code."""
    async with httpx.AsyncClient() as http:
        response = await http.get(authorize_url(app, state))
    assert response.status_code in (302, 303), response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == [state]
    return query["code"][0]


@contextlib.asynccontextmanager
async def exact_env(
    *,
    time_scale: float = 1.0,
    minute_limit: int = 600,
    daily_limit: int = 50_000,
    error_budget: int = 10,
    refresh_margin: float = 30.0,
    call_timeout: float = 5.0,
    division: int | None = None,
    budget: RateBudget | None = None,
    errors: ErrorBudget | None = None,
    **sandbox_kw: Any,
) -> AsyncIterator[ExactEnv]:
    from connectors.exact.sandbox import ExactSandbox

    sandbox = ExactSandbox(
        CATALOGUE,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        webhook_secret="test-webhook-secret",
        division=DIVISION,
        minute_limit=minute_limit,
        daily_limit=daily_limit,
        error_budget=error_budget,
        time_scale=time_scale,
        **sandbox_kw,
    )

    async with running_server(sandbox.app, lifespan="auto") as base_url:
        app = OAuthApp(base_url, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
        store = MemoryTokenStore()
        tokens = TokenManager(app, store, refresh_margin=timedelta(seconds=refresh_margin))
        await tokens.exchange_code(await authorization_code(app))
        client = ExactClient(
            base_url,
            division,
            tokens,
            budget=budget or RateBudget(reset_margin=0.05),
            error_budget=errors,
            timeout=call_timeout,
        )
        try:
            yield ExactEnv(sandbox, base_url, app, store, tokens, client)
        finally:
            await client.aclose()
            await tokens.aclose()


@pytest.fixture
def make_exact():
    return exact_env
