"""ShopifySandbox: one ASGI app serving the Admin GraphQL API and the /_sandbox control routes."""

from __future__ import annotations

import random
import re
from collections import Counter
from typing import Any

import anyio

from connectors.sandbox_catalogue import Catalogue
from connectors.shopify.sandbox import asgi_util as http
from connectors.shopify.sandbox.auth import (
    AUTHORIZE_PATH,
    CONTROL_PATH,
    INVALID_TOKEN_BODY,
    SHOPIFY_TOKEN_LIFETIME,
    TOKEN_PATH,
    SandboxAuth,
)
from connectors.shopify.sandbox.bulk import run_bulk_query
from connectors.shopify.sandbox.faults import Faults
from connectors.shopify.sandbox.graphql_endpoint import GraphQLEndpoint
from connectors.shopify.sandbox.schema import executable_schema
from connectors.shopify.sandbox.scopes import bulk_denied
from connectors.shopify.sandbox.state import ShopState, utcnow
from connectors.shopify.sandbox.throttle import CostBucket
from connectors.shopify.sandbox.webhooks import WebhookDispatcher
from connectors.shopify.version import DEFAULT_API_VERSION, SANDBOX_VERSIONS

GRAPHQL_PATH = re.compile(r"^/admin/api/(?P<version>[\w-]+)/graphql\.json$")
CONTROL_PREFIX = "/_sandbox/shopify"


