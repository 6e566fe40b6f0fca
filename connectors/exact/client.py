"""The Exact Online REST client flows call: list, read, write and sync entities of one division.

Every call passes the shared ErrorBudget (so a failing endpoint pauses before Exact blocks us) and
the shared RateBudget (so no call is sent that Exact would refuse with 429), then carries a token
from the TokenManager; a 401 refreshes the token once and repeats the call.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import tzinfo
from typing import Any

import httpx

from connectors.errors import PermanentError, TransientError
from connectors.exact import wire
from connectors.exact.errors import API, error_for_exception, error_for_response
from connectors.exact.hosts import COUNTRY_HOSTS
from connectors.exact.limiter import ErrorBudget, RateBudget
from connectors.exact.oauth import TokenManager
from connectors.exact.odata import Filter, Guid, eq, timestamp_after
from connectors.retry import read_with_retries


def base_url_for(country: str) -> str:
    """`nl` → `https://start.exactonline.nl`; a configured base_url (the sandbox) overrides it."""
    try:
        return COUNTRY_HOSTS[country.lower()]
    except KeyError:
        known = ", ".join(sorted(COUNTRY_HOSTS))
        raise ValueError(f"unknown Exact country {country!r}; expected one of {known}") from None


def _select(select: str | Iterable[str] | None) -> str | None:
    if select is None or isinstance(select, str):
        return select
    return ",".join(select)


class ExactClient:
    """One division of one Exact company, shared by all workers of the process."""

    def __init__(
        self,
        base_url: str,
        division: int | None,
        token_manager: TokenManager,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        budget: RateBudget | None = None,
        error_budget: ErrorBudget | None = None,
        timeout: float = 15,
        zone: tzinfo = wire.EXACT_ZONE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # The shop's time zone: datetimes in bodies go out as its zone-less wall clock (wire).
        self.zone = zone
        self.tokens = token_manager
        self.budget = budget or RateBudget()
        self.error_budget = error_budget or ErrorBudget()
        self._division = division
        self._origin = httpx.URL(self.base_url)
        # Called (method, endpoint, status) when Exact refuses a write with 400 or 404: callers
        # that cache ids (lookups) drop them, as a refused write may carry a stale one.
        self.on_refused_write: list[Callable[[str, str, int], None]] = []
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=timeout,
            # Prefer: return=representation makes POST answer the created entity (with its ID)
            # rather than an empty 201 (picqer Connection::createRequest sends it on every call).
            headers={"Accept": "application/json", "Prefer": "return=representation"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ExactClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---- division and URLs -------------------------------------------------------------

    async def me(self) -> dict[str, Any]:
        """The signed-in user (`current/Me`), including `CurrentDivision`."""
        body = await self._call("GET", "current/Me", f"{self.base_url}/api/v1/current/Me")
        rows = _rows(body)
        if not rows:
            raise TransientError("current/Me answered no user", api=API)
        return rows[0]

    async def keep_alive(self) -> None:
        """A light call for a daily schedule: Exact expires refresh tokens unused for 30 days,
        and this refreshes the pair whenever the access token is due."""
        await self.me()

    def status(self) -> dict[str, Any]:
        """Budgets and token health for the control API (no secrets)."""
        return {
            "division": self._division,
            "tokens": self.tokens.status(),
            "rate": self.budget.snapshot(),
            "endpoints": self.error_budget.snapshot(),
        }

    async def division(self) -> int:
        if self._division is None:
            self._division = int((await self.me())["CurrentDivision"])
        return self._division

    async def _url(self, service_entity: str, guid: str | None = None) -> str:
        key = f"(guid'{Guid(guid).value}')" if guid else ""
        return f"{self.base_url}/api/v1/{await self.division()}/{service_entity}{key}"

    # ---- reading -----------------------------------------------------------------------

    async def iter_pages(
        self,
        service_entity: str,
        *,
        filter: Filter | str | None = None,
        select: str | Iterable[str] | None = None,
        top: int | None = None,
        orderby: str | None = None,
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Yield one page of rows at a time, following `__next` until Exact stops sending it."""
        params = {
            k: v
            for k, v in {
                "$filter": str(filter) if filter is not None else None,
                "$select": _select(select),
                "$top": str(top) if top is not None else None,
                "$orderby": orderby,
            }.items()
            if v is not None
        }
        url: str | None = await self._url(service_entity)
        while url is not None:
            body = await self._call("GET", service_entity, url, params=params)
            yield _rows(body)
            url = self._next_url(body)
            params = {}  # __next already carries the query (and Exact's skip token)

    async def get(
        self,
        service_entity: str,
        *,
        filter: Filter | str | None = None,
        select: str | Iterable[str] | None = None,
        top: int | None = None,
        orderby: str | None = None,
    ) -> list[dict[str, Any]]:
        """All rows matching the query, across pages."""
        rows: list[dict[str, Any]] = []
        async for page in self.iter_pages(
            service_entity, filter=filter, select=select, top=top, orderby=orderby
        ):
            rows.extend(page)
            if top is not None and len(rows) >= top:
                return rows[:top]
        return rows

    async def get_one(
        self,
        service_entity: str,
        guid: str,
        *,
        key: str = "ID",
        select: str | Iterable[str] | None = None,
    ) -> dict[str, Any] | None:
        """One entity by id, or None. Filtering by key (not `Entity(guid'…')`) means a missing id
        is an empty list rather than a 404 that would count against Exact's error budget."""
        rows = await self.get(service_entity, filter=eq(key, Guid(guid)), select=select, top=1)
        return rows[0] if rows else None

    async def sync(
        self,
        service_entity: str,
        since_timestamp: int,
        *,
        select: str | Iterable[str] | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """Rows changed after `since_timestamp` via `sync/{service_entity}`, and the new cursor.

        Exact asks integrations to use the sync API instead of re-reading unchanged data; start
        with 1 and store the returned timestamp (the highest seen) for the next call.
        """
        rows = await self.get(
            f"sync/{service_entity}", filter=timestamp_after(since_timestamp), select=select
        )
        newest = since_timestamp
        for row in rows:
            stamp = row.get("Timestamp")
            if stamp is not None:
                newest = max(newest, int(str(stamp)))
        return rows, newest

    # ---- writing -----------------------------------------------------------------------

    async def post(self, service_entity: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create an entity; answers the created entity as Exact stored it (with its ID)."""
        answer = await self._call(
            "POST",
            service_entity,
            await self._url(service_entity),
            content=wire.dumps(body, self.zone),
        )
        return _single(answer)

    async def put(self, service_entity: str, guid: str, body: dict[str, Any]) -> None:
        """Update the given fields of one entity (Exact answers 204 No Content)."""
        await self._call(
            "PUT",
            service_entity,
            await self._url(service_entity, guid),
            content=wire.dumps(body, self.zone),
        )

    async def delete(self, service_entity: str, guid: str) -> None:
        await self._call("DELETE", service_entity, await self._url(service_entity, guid))

    # ---- transport ---------------------------------------------------------------------

    def _next_url(self, body: Any) -> str | None:
        d = body.get("d") if isinstance(body, dict) else None
        nxt = d.get("__next") if isinstance(d, dict) else None
        if not nxt:
            return None
        url = httpx.URL(nxt)
        # Never send the bearer token to a host other than the one we were configured with.
        if (url.scheme, url.host, url.port) != (
            self._origin.scheme,
            self._origin.host,
            self._origin.port,
        ):
            raise PermanentError(
                f"Exact's next-page link points to another host ({url.host})", api=API
            )
        return str(nxt)

    async def _call(
        self,
        method: str,
        endpoint: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> Any:
        once = functools.partial(self._call_once, method, endpoint, url, params, content)
        if method == "GET":  # a read: safe to send again when it failed in transit or with a 5xx
            return await read_with_retries(once)
        return await once()

    async def _call_once(
        self,
        method: str,
        endpoint: str,
        url: str,
        params: dict[str, str] | None,
        content: bytes | None,
    ) -> Any:
        for attempt in (1, 2):
            async with self.error_budget.guard(endpoint) as outcome:
                token = await self.tokens.access_token()
                response = await self._send(method, endpoint, url, params, content, token)
                outcome.status = response.status_code
            if response.status_code == 401 and attempt == 1:
                # Maybe revoked or expired early: one refresh, then the call once more.
                await self.tokens.refresh_after_unauthorized(token)
                continue
            break
        if not response.is_success:
            if method != "GET" and response.status_code in (400, 404):
                for hook in self.on_refused_write:
                    hook(method, endpoint, response.status_code)
            raise error_for_response(response, endpoint=endpoint)
        try:
            return wire.loads(response.content)
        except ValueError:
            raise TransientError(
                f"{method} {endpoint}: Exact answered invalid JSON", api=API
            ) from None

    async def _send(
        self,
        method: str,
        endpoint: str,
        url: str,
        params: dict[str, str] | None,
        content: bytes | None,
        token: str,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        if content is not None:
            headers["Content-Type"] = "application/json"
        async with self.budget.slot() as slot:
            try:
                # params=None, not {}: httpx 0.28 drops a URL's own query when given {}.
                response = await self._http.request(
                    method, url, params=params or None, content=content, headers=headers
                )
            except httpx.HTTPError as exc:
                slot.lost()
                raise error_for_exception(exc, method=method, endpoint=endpoint) from None
            slot.observe(response.headers, response.status_code)
            return response


def _rows(body: Any) -> list[dict[str, Any]]:
    d = body.get("d") if isinstance(body, dict) else None
    if isinstance(d, dict):
        results = d.get("results")
        if isinstance(results, list):
            return results
        return [d]
    if isinstance(d, list):
        return d
    return []


def _single(body: Any) -> dict[str, Any]:
    d = body.get("d") if isinstance(body, dict) else None
    return d if isinstance(d, dict) else {}
