"""Pay.'s GMS v2 read API as the sandbox serves it, refusing what Pay. would refuse.

Shapes follow Pay.'s published OpenAPI spec (labd/paynl-js-sdk `packages/rest/openapi.json`) and
the Settlements example of developer.pay.nl (../shared/api/ccv-pay.md §2.5). Query parameters
are checked against each list's documented names; anything else is a 400 with Pay.'s error body.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

from .settings import Settings
from .store import (
    ADDRESS_FIELDS,
    COMPANY_FIELDS,
    COSTS_TYPE,
    CUSTOMER_FIELDS,
    MERCHANT,
    METHODS,
    Store,
    Transaction,
)

ERROR_TYPE = "https://developer.pay.nl/docs/error-codes"
DATE_OPS = ("eq", "gt", "gte", "lt", "lte")
# The filters clearinglines and invoicelines share (GMS v2 spec), each with its operators.
LINE_FILTERS = {
    "date": DATE_OPS,
    "processedDate": DATE_OPS,
    "merchant": ("eq", "neq"),
    "turnoverGroup": ("eq",),
    "state": ("eq",),
}
SETTLEMENTS_PER_PAGE = 10  # "0 to 10, defaults to 10"
RECORDS_PER_PAGE = 10_000  # "0 to 10000, defaults to 10000"


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]


class Refused(Exception):
    def __init__(self, status: int, detail: str, *, path: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.path = path


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, default=_plain).encode()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def error(status: int, title: str, detail: str, path: str | None = None) -> Response:
    body: dict[str, Any] = {"type": ERROR_TYPE, "title": title, "detail": detail}
    if status in (400, 422):
        body["violations"] = [{"propertyPath": path, "message": detail, "code": None}]
    return Response(status, dumps(body), {"content-type": "application/problem+json"})


class Api:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        at_code: str,
        api_token: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.settings = settings
        self.at_code = at_code
        self.api_token = api_token
        self.clock = clock
        self.minute: list[float] = []
        self.fail_next: list[int] = []  # statuses to answer the next calls with (faults)
        self.calls = 0

    def serve(self, request: Request) -> Response:
        if not self._authorised(request.headers.get("authorization", "")):
            return error(401, "Unauthorized", "Unauthorized. Supplied credentials are invalid")
        now = self.clock()
        self.minute = [t for t in self.minute if now - t < 60]
        if len(self.minute) >= self.settings.requests_per_minute:
            return error(429, "Too Many Requests", "Rate limit reached.")
        self.minute.append(now)
        self.calls += 1
        if self.fail_next:
            status = self.fail_next.pop(0)
            return error(status, "An error occurred", "Unable to complete request")
        if request.method != "GET":
            return error(405, "Method Not Allowed", f"{request.method} is not allowed here")
        try:
            return Response(200, dumps(self._route(request)), {"content-type": "application/json"})
        except Refused as exc:
            titles = {400: "An error occurred", 403: "Forbidden", 404: "Not Found"}
            return error(exc.status, titles.get(exc.status, "Error"), exc.detail, exc.path)

    def _authorised(self, header: str) -> bool:
        if not header.startswith("Basic "):
            return False
        try:
            pair = base64.b64decode(header[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return pair == f"{self.at_code}:{self.api_token}"

    def _route(self, request: Request) -> dict[str, Any]:
        parts = request.path.removeprefix("/v2/").strip("/").split("/")
        query = parse_qsl(request.query, keep_blank_values=True)
        if parts[:1] == ["clearings"]:
            if not self.settings.clearing_permission:
                raise Refused(403, "Forbidden. Supplied credentials have no rights")
            if parts[1:] == ["settlements"]:
                return self._settlements(query)
            if len(parts) == 3 and parts[2] == "records":
                return self._records(parts[1], query)
        if parts == ["clearinglines"]:
            return self._clearing_lines(query)
        if parts == ["invoicelines"]:
            return self._invoice_lines(query)
        if parts == ["turnovergroups"]:
            return self._turnover_groups(query)
        if len(parts) == 2 and parts[0] == "transactions":
            return self._transaction(parts[1])
        raise Refused(404, f"No route found for GET {request.path}")

    # -- lists -------------------------------------------------------------------------------

    def _settlements(self, query: list[tuple[str, str]]) -> dict[str, Any]:
        ops = {"settlementDate": tuple(self.settings.settlement_date_operators)}
        names = ("merchant", "clearingId", "settlementCode", "turnoverGroup")
        filters, page, _ = _parse(query, ops | {n: ("eq",) for n in names}, sizes=None)
        rows = []
        for s in sorted(self.store.settlements.values(), key=lambda s: (s.day, s.code)):
            clearings = [self.store.clearings[c] for c in s.clearings]
            groups = {line["group"] for c in clearings for line in c.lines}
            fields = {
                "settlementDate": s.day.isoformat(),
                "settlementCode": s.code,
                "merchant": MERCHANT,
                "clearingId": clearings[0].id,
                "turnoverGroup": groups,
            }
            if _matches(filters, fields):
                rows.append(self._settlement(s, clearings))
        return self._page(
            "clearings/settlements", "settlements", rows, page, SETTLEMENTS_PER_PAGE, query
        )

    def _settlement(self, s: Any, clearings: list[Any]) -> dict[str, Any]:
        return {
            "code": s.code,
            "description": f"Clearing: {clearings[0].id}/ Funds: {Decimal(s.cents) / 100:.2f}",
            "settlementDate": s.day.isoformat(),
            "confirmationDate": s.day.isoformat(),
            "amount": {"value": self._money(s.cents), "currency": s.currency},
            "baseAccountIban": "NL35RABO0117713678",
            "clearingAccount": {
                "method": "iban",
                "iban": {"iban": "NL64BANK1782371249", "bic": "BANKNL2A", "owner": "Sandbox BV"},
            },
            "clearings": [
                {
                    "clearingId": c.id,
                    "clearingLines": [self._line(c, n) for n in range(len(c.lines))],
                }
                for c in clearings
            ],
        }

    def _records(self, identifier: str, query: list[tuple[str, str]]) -> dict[str, Any]:
        _, page, _ = _parse(query, {}, sizes=None)
        settlement = self.store.settlements.get(identifier)
        ids = settlement.clearings if settlement else [identifier]
        if not all(c in self.store.clearings for c in ids):
            raise Refused(404, f"No clearing or settlement {identifier}")
        rows = [
            self._record(self.store.transactions[t], cid)
            for cid in ids
            for t in self.store.clearings[cid].transactions
        ]
        path = f"clearings/{identifier}/records"
        return self._page(path, "clearingRecords", rows, page, RECORDS_PER_PAGE, query)

    def _clearing_lines(self, query: list[tuple[str, str]]) -> dict[str, Any]:
        ops = LINE_FILTERS | {"clearingLineType": ("eq",), "clearingID": ("eq",)}
        filters, page, size = _parse(query, ops, sizes=(1, 100))
        rows = []
        for c in sorted(self.store.clearings.values(), key=lambda c: c.id):
            for n, line in enumerate(c.lines):
                fields = {
                    "date": c.day.isoformat(),
                    "processedDate": c.day.isoformat(),
                    "merchant": MERCHANT,
                    "clearingLineType": str(_type_id(line["method"])),
                    "turnoverGroup": line["group"],
                    "state": "SETTLED",
                    "clearingID": c.id,
                }
                if _matches(filters, fields):
                    rows.append(self._line(c, n) | {"processedDate": c.day.isoformat()})
        return self._page("clearinglines", "clearingLines", rows, page, size or 100, query)

    def _invoice_lines(self, query: list[tuple[str, str]]) -> dict[str, Any]:
        ops = LINE_FILTERS | {"billingLineType": ("eq",), "invoiceID": ("eq",)}
        filters, page, size = _parse(query, ops, sizes=(1, 100))
        rows = []
        for line in self.store.costs:
            fields = {
                "date": line.day.isoformat(),
                "processedDate": line.day.isoformat(),
                "merchant": MERCHANT,
                "billingLineType": str(METHODS[line.method]),
                "turnoverGroup": line.turnover_group,
                "state": "PAID",
                "invoiceID": line.invoice_id,
            }
            if _matches(filters, fields):
                rows.append(
                    {
                        "code": line.code,
                        "merchant": {"code": MERCHANT},
                        "turnoverGroup": self._group(line.turnover_group),
                        "billingLineType": {"id": METHODS[line.method], "name": line.method},
                        "totalCosts": {"totalCosts": line.costs, "currency": "EUR"},
                        "transactions": line.transactions,
                        "payers": line.transactions,
                        "vatPercentage": line.vat_percentage,
                        "date": line.day.isoformat(),
                        "processedDate": line.day.isoformat(),
                        "state": "PAID",
                        "invoiceID": line.invoice_id,
                    }
                )
        return self._page("invoicelines", "invoiceLines", rows, page, size or 100, query)

    def _turnover_groups(self, query: list[tuple[str, str]]) -> dict[str, Any]:
        params = dict(query)
        unknown = set(params) - {"merchant", "page", "limit"}
        if unknown:
            raise Refused(400, f"Unknown parameter {sorted(unknown)[0]}", path=sorted(unknown)[0])
        if params.get("merchant") != MERCHANT:
            raise Refused(404, f"No merchant {params.get('merchant')}", path="merchant")
        groups = [
            {"code": code, "name": name, "default": n == 0, "merchant": {"code": MERCHANT}}
            for n, (code, name) in enumerate(self.store.groups.items())
        ]
        return {"total": len(groups), "turnoverGroups": groups, "_links": {}}

    def _transaction(self, ident: str) -> dict[str, Any]:
        t = self.store.transactions.get(ident) or next(
            (
                x
                for x in self.store.transactions.values()
                if x.order_id == ident and x.kind == "payment"
            ),
            None,
        )
        if t is None:
            raise Refused(404, f"No transaction {ident}")
        status = {
            "payment": (100, "PAID"),
            "refund": (-81, "REFUND"),
            "chargeback": (-71, "CHARGEBACK"),
        }
        if t.kind == "payment" and t.refunded_cents:
            status["payment"] = (-82, "PARTIAL_REFUND")
        code, action = status[t.kind]
        return {
            "id": t.id,
            "orderId": t.order_id,
            "description": t.description,
            "reference": t.reference,
            "amount": {"value": abs(t.cents), "currency": t.currency},
            "amountRefunded": {"value": t.refunded_cents, "currency": t.currency},
            "status": {"code": code, "action": action},
            "paymentMethod": {"id": METHODS[t.method], "subId": 0, "name": t.method},
            # Every field present, null where the shop passed nothing (as Pay. shows them).
            "customer": {
                **{f: t.customer.get(f) for f in CUSTOMER_FIELDS if f != "company"},
                "company": {f: (t.customer.get("company") or {}).get(f) for f in COMPANY_FIELDS},
            },
            "order": {
                "invoiceAddress": {f: t.invoice_address.get(f) for f in ADDRESS_FIELDS},
            },
            "createdAt": f"{t.day.isoformat()}T12:00:00+01:00",
        }

    # -- pieces --------------------------------------------------------------------------------

    def _money(self, cents: int) -> Any:
        return cents if self.settings.amount_unit == "cents" else Decimal(cents) / 100

    def _group(self, code: str) -> dict[str, str]:
        return {"code": code, "name": self.store.groups.get(code, "")}

    def _line(self, clearing: Any, n: int) -> dict[str, Any]:
        line = clearing.lines[n]
        cents = line["cents"]
        if self.settings.refunds_as == "debit":
            cents = abs(cents)
        return {
            "code": f"FT-{clearing.id[-8:-4]}-{clearing.id[-4:]}-{n + 1:04d}",
            "clearingDate": clearing.day.isoformat(),
            "settlementDate": clearing.day.isoformat(),
            "valueDate": clearing.day.isoformat(),
            "state": "SETTLED",
            "turnoverGroup": self._group(line["group"]),
            "clearingLineType": {
                "id": _type_id(line["method"]),
                "name": line["method"],
                "direction": line["direction"],
                "collecting": True,
            },
            "amount": {"value": cents, "currency": "EUR"},
            "merchant": {"code": MERCHANT, "name": "Sandbox BV", "contractPackage": "Business"},
            "clearingID": clearing.id,
        }

    def _record(self, t: Transaction, clearing_id: str) -> dict[str, Any]:
        return {
            "reportingId": t.id,
            "settlementCode": self.store.clearings[clearing_id].settlement,
            "clearingId": clearing_id,
            "orderId": t.order_id,
            "description": t.description,
            "reference": t.reference,
            "currencyAmount": {"value": self._money(t.cents), "currency": t.currency},
            "amount": {"value": self._money(t.cents), "currency": t.currency},
            "paymentMethod": {"id": METHODS[t.method], "subId": 0, "name": t.method},
            "turnoverGroup": self._group(t.turnover_group),
            "merchant": {"code": MERCHANT, "name": "Sandbox BV"},
            "transactionDate": t.day.isoformat(),
        }

    def _page(
        self,
        path: str,
        key: str,
        rows: list[dict[str, Any]],
        page: int,
        size: int,
        query: list[tuple[str, str]],
    ) -> dict[str, Any]:
        pages = max(1, -(-len(rows) // size))
        chunk = rows[(page - 1) * size : page * size]
        body: dict[str, Any] = {"total": len(rows), "count": len(chunk), "pages": pages, key: chunk}
        if self.settings.next_links:
            kept = [(k, v) for k, v in query if k != "page"]
            links = {"self": {"href": f"/{path}?{urlencode([*kept, ('page', page)])}"}}
            if page < pages:
                links["next"] = {"href": f"/{path}?{urlencode([*kept, ('page', page + 1)])}"}
            body["_links"] = links
        return body


def _type_id(method: str) -> int:
    return COSTS_TYPE[0] if method == COSTS_TYPE[1] else METHODS[method]


def _parse(
    query: list[tuple[str, str]],
    ops: dict[str, tuple[str, ...]],
    *,
    sizes: tuple[int, int] | None,
) -> tuple[list[tuple[str, str, str]], int, int | None]:
    """Filters as (name, operator, value), the page, and the page size, or `Refused`."""
    filters: list[tuple[str, str, str]] = []
    page, size = 1, None
    for key, value in query:
        if key == "page":
            page = _whole(key, value, 1, None)
        elif key == "limit" and sizes is not None:
            size = _whole(key, value, *sizes)
        elif "[" in key and key.endswith("]"):
            name, op = key[:-1].split("[", 1)
            if name not in ops:
                raise Refused(400, f"Unknown filter {name}", path=name)
            if op not in ops[name]:
                raise Refused(400, f"Operator {op} is not allowed on {name}", path=key)
            filters.append((name, op, value))
        else:
            raise Refused(400, f"Unknown parameter {key}", path=key)
    return filters, page, size


def _whole(key: str, value: str, low: int, high: int | None) -> int:
    if not value.isdigit() or int(value) < low or (high is not None and int(value) > high):
        span = f"{low} to {high}" if high is not None else f"at least {low}"
        raise Refused(400, f"{key} must be a whole number, {span}", path=key)
    return int(value)


def _matches(filters: list[tuple[str, str, str]], fields: dict[str, Any]) -> bool:
    for name, op, wanted in filters:
        have = fields[name]
        if isinstance(have, set):
            ok = wanted in have if op == "eq" else wanted not in have
        else:
            ok = {
                "eq": have == wanted,
                "neq": have != wanted,
                "gt": have > wanted,
                "gte": have >= wanted,
                "lt": have < wanted,
                "lte": have <= wanted,
            }[op]
        if not ok:
            return False
    return True
