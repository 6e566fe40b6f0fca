"""Connections page like Shopify's: cursors, hasNextPage, search filters, sort keys."""

import pytest

pytestmark = pytest.mark.anyio

PAGE = """query($after: String) {
  productVariants(first: 7, after: $after) {
    edges { cursor node { sku } } pageInfo { hasNextPage endCursor } } }"""


async def test_paging_visits_every_variant_once_and_then_stops(shop):
    seen, after, pages = [], None, 0
    while True:
        out = await shop.gql(PAGE, {"after": after})
        conn = out["data"]["productVariants"]
        seen += [e["node"]["sku"] for e in conn["edges"]]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert pages == 3
    assert seen == [f"SKU-{i:05d}" for i in range(1, 21)]


async def test_a_connection_without_first_or_last_is_an_error(shop):
    out = await shop.gql("{ locations { nodes { id } } }")
    assert out["errors"][0]["message"] == "you must provide one of first or last"


async def test_sku_search_finds_the_variant_and_its_inventory_item(shop):
    out = await shop.gql("""{ productVariants(first: 5, query: "sku:SKU-00007") {
        nodes { sku inventoryItem { id } } } }""")
    nodes = out["data"]["productVariants"]["nodes"]
    assert [n["sku"] for n in nodes] == ["SKU-00007"]
    assert nodes[0]["inventoryItem"]["id"].startswith("gid://shopify/InventoryItem/")


async def test_orders_filter_by_updated_at_and_sort_by_it(shop):
    first = await shop.control(
        "POST",
        "/orders",
        {"lines": [{"sku": "SKU-00001", "quantity": 1}], "email": "a@example.com"},
    )
    state = await shop.control("GET", "/state")
    cutoff = state["orders"][0]["updated_at"]
    second = await shop.control(
        "POST",
        "/orders",
        {"lines": [{"sku": "SKU-00002", "quantity": 1}], "email": "b@example.com"},
    )
    await shop.control("POST", f"/orders/{first['order_id'].rsplit('/', 1)[1]}/fulfil", {})
    out = await shop.gql(
        """query($q: String) {
        orders(first: 10, query: $q, sortKey: UPDATED_AT) { nodes { id name } } }""",
        {"q": f"updated_at:>='{cutoff}'"},
    )
    ids = [n["id"] for n in out["data"]["orders"]["nodes"]]
    assert set(ids) == {first["order_id"], second["order_id"]}
    assert ids[-1] == first["order_id"]  # fulfilled last, so updated last
