"""inventorySetQuantities as 2026-04 runs it: compare-and-set, idempotency key, userErrors."""

import pytest

pytestmark = pytest.mark.anyio

SET = """mutation($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange } }
    userErrors { field message code } } }"""

LEVEL = """query($item: ID!, $loc: ID!) { inventoryItem(id: $item) {
  inventoryLevel(locationId: $loc) { quantities(names: ["available", "on_hand"]) {
    name quantity } } } }"""


async def ids(shop, sku="SKU-00001"):
    state = await shop.control("GET", "/state")
    row = next(r for r in state["inventory"] if r["sku"] == sku and r["location"] == "AMS")
    return row["inventory_item_id"], row["location_id"], row["available"]


async def available(shop, item, loc):
    out = await shop.gql(LEVEL, {"item": item, "loc": loc})
    qs = out["data"]["inventoryItem"]["inventoryLevel"]["quantities"]
    return {q["name"]: q["quantity"] for q in qs}


def set_input(item, loc, qty, change_from):
    return {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": "shopsync://stock/test",
        "quantities": [
            {
                "inventoryItemId": item,
                "locationId": loc,
                "quantity": qty,
                "changeFromQuantity": change_from,
            }
        ],
    }


async def test_set_available_with_the_right_compare_value_changes_it(shop):
    item, loc, now = await ids(shop)
    out = await shop.gql(SET, {"input": set_input(item, loc, now + 5, now), "key": "k1"})
    payload = out["data"]["inventorySetQuantities"]
    assert payload["userErrors"] == []
    changes = {c["name"]: c for c in payload["inventoryAdjustmentGroup"]["changes"]}
    assert changes["available"]["delta"] == 5
    assert changes["available"]["quantityAfterChange"] == now + 5
    assert (await available(shop, item, loc))["available"] == now + 5


async def test_stale_compare_value_is_a_user_error_and_changes_nothing(shop):
    item, loc, now = await ids(shop)
    out = await shop.gql(SET, {"input": set_input(item, loc, 99, now + 1), "key": "k2"})
    payload = out["data"]["inventorySetQuantities"]
    assert payload["inventoryAdjustmentGroup"] is None
    assert payload["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"
    assert payload["userErrors"][0]["field"] == ["input", "quantities", "0", "changeFromQuantity"]
    assert (await available(shop, item, loc))["available"] == now


async def test_explicit_null_compare_value_skips_the_check(shop):
    item, loc, _ = await ids(shop)
    out = await shop.gql(SET, {"input": set_input(item, loc, 7, None), "key": "k3"})
    assert out["data"]["inventorySetQuantities"]["userErrors"] == []
    assert (await available(shop, item, loc)) == {"available": 7, "on_hand": 7}


async def test_omitting_change_from_quantity_is_a_user_error(shop):
    item, loc, now = await ids(shop)
    data = set_input(item, loc, 3, None)
    del data["quantities"][0]["changeFromQuantity"]
    out = await shop.gql(SET, {"input": data, "key": "k4"})
    errors = out["data"]["inventorySetQuantities"]["userErrors"]
    assert errors[0]["field"][-1] == "changeFromQuantity"
    assert (await available(shop, item, loc))["available"] == now


async def test_the_idempotency_key_is_required_from_2026_04(shop):
    item, loc, now = await ids(shop)
    out = await shop.gql(
        """mutation($input: InventorySetQuantitiesInput!) {
        inventorySetQuantities(input: $input) { userErrors { code } } }""",
        {"input": set_input(item, loc, 1, now)},
    )
    assert "@idempotent" in out["errors"][0]["message"]
    assert (await available(shop, item, loc))["available"] == now


async def test_a_retry_with_the_same_key_is_not_applied_twice(shop):
    item, loc, now = await ids(shop)
    one = set_input(item, loc, now + 1, now)
    await shop.gql(SET, {"input": one, "key": "same"})
    again = await shop.gql(SET, {"input": one, "key": "same"})
    assert again["data"]["inventorySetQuantities"]["userErrors"] == []
    assert (await available(shop, item, loc))["available"] == now + 1
    other = await shop.gql(SET, {"input": set_input(item, loc, 50, None), "key": "same"})
    codes = [e["code"] for e in other["data"]["inventorySetQuantities"]["userErrors"]]
    assert codes == ["IDEMPOTENCY_KEY_PARAMETER_MISMATCH"]


async def test_unknown_item_and_bad_name_are_user_errors_and_nothing_changes(shop):
    item, loc, now = await ids(shop)
    data = set_input(item, loc, 1, now)
    data["quantities"].append(
        {
            "inventoryItemId": "gid://shopify/InventoryItem/999999",
            "locationId": loc,
            "quantity": 1,
            "changeFromQuantity": None,
        }
    )
    out = await shop.gql(SET, {"input": data, "key": "k5"})
    codes = [e["code"] for e in out["data"]["inventorySetQuantities"]["userErrors"]]
    assert codes == ["INVALID_INVENTORY_ITEM"]
    data = set_input(item, loc, 1, now)
    data["name"] = "committed"
    out = await shop.gql(SET, {"input": data, "key": "k6"})
    codes = [e["code"] for e in out["data"]["inventorySetQuantities"]["userErrors"]]
    assert codes == ["INVALID_NAME"]
    assert (await available(shop, item, loc))["available"] == now


async def test_more_than_250_quantities_are_refused(shop):
    item, loc, _ = await ids(shop)
    data = set_input(item, loc, 1, None)
    data["quantities"] = data["quantities"] * 251
    out = await shop.gql(SET, {"input": data, "key": "k7"})
    assert out["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"


async def test_an_order_moves_stock_from_available_to_committed_until_fulfilled(shop):
    item, loc, now = await ids(shop)
    order = await shop.control(
        "POST", "/orders", {"lines": [{"sku": "SKU-00001", "quantity": 2, "location": "AMS"}]}
    )
    q = """query($item: ID!, $loc: ID!) { inventoryItem(id: $item) { inventoryLevel(locationId:
      $loc) { quantities(names: ["available", "committed", "on_hand"]) { name quantity } } } }"""
    out = await shop.gql(q, {"item": item, "loc": loc})
    qs = {
        x["name"]: x["quantity"]
        for x in out["data"]["inventoryItem"]["inventoryLevel"]["quantities"]
    }
    assert qs == {"available": now - 2, "committed": 2, "on_hand": now}
    await shop.control("POST", f"/orders/{order['order_id'].rsplit('/', 1)[1]}/fulfil", {})
    out = await shop.gql(q, {"item": item, "loc": loc})
    qs = {
        x["name"]: x["quantity"]
        for x in out["data"]["inventoryItem"]["inventoryLevel"]["quantities"]
    }
    assert qs == {"available": now - 2, "committed": 0, "on_hand": now - 2}