class ShopifySandbox:
    """A fake Shopify shop seeded from `catalogue`; serve `.app` with uvicorn (lifespan "on").

    `.app` answers the Admin GraphQL API at /admin/api/{version}/graphql.json (the version in the
    path decides version-specific rules such as the 2026-04 inventory requirements) and the
    control routes under /_sandbox/shopify (see `control`). Webhooks are delivered by a task the
    ASGI lifespan starts, so a server run with lifespan "off" queues them but never sends them.

    `time_scale` is how many real seconds one Shopify second lasts: 0.01 runs a hundred times
    faster. It scales webhook timeouts and retry delays (timeouts never below 0.25 s so loopback
    has a chance) and the bucket's refill, which runs at restore_rate / time_scale per real
    second and is reported as such in `throttleStatus.restoreRate`.

    Authentication (`auth`, see connectors/shopify/sandbox/auth.py): `access_token` is a legacy
    static token (None: none is accepted); `client_id` and `client_secret` (default: the webhook
    secret, as for a Dev Dashboard app) get tokens from the token endpoint, which last
    24 h × time_scale unless `PUT /_sandbox/shopify/auth` sets `token_lifetime_s`.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        access_token: str | None,
        webhook_secret: str,
        client_id: str = "sandbox-shopify-client-id",
        client_secret: str | None = None,
        api_version: str = DEFAULT_API_VERSION,
        versions: tuple[str, ...] = SANDBOX_VERSIONS,
        bucket_size: int = 1000,
        restore_rate: float = 100.0,
        time_scale: float = 1.0,
        shop_domain: str = "sandbox-shop.myshopify.com",
        seed: int = 1,
    ) -> None:
        self.auth = SandboxAuth(
            shop_domain=shop_domain,
            static_token=access_token,
            client_id=client_id,
            client_secret=client_secret or webhook_secret,
            token_lifetime_s=SHOPIFY_TOKEN_LIFETIME * time_scale,
        )
        self.api_version = api_version  # what webhooks are sent as
        self.versions = versions  # the /admin/api/{version}/ paths answered; others get 404
        self.shop_domain = shop_domain
        self.time_scale = time_scale
        self.state = ShopState(catalogue, shop_domain=shop_domain)
        self.bucket = CostBucket(bucket_size, restore_rate, time_scale=time_scale)
        self.faults = Faults()
        self.rng = random.Random(seed)
        self.requests: Counter[str] = Counter()
        self.webhooks = WebhookDispatcher(
            self.state,
            secret=webhook_secret,
            shop_domain=shop_domain,
            api_version=api_version,
            time_scale=time_scale,
            seed=seed,
        )
        self.schema = executable_schema()
        self.graphql = GraphQLEndpoint(self, self.schema)
        from connectors.shopify.sandbox.control import ControlSurface

        self.control = ControlSurface(self)

        async def app(scope: dict[str, Any], receive: http.Receive, send: http.Send) -> None:
            await self._asgi(scope, receive, send)

        # A plain coroutine function, so servers detect ASGI 3 (a bound method reads as ASGI 2).
        self.app = app

    def __repr__(self) -> str:  # keeps the token and secret out of logs and tracebacks
        return f"ShopifySandbox(shop_domain={self.shop_domain!r}, api_version={self.api_version!r})"

    def run_bulk(self, op_id: int) -> None:
        op = self.state.bulk_operations[op_id]
        if bulk_denied(self.schema, op.query, self.auth.scopes):
            # A bulk query outside the grant fails as a whole with BulkOperationErrorCode
            # ACCESS_DENIED (the real schema's enum), rather than running partly.
            op.status, op.error_code, op.completed_at = "FAILED", "ACCESS_DENIED", utcnow()
        else:
            run_bulk_query(self.schema, self.state, op, self.api_version)
        from connectors.shopify.sandbox import webhook_payloads as wp

        self.webhooks.emit("bulk_operations/finish", wp.bulk_operation(op))

    # ------------------------------------------------------------------ ASGI

    async def _asgi(self, scope: dict[str, Any], receive: http.Receive, send: http.Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: http.Receive, send: http.Send) -> None:
        await receive()  # lifespan.startup
        async with anyio.create_task_group() as tg:
            tg.start_soon(self.webhooks.run)
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown
            tg.cancel_scope.cancel()
        await send({"type": "lifespan.shutdown.complete"})

    async def _http(self, scope: dict[str, Any], receive: http.Receive, send: http.Send) -> None:
        path, method = scope["path"], scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        base_url = f"{scope.get('scheme', 'http')}://{headers.get('host', 'localhost')}"
        if path == TOKEN_PATH:
            self.requests["oauth_token"] += 1
            body = await http.read_body(receive)
            await self.auth.token_endpoint(method, headers, body, send)
            return
        if path == AUTHORIZE_PATH and method == "GET":
            await self.auth.authorize(scope.get("query_string", b""), send)
            return
        if path == CONTROL_PATH or path.startswith(CONTROL_PATH + "/"):
            body = await http.read_body(receive)
            await self.auth.control(method, path[len(CONTROL_PATH) :], body, send)
            return
        if path.startswith(CONTROL_PREFIX):
            self.requests["control"] += 1
            body = await http.read_body(receive)
            await self.control.handle(method, path[len(CONTROL_PREFIX) :], body, send)
            return
        match = GRAPHQL_PATH.match(path)
        if match is None or method != "POST" or match["version"] not in self.versions:
            await http.send_json(send, 404, {"errors": "Not Found"})
            return
        self.requests["graphql"] += 1
        body = await http.read_body(receive)
        granted = self.auth.check(headers)
        if granted is None:
            self.requests["graphql_unauthorised"] += 1
            await http.send_json(send, 401, INVALID_TOKEN_BODY)
            return
        await self._graphql(match["version"], body, base_url, granted, receive, send)

    async def _graphql(
        self,
        version: str,
        body: bytes,
        base_url: str,
        granted: frozenset[str],
        receive: http.Receive,
        send: http.Send,
    ) -> None:
        if self.faults.latency_ms:
            await anyio.sleep(self.faults.latency_ms / 1000)
        fault = self.faults.pick(self.rng)
        if fault:
            self.requests[f"fault_{fault}"] += 1
        if fault == "timeout":
            await http.stall_until_disconnect(receive)
            return
        if fault == "drop":
            await http.drop_connection(send)
            return
        if fault == "error":
            status = self.rng.choice([500, 502, 503])
            await http.send_json(send, status, {"errors": "Internal Server Error"})
            return
        status, out = self.graphql.run(
            body, version, base_url, forced_throttle=fault == "throttle", granted=granted
        )
        headers = [
            (b"x-shopify-api-version", version.encode()),
            (b"x-request-id", f"{self.rng.getrandbits(64):016x}".encode()),
        ]
        await http.send_json(send, status, out, headers)
