"""Control actions of a merchant editing the catalogue: create, change and delete products.

Each one emits the webhook Shopify sends for it (`products/create`, `products/update`,
`products/delete`: real WebhookSubscriptionTopic values). Payloads follow Shopify's REST product
shape as far as a receiver reads them (id, admin_graphql_api_id, title, product_type,
updated_at, variants); `products/delete` carries only the id, as Shopify's does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.shopify.sandbox.actions_common import ActionError, Emit, dec
from connectors.shopify.sandbox.records import LevelRec, ProductRec, VariantRec
from connectors.shopify.sandbox.state import QUANTITY_NAMES, ShopState, gid, iso, parse_id, utcnow


def _product(state: ShopState, ref: Any) -> ProductRec:
    try:
        product = state.products.get(parse_id(ref))
    except ValueError:
        product = None
    if product is None:
        raise ActionError(f"product {ref} not found", status=404)
    return product


def payload(state: ShopState, p: ProductRec) -> dict[str, Any]:
    variants = [state.variants[v] for v in p.variant_ids]
    return {
        "id": p.id,
        "admin_graphql_api_id": gid("Product", p.id),
        "title": p.title,
        "product_type": p.product_type,
        "created_at": iso(p.created_at),
        "updated_at": iso(p.updated_at or p.created_at),
        "variants": [
            {
                "id": v.id,
                "admin_graphql_api_id": gid("ProductVariant", v.id),
                "product_id": p.id,
                "title": v.title,
                "sku": v.sku,
                "barcode": v.barcode,
                "price": f"{v.price:.2f}",
                "taxable": v.taxable,
            }
            for v in variants
        ],
    }


def _variant_fields(data: dict[str, Any], v: VariantRec) -> None:
    if "sku" in data:
        v.sku = str(data["sku"] or "")
    if "title" in data:
        v.title = str(data["title"])
    if "price" in data:
        price = dec(data["price"], "price")
        if price < 0:
            raise ActionError("price must not be negative")
        v.price = price
    if "barcode" in data:
        v.barcode = data["barcode"] or None
    if "taxable" in data:
        v.taxable = bool(data["taxable"])


def create_product(state: ShopState, emit: Emit, data: dict[str, Any]) -> dict[str, Any]:
    title = str(data.get("title") or "").strip()
    if not title:
        raise ActionError("title is required")
    specs = data.get("variants") or [{}]
    if not isinstance(specs, list) or not all(isinstance(x, dict) for x in specs):
        raise ActionError("variants must be a list of objects")
    now = utcnow()
    pid = state.new_id()
    product = ProductRec(
        pid,
        title,
        title.lower().replace(" ", "-"),
        str(data.get("product_type") or ""),
        [],
        now,
        is_gift_card=bool(data.get("gift_card", False)),
    )
    variants = []
    for spec in specs:
        vid, iid = state.new_id(), state.new_id()
        v = VariantRec(vid, pid, "", "Default Title", Decimal("0.00"), Decimal(21), iid, now)
        _variant_fields(spec, v)
        variants.append(v)
    state.products[pid] = product
    for v in variants:
        state.variants[v.id] = v
        state.variant_by_item[v.inventory_item_id] = v.id
        product.variant_ids.append(v.id)
        for lid in state.locations:
            q = dict.fromkeys(QUANTITY_NAMES, 0)
            state.levels[(v.inventory_item_id, lid)] = LevelRec(
                v.inventory_item_id, lid, q, now, now
            )
    emit("products/create", payload(state, product))
    return {
        "product_id": gid("Product", pid),
        "variant_ids": [gid("ProductVariant", v.id) for v in variants],
    }


def update_product(state: ShopState, emit: Emit, ref: Any, data: dict[str, Any]) -> dict[str, Any]:
    """`{title?, product_type?, variants?: [{id or sku, price?, title?, sku?, barcode?}]}`."""
    product = _product(state, ref)
    specs = data.get("variants") or []
    if not isinstance(specs, list) or not all(isinstance(x, dict) for x in specs):
        raise ActionError("variants must be a list of objects")
    chosen = []
    for spec in specs:
        match = [
            state.variants[v]
            for v in product.variant_ids
            if ("id" in spec and v == parse_id(spec["id"]))
            or ("id" not in spec and state.variants[v].sku == spec.get("sku"))
        ]
        if not match:
            raise ActionError(
                f"variant {spec.get('id') or spec.get('sku')} not in product {product.id}"
            )
        chosen.append((match[0], spec))
    now = utcnow()
    if "title" in data:
        product.title = str(data["title"]).strip() or product.title
    if "product_type" in data:
        product.product_type = str(data["product_type"] or "")
    for v, spec in chosen:
        _variant_fields({k: x for k, x in spec.items() if k != "id"}, v)
        v.updated_at = now
    product.updated_at = now
    emit("products/update", payload(state, product))
    return {"product_id": gid("Product", product.id)}


def delete_product(state: ShopState, emit: Emit, ref: Any) -> dict[str, Any]:
    product = _product(state, ref)
    for vid in product.variant_ids:
        v = state.variants.pop(vid)
        state.variant_by_item.pop(v.inventory_item_id, None)
        for key in [k for k in state.levels if k[0] == v.inventory_item_id]:
            del state.levels[key]
    del state.products[product.id]
    emit("products/delete", {"id": product.id})
    return {"product_id": gid("Product", product.id)}
