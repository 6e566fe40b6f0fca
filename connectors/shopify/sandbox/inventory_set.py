"""inventorySetQuantities as Shopify 2026-01/04 run it: absolute, compare-and-set, idempotent."""

from __future__ import annotations

import json
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, get_directive_values

from connectors.shopify.sandbox import webhook_payloads as wp
from connectors.shopify.sandbox.state import ShopState, gid, iso, parse_id, utcnow
from connectors.shopify.sandbox.views_catalog import InventoryItemView, LocationView, level_gid
from connectors.shopify.sandbox.views_common import ctx

MAX_INPUT_SIZE = 250
MAX_QUANTITY = 1_000_000_000
# Reasons inventorySetQuantities accepts (shopify.dev "inventory state and reason names").
REASONS = {
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_created",
    "movement_updated",
    "movement_received",
    "movement_canceled",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
}
# From 2026-04 changeFromQuantity and the @idempotent key are mandatory (shopify.dev changelog;
# InventorySetQuantitiesPayload and inventorySetOnHandQuantities docs for 2026-04 onwards).
STRICT_FROM = "2026-04"


def user_error(code: str, field: list[str], message: str) -> dict[str, Any]:
    return {"code": code, "field": field, "message": message}


def idempotency_key(info: GraphQLResolveInfo) -> str | None:
    directive = info.schema.get_directive("idempotent")
    if directive is None:
        return None
    values = get_directive_values(directive, info.field_nodes[0], info.variable_values)
    return values["key"] if values else None


