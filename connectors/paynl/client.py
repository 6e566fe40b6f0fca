"""The Pay. GMS v2 client: Basic auth, page-by-page reads, 429 waits, and settlements whole.

Pay. documents `page` (default 1) on every list; the name of the page-size parameter and the
`_links` of the settlement list are not confirmed (../shared/api/ccv-pay.md §2.5, §2.8), so the
client sends a size only where the spec names it (`limit` on clearing and invoice lines),
follows `_links.next` where there is one and otherwise counts pages up to `pages`/`total`.
Settlement dates are filtered with `[eq]` only: the other operators are unconfirmed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

import anyio
import httpx
from pydantic import SecretStr

from connectors.errors import RateLimited, TransientError
from connectors.retry import read_with_retries

from . import errors
from .models import (
    ClearingLine,
    ClearingRecord,
    InvoiceLine,
    Settlement,
    SettlementDetail,
    units_of,
)

API = errors.API
BASE_URL = "https://rest.pay.nl"
LINES_PER_PAGE = 100  # `limit` 1–100 on clearinglines and invoicelines (GMS v2 spec)
MAX_PAGES = 10_000  # a guard against a server whose paging never ends


class PayClient:
    """One Pay. company (AT-code and API token) on the GMS REST API."""

    def __init__(
        self,
        at_code: str,
        api_token: str | SecretStr,
        *,
        base_url: str = BASE_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30,
        max_wait: float = 65.0,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.at_code = at_code
        self._token = api_token if isinstance(api_token, SecretStr) else SecretStr(api_token)
        self.max_wait = max_wait
        self.calls = 0
        self.waits = 0
        self._sleep = sleep
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)

    def __repr__(self) -> str:
        return f"PayClient({self.at_code!r})"  # never the token

    async def __aenter__(self) -> PayClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- reads -----------------------------------------------------------------------------

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        url = f"{self.base_url}/v2/{path.lstrip('/')}"
        if params:
            url += "?" + urlencode(params)
        return await read_with_retries(lambda: self._call(url))

    async def pages(
        self, path: str, key: str, params: dict[str, Any] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item under `key` of a paged list."""
        params = dict(params or {})
        page = 1
        url: str | None = None
        for _ in range(MAX_PAGES):
            if url is None:
                body = await self.get(path, {**params, "page": page})
            else:
                body = await read_with_retries(lambda u=url: self._call(u))
            items = body.get(key) if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise TransientError(f"Pay. answered {path} without a {key} list", api=API)
            for item in items:
                yield item
            links = body.get("_links")
            if not items:
                return
            if isinstance(links, dict) and links:  # links, where given, say all: no next, no more
                link = (links.get("next") or {}).get("href")
                if not link:
                    return
                url = self._absolute(link)
            elif page < _page_count(body, len(items)):
                url, page = None, page + 1
            else:
                return
        raise TransientError(f"Pay.'s paging of {path} did not end", api=API)

    async def settlements_on(
        self, day: date, *, turnover_group: str | None = None
    ) -> list[Settlement]:
        params: dict[str, Any] = {"settlementDate[eq]": day.isoformat()}
        if turnover_group:
            params["turnoverGroup[eq]"] = turnover_group
        return [
            Settlement.from_api(raw)
            async for raw in self.pages("clearings/settlements", "settlements", params)
        ]

    async def clearing_lines(self, clearing_id: str) -> list[ClearingLine]:
        params = {"limit": LINES_PER_PAGE, "clearingID[eq]": clearing_id}
        return [
            ClearingLine.from_api(raw)
            async for raw in self.pages("clearinglines", "clearingLines", params)
        ]

    async def clearing_records(self, identifier: str) -> list[dict[str, Any]]:
        """Raw records of a clearing or settlement (their unit is the settlement's)."""
        return [
            raw async for raw in self.pages(f"clearings/{identifier}/records", "clearingRecords")
        ]

    async def invoice_lines(
        self, first: date, last: date, *, turnover_group: str | None = None
    ) -> list[InvoiceLine]:
        params: dict[str, Any] = {
            "limit": LINES_PER_PAGE,
            "processedDate[gte]": first.isoformat(),
            "processedDate[lte]": last.isoformat(),
        }
        if turnover_group:
            params["turnoverGroup[eq]"] = turnover_group
        return [
            InvoiceLine.from_api(raw)
            async for raw in self.pages("invoicelines", "invoiceLines", params)
        ]

    async def turnover_groups(self, merchant: str) -> list[dict[str, Any]]:
        body = await self.get("turnovergroups", {"merchant": merchant})
        groups = body.get("turnoverGroups") if isinstance(body, dict) else None
        # The spec's example prints one object where a list is meant; take either.
        if isinstance(groups, dict):
            return [groups]
        return list(groups or [])

    async def transaction(self, transaction_id: str) -> dict[str, Any]:
        return await self.get(f"transactions/{transaction_id}")

    async def settlement_detail(self, settlement: Settlement) -> SettlementDetail:
        """The settlement, its clearing lines and records, in units measured, not assumed."""
        lines = [line for cid in settlement.clearing_ids for line in await self.clearing_lines(cid)]
        unit = units_of(settlement.raw_amount, sum((x.amount for x in lines), Decimal(0)))
        raw_records = await self.clearing_records(settlement.code)
        records = tuple(ClearingRecord.from_api(r, unit) for r in raw_records)
        total = Decimal(str(settlement.raw_amount))
        return SettlementDetail(
            settlement=settlement,
            unit=unit,
            amount=total / 100 if unit == "cents" else total,
            lines=tuple(lines),
            records=records,
        )

    # -- one call ---------------------------------------------------------------------------

    async def _call(self, url: str) -> Any:
        for attempt in range(3):
            try:
                self.calls += 1
                response = await self._http.get(url, headers=self._headers())
            except httpx.TransportError as exc:
                raise TransientError(f"Pay. did not answer: {type(exc).__name__}", api=API) from exc
            if 200 <= response.status_code < 300:
                try:
                    return json.loads(response.content, parse_float=Decimal)
                except ValueError as exc:
                    raise TransientError("Pay. answered with something not JSON", api=API) from exc
            error = errors.error_for(response)
            if isinstance(error, RateLimited):
                wait = error.retry_after or errors.MINUTE
                if attempt < 2 and wait <= self.max_wait:
                    self.waits += 1
                    await self._sleep(wait)
                    continue
            raise error
        raise AssertionError("unreachable")  # the loop returns or raises

    def _headers(self) -> dict[str, str]:
        pair = f"{self.at_code}:{self._token.get_secret_value()}".encode()
        return {
            "Authorization": "Basic " + base64.b64encode(pair).decode(),
            "Accept": "application/json",
        }

    def _absolute(self, link: str) -> str:
        """`_links` hrefs are relative (`/clearinglines?limit=1&page=2`) and stay on Pay.'s host."""
        parts = urlsplit(link)
        if parts.netloc and f"{parts.scheme}://{parts.netloc}" != self.base_url:
            raise TransientError(f"Pay.'s next link leaves the API: {link}", api=API)
        path = parts.path if parts.path.startswith("/v2/") else "/v2/" + parts.path.lstrip("/")
        return f"{self.base_url}{path}" + (f"?{parts.query}" if parts.query else "")


def _page_count(body: dict[str, Any], page_size: int) -> int:
    if isinstance(body.get("pages"), int):
        return body["pages"]
    total = body.get("total")
    if isinstance(total, int) and page_size:
        return -(-total // page_size)
    return 1
