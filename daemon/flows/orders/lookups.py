"""Exact ids behind the codes a plan speaks in (items, warehouses, GL accounts), cached.

Each id is kept for `TTL` seconds: codes almost never move to another id, and every order would
otherwise spend a call per item, warehouse and GL account. An id can go stale when an item is
deleted and made again in Exact; the POST that carries it is then refused (400/404), and such a
refused write empties every cache here, so the job's retry looks the codes up afresh.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from connectors.errors import PermanentError
from connectors.exact.odata import eq, or_
from daemon.flows.orders.config import OrdersSettings

# Exact's OData accepts long filters, but a URL has limits: ask for at most this many codes at once.
CODES_PER_CALL = 20


TTL = 6 * 3600.0
CACHES = "orders.lookups"  # extras key: cache name → {code: (id, expires at)}


def _caches(services: Any) -> dict[str, dict[str, tuple[str, float]]]:
    caches = services.extras.get(CACHES)
    if caches is None:
        caches = services.extras[CACHES] = {}
        hooks = getattr(services.exact, "on_refused_write", None)
        if hooks is not None:
            hooks.append(lambda method, endpoint, status: forget(services))
    return caches


def forget(services: Any) -> None:
    """Drop every cached id (Exact refused a write: one of them may be stale)."""
    for cache in _caches(services).values():
        cache.clear()


class _Cache:
    """One cache's view: code → id while fresh."""

    def __init__(self, services: Any, name: str):
        self.rows = _caches(services).setdefault(name, {})

    def __contains__(self, code: object) -> bool:
        row = self.rows.get(code)  # type: ignore[call-overload]
        if row is not None and row[1] <= time.monotonic():
            del self.rows[code]  # type: ignore[arg-type]
            return False
        return row is not None

    def __getitem__(self, code: str) -> str:
        return self.rows[code][0]

    def __setitem__(self, code: str, value: str) -> None:
        self.rows[code] = (value, time.monotonic() + TTL)


def _cache(services: Any, name: str) -> _Cache:
    return _Cache(services, name)


async def _ids_by_code(
    services: Any, entity: str, key: str, codes: Iterable[str], name: str
) -> dict[str, str]:
    cache = _cache(services, name)
    missing = sorted({c for c in codes if c not in cache})
    for start in range(0, len(missing), CODES_PER_CALL):
        chunk = missing[start : start + CODES_PER_CALL]
        rows = await services.exact.get(
            entity, filter=or_(*(eq("Code", c) for c in chunk)), select=f"{key},Code"
        )
        for row in rows:
            cache[str(row["Code"]).strip()] = str(row[key])
    return {c: cache[c] for c in codes if c in cache}


async def item_ids(services: Any, settings: OrdersSettings, lines: Iterable[Any]) -> dict[str, str]:
    """Item code → Exact item ID for every line; a missing item is permanent unless auto-create."""
    wanted = {ln.item_code: ln for ln in lines}
    found = await _ids_by_code(services, "logistics/Items", "ID", wanted, "items")
    for code, line in wanted.items():
        if code in found:
            continue
        if line.kind == "shipping" and settings.items.create_shipping:
            from daemon.flows.products.shipping import create_shipping_item

            found[code] = await create_shipping_item(services, settings)
            _cache(services, "items")[code] = found[code]
            continue
        if not settings.items.auto_create or line.kind != "product":
            raise PermanentError(
                f"Exact has no item with code {code!r}"
                + (f" (Shopify SKU {line.sku})" if line.sku else ""),
                hint=f"Create item {code} in Exact (or give the Shopify variant the SKU of an "
                "existing item; or set orders.items.auto_create = true), then retry the job.",
            )
        body: dict[str, Any] = {
            "Code": code,
            "Description": line.description[:60],
            "IsSalesItem": True,
            "StandardSalesPrice": line.net_price,
        }
        group = settings.items.auto_create_group
        if group:
            groups = await _ids_by_code(services, "logistics/ItemGroups", "ID", [group], "groups")
            if group not in groups:
                raise PermanentError(
                    f"Exact has no item group {group!r}",
                    hint="Fix orders.items.auto_create_group to an existing item group code.",
                )
            body["ItemGroup"] = groups[group]
        created = await services.exact.post("logistics/Items", body)
        found[code] = _cache(services, "items")[code] = str(created["ID"])
    return found


async def warehouse_id(services: Any, code: str) -> str:
    found = await _ids_by_code(services, "inventory/Warehouses", "ID", [code], "warehouses")
    if code not in found:
        raise PermanentError(
            f"Exact has no warehouse with code {code!r}",
            hint="Fix [mapping] (locations / default_warehouse) to name Exact warehouse codes.",
        )
    return found[code]


async def gl_account_id(services: Any, code: str) -> str:
    found = await _ids_by_code(services, "financial/GLAccounts", "ID", [code], "gl_accounts")
    if code not in found:
        raise PermanentError(
            f"Exact has no GL account {code!r}",
            hint="Fix orders.debtors_gl to the code of your receivables account.",
        )
    return found[code]


async def first_id(services: Any, entity: str, key: str, field: str, value: str) -> str | None:
    """The id of the first row whose `field` equals `value` (a YourRef search), or None."""
    rows = await services.exact.get(entity, filter=eq(field, value), select=key, top=1)
    return str(rows[0][key]) if rows else None
