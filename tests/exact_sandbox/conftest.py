"""Factory fixture: a real Exact sandbox on a loopback socket plus an authorised HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from connectors.exact.sandbox import ExactSandbox
from connectors.sandbox_catalogue import build_catalogue
from daemon.serving import running_server

CLIENT_ID = "3f8a6c1e-sandbox-client"
CLIENT_SECRET = "sandbox-client-secret"
WEBHOOK_SECRET = "sandbox-webhook-secret"
REDIRECT = "http://127.0.0.1:9/callback"
DIVISION = 123456


@dataclass
class ExactRun:
    sandbox: ExactSandbox
    base_url: str
    http: httpx.AsyncClient
    tokens: dict[str, str]

    @property
    def auth(self) -> dict[str, str]:
        return {
            "authorization": f"Bearer {self.tokens['access_token']}",
            "accept": "application/json",
        }

    def url(self, path: str) -> str:
        return f"{self.base_url}/api/v1/{DIVISION}/{path}"

    async def get(self, path: str, **params: str) -> httpx.Response:
        return await self.http.get(self.url(path), params=params or None, headers=self.auth)

    async def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(self.url(path), json=body, headers=self.auth)

    async def control(self, route: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.base_url}/_sandbox/exact/{route}"
        if body is None and route == "state":
            response = await self.http.get(url)
        else:
            response = await self.http.post(url, json=body or {})
        response.raise_for_status()
        return response.json(parse_float=Decimal)

    async def refresh(self, refresh_token: str) -> httpx.Response:
        return await self.http.post(
            f"{self.base_url}/api/oauth2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        )

    async def advance(self, seconds: float) -> None:
        await self.control("clock", {"advance_seconds": seconds})

    async def renew(self) -> None:
        """Refresh the tokens the way a client must after time has passed."""
        r = await self.refresh(self.tokens["refresh_token"])
        assert r.status_code == 200, r.text
        self.tokens = r.json()


async def authorise(http: httpx.AsyncClient, base_url: str) -> dict[str, str]:
    """The browser leg of the code flow, then the code-for-tokens exchange."""
    r = await http.get(
        f"{base_url}/api/oauth2/auth",
        params={
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "state": "xyz",
        },
    )
    assert r.status_code == 302
    location = httpx.URL(r.headers["location"])
    assert location.params["state"] == "xyz"
    r = await http.post(
        f"{base_url}/api/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": location.params["code"],
            "redirect_uri": REDIRECT,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def exact_sandbox() -> Callable[..., Any]:
    """`async with exact_sandbox(minute_limit=5) as run:` serves a sandbox for the block."""

    @asynccontextmanager
    async def start(**options: Any) -> AsyncIterator[ExactRun]:
        options.setdefault("products", 300)
        catalogue = build_catalogue(seed=1, products=options.pop("products"))
        sandbox = ExactSandbox(
            catalogue,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            webhook_secret=WEBHOOK_SECRET,
            division=DIVISION,
            redirect_uri=REDIRECT,
            **options,
        )
        async with (
            running_server(sandbox.app, lifespan="on") as base_url,
            httpx.AsyncClient(timeout=10) as http,
        ):
            tokens = await authorise(http, base_url)
            yield ExactRun(sandbox, base_url, http, tokens)

    return start
