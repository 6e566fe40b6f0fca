"""Stock reads and compare-and-set writes against the sandbox shop, as the stock flow uses them."""

import pytest

from connectors.shopify.api import ShopifyAPI
from connectors.shopify.inventory import QuantityChange
from tests.shopify_client.conftest import sandbox_shop

pytestmark = pytest.mark.anyio


async def locations_by_name(api):
    return {loc.name: loc for loc in await api.list_locations()}


async def test_locations_are_the_catalogue_warehouses(api, shop):
    names = set(await locations_by_name(api))
    assert names == {loc.name for loc in shop.catalogue.locations}


async def test_skus_are_found_in_one_batched_lookup_and_unknown_ones_are_absent(api, shop):
    skus = [p.sku for p in shop.catalogue.products[:12]] + ["NO-SUCH-SKU"]
    calls_before = shop.sandbox.requests["graphql"]
    items = await api.find_inventory_items(skus)
    assert shop.sandbox.requests["graphql"] - calls_before == 1
    assert set(items) == set(skus[:12])
    assert all(gid.startswith("gid://shopify/InventoryItem/") for gid in items.values())


async def test_available_matches_the_seeded_stock(api, shop):
    locations = await locations_by_name(api)
    skus = [p.sku for p in shop.catalogue.products[:5]]
    items = await api.find_inventory_items(skus)
    available = await api.get_available(items.values(), [loc.id for loc in locations.values()])
    for sku in skus:
        for code_loc in shop.catalogue.locations:
            loc = locations[code_loc.name]
            assert available[(items[sku], loc.id)] == shop.catalogue.stock[(sku, code_loc.code)]


async def test_stale_compare_and_set_fails_alone_and_leaves_the_quantity(api, shop):
    loc = next(iter((await locations_by_name(api)).values()))
    skus = [p.sku for p in shop.catalogue.products[:3]]
    items = await api.find_inventory_items(skus)
    ids = [items[s] for s in skus]
    before = await api.get_available(ids, [loc.id])

    stale_item = ids[1]
    changes = [
        QuantityChange(ids[0], loc.id, 40, change_from=before[(ids[0], loc.id)]),
        # Someone else changed this one since we read it: our "from" is off by 7.
        QuantityChange(stale_item, loc.id, 41, change_from=before[(stale_item, loc.id)] + 7),
        QuantityChange(ids[2], loc.id, 42, change_from=before[(ids[2], loc.id)]),
    ]
    results = await api.set_available(
        changes, reason="correction", reference_uri="shopsync://test/cas", idempotency_key="cas-1"
    )

    assert [r.ok for r in results] == [True, False, True]
    assert results[1].stale and results[1].message
    after = await api.get_available(ids, [loc.id])
    assert after[(ids[0], loc.id)] == 40
    assert after[(stale_item, loc.id)] == before[(stale_item, loc.id)]
    assert after[(ids[2], loc.id)] == 42


async def test_more_than_250_quantities_are_split_and_all_land():
    async with sandbox_shop(products=300) as shop, shop.client() as client:
        api = ShopifyAPI(client)
        loc = (await api.list_locations())[0]
        # 300 SKUs: six batched searches, not 300 calls.
        calls_before = shop.sandbox.requests["graphql"]
        items = await api.find_inventory_items(p.sku for p in shop.catalogue.products)
        assert len(items) == 300
        assert shop.sandbox.requests["graphql"] - calls_before == 6
        before = await api.get_available(items.values(), [loc.id])
        changes = [
            QuantityChange(item, loc.id, 100 + n, change_from=before[(item, loc.id)])
            for n, item in enumerate(items.values())
        ]
        results = await api.set_available(changes, idempotency_key="big-push")
        assert all(r.ok for r in results), [r for r in results if not r.ok][:3]
        after = await api.get_available(items.values(), [loc.id])
        assert [after[(c.inventory_item_id, loc.id)] for c in changes] == [
            c.quantity for c in changes
        ]


async def test_same_push_sent_twice_is_harmless(api, shop):
    loc = (await api.list_locations())[0]
    sku = shop.catalogue.products[0].sku
    item = (await api.find_inventory_items([sku]))[sku]
    before = (await api.get_available([item], [loc.id]))[(item, loc.id)]
    change = [QuantityChange(item, loc.id, before + 5, change_from=before)]
    first = await api.set_available(change, idempotency_key="stock:push-1")
    again = await api.set_available(change, idempotency_key="stock:push-1")
    assert first[0].ok and again[0].ok
    assert (await api.get_available([item], [loc.id]))[(item, loc.id)] == before + 5


async def test_unknown_item_fails_alone_and_the_rest_of_the_batch_lands(api, shop):
    loc = (await api.list_locations())[0]
    skus = [p.sku for p in shop.catalogue.products[:2]]
    items = await api.find_inventory_items(skus)
    before = await api.get_available(items.values(), [loc.id])
    changes = [
        QuantityChange(items[skus[0]], loc.id, 11, change_from=before[(items[skus[0]], loc.id)]),
        QuantityChange("gid://shopify/InventoryItem/424242", loc.id, 5, change_from=0),
        QuantityChange(items[skus[1]], loc.id, 12, change_from=before[(items[skus[1]], loc.id)]),
    ]
    results = await api.set_available(changes, idempotency_key="mixed")
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].code == "INVALID_INVENTORY_ITEM" and results[1].field
    after = await api.get_available(items.values(), [loc.id])
    assert after[(items[skus[0]], loc.id)] == 11 and after[(items[skus[1]], loc.id)] == 12
