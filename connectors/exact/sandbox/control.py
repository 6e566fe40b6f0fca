"""The operator's side door `/_sandbox/exact/...`: change stock, inject faults, revoke tokens,
move the clock and read the whole state. Never rate-limited, never faulted.

All routes live under `/_sandbox/exact`, take and give JSON:

| route          | body                                                 | answer                  |
| -------------- | ---------------------------------------------------- | ----------------------- |
| `GET /state`   | –                                                    | the whole state, below  |
| `POST /stock`  | `{sku, warehouse, quantity or delta, field}` (1)     | the stock row after     |
| `GET /faults`  | –                                                    | the current faults      |
| `POST /faults` | `{error_rate, latency_ms, burst_429, drop_rate,`     | the current faults      |
|                | `timeout_rate, timeout_s, token_stall_s,`            |                         |
|                | `drop_after_commit_rate}`; omitted keys unchanged    |                         |
| `POST /revoke` | –                                                    | `{"revoked": true}` (2) |
| `POST /clock`  | `{advance_seconds}`                                  | `{"now": iso}` (3)      |
| `POST /tokens` | –                                                    | a token pair (4)        |
| `GET /rules`   | –                                                    | the rule settings       |
| `POST /rules`  | `{orders_reserve, webhook_https, webhook_same_host,` | the rule settings (5)   |
|                | `offset_dates}`                                      |                         |
| `POST /division_move` | –                                             | `{moved, rowversion}` (6)|

(1) `field` is `free` (default), `in_stock` or `planned`; a change bumps the sync Timestamp and
fires StockPositions webhooks. (2) The operator revoked the app: every access and refresh token
dies. (3) Exact time jumps ahead: minute/day windows, token TTL, 30-day refresh expiry, error
blocks. (4) As if the operator had authorised, for demos and benchmarks. (5) Exact behaviour
the sources leave open (`store.Rules`); omitted keys unchanged. (6) Exact moved the division
to another database: DivisionMoveDate is now and every sync Timestamp restarts low.

State keys: division, rowversion, accounts, contacts, addresses, items (with `stock` per
warehouse code: in_stock, free, sellable, reserved, planning_in, planning_out, timestamp),
sales_orders, invoices (8020, 8023), credit_notes (8021, 8024), goods_deliveries, bank_entries,
journal_entries, webhook_subscriptions, calls (per endpoint), errors (counted 4xx per endpoint),
blocked (endpoint → seconds left), limits, calls_429, refused (the first 100 calls answered
400/403/404/405/501: method, endpoint, query, status, message, at), refused_total,
dropped_after_commit (writes applied whose answer was cut), webhooks (pending, delivered,
failed, recent), tokens, faults, now.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from .jsonio import ApiError, loads
from .store import Store


@dataclass
class Faults:
    error_rate: float = 0.0  # share of calls answered 500
    latency_ms: int = 0  # added to every call (wall milliseconds)
    burst_429: int = 0  # the next N calls answer 429
    drop_rate: float = 0.0  # share of calls whose connection is cut mid-answer
    # Share of writes (POST/PUT/DELETE) Exact applies and commits, whose answer is then lost
    # (the connection cut): the client cannot tell this from a write that never arrived.
    drop_after_commit_rate: float = 0.0
    timeout_rate: float = 0.0  # share of calls that hang for timeout_s, then 500
    timeout_s: float = 30.0
    token_stall_s: float = 0.0  # a successful token answer waits this long after rotating

    def update(self, body: dict[str, Any]) -> None:
        for name, value in body.items():
            if name not in self.__dataclass_fields__:
                raise ApiError(400, f"Unknown fault: {name}")
            setattr(self, name, type(getattr(self, name))(value))

    def state(self) -> dict[str, Any]:
        return asdict(self)


class Dice:
    """Seeded randomness so a faulty run can be repeated exactly."""

    def __init__(self, seed: int = 7) -> None:
        self._rng = random.Random(seed)

    def roll(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate


def change_stock(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    sku, code = body.get("sku"), body.get("warehouse")
    item = store.find("logistics/Items", "Code", sku)
    warehouse = store.find("inventory/Warehouses", "Code", code)
    if item is None or not item["IsStockItem"]:
        raise ApiError(404, f"No stock item with code {sku!r}.")
    if warehouse is None:
        raise ApiError(404, f"No warehouse with code {code!r}.")
    field = body.get("field", "free")
    if field not in ("free", "in_stock", "planned"):
        raise ApiError(400, "field must be free, in_stock or planned")
    row = store.stock_row(item["ID"], warehouse["ID"])
    current = {"free": row.free, "in_stock": row.on_hand, "planned": row.planning_in}[field]
    if "quantity" in body:
        delta = Decimal(str(body["quantity"])) - current
    elif "delta" in body:
        delta = Decimal(str(body["delta"]))
    else:
        raise ApiError(400, "give quantity or delta")
    if field == "planned":
        store.move_stock(item["ID"], warehouse["ID"], planning_in=delta)
    else:  # free and in_stock both move the quantity on hand; reservations stay
        store.move_stock(item["ID"], warehouse["ID"], on_hand=delta)
    return stock_json(row) | {"sku": sku, "warehouse": code}


def stock_json(row: Any) -> dict[str, Any]:
    return {
        "in_stock": row.on_hand,
        "free": row.free,
        "sellable": row.on_hand - row.planning_out,  # shopsync's default figure
        "reserved": row.reserved,
        "planning_in": row.planning_in,
        "planning_out": row.planning_out,
        "timestamp": row.timestamp,
    }


def parse_body(raw: bytes) -> dict[str, Any]:
    try:
        body = loads(raw or b"{}")
    except ValueError:
        raise ApiError(400, "body is not JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body must be a JSON object")
    return body


def state(store: Store) -> dict[str, Any]:
    warehouses = {w["ID"]: w["Code"] for w in store.table("inventory/Warehouses").values()}
    stock: dict[str, dict[str, Any]] = {}
    for (item_id, wh_id), row in store.stock.items():
        stock.setdefault(item_id, {})[warehouses[wh_id]] = stock_json(row)
    items = [
        {
            "ID": i["ID"],
            "Code": i["Code"],
            "Description": i["Description"],
            "IsStockItem": i["IsStockItem"],
            "StandardSalesPrice": i.get("StandardSalesPrice"),
            "SalesVatCode": i.get("SalesVatCode"),
            "EndDate": i.get("EndDate"),
            "stock": stock.get(i["ID"], {}),
        }
        for i in store.table("logistics/Items").values()
    ]
    invoices = list(store.table("salesinvoice/SalesInvoices").values())
    return {
        "division": store.division,
        "rowversion": store.rowversion,
        "accounts": list(store.table("crm/Accounts").values()),
        "contacts": list(store.table("crm/Contacts").values()),
        "addresses": list(store.table("crm/Addresses").values()),
        "items": items,
        "sales_orders": list(store.table("salesorder/SalesOrders").values()),
        "invoices": [i for i in invoices if i["Type"] in (8020, 8023)],
        "credit_notes": [i for i in invoices if i["Type"] in (8021, 8024)],
        "goods_deliveries": list(store.table("salesorder/GoodsDeliveries").values()),
        "bank_entries": list(store.table("financialtransaction/BankEntries").values()),
        "journal_entries": list(store.table("generaljournalentry/GeneralJournalEntries").values()),
        "webhook_subscriptions": list(store.table("webhooks/WebhookSubscriptions").values()),
        "calls": dict(store.calls),
    }
