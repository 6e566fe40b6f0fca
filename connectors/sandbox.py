"""The sandboxes behind one loopback port: what `shopsync sandbox` and `shopsync demo` serve.

Paths pick the simulator: `/admin/…` and `/_sandbox/shopify/…` go to Shopify's,
`/api/rest/v1/…` and `/_sandbox/ccvshop/…` to CCV Shop's, `/v2/…` and `/_sandbox/paynl/…` to
Pay.'s, other `/api/…` and `/_sandbox/exact/…` to Exact's. `GET /_sandbox/` lists them all
and the credentials to use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import anyio

from connectors.ccvshop.sandbox import CcvShopSandbox
from connectors.exact.sandbox import ExactSandbox
from connectors.paynl.sandbox import PaySandbox
from connectors.sandbox_catalogue import Catalogue, build_catalogue
from connectors.shopify.sandbox.app import ShopifySandbox
from connectors.shopify.version import DEFAULT_API_VERSION


@dataclass(frozen=True)
class SandboxCredentials:
    """Well-known, fake credentials: the sandboxes check them exactly as the real APIs would."""

    # A Dev Dashboard app: client id and secret get tokens; the secret also signs webhooks.
    shopify_client_id: str = "sandbox-shopify-client-id"
    shopify_client_secret: str = "sandbox-shopify-client-secret"
    shopify_webhook_secret: str = "sandbox-shopify-client-secret"
    # The legacy static token of an admin-created app, still accepted.
    shopify_access_token: str = "shpat_sandbox00000000000000000000"
    exact_client_id: str = "00000000-0000-0000-0000-00000000c1d0"
    exact_client_secret: str = "sandbox-exact-client-secret"
    exact_webhook_secret: str = "sandbox-exact-webhook-secret"
    exact_division: int = 123456
    ccvshop_public_key: str = "sandbox-ccvshop-public-key"
    ccvshop_secret: str = "sandbox-ccvshop-secret"
    paynl_at_code: str = "AT-0000-0001"
    paynl_api_token: str = "sandbox0paynl0token000000000000000000000"


class Sandboxes:
    def __init__(
        self,
        *,
        seed: int = 1,
        products: int = 300,
        locations: int = 3,
        credentials: SandboxCredentials | None = None,
        speed: float = 1.0,
        exact_minute_limit: int = 60,
        exact_daily_limit: int = 5000,
        shopify_bucket: int = 1000,
        shopify_restore_rate: float = 100.0,
    ):
        self.credentials = c = credentials or SandboxCredentials()
        self.catalogue: Catalogue = build_catalogue(seed, products, locations)
        self.shopify = ShopifySandbox(
            self.catalogue,
            access_token=c.shopify_access_token,
            webhook_secret=c.shopify_webhook_secret,
            client_id=c.shopify_client_id,
            client_secret=c.shopify_client_secret,
            bucket_size=shopify_bucket,
            restore_rate=shopify_restore_rate,
            # Shopify's sandbox counts real seconds per Shopify second …
            time_scale=1.0 / speed,
            seed=seed,
        )
        self.exact = ExactSandbox(
            self.catalogue,
            client_id=c.exact_client_id,
            client_secret=c.exact_client_secret,
            webhook_secret=c.exact_webhook_secret,
            division=c.exact_division,
            minute_limit=exact_minute_limit,
            daily_limit=exact_daily_limit,
            # … Exact's counts Exact seconds per real second: both run `speed` times faster.
            time_scale=speed,
            # Served on loopback without TLS, so the daemon's ingress is http: the https rule
            # for webhook callbacks is off here on purpose; every other rule stays strict.
            rules={"webhook_https": False},
        )
        # CCV Shop's minute limits and 5-minute date check run on real time at any `speed`.
        self.ccvshop = CcvShopSandbox(public_key=c.ccvshop_public_key, secret=c.ccvshop_secret)
        self.paynl = PaySandbox(at_code=c.paynl_at_code, api_token=c.paynl_api_token)

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "lifespan":
                apps = [self.shopify.app, self.exact.app, self.ccvshop.app, self.paynl.app]
                await _lifespans(apps, receive, send)
                return
            path = scope.get("path", "")
            if path.startswith(("/admin/", "/_sandbox/shopify")):
                await self.shopify.app(scope, receive, send)
            elif path.startswith(("/api/rest/v1/", "/_sandbox/ccvshop")):
                await self.ccvshop.app(scope, receive, send)
            elif path.startswith(("/v2/", "/_sandbox/paynl")):
                await self.paynl.app(scope, receive, send)
            elif path.startswith(("/api/", "/_sandbox/exact")):
                await self.exact.app(scope, receive, send)
            elif path.rstrip("/") == "/_sandbox":
                await _json(send, 200, self.index())
            else:
                await _json(send, 404, {"error": f"no sandbox route {path}"})

        self.app = app

    def index(self) -> dict[str, Any]:
        c = self.credentials
        return {
            "shopify": {
                "graphql": f"/admin/api/{DEFAULT_API_VERSION}/graphql.json",
                "control": "/_sandbox/shopify/",
                "oauth": "/admin/oauth/access_token, /admin/oauth/authorize",
                "auth_control": "/_sandbox/shopify/auth",
                "client_id": c.shopify_client_id,
                "client_secret": c.shopify_client_secret,
                "access_token": c.shopify_access_token,
                "webhook_secret": c.shopify_webhook_secret,
            },
            "exact": {
                "rest": f"/api/v1/{c.exact_division}/",
                "oauth": "/api/oauth2/auth, /api/oauth2/token",
                "control": "/_sandbox/exact/",
                "client_id": c.exact_client_id,
                "client_secret": c.exact_client_secret,
                "webhook_secret": c.exact_webhook_secret,
                "division": c.exact_division,
            },
            "ccvshop": {
                "api_root": "(this server's address)",
                "rest": "/api/rest/v1/",
                "control": "/_sandbox/ccvshop/",
                "public_key": c.ccvshop_public_key,
                "secret": c.ccvshop_secret,
            },
            "paynl": {
                "rest": "/v2/",
                "control": "/_sandbox/paynl/",
                "at_code": c.paynl_at_code,
                "api_token": c.paynl_api_token,
            },
            "catalogue": {
                "products": len(self.catalogue.products),
                "locations": [
                    {"code": loc.code, "name": loc.name} for loc in self.catalogue.locations
                ],
            },
        }


async def _lifespans(apps: list[Any], receive: Any, send: Any) -> None:
    """Run each app's own lifespan (webhook delivery loops) inside ours."""
    message = await receive()
    assert message["type"] == "lifespan.startup"
    async with anyio.create_task_group() as tg:
        stops = []
        for sub in apps:
            started = anyio.Event()
            stop = anyio.Event()
            stops.append(stop)
            tg.start_soon(_drive_lifespan, sub, started, stop)
            await started.wait()
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        for stop in stops:
            stop.set()
    await send({"type": "lifespan.shutdown.complete"})


async def _drive_lifespan(app: Any, started: anyio.Event, stop: anyio.Event) -> None:
    phase = "startup"

    async def receive() -> dict[str, Any]:
        nonlocal phase
        if phase == "startup":
            phase = "running"
            return {"type": "lifespan.startup"}
        await stop.wait()
        return {"type": "lifespan.shutdown"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] in ("lifespan.startup.complete", "lifespan.startup.failed"):
            started.set()

    try:
        await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    finally:
        started.set()


async def _json(send: Any, status: int, payload: Any) -> None:
    body = json.dumps(payload, indent=2).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
