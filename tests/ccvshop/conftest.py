"""Factory fixture: a CCV Shop sandbox in-process, our client on it, and a shared fake clock.

Client and sandbox read the same `FakeTime`; the client's sleeps move it, so a test can wait out
a CCV minute window in no real time at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from connectors.ccvshop import signing
from connectors.ccvshop.client import CcvShopClient
from connectors.ccvshop.sandbox import CcvShopSandbox, Settings

PUBLIC = "sandbox-public-key"
SECRET = "sandbox-secret"
BASE = "http://myshop.ccvshop.test"


class FakeTime:
    def __init__(self) -> None:
        self.moment = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
        self.slept: list[float] = []

    def now(self) -> dt.datetime:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.moment += dt.timedelta(seconds=seconds)
        await anyio.lowlevel.checkpoint()


@dataclass
class CcvRun:
    sandbox: CcvShopSandbox
    client: CcvShopClient
    http: httpx.AsyncClient  # unsigned, for raw calls and the control door
    time: FakeTime

    async def control(self, route: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{BASE}/_sandbox/ccvshop/{route}"
        if body is None:
            r = await self.http.get(url)
        else:
            r = await self.http.post(url, json=body)
        assert r.status_code == 200, r.text
        return r.json(parse_float=Decimal)

    async def raw(
        self,
        method: str,
        uri: str,
        body: str = "",
        *,
        date: str | None = None,
        secret: str = SECRET,
        public: str = PUBLIC,
        hashed_uri: str | None = None,
    ) -> httpx.Response:
        """A hand-signed call, so a test can get exactly one thing wrong."""
        date = date or signing.format_date(self.time.now())
        digest = signing.sign(secret, public, method, hashed_uri or uri, body, date)
        headers = {"x-public": public, "x-date": date, "x-hash": digest}
        return await self.http.request(
            method, BASE + uri, content=body.encode() or None, headers=headers
        )

    async def seed_products(self, count: int, **fields: Any) -> list[dict[str, Any]]:
        return [
            await self.control(
                "products",
                {"productnumber": f"SKU-{n:04d}", "name": f"Product {n}", "price": 10, **fields},
            )
            for n in range(count)
        ]


@pytest.fixture
def ccv() -> Callable[..., Any]:
    """`async with ccv(page_size_cap=25, client_page_size=10) as run:`"""

    @asynccontextmanager
    async def start(**options: Any) -> AsyncIterator[CcvRun]:
        client_options = {
            k.removeprefix("client_"): options.pop(k)
            for k in list(options)
            if k.startswith("client_")
        }
        webhook_http = options.pop("webhook_http", None)
        time = FakeTime()
        settings = Settings()
        settings.update(options)
        sandbox = CcvShopSandbox(
            public_key=PUBLIC,
            secret=SECRET,
            clock=time.now,
            settings=settings,
            webhook_http=webhook_http,
        )
        transport = httpx.ASGITransport(app=sandbox.app)
        client = CcvShopClient(
            BASE,
            PUBLIC,
            SECRET,
            transport=transport,
            now=time.now,
            sleep=time.sleep,
            **client_options,
        )
        async with client, httpx.AsyncClient(transport=transport) as http:
            yield CcvRun(sandbox, client, http, time)

    return start
