"""The sandbox's REST side: check the signature and the clock, count the minute limits,
validate the request against the vendored schemas, answer in CCV's shapes and sign the answer.

Error bodies are CCV's `{code, status, developermessage}` (official SDK ExceptionFactory).
Codes the SDK lists are used as listed (404.20, 405.10, 429.10, 429.11); for an auth failure,
a validation failure and a missing record CCV's code is unpublished and the sandbox uses its
own (`<status>.90`; an injected internal error is `500.00`, since CCV's `500.90` means "required
app not installed"), which no client may rely on.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

from connectors.ccvshop import limits, signing

from .schemas import (
    INVOICE_STATUS,
    ORDER_PATCH,
    PRODUCT_PATCH,
    WEBHOOK_PATCH,
    WEBHOOK_POST,
    Invalid,
    check_body,
    check_query,
)
from .settings import Faults, Settings
from .store import PREFIX, Store, money, stamp
from .webhooks import Outbox

ROUTES: dict[tuple[str, ...], set[str]] = {
    ("orders",): {"GET"},
    ("orders", "{id}"): {"GET", "PATCH"},
    ("orders", "{id}", "orderrows"): {"GET"},
    ("orderrows", "{id}"): {"GET"},
    ("invoices",): {"GET"},
    ("invoices", "{id}"): {"GET"},
    ("invoices", "{id}", "invoicerows"): {"GET"},
    ("products",): {"GET"},
    ("products", "{id}"): {"GET", "PATCH"},
    ("users",): {"GET"},
    ("users", "{id}"): {"GET"},
    ("webhooks",): {"GET", "POST"},
    ("webhooks", "{id}"): {"GET", "PATCH", "DELETE"},
}
RESOURCES = {shape[-1] if shape[-1] != "{id}" else shape[-2] for shape in ROUTES}


@dataclass
class Request:
    method: str
    path: str  # raw path, as the client hashed it
    query: str  # raw query string
    headers: dict[str, str]
    body: bytes
    base: str  # scheme://host the client used, for absolute links

    @property
    def uri(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str) -> Response:
    body = {"code": code, "status": status, "developermessage": message}
    return Response(status, dumps(body), {"content-type": "application/json"})


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, default=_plain).encode()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and value.as_tuple().exponent >= 0
            else float(value)
        )
    raise TypeError(type(value).__name__)


class RestApi:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        faults: Faults,
        outbox: Outbox,
        *,
        public_key: str,
        secret: str,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.settings = settings
        self.faults = faults
        self.public_key = public_key
        self.secret = secret
        self.buckets: dict[tuple[str, str], limits.MinuteWindow] = {}
        self.total = limits.MinuteWindow(0)
        self.calls: dict[str, int] = {}
        self.refused: dict[str, int] = {}
        self.dice = random.Random(7)

    def serve(self, request: Request) -> Response:
        now = self.store.now()
        try:
            self._authenticate(request, now)
            shape, ids = _route(request)
            self._count(request, now)
            if self.faults.error_rate and self.dice.random() < self.faults.error_rate:
                raise ApiError(500, "500.00", "Internal server error (sandbox fault).")
            response = self._dispatch(request, shape, ids)
        except ApiError as exc:
            self.refused[exc.code] = self.refused.get(exc.code, 0) + 1
            response = error_response(exc.status, exc.code, exc.message)
        except Invalid as exc:
            code = f"{exc.status}.90"
            self.refused[code] = self.refused.get(code, 0) + 1
            response = error_response(exc.status, code, str(exc))
        if 200 <= response.status < 300:
            self._sign(request, response, now)
        response.headers["date"] = email.utils.format_datetime(now, usegmt=True)
        return response

    # -- the checks every call passes ------------------------------------------------------

    def _authenticate(self, request: Request, now: dt.datetime) -> None:
        status = self.settings.auth_failure_status
        code = f"{status}.90"
        public = request.headers.get("x-public", "")
        date_text = request.headers.get("x-date", "")
        given = request.headers.get("x-hash", "")
        if not (public and date_text and given):
            raise ApiError(status, code, "Missing x-public, x-date or x-hash header.")
        if public != self.public_key:
            raise ApiError(status, code, "Unknown public key.")
        moment = signing.parse_date(date_text)
        if moment is None:
            raise ApiError(status, code, "The x-date header is not an ISO 8601 timestamp.")
        if abs(now - moment) > signing.MAX_SKEW:
            raise ApiError(
                status, code, "The x-date timestamp differs more than 5 minutes from server time."
            )
        body = request.body.decode("utf-8", errors="replace")
        expected = signing.sign(self.secret, public, request.method, request.uri, body, date_text)
        if not signing.signatures_match(expected, given):
            raise ApiError(status, code, "The x-hash does not match the request.")

    def _count(self, request: Request, now: dt.datetime) -> None:
        at = now.timestamp()
        resource = limits.resource_of(request.path)
        key = (request.method, resource)
        bucket = self.buckets.setdefault(key, limits.MinuteWindow(limits.limit_for(*key)))
        if self.faults.burst_429 > 0:
            self.faults.burst_429 -= 1
            raise ApiError(429, "429.10", "Rate limit for this resource reached (sandbox fault).")
        self.total.limit = self.settings.total_per_minute
        if self.total.limit and self.total.wait(at) > 0:
            raise ApiError(
                429, "429.11", "The API has a total limit of requests that can be made per minute."
            )
        if bucket.wait(at) > 0:
            raise ApiError(
                429,
                "429.10",
                f"Each method in each resource has a limit of requests that can be made per "
                f"minute: {bucket.limit} for {request.method} {resource}.",
            )
        bucket.add(at)
        if self.total.limit:
            self.total.add(at)
        name = f"{request.method} {resource}"
        self.calls[name] = self.calls.get(name, 0) + 1

    def _sign(self, request: Request, response: Response, now: dt.datetime) -> None:
        date = signing.format_date(now)
        body = response.body.decode("utf-8")
        digest = signing.sign(self.secret, self.public_key, request.method, request.uri, body, date)
        if self.faults.bad_signature > 0:
            self.faults.bad_signature -= 1
            digest = digest[::-1]
        response.headers["x-date"] = date
        response.headers["x-hash"] = digest

    # -- the resources ---------------------------------------------------------------------

    def _dispatch(self, request: Request, shape: tuple[str, ...], ids: list[int]) -> Response:
        method = request.method
        resource = shape[-1] if shape[-1] != "{id}" else shape[-2]
        self.outbox.base = request.base  # links in webhook payloads name the shop as called
        params = dict(parse_qsl(request.query, keep_blank_values=True))
        filters = check_query(resource, params, one=shape[-1] == "{id}")
        base = request.base
        s = self.store
        if shape == ("orders",):
            return self._page(
                request, params, self._orders(filters), lambda o: s.order_view(o, base)
            )
        if shape == ("orders", "{id}"):
            order = _get(s.orders, ids[0])
            if method == "PATCH":
                self._patch_order(order, _json(request))
                self.outbox.emit("orders.updated", "orders", order)
                return Response(204)
            return _ok(s.order_view(order, base))
        if shape == ("orders", "{id}", "orderrows"):
            order = _get(s.orders, ids[0])
            rows = [s.orderrows[r] for r in order["orderrow_ids"]]
            return self._page(request, params, rows, lambda r: s.row_view(r, base))
        if shape == ("orderrows", "{id}"):
            return _ok(s.row_view(_get(s.orderrows, ids[0]), base))
        if shape == ("invoices",):
            return self._page(
                request, params, self._invoices(filters), lambda i: s.invoice_view(i, base)
            )
        if shape == ("invoices", "{id}"):
            return _ok(s.invoice_view(_get(s.invoices, ids[0]), base))
        if shape == ("invoices", "{id}", "invoicerows"):
            invoice = _get(s.invoices, ids[0])
            rows = [s.invoicerows[r] for r in invoice["invoicerow_ids"]]
            return self._page(request, params, rows, lambda r: s.row_view(r, base))
        if shape == ("products",):
            return self._page(
                request, params, self._products(filters), lambda p: s.href_view("products", p, base)
            )
        if shape == ("products", "{id}"):
            product = _get(s.products, ids[0])
            if method == "PATCH":
                body = check_body("products", PRODUCT_PATCH, _json(request))
                _apply(product, body, renames={"active": "is_active"})
                product["modifydate"] = stamp(s.now())
                self.outbox.emit("products.updated", "products", product)
                return Response(204)
            return _ok(s.href_view("products", product, base))
        if shape == ("users",):
            users = _sorted(list(s.users.values()), filters.get("orderby"), user=True)
            return self._page(request, params, users, lambda u: s.href_view("users", u, base))
        if shape == ("users", "{id}"):
            return _ok(s.href_view("users", _get(s.users, ids[0]), base))
        return self._webhooks(request, shape, ids, params)

    def _patch_order(self, order: dict[str, Any], body: Any) -> None:
        body = check_body("orders", ORDER_PATCH, body)
        for name in ("mail", "note"):  # instructions for the status mail, not order fields
            body.pop(name, None)
        _apply(order, body)
        self.store.recalculate(order)

    def _webhooks(self, request: Request, shape: tuple, ids: list[int], params: dict) -> Response:
        s = self.store
        if shape == ("webhooks",):
            if request.method == "GET":
                hooks = list(s.webhooks.values())
                return self._page(
                    request, params, hooks, lambda h: s.href_view("webhooks", h, request.base)
                )
            body = check_body("webhooks", WEBHOOK_POST, _json(request))
            for name in ("event", "address"):
                if not body.get(name):
                    raise Invalid(f"The property '{name}' is required.", name)
            if body["event"] not in self.settings.webhook_events:
                raise Invalid(
                    f"The property 'event' has an invalid value: {body['event']!r}.", "event"
                )
            _check_address(body["address"])
            hid = s.new_id("webhooks")
            hook = {
                "id": hid,
                "createdate": stamp(s.now()),
                "event": body["event"],
                "address": body["address"],
                "key": f"{self.dice.getrandbits(128):032x}",
                "is_active": body.get("is_active", True),
            }
            s.webhooks[hid] = hook
            return _ok(s.href_view("webhooks", hook, request.base), status=201)
        hook = _get(s.webhooks, ids[0])
        if request.method == "DELETE":
            del s.webhooks[hook["id"]]
            return Response(204)
        if request.method == "PATCH":
            body = check_body("webhooks", WEBHOOK_PATCH, _json(request))
            if "address" in body:
                _check_address(body["address"])
            _apply(hook, body)
            return Response(204)
        return _ok(s.href_view("webhooks", hook, request.base))

    def _orders(self, f: dict[str, Any]) -> list[dict[str, Any]]:
        found = []
        for o in self.store.orders.values():
            created = dt.datetime.fromisoformat(o["create_date"]).date()
            if (
                o.get("is_completed", True) != f.get("is_completed", True)  # default: true
                or ("status" in f and o["status"] != f["status"])
                or ("is_paid" in f and o["paid"] != f["is_paid"])
                or ("ordernumber" in f and o.get("ordernumber") != f["ordernumber"])
                or ("min_create_date" in f and created < f["min_create_date"])
                or ("max_create_date" in f and created > f["max_create_date"])
            ):
                continue
            found.append(o)
        return _sorted(found, f.get("orderby"))

    def _invoices(self, f: dict[str, Any]) -> list[dict[str, Any]]:
        found = []
        for i in self.store.invoices.values():
            created = dt.datetime.fromisoformat(i["create_date"]).date()
            if (
                ("ordernumber" in f and i.get("ordernumber") != f["ordernumber"])
                or ("invoicenumber" in f and i["invoicenumber"] != f["invoicenumber"])
                or ("status" in f and i["status"] != INVOICE_STATUS[f["status"]])
                or ("min_create_date" in f and created < f["min_create_date"])
                or ("max_create_date" in f and created > f["max_create_date"])
            ):
                continue
            found.append(i)
        return found

    def _products(self, f: dict[str, Any]) -> list[dict[str, Any]]:
        found = [
            p
            for p in self.store.products.values()
            if ("productnumber" not in f or p.get("productnumber") == f["productnumber"])
            and ("eannumber" not in f or p.get("eannumber") == f["eannumber"])
            and ("active" not in f or p.get("is_active") == f["active"])
        ]
        return _sorted(found, f.get("orderby"))

    def _page(self, request: Request, params: dict[str, str], items: list, view: Any) -> Response:
        start_text = params.get("start", "0")
        size_text = params.get("size", str(self.settings.default_page_size))
        if not start_text.isdigit():
            raise Invalid(f"The parameter 'start' has an invalid value: {start_text!r}.", "start")
        if not size_text.isdigit() or int(size_text) < 1:
            raise Invalid(f"The parameter 'size' has an invalid value: {size_text!r}.", "size")
        start, size = int(start_text), int(size_text)
        cap = self.settings.page_size_cap
        if size > cap:
            if self.settings.oversize_page == "refuse":
                raise Invalid(f"The parameter 'size' may not exceed {cap}.", "size")
            size = cap
        href = request.base + request.path

        def link(at: int) -> str:
            return f"{href}?{urlencode({**params, 'start': at, 'size': size})}"

        return _ok(
            {
                "href": link(start),
                "start": start,
                "size": size,
                "first": link(0),
                "previous": link(max(start - size, 0)) if start > 0 else None,
                "next": link(start + size) if start + size < len(items) else None,
                "items": [view(item) for item in items[start : start + size]],
            }
        )


def _route(request: Request) -> tuple[tuple[str, ...], list[int]]:
    if not request.path.startswith(PREFIX + "/"):
        raise ApiError(404, "404.20", "Invalid resource name.")
    parts = [p for p in request.path[len(PREFIX) + 1 :].split("/") if p]
    shape = tuple("{id}" if p.isdigit() else p for p in parts)
    ids = [int(p) for p in parts if p.isdigit()]
    if shape not in ROUTES:
        names = [p for p in shape if p != "{id}"]
        if names and all(n in RESOURCES for n in names):
            raise ApiError(404, "404.20", f"Invalid resource name: {request.path}")
        raise ApiError(404, "404.20", f"Invalid resource name: {'/'.join(names) or '(root)'}")
    if request.method not in ROUTES[shape]:
        raise ApiError(405, "405.10", f"Method {request.method} is not allowed on this resource.")
    return shape, ids


def _get(table: dict[int, dict[str, Any]], key: int) -> dict[str, Any]:
    if key not in table:
        raise ApiError(404, "404.90", f"No record with id {key}.")
    return table[key]


def _json(request: Request) -> Any:
    try:
        return json.loads(request.body or b"null", parse_float=Decimal)
    except ValueError:
        raise Invalid("The request body is not valid JSON.") from None


def _apply(record: dict[str, Any], body: dict[str, Any], renames: dict | None = None) -> None:
    for name, value in body.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = Decimal(str(value))
        record[(renames or {}).get(name, name)] = value
    for name in ("total_shipping", "paymethod_costs", "extra_costs"):
        if name in body and body[name] is not None:
            record[name] = money(record[name])


def _check_address(address: str) -> None:
    if not address.startswith(("https://", "http://")):
        raise Invalid("The property 'address' must be a URI.", "address")


def _sorted(items: list[dict[str, Any]], orderby: Any, *, user: bool = False) -> list:
    if not orderby:
        return sorted(items, key=lambda r: r["id"])
    name, desc = orderby
    if user and name != "id":
        return sorted(items, key=lambda u: str(u["userinfo"].get(name) or ""), reverse=desc)
    return sorted(
        items, key=lambda r: (r.get(name) is None, r.get(name) or 0, r["id"]), reverse=desc
    )


def _ok(payload: Any, status: int = 200) -> Response:
    return Response(status, dumps(payload), {"content-type": "application/json"})
