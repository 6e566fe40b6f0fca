"""Thin apply: read the product, read its items from Exact, write what the item plan asks.

Calls per product: one GET for up to 20 of its item codes, then one write per changed item
(POST or PUT), so a changed item costs at most 2 Exact calls, an unchanged one a share of a GET.
Item creation goes through the intent journal (state/intents.py): a retry after a lost answer
searches by code before creating again, so an item is never made twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connectors.errors import PermanentError
from connectors.exact.odata import eq, or_
from daemon.flows.orders.fulfilment import shop_zone
from daemon.flows.orders.lookups import CODES_PER_CALL, _ids_by_code
from daemon.flows.products.facts import ExactItem, ProductFacts
from daemon.flows.products.plan import ItemChange, item_code, plan_product
from daemon.logs import get_logger
from state.intents import create_once

log = get_logger("shopsync.products")

ITEMS = "logistics/Items"
ITEM_ENTITY = "product_item"  # links: item code → Exact item id, data {product, created}
PRODUCT_ENTITY = "product"  # links: product id → its item codes (data["codes"])
UNMAPPED_ENTITY = "product_unmapped"  # links: variant id → the reason, reported once
SELECT = "ID,Code,Description,StandardSalesPrice,ItemGroupCode,SalesVatCode,Barcode,EndDate"


@dataclass
class ProductResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    reported: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{label} {', '.join(codes)}"
            for label, codes in (
                ("created", self.created),
                ("updated", self.updated),
                ("ended", self.ended),
            )
            if codes
        ]
        if self.reported:
            parts.append(f"{len(self.reported)} variant(s) without an item reported")
        return "; ".join(parts) or "items already current"


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, dt.datetime) else value


async def exact_items(services: Any, codes: set[str]) -> dict[str, ExactItem]:
    """Exact's items with these codes (one GET per 20 codes)."""
    ordered = sorted(codes)
    found: dict[str, ExactItem] = {}
    for start in range(0, len(ordered), CODES_PER_CALL):
        chunk = ordered[start : start + CODES_PER_CALL]
        rows = await services.exact.get(
            ITEMS, filter=or_(*(eq("Code", c) for c in chunk)), select=SELECT
        )
        for row in rows:
            code = str(row["Code"]).strip()
            link = await services.links.get(ITEM_ENTITY, code)
            ours = bool(link and link.data.get("created"))
            if not ours and await services.intents.get(f"{ITEMS}:{code}") is not None:
                # Our journal began its creation: a crash lost the link, not the fact.
                ours = True
                await services.links.put(
                    ITEM_ENTITY, code, str(row["ID"]), data={"created": True, "healed": True}
                )
            found[code] = ExactItem(
                id=str(row["ID"]),
                code=code,
                description=str(row.get("Description") or ""),
                price=Decimal(str(row.get("StandardSalesPrice") or 0)),
                group_code=(row.get("ItemGroupCode") or "").strip() or None,
                vat_code=(row.get("SalesVatCode") or "").strip() or None,
                barcode=row.get("Barcode") or None,
                end_date=_date(row.get("EndDate")),
                created_by_us=ours,
            )
    return found


async def _group_id(services: Any, code: str) -> str:
    found = await _ids_by_code(services, "logistics/ItemGroups", "ID", [code], "groups")
    if code not in found:
        raise PermanentError(
            f"Exact has no item group {code!r}",
            hint="Fix [products.groups] / products.default_group to existing Exact item group "
            "codes, then retry the job.",
        )
    return found[code]


async def _write(services: Any, product: ProductFacts, change: ItemChange) -> str:
    body = dict(change.fields)
    if change.group_code:
        body["ItemGroup"] = await _group_id(services, change.group_code)
    if change.action != "create":
        assert change.item_id is not None
        await services.exact.put(ITEMS, change.item_id, body)
        return change.item_id

    async def search() -> Any:
        rows = await services.exact.get(ITEMS, filter=eq("Code", change.code), select="ID", top=1)
        return rows[0] if rows else None

    async def create() -> Any:
        return await services.exact.post(ITEMS, body)

    found, _ = await create_once(
        services.intents, f"{ITEMS}:{change.code}", ("ID",), search, create
    )
    item_id = str(found["ID"])
    await services.links.put(
        ITEM_ENTITY, change.code, item_id, data={"product": product.id, "created": True}
    )
    return item_id


async def sync_product(services: Any, product: ProductFacts) -> ProductResult:
    """Bring the Exact items of one product in line with it; answer what was done."""
    settings = services.settings.products
    link = await services.links.get(PRODUCT_ENTITY, product.id)
    linked = set(link.data.get("codes", [])) if link else set()
    wanted = {item_code(settings, product, v) for v in product.variants} - {None}
    existing = await exact_items(services, linked | {c for c in wanted if c})
    today = dt.datetime.now(dt.UTC).astimezone(shop_zone(services)).date()
    plan = plan_product(settings, services.settings.orders.vat, product, existing, linked, today)
    result = ProductResult()
    for miss in plan.unmapped:
        if await services.links.get(UNMAPPED_ENTITY, miss.variant_id) is None:
            log.warning("products.variant_unmapped", variant=miss.variant_id, reason=miss.reason)
            await services.links.put(
                UNMAPPED_ENTITY, miss.variant_id, "", data={"reason": miss.reason}
            )
            result.reported.append(miss.variant_id)
    for change in plan.changes:
        await _write(services, product, change)
        {"create": result.created, "update": result.updated, "inactivate": result.ended}[
            change.action
        ].append(change.code)
        log.info("products.item_" + change.action, code=change.code, product=product.id)
    # Codes the product no longer has stay linked until their items are ended (on_delete).
    keep = set(plan.codes) | {c for c in linked if c in existing and existing[c].end_date is None}
    keep -= set(result.ended)
    await services.links.put(PRODUCT_ENTITY, product.id, product.id, data={"codes": sorted(keep)})
    return result
