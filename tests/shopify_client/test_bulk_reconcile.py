"""A bulk read of every variant's stock matches what the shop holds, level by level."""

import anyio
import pytest

from connectors.shopify.bulk import run_bulk_query, start_bulk_query, wait_for_bulk

pytestmark = pytest.mark.anyio


async def test_bulk_inventory_levels_match_the_seeded_stock(shop, api):
    locations = {loc.id: loc.name for loc in await api.list_locations()}
    code_by_name = {loc.name: loc.code for loc in shop.catalogue.locations}
    with anyio.fail_after(30):
        levels = [level async for level in api.bulk_inventory_levels(poll_interval=0.05)]
    assert len(levels) == len(shop.catalogue.products) * len(shop.catalogue.locations)
    for level in levels:
        code = code_by_name[locations[level.location_id]]
        assert level.available == shop.catalogue.stock[(level.sku, code)]
        assert level.inventory_item_id.startswith("gid://shopify/InventoryItem/")


async def test_bulk_wait_wakes_on_the_finish_signal(shop, api):
    finished = anyio.Event()
    finished.set()  # as if the bulk_operations/finish webhook had already arrived
    op = await start_bulk_query(api.client, "{ locations { edges { node { id name } } } }")
    with anyio.fail_after(10):
        # A poll interval far beyond the timeout: only the signal can make this return in time.
        done = await wait_for_bulk(api.client, op, poll_interval=3600, finished=finished)
    assert done["status"] == "COMPLETED"


async def test_bulk_rows_stream_line_by_line(shop, api):
    rows = [
        row
        async for row in run_bulk_query(
            api.client, "{ locations { edges { node { id name } } } }", poll_interval=0.05
        )
    ]
    assert sorted(r["name"] for r in rows) == sorted(loc.name for loc in shop.catalogue.locations)
