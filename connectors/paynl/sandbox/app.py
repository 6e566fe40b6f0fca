"""The Pay. sandbox as one ASGI app: `/v2/…` the GMS read API, `/_sandbox/paynl/…` the control door.

Control routes (JSON, loopback only):
- `POST /transactions` `{reference, amount, currency?, method?, turnover_group?, date?,
  customer?, invoice_address?}`: a paid transaction (amount in units, e.g. "24.95"), with what
  the shop passed of its buyer (`customer` {firstName, lastName, email, phone, locale, company
  {name, coc, vat, countryCode}}, `invoice_address` {firstName, lastName, street, streetNumber,
  zipCode, city, country}); answers its `id` and `order_id`.
- `POST /transactions/{id}/refund|chargeback` `{amount, date?}`: money taken back.
- `POST /turnover_groups` `{name}`: a revenue group; answers its `code`.
- `POST /clear` `{date, fee?, vat_percentage?}`: the morning's clearing of everything up to
  `date`, with `fee` (units, default 0.29) per payment invoiced; answers the settlements.
- `GET|PUT /settings`: the unconfirmed facts and merchant settings (see `settings`).
- `POST /faults` `{fail_next: [500, 503, …]}`: answer the next API calls with those statuses.
- `GET /state`: everything held.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .api import Api, Request, Response, dumps
from .settings import SettingError, Settings
from .store import Store, StoreError

CONTROL = "/_sandbox/paynl"


class PaySandbox:
    """One Pay. merchant over HTTP, as strict as we know the real GMS API to be."""

    def __init__(
        self,
        *,
        at_code: str,
        api_token: str,
        settings: Settings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or Settings()
        self.store = Store(self.settings)
        self.api = Api(self.store, self.settings, at_code=at_code, api_token=api_token, clock=clock)

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "lifespan":
                await receive()
                await send({"type": "lifespan.startup.complete"})
                await receive()
                await send({"type": "lifespan.shutdown.complete"})
                return
            if scope["type"] != "http":
                return
            body = await _body(receive)
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            request = Request(
                method=scope["method"].upper(),
                path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"),
                headers=headers,
            )
            if request.path.startswith(CONTROL):
                response = self.control(request.method, request.path[len(CONTROL) :], body)
            else:
                response = self.api.serve(request)
            out = [(k.encode(), v.encode()) for k, v in response.headers.items()]
            await send({"type": "http.response.start", "status": response.status, "headers": out})
            await send({"type": "http.response.body", "body": response.body})

        self.app = app

    def control(self, method: str, route: str, raw: bytes) -> Response:
        try:
            body = json.loads(raw, parse_float=Decimal) if raw else {}
            if not isinstance(body, dict):
                raise ValueError("the body is a JSON object")
            payload = self._handle(method, route.strip("/").split("/"), body)
        except (StoreError, SettingError, ValueError, InvalidOperation, KeyError) as exc:
            text = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            return Response(400, dumps({"error": text}), {"content-type": "application/json"})
        return Response(200, dumps(payload), {"content-type": "application/json"})

    def _handle(self, method: str, parts: list[str], body: dict[str, Any]) -> Any:
        store = self.store
        if (method, parts) == ("POST", ["transactions"]):
            t = store.pay(
                reference=str(body["reference"]),
                cents=_cents(body["amount"]),
                currency=str(body.get("currency", "EUR")),
                method=str(body.get("method", "iDEAL")),
                group=body.get("turnover_group"),
                day=_day(body),
                description=str(body.get("description", "")),
                customer=body.get("customer"),
                invoice_address=body.get("invoice_address"),
            )
            return {"id": t.id, "order_id": t.order_id}
        if method == "POST" and len(parts) == 3 and parts[0] == "transactions":
            if parts[2] not in ("refund", "chargeback"):
                raise ValueError(f"no action {parts[2]}")
            t = store.take_back(parts[1], _cents(body["amount"]), parts[2], _day(body))
            return {"id": t.id}
        if (method, parts) == ("POST", ["turnover_groups"]):
            return {"code": store.add_group(str(body["name"]))}
        if (method, parts) == ("POST", ["clear"]):
            made = store.clear(
                _day(body),
                _cents(body.get("fee", "0.29")),
                Decimal(str(body.get("vat_percentage", "21"))),
            )
            return {"settlements": [asdict(s) for s in made]}
        if parts == ["settings"]:
            if method == "PUT":
                self.settings.update(body)
            return self.settings.as_dict()
        if (method, parts) == ("POST", ["faults"]):
            self.api.fail_next = [int(s) for s in body.get("fail_next", [])]
            return {"fail_next": self.api.fail_next}
        if (method, parts) == ("GET", ["state"]):
            return {
                "transactions": [asdict(t) for t in store.transactions.values()],
                "settlements": [asdict(s) for s in store.settlements.values()],
                "costs": [asdict(c) for c in store.costs],
                "turnover_groups": store.groups,
                "calls": self.api.calls,
            }
        raise ValueError(f"no control route {method} /{'/'.join(parts)}")


def _cents(value: Any) -> int:
    number = Decimal(str(value))
    if number != number.quantize(Decimal("0.01")):
        raise ValueError(f"{value} has more than two decimals")
    return int(number * 100)


def _day(body: dict[str, Any]) -> date:
    return date.fromisoformat(str(body["date"])) if body.get("date") else date.today()


async def _body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)
