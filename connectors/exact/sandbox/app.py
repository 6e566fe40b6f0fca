"""The ASGI app tying the sandbox together: OAuth routes, the limited REST API, the control door."""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import urlencode

import anyio

from connectors.sandbox_catalogue import Catalogue

from . import control
from .api import RestApi, endpoint_of
from .asgi import Request, Response, Scope, drop_connection, read_request, send_response
from .clock import SandboxClock
from .contract_check import load_contract
from .entities import build_registry
from .jsonio import ApiError, dumps, error_body
from .limits import ErrorBudget, RateLimits
from .oauth import OAuthError, TokenAuthority
from .store import Store
from .webhooks import WebhookDispatcher

CONTROL = "/_sandbox/exact"
REFUSALS = (400, 403, 404, 405, 501)  # what a conformance run must never see
REFUSED_KEPT = 100
log = logging.getLogger(__name__)


class ExactSandbox:
    """An Exact Online division over real HTTP, seeded from the shared catalogue.

    `app` is the ASGI callable; its lifespan runs webhook delivery. `time_scale` speeds up
    Exact time (minute window, token TTL, error-budget hour, 30-day refresh expiry).
    """

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        client_id: str,
        client_secret: str,
        webhook_secret: str,
        division: int = 123456,
        minute_limit: int = 60,
        daily_limit: int = 5000,
        error_budget: int = 10,
        time_scale: float = 1.0,
        redirect_uri: str | None = None,
        access_token_ttl: float = 600.0,
        rules: dict[str, Any] | None = None,
    ) -> None:
        self.clock = SandboxClock(time_scale)
        self.store = Store(catalogue, division, self.clock)
        self.store.rules.update(rules or {})  # the open questions' answers (store.Rules)
        self.store.app_redirect_uri = redirect_uri
        self.oauth = TokenAuthority(
            self.clock, client_id, client_secret, redirect_uri, access_token_ttl
        )
        self.limits = RateLimits(self.clock, minute_limit, daily_limit, catalogue.timezone)
        self.budget = ErrorBudget(self.clock, error_budget)
        self.faults = control.Faults()
        self.dice = control.Dice()
        self.webhooks = WebhookDispatcher(
            self.store, self.clock, client_id=client_id, secret=webhook_secret
        )
        user_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"exact-sandbox-user-{division}"))
        contract = load_contract()
        self.api = RestApi(
            self.store,
            build_registry(self.store, client_id, contract),
            {
                "UserID": user_id,
                "UserName": "merchant@example.com",
                "FullName": "Sandbox Merchant",
                "FirstName": "Sandbox",
                "LastName": "Merchant",
                "Email": "merchant@example.com",
                "LanguageCode": "en-GB",
                "DivisionCustomerName": "Sandbox Merchant BV",
            },
            contract,
        )
        self.calls_429 = 0
        # Every call Exact would refuse (or we cannot simulate), first ones kept: a conformance
        # run asserts this stays empty. Auth (401), limits (429) and injected faults are not in it.
        self.refused: list[dict[str, Any]] = []
        self.refused_total = 0
        self.dropped_after_commit = 0

        async def app(scope: Scope, receive: Any, send: Any) -> None:
            await self._serve(scope, receive, send)

        # A plain function, not a bound method: uvicorn would take a bound method for ASGI 2.
        self.app = app

    async def _serve(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = await read_request(scope, receive)
        path = request.path.rstrip("/")
        if path.startswith(CONTROL):
            response = self._control(request, path[len(CONTROL) :])
        elif path == "/api/oauth2/auth":
            response = self._authorize(request)
        elif path == "/api/oauth2/token":
            response = self._token(request)
            if response.status == 200 and self.faults.token_stall_s:
                # The pair is issued (the old refresh token is spent); the answer is late, as
                # when the line or the client dies right after Exact rotated the token.
                await anyio.sleep(self.faults.token_stall_s)
        elif path.startswith("/api/v1/"):
            response = await self._api_call(request, path[len("/api/v1/") :], send)
            if response is None:
                return  # the connection was dropped on purpose
        else:
            response = Response(404, error_body("Not found."))
        await send_response(send, response)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        async with anyio.create_task_group() as tg:
            await receive()  # lifespan.startup
            tg.start_soon(self.webhooks.run)
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown
            tg.cancel_scope.cancel()
        await send({"type": "lifespan.shutdown.complete"})

    # -- OAuth ------------------------------------------------------------------------------
    def _authorize(self, request: Request) -> Response:
        q = request.query
        try:
            code = self.oauth.authorize(
                q.get("client_id", ""), q.get("redirect_uri", ""), q.get("response_type", "")
            )
        except OAuthError as exc:
            return Response(exc.status, dumps(exc.body).encode())
        if self.store.app_redirect_uri is None:  # an app registered without one: the first used
            self.store.app_redirect_uri = q["redirect_uri"]
        params = {"code": code} | ({"state": q["state"]} if "state" in q else {})
        sep = "&" if "?" in q["redirect_uri"] else "?"
        location = f"{q['redirect_uri']}{sep}{urlencode(params)}"
        return Response(302, headers=[("location", location)], content_type=None)

    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            return Response(405, error_body("Use POST."))
        try:
            tokens = self.oauth.token(request.form())
        except OAuthError as exc:
            return Response(exc.status, dumps(exc.body).encode())
        return Response(200, dumps(tokens).encode(), headers=[("cache-control", "no-store")])

    # -- REST -------------------------------------------------------------------------------
    async def _api_call(self, request: Request, rest: str, send: Any) -> Response | None:
        self.webhooks.public_base = request.base_url
        faults = self.faults
        if faults.latency_ms:
            await anyio.sleep(faults.latency_ms / 1000)
        if self.dice.roll(faults.drop_rate):
            await drop_connection(send)
            return None
        if self.dice.roll(faults.timeout_rate):
            await anyio.sleep(faults.timeout_s)
            return Response(500, error_body("The operation has timed out."))
        division, _, tail = rest.partition("/")
        endpoint = "current/Me" if rest.lower() == "current/me" else self._endpoint(tail)
        self.store.calls[endpoint] = self.store.calls.get(endpoint, 0) + 1
        if faults.burst_429 > 0:
            faults.burst_429 -= 1
            self.calls_429 += 1
            # Exact only answers 429 with a spent window, so the burst says the minute is used
            # up (as if another process of this app had spent it) and when it resets.
            response = Response(429, error_body("API rate limit exceeded."))
            response.headers.extend(self.limits.headers(minute_spent=True))
            return response
        try:
            status, payload, event = self._authorised_call(request, division, tail, endpoint)
        except ApiError as exc:
            self.budget.record(endpoint, exc.status)
            if exc.status == 429:
                self.calls_429 += 1
            elif exc.status in REFUSALS:
                self._note_refusal(request, endpoint, exc)
            response = Response(exc.status, error_body(exc.message), headers=exc.headers)
            return self._with_limits(response)
        except Exception:
            # A sandbox bug still answers like Exact's 500, and leaves a traceback for us.
            log.exception("exact sandbox failed on %s %s", request.method, endpoint)
            return self._with_limits(Response(500, error_body("An unexpected error occurred.")))
        if event is not None:
            topic, action, key = event
            es, _ = self.api.resolve(tail)
            self.store.changed(topic, action, str(key), f"{es.path}(guid'{key}')")
        if request.method != "GET" and self.dice.roll(faults.drop_after_commit_rate):
            self.dropped_after_commit += 1
            await drop_connection(send)  # committed above: only the answer is lost
            return None
        body = dumps(payload).encode() if payload is not None else b""
        return self._with_limits(Response(status, body))

    def _note_refusal(self, request: Request, endpoint: str, exc: ApiError) -> None:
        self.refused_total += 1
        if len(self.refused) < REFUSED_KEPT:
            self.refused.append(
                {
                    "method": request.method,
                    "endpoint": endpoint,
                    "query": dict(request.query),
                    "status": exc.status,
                    "message": exc.message,
                    "at": self.clock.now_dt().isoformat(),
                }
            )

    def _authorised_call(
        self, request: Request, division: str, tail: str, endpoint: str
    ) -> tuple[int, Any, Any]:
        reason = self.oauth.check_bearer(request.headers.get("authorization"))
        if reason is not None:
            raise ApiError(401, reason, headers=[("www-authenticate", "Bearer")])
        until = self.budget.blocked(endpoint)
        if until is not None:
            raise ApiError(
                429,
                "API rate limit exceeded: too many errors on this endpoint; blocked for an hour.",
            )
        if not self.limits.take():
            minute = self.limits.minute_exceeded()
            raise ApiError(
                429,
                "API rate limit exceeded.",
                # Past the minute limit only the minutely headers come back (limits.headers).
                headers=self.limits.headers(minute_spent=True) if minute else None,
            )
        if self.dice.roll(self.faults.error_rate):
            raise ApiError(500, "An unexpected error occurred.")
        if division.lower() == "current" and tail.lower() == "me":
            if request.method != "GET":
                raise ApiError(405, "Only GET is supported on current/Me.")
            return (*self.api.me(request.base_url), None)
        if division != str(self.store.division):
            raise ApiError(403, "Forbidden: you have no access to this division.")
        return self.api.handle(request.method, tail, request.query, request.body, request.base_url)

    def _endpoint(self, tail: str) -> str:
        """Canonical set name for counting (Exact's paths are case-insensitive)."""
        name = endpoint_of(tail)
        es = self.api.registry.get(name.lower())
        return es.path if es else name

    def _with_limits(self, response: Response) -> Response:
        if not any(name == "x-ratelimit-minutely-limit" for name, _ in response.headers):
            response.headers.extend(self.limits.headers())
        return response

    # -- control ----------------------------------------------------------------------------
    def _control(self, request: Request, route: str) -> Response:
        try:
            payload = self._control_route(request, route)
        except ApiError as exc:
            return Response(exc.status, dumps({"error": exc.message}).encode())
        return Response(200, dumps(payload).encode())

    def _control_route(self, request: Request, route: str) -> Any:
        method = request.method
        if route == "/state" and method == "GET":
            return control.state(self.store) | {
                "errors": self.budget.state()["errors"],
                "blocked": self.budget.state()["blocked"],
                "limits": self.limits.state(),
                "calls_429": self.calls_429,
                "refused": self.refused,
                "refused_total": self.refused_total,
                "dropped_after_commit": self.dropped_after_commit,
                "webhooks": self.webhooks.state(),
                "tokens": {
                    "refreshes": self.oauth.refreshes,
                    "refused": self.oauth.refused,
                    "live_refresh_tokens": len(self.oauth.refresh),
                },
                "faults": self.faults.state(),
                "now": self.clock.now_dt().isoformat(),
            }
        if route == "/stock" and method == "POST":
            return control.change_stock(self.store, control.parse_body(request.body))
        if route == "/faults":
            if method == "POST":
                self.faults.update(control.parse_body(request.body))
            return self.faults.state()
        if route == "/revoke" and method == "POST":
            self.oauth.revoke_all()
            return {"revoked": True}
        if route == "/clock" and method == "POST":
            body = control.parse_body(request.body)
            try:
                self.clock.advance(float(body.get("advance_seconds", 0)))
            except ValueError as exc:
                raise ApiError(400, str(exc)) from None
            return {"now": self.clock.now_dt().isoformat()}
        if route == "/division_move" and method == "POST":
            self.store.move_division()
            return {"moved": self.store.division_move_date, "rowversion": self.store.rowversion}
        if route == "/rules":
            if method == "POST":
                self.store.rules.update(control.parse_body(request.body))
            return self.store.rules.state()
        if route == "/tokens" and method == "POST":
            return self.oauth.issue_for_operator()
        raise ApiError(404, f"No control route {method} {route}")
