"""Factory fixture: a Pay. sandbox in-process, our client on it, and a clock both share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import anyio.lowlevel
import httpx
import pytest

from connectors.paynl.client import PayClient
from connectors.paynl.sandbox import PaySandbox, Settings

AT_CODE = "AT-1234-5678"
TOKEN = "0123456789abcdef0123456789abcdef01234567"
BASE = "http://rest.pay.test"


@dataclass
class FakeTime:
    moment: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def now(self) -> float:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.moment += seconds
        await anyio.lowlevel.checkpoint()


@dataclass
class PayRun:
    sandbox: PaySandbox
    client: PayClient
    http: httpx.AsyncClient  # no auth: raw calls and the control door
    time: FakeTime

    async def control(self, route: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{BASE}/_sandbox/paynl/{route}"
        r = await (self.http.get(url) if body is None else self.http.post(url, json=body))
        assert r.status_code == 200, r.text
        return r.json(parse_float=Decimal)

    async def pay(self, reference: str, amount: str, **more: Any) -> dict[str, Any]:
        body = {"reference": reference, "amount": amount, "date": "2026-11-30", **more}
        return await self.control("transactions", body)


@pytest.fixture
def paynl() -> Callable[..., Any]:
    """`async with paynl(amount_unit="decimal") as run:` (options are sandbox settings)."""

    @asynccontextmanager
    async def start(**options: Any) -> AsyncIterator[PayRun]:
        time = FakeTime()
        settings = Settings()
        settings.update(options)
        sandbox = PaySandbox(at_code=AT_CODE, api_token=TOKEN, settings=settings, clock=time.now)
        transport = httpx.ASGITransport(app=sandbox.app)
        client = PayClient(AT_CODE, TOKEN, base_url=BASE, transport=transport, sleep=time.sleep)
        async with client, httpx.AsyncClient(transport=transport, base_url=BASE) as http:
            yield PayRun(sandbox, client, http, time)

    return start