class InventoryMutations:
    """Mixin for the Mutation root; `self.s` is the shop state."""

    s: ShopState

    # ------------------------------------------------------------------ inventory

    def inventorySetQuantities(self, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
        c = ctx(info)
        strict = c.api_version >= STRICT_FROM
        key = idempotency_key(info)
        if key is None and strict:
            raise GraphQLError(
                "The @idempotent directive with a key is required for this mutation.",
                info.field_nodes,
                extensions={"code": "BAD_REQUEST"},
            )
        quantities = input["quantities"]
        if len(quantities) > MAX_INPUT_SIZE:
            raise GraphQLError(
                f"The input array size of {len(quantities)} is greater than the maximum allowed"
                f" of {MAX_INPUT_SIZE}.",
                info.field_nodes,
                extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"},
            )
        fingerprint = json.dumps(input, sort_keys=True, default=str)
        if key is not None and key in self.s.idempotency:
            seen, payload = self.s.idempotency[key]
            if seen != fingerprint:
                msg = "The same idempotency key cannot be used with different operation parameters."
                return {
                    "inventoryAdjustmentGroup": None,
                    "userErrors": [
                        user_error("IDEMPOTENCY_KEY_PARAMETER_MISMATCH", ["input"], msg)
                    ],
                }
            return payload  # a retry: same answer, nothing applied twice
        payload = self._set_quantities(info, input, strict)
        if key is not None:
            self.s.idempotency[key] = (fingerprint, payload)
        return payload

    def _set_quantities(
        self, info: GraphQLResolveInfo, input: dict[str, Any], strict: bool
    ) -> dict[str, Any]:
        name, errors, targets = input["name"], [], []
        if name not in ("available", "on_hand"):
            errors.append(
                user_error(
                    "INVALID_NAME",
                    ["input", "name"],
                    "The quantity name must be either 'available' or 'on_hand'.",
                )
            )
        if input["reason"] not in REASONS:
            errors.append(
                user_error(
                    "INVALID_REASON", ["input", "reason"], "The specified reason is invalid."
                )
            )
        seen: set[tuple[int, int]] = set()
        for i, q in enumerate(input["quantities"]):
            path = ["input", "quantities", str(i)]
            try:
                item_id, loc_id = parse_id(q["inventoryItemId"]), parse_id(q["locationId"])
            except ValueError:
                item_id, loc_id = -1, -1
            if item_id not in self.s.variant_by_item:
                errors.append(
                    user_error(
                        "INVALID_INVENTORY_ITEM",
                        [*path, "inventoryItemId"],
                        "The specified inventory item could not be found.",
                    )
                )
                continue
            if loc_id not in self.s.locations:
                errors.append(
                    user_error(
                        "INVALID_LOCATION",
                        [*path, "locationId"],
                        "The specified location could not be found.",
                    )
                )
                continue
            level = self.s.levels.get((item_id, loc_id))
            if level is None:
                errors.append(
                    user_error(
                        "ITEM_NOT_STOCKED_AT_LOCATION",
                        [*path, "locationId"],
                        "The inventory item is not stocked at the location.",
                    )
                )
                continue
            if (item_id, loc_id) in seen:
                errors.append(
                    user_error(
                        "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                        path,
                        "The combination of inventoryItemId and locationId must be unique.",
                    )
                )
                continue
            seen.add((item_id, loc_id))
            if q["quantity"] < 0:
                errors.append(
                    user_error(
                        "INVALID_QUANTITY_NEGATIVE",
                        [*path, "quantity"],
                        "The quantity can't be negative.",
                    )
                )
            elif q["quantity"] > MAX_QUANTITY:
                errors.append(
                    user_error(
                        "INVALID_QUANTITY_TOO_HIGH",
                        [*path, "quantity"],
                        "The quantity can't be higher than 1,000,000,000.",
                    )
                )
            if "changeFromQuantity" not in q:
                if strict:
                    errors.append(
                        user_error(
                            "COMPARE_QUANTITY_REQUIRED",
                            [*path, "changeFromQuantity"],
                            "changeFromQuantity must be given for each quantity; pass null"
                            " explicitly to skip the compare check.",
                        )
                    )
            elif (
                name in ("available", "on_hand")
                and q["changeFromQuantity"] is not None
                and q["changeFromQuantity"] != level.quantities[name]
            ):
                errors.append(
                    user_error(
                        "CHANGE_FROM_QUANTITY_STALE",
                        [*path, "changeFromQuantity"],
                        "The changeFromQuantity value does not match persisted value.",
                    )
                )
            targets.append((level, q["quantity"]))
        if errors:
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        return {"inventoryAdjustmentGroup": self._apply(info, input, targets), "userErrors": []}

    def _apply(
        self, info: GraphQLResolveInfo, input: dict[str, Any], targets: list[tuple[Any, int]]
    ) -> dict[str, Any]:
        changes = []
        for level, value in targets:
            deltas = self.s.set_quantity(level, input["name"], value)
            variant = self.s.variants[self.s.variant_by_item[level.item_id]]
            for qname, delta in deltas.items():
                changes.append(
                    {
                        "name": qname,
                        "delta": delta,
                        "quantityAfterChange": level.quantities[qname],
                        "item": InventoryItemView(self.s, variant),
                        "location": LocationView(self.s, self.s.locations[level.location_id]),
                        "ledgerDocumentUri": input.get("referenceDocumentUri"),
                        "_level": level_gid(level),
                    }
                )
            if deltas["available"]:
                ctx(info).events.append(
                    ("inventory_levels/update", wp.inventory_level(self.s, level))
                )
        group_id = self.s.new_id()

        def pick(
            info: Any,
            inventoryItemIds: Any = None,
            locationIds: Any = None,
            quantityNames: Any = None,
        ) -> list[dict[str, Any]]:
            return [
                ch
                for ch in changes
                if (not quantityNames or ch["name"] in quantityNames)
                and (not inventoryItemIds or ch["item"].id in inventoryItemIds)
                and (not locationIds or ch["location"].id in locationIds)
            ]

        return {
            "id": gid("InventoryAdjustmentGroup", group_id),
            "createdAt": iso(utcnow()),
            "reason": input["reason"],
            "referenceDocumentUri": input.get("referenceDocumentUri"),
            "changes": pick,
        }
