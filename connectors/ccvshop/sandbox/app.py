"""The CCV Shop sandbox as one ASGI app: `/api/rest/v1/…` signed REST, `/_sandbox/ccvshop/…`
the control door (see `control`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import anyio
import httpx

from .api import Request, Response, RestApi, dumps
from .control import Control, ControlError
from .settings import Faults, Settings
from .store import Store
from .webhooks import Outbox

CONTROL = "/_sandbox/ccvshop"


class ShopClock:
    """The shop's time: a base clock (real UTC, or a test's) plus what `/clock` moved it by."""

    def __init__(self, base: Callable[[], dt.datetime] | None = None) -> None:
        self.base = base or (lambda: dt.datetime.now(dt.UTC))
        self.offset = dt.timedelta(0)

    def now(self) -> dt.datetime:
        return self.base() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += dt.timedelta(seconds=seconds)


class CcvShopSandbox:
    """One CCV webshop over HTTP, checked as strictly as we know the real one to be."""

    def __init__(
        self,
        *,
        public_key: str,
        secret: str,
        clock: Callable[[], dt.datetime] | None = None,
        settings: Settings | None = None,
        webhook_http: httpx.AsyncClient | None = None,
    ) -> None:
        self.clock = ShopClock(clock)
        self.settings = settings or Settings()
        self.faults = Faults()
        self.store = Store(self.clock.now)
        self.outbox = Outbox(self.store, self.settings)
        self.api = RestApi(
            self.store,
            self.settings,
            self.faults,
            self.outbox,
            public_key=public_key,
            secret=secret,
        )
        self.control = Control(self.store, self.settings, self.faults, self.clock, self.outbox)
        self.webhook_http = webhook_http  # how calls reach receivers (tests pass a transport)

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "lifespan":
                await self._lifespan(receive, send)
                return
            if scope["type"] != "http":
                return
            request = await _read(scope, receive)
            if request.path.rstrip("/") == f"{CONTROL}/webhooks/deliver":
                calls = await self.deliver_webhooks()
                body = dumps({"delivered": len(calls)})
                response = Response(200, body, {"content-type": "application/json"})
            elif request.path.startswith(CONTROL):
                response = self._control(request)
            else:
                response = self.api.serve(request)
            await _write(send, response)

        self.app = app

    async def deliver_webhooks(self) -> list[Any]:
        if self.webhook_http is not None:
            return await self.outbox.deliver(self.webhook_http)
        async with httpx.AsyncClient(timeout=10) as http:
            return await self.outbox.deliver(http)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        """Deliver webhook calls in the background while served (`shopsync sandbox`)."""
        async with anyio.create_task_group() as tg:
            await receive()  # lifespan.startup

            async def loop() -> None:
                while True:
                    if self.outbox.pending:
                        await self.deliver_webhooks()
                    await anyio.sleep(0.2)

            tg.start_soon(loop)
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown
            tg.cancel_scope.cancel()
        await send({"type": "lifespan.shutdown.complete"})

    def _control(self, request: Request) -> Response:
        route = request.path[len(CONTROL) :]
        try:
            body = json.loads(request.body, parse_float=Decimal) if request.body else None
            payload = self.control.handle(request.method, route, body)
        except (ControlError, ValueError) as exc:
            return Response(400, dumps({"error": str(exc)}), {"content-type": "application/json"})
        return Response(200, dumps(payload), {"content-type": "application/json"})


async def _read(scope: dict[str, Any], receive: Any) -> Request:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    host = headers.get("host") or "{}:{}".format(*scope.get("server") or ("127.0.0.1", 80))
    raw_path = scope.get("raw_path") or scope["path"].encode()
    return Request(
        method=scope["method"].upper(),
        path=raw_path.decode("latin-1").split("?", 1)[0],
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=b"".join(chunks),
        base=f"{scope.get('scheme', 'http')}://{host}",
    )


async def _write(send: Any, response: Response) -> None:
    headers = [(k.encode(), v.encode()) for k, v in response.headers.items()]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
