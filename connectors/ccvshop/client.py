"""The CCV Shop REST client: signed calls, the minute budgets, paging and answer signatures.

Every call carries x-public / x-date / x-hash (see `signing`); every 2xx answer's own x-hash is
checked before its body is believed (as the official SDK's `validateResponse` does). Calls wait
for the per-resource and total minute budgets (`limits`); a 429 anyway fills the bucket and the
call is sent again after the minute when that is within `max_wait`, else it is `RateLimited`.
The server's clock, read from each answer, corrects our x-date, because CCV refuses a date more
than five minutes off; a refused call whose date was off is signed again once.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

import anyio
import httpx
import structlog
from pydantic import SecretStr

from connectors.errors import AuthError, PermanentError, RateLimited, TransientError
from connectors.retry import read_with_retries

from . import errors, limits, signing
from .models import Invoice, InvoiceRow, Order, OrderRow, Product, User

API = errors.API
PREFIX = "/api/rest/v1/"
ACCEPT = "application/vnd.verto.webshop+json"  # official SDK's default accept header
# 100 is the page size MarcHoog/CCVshopPythonClient sends by default against real shops; the
# real cap is unpublished, so we ask for no more and follow `next` whatever size comes back.
DEFAULT_PAGE_SIZE = 100
# Date headers have whole seconds and answers take time: smaller offsets are noise.
SKEW_NOISE = dt.timedelta(seconds=5)

log = structlog.get_logger(__name__)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CcvShopClient:
    """Talk to one webshop's API root (e.g. `https://myshop.ccvshop.nl`) with one key pair."""

    def __init__(
        self,
        api_root: str,
        public_key: str,
        secret: str | SecretStr,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10,
        page_size: int = DEFAULT_PAGE_SIZE,
        total_per_minute: int | None = None,
        max_wait: float = 65.0,
        now: Callable[[], dt.datetime] = _utcnow,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        root = api_root.strip().rstrip("/")
        self.api_root = root if "://" in root else f"https://{root}"
        self._host = urlsplit(self.api_root).netloc
        self.public_key = public_key
        self._secret = secret if isinstance(secret, SecretStr) else SecretStr(secret)
        self.page_size = page_size
        self.max_wait = max_wait
        self.budget = limits.Budget(total_per_minute)
        self.skew = dt.timedelta(0)
        self.calls = 0
        self.waits = 0
        self._now = now
        self._sleep = sleep
        self._total_blocked_until = 0.0
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)

    def __repr__(self) -> str:
        return f"CcvShopClient({self.api_root!r})"

    async def __aenter__(self) -> CcvShopClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def status(self) -> dict[str, Any]:
        """For the control API and console: budgets and clock, never the secret."""
        at = self._now().timestamp()
        return {
            "api": API,
            "api_root": self.api_root,
            "calls": self.calls,
            "waits": self.waits,
            "skew_seconds": self.skew.total_seconds(),
            "buckets": {
                f"{m} {r}": {"used": b.used(at), "limit": b.limit}
                for (m, r), b in self.budget.buckets.items()
            },
        }

    # -- raw calls -------------------------------------------------------------------------

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        uri = _uri(path, params)
        return await read_with_retries(lambda: self._call("GET", uri))

    async def patch(self, path: str, body: dict[str, Any]) -> Any:
        return await self._call("PATCH", _uri(path, None), body)

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return await self._call("POST", _uri(path, None), body)

    async def collection(
        self, path: str, params: dict[str, Any] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of a collection, page by page: `start`/`size`, then the `next` links."""
        uri: str | None = _uri(path, {**(params or {}), "start": 0, "size": self.page_size})
        seen: set[str] = set()
        while uri is not None:
            if uri in seen:
                raise TransientError(f"CCV's next link goes round in a circle at {uri}", api=API)
            seen.add(uri)
            page = await read_with_retries(lambda u=uri: self._call("GET", u))
            if not isinstance(page, dict) or not isinstance(page.get("items"), list):
                raise TransientError(f"CCV answered {path} without an items list", api=API)
            for item in page["items"]:
                yield item
            uri = self._follow(page.get("next")) if page["items"] else None

    def _follow(self, link: Any) -> str | None:
        """A `next` link as the URI to sign; links are absolute and must stay on this shop."""
        if not link:
            return None
        parts = urlsplit(str(link))
        if parts.netloc and parts.netloc != self._host:
            raise TransientError(f"CCV's next link leaves the shop: {link}", api=API)
        return signing.request_uri(str(link))

    async def _call(self, method: str, uri: str, body: dict[str, Any] | None = None) -> Any:
        text = "" if body is None else json.dumps(body, separators=(",", ":"), default=_number)
        resource = limits.resource_of(uri)
        resigned = False
        rate_retries = 0
        while True:
            await self._wait_for_budget(method, resource)
            response, sent_date = await self._send(method, uri, text)
            self._learn_clock(response)
            status = response.status_code
            if 200 <= status < 300:
                return self._verified_body(method, uri, response)
            error = errors.error_for(response)
            if isinstance(error, RateLimited):
                self._note_429(method, resource, response, error)
                wait = error.retry_after or limits.WINDOW
                if rate_retries < 2 and wait <= self.max_wait:
                    rate_retries += 1
                    self.waits += 1
                    log.warning("ccvshop.rate_limited", resource=resource, wait_s=wait)
                    await self._sleep(wait)
                    continue
            elif isinstance(error, AuthError) and not resigned and self._date_was_off(sent_date):
                resigned = True  # our x-date was refused as too far off: sign again with theirs
                log.warning("ccvshop.clock_skew", skew_s=self.skew.total_seconds())
                continue
            raise error

    async def _wait_for_budget(self, method: str, resource: str) -> None:
        while True:
            at = self._now().timestamp()
            wait = max(self.budget.wait(method, resource, at), self._total_blocked_until - at)
            if wait <= 0:
                self.budget.spend(method, resource, at)
                return
            if wait > self.max_wait:
                raise RateLimited(
                    f"CCV's minute budget for {method} {resource} is spent",
                    retry_after=wait,
                    api=API,
                )
            self.waits += 1
            await self._sleep(wait)

    def _note_429(
        self, method: str, resource: str, response: httpx.Response, error: RateLimited
    ) -> None:
        at = self._now().timestamp()
        if errors.error_body(response).get("code") == errors.TOTAL_LIMIT:
            self._total_blocked_until = at + (error.retry_after or limits.WINDOW)
        else:
            self.budget.bucket(method, resource).fill(at)

    async def _send(self, method: str, uri: str, text: str) -> tuple[httpx.Response, str]:
        date = signing.format_date(self._now() + self.skew)
        secret = self._secret.get_secret_value()
        headers = {
            "x-public": self.public_key,
            "x-date": date,
            "x-hash": signing.sign(secret, self.public_key, method, uri, text, date),
            "accept": ACCEPT,
        }
        if text:
            headers["content-type"] = "application/json"
        self.calls += 1
        try:
            response = await self._http.request(
                method, self.api_root + uri, content=text.encode() or None, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise TransientError(
                f"CCV Shop did not answer in time ({type(exc).__name__})", api=API
            ) from None
        except httpx.TransportError as exc:
            raise TransientError(
                f"could not reach CCV Shop ({type(exc).__name__}: {exc})", api=API
            ) from None
        log.debug("ccvshop.response", method=method, uri=uri, status=response.status_code)
        return response, date

    def _learn_clock(self, response: httpx.Response) -> None:
        """Take the server's time from its x-date (or Date) header and keep our offset."""
        server = signing.parse_date(response.headers.get("x-date", ""))
        if server is None and response.headers.get("date"):
            try:
                server = email.utils.parsedate_to_datetime(response.headers["date"])
            except (TypeError, ValueError):
                server = None
        if server is None or server.tzinfo is None:
            return
        offset = server - self._now()
        self.skew = offset if abs(offset) > SKEW_NOISE else dt.timedelta(0)

    def _date_was_off(self, sent_date: str) -> bool:
        sent = signing.parse_date(sent_date)
        fixed = self._now() + self.skew
        return sent is not None and abs(fixed - sent) > signing.MAX_SKEW - dt.timedelta(minutes=1)

    def _verified_body(self, method: str, uri: str, response: httpx.Response) -> Any:
        date = response.headers.get("x-date", "")
        given = response.headers.get("x-hash", "")
        raw = response.content.decode("utf-8", errors="replace")
        expected = signing.sign(
            self._secret.get_secret_value(), self.public_key, method, uri, raw, date
        )
        if not given or not signing.signatures_match(expected, given):
            # Something between us and CCV changed the answer, or it is not CCV answering.
            raise TransientError(
                f"CCV's answer to {method} {uri.split('?')[0]} has no valid x-hash signature",
                api=API,
                status=response.status_code,
            )
        if not response.content.strip():
            return None  # some POSTs answer with no content on success (official SDK)
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise TransientError("CCV answered with something that is not JSON", api=API) from None

    # -- typed resources -------------------------------------------------------------------

    async def order(self, order_id: int) -> Order:
        return Order.model_validate(await self.get(f"orders/{order_id}/"))

    async def orders(self, **filters: Any) -> AsyncIterator[Order]:
        async for item in self.collection("orders/", filters):
            yield Order.model_validate(item)

    async def orders_after(self, last_id: int) -> list[Order]:
        """Orders with an id above `last_id`, oldest first: newest-first pages, stopping at
        the first id already seen (CCV's orders have no modified-since filter)."""
        found: list[Order] = []
        async for order in self.orders(orderby="id_desc"):
            if order.id <= last_id:
                break
            found.append(order)
        return sorted(found, key=lambda o: o.id)

    async def order_rows(self, order_id: int) -> list[OrderRow]:
        return [
            OrderRow.model_validate(item)
            async for item in self.collection(f"orders/{order_id}/orderrows/")
        ]

    async def set_order_status(self, order_id: int, status: int, *, mail: bool = False) -> None:
        await self.patch(f"orders/{order_id}/", {"status": status, "mail": mail})

    async def product(self, product_id: int) -> Product:
        return Product.model_validate(await self.get(f"products/{product_id}/"))

    async def products(self, **filters: Any) -> AsyncIterator[Product]:
        async for item in self.collection("products/", filters):
            yield Product.model_validate(item)

    async def set_product_stock(self, product_id: int, stock: Decimal) -> None:
        """Set a product's stock (`PATCH /products/{id}/` with `stock`, per the docs)."""
        await self.patch(f"products/{product_id}/", {"stock": stock})

    async def user(self, user_id: int) -> User:
        return User.model_validate(await self.get(f"users/{user_id}/"))

    async def users(self, **filters: Any) -> AsyncIterator[User]:
        async for item in self.collection("users/", filters):
            yield User.model_validate(item)

    async def invoices(self, **filters: Any) -> AsyncIterator[Invoice]:
        async for item in self.collection("invoices/", filters):
            yield Invoice.model_validate(item)

    async def invoice(self, invoice_id: int) -> Invoice:
        return Invoice.model_validate(await self.get(f"invoices/{invoice_id}/"))

    async def invoice_rows(self, invoice_id: int) -> list[InvoiceRow]:
        return [
            InvoiceRow.model_validate(item)
            async for item in self.collection(f"invoices/{invoice_id}/invoicerows/")
        ]


def _uri(path: str, params: dict[str, Any] | None) -> str:
    """`orders/12/` → `/api/rest/v1/orders/12/`, with the query in a stable order."""
    path = path if path.startswith(PREFIX) else PREFIX + path.lstrip("/")
    if not params:
        return path
    query = {k: _query_value(v) for k, v in params.items() if v is not None}
    return f"{path}?{urlencode(query)}"


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any) -> Any:
    """JSON numbers for Decimal (CCV's schemas type amounts and stock as numbers)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot send {type(value).__name__} to CCV Shop")


__all__ = ["CcvShopClient", "PermanentError"]
