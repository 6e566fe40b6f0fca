"""Stock end to end: Exact sandbox → the real daemon → Shopify sandbox, over real sockets."""

from __future__ import annotations

import json
import math
import time
from decimal import Decimal

import anyio
import pytest

from daemon.demo import demo_stack, shopify_available, wait_quiet
from daemon.flows.stock import store
from tests.support.webhooks import exact_body, shopify_headers

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def _set_exact(stack, sku: str, warehouse: str, quantity: int) -> Decimal:
    r = await stack.http.post(
        "/_sandbox/exact/stock", json={"sku": sku, "warehouse": warehouse, "quantity": quantity}
    )
    assert r.status_code == 200, r.text
    return Decimal(str(r.json()["sellable"]))


async def _shopify_shows(stack, sku: str, code: str, want: int, limit: float = 20) -> float:
    started = time.monotonic()
    try:
        with anyio.fail_after(limit):
            while shopify_available(stack.sb).get((sku, code)) != want:  # noqa: ASYNC110
                await anyio.sleep(0.05)
    except TimeoutError:
        jobs = await stack.services.db.fetchall(
            "SELECT id, kind, state, attempts, last_error FROM jobs ORDER BY id DESC LIMIT 8"
        )
        problems = await stack.services.db.fetchall("SELECT * FROM stock_problems")
        raise AssertionError(
            f"{sku}@{code} shows {shopify_available(stack.sb).get((sku, code))}, not {want}"
            f" after {limit} s; jobs {[tuple(j) for j in jobs]}; problems"
            f" {[tuple(p) for p in problems]}"
        ) from None
    return time.monotonic() - started


async def _receipts(stack) -> int:
    row = await stack.services.db.fetchone("SELECT count(*) FROM receipts WHERE source='exact'")
    return row[0]


async def test_an_exact_stock_change_reaches_shopify_through_the_webhook(tmp_path):
    options = {"poll_interval": 3600}  # no timed polls: only the webhook can carry the change
    async with demo_stack(tmp_path, products=20, config_options=options) as stack:
        await wait_quiet(stack.services, 20)
        await _set_exact(stack, "SKU-00003", "RTM", 41)
        await _shopify_shows(stack, "SKU-00003", "RTM", 41)
        assert await _receipts(stack) >= 1


async def test_without_webhooks_the_poller_catches_the_change(tmp_path):
    options = {"exact_webhooks": False, "poll_interval": 1}
    async with demo_stack(tmp_path, products=20, config_options=options) as stack:
        await wait_quiet(stack.services, 20)
        await _set_exact(stack, "SKU-00004", "AMS", 7)
        await _shopify_shows(stack, "SKU-00004", "AMS", 7)
        assert await _receipts(stack) == 0


async def test_a_duplicate_exact_webhook_is_stored_once(tmp_path):
    async with demo_stack(tmp_path, products=5) as stack:
        body = exact_body(
            {"Topic": "StockPositions", "Division": 123456, "Action": "Update", "Key": "x"},
            stack.sb.credentials.exact_webhook_secret,
        )
        ingress = stack.settings.ingress.public_url + "/webhooks/exact"
        for _ in range(3):
            assert (await stack.http.post(ingress, content=body)).status_code == 200
        assert await _receipts(stack) == 1


@pytest.mark.timeout(300)
async def test_stock_syncs_through_429s_errors_and_dropped_connections(tmp_path):
    # API time runs 20x faster: a 429 waits for Exact's minute reset, 3 s instead of 60 s.
    options = {"min_poll_interval": 0.5, "backoff_base": 0.5}
    async with demo_stack(
        tmp_path, products=20, config_options=options, sandbox_options={"speed": 20}
    ) as stack:
        await wait_quiet(stack.services, 20)
        await stack.http.post(
            "/_sandbox/exact/faults", json={"error_rate": 0.3, "burst_429": 3, "drop_rate": 0.05}
        )
        await stack.http.put(
            "/_sandbox/shopify/faults", json={"error_rate": 0.3, "throttle_burst": 3}
        )
        wanted = {}
        pairs = [
            ("SKU-00001", "AMS"),
            ("SKU-00002", "RTM"),
            ("SKU-00005", "ANR"),
            ("SKU-00001", "RTM"),
        ]
        for i, (sku, code) in enumerate(pairs):
            free = await _set_exact(stack, sku, code, 10 + i)
            wanted[(sku, code)] = max(0, math.floor(free))
        for (sku, code), want in wanted.items():
            await _shopify_shows(stack, sku, code, want, limit=90)
        dead = await stack.services.db.fetchone("SELECT count(*) FROM jobs WHERE state='dead'")
        assert dead[0] == 0, "transient faults must retry, never kill a job"


async def test_a_restart_mid_stream_loses_no_change(tmp_path):
    async with demo_stack(tmp_path, products=20) as stack:
        await wait_quiet(stack.services, 20)
        await _set_exact(stack, "SKU-00006", "AMS", 13)
        await stack.stop_daemon()  # webhooks Exact sends now find nobody listening
        await _set_exact(stack, "SKU-00007", "RTM", 17)
        await stack.start_daemon()
        await _shopify_shows(stack, "SKU-00006", "AMS", 13, limit=40)
        await _shopify_shows(stack, "SKU-00007", "RTM", 17, limit=40)


@pytest.mark.parametrize("orders_reserve", [False, True], ids=["planning_out", "reserve"])
async def test_an_exported_order_is_subtracted_once_until_and_after_delivery(
    tmp_path, orders_reserve
):
    """Under either reading of Exact's figures (an open sales order raises PlanningOut only, or
    ReservedStock too) the default figure counts a sold unit once: held before export, in
    Exact's PlanningOut after it, off the shelf after the goods delivery."""
    async with demo_stack(tmp_path, products=20) as stack:
        services = stack.services
        assert services.settings.stock.figure == "sellable"
        r = await stack.http.post("/_sandbox/exact/rules", json={"orders_reserve": orders_reserve})
        assert r.status_code == 200 and r.json()["orders_reserve"] is orders_reserve
        await wait_quiet(services, 20)
        await _set_exact(stack, "SKU-00008", "AMS", 10)
        await _shopify_shows(stack, "SKU-00008", "AMS", 10)
        # Sold in Shopify, not yet in Exact: hold 3 back.
        await store.set_holds(services.db, "order-1", [("SKU-00008", "Amsterdam warehouse", 3)])
        await services.queue.enqueue("stock.push", "stock:push", {})
        await _shopify_shows(stack, "SKU-00008", "AMS", 7)
        # Exported: Exact's sales order plans the 3 out; the hold is released, and goes once a
        # poll has stored the figure that includes the order.
        customer = (await services.exact.get("crm/Accounts", top=1))[0]["ID"]
        item = await services.exact.get("logistics/Items", filter=None, top=50)
        item_id = next(i["ID"] for i in item if i["Code"] == "SKU-00008")
        warehouse = next(
            w["ID"] for w in await services.exact.get("inventory/Warehouses") if w["Code"] == "AMS"
        )
        order = await services.exact.post(
            "salesorder/SalesOrders",
            {
                "OrderedBy": customer,
                "WarehouseID": warehouse,
                "YourRef": "#1001-AMS",
                "SalesOrderLines": [{"Item": item_id, "Quantity": 3}],
            },
        )
        await store.release_holds(services.db, "order-1")
        await services.queue.enqueue("stock.push", "stock:push", {})  # before any poll
        await wait_quiet(services, 20)
        assert shopify_available(stack.sb)[("SKU-00008", "AMS")] == 7, "not 10: held until seen"
        await services.queue.enqueue("stock.poll", "stock:poll", {})
        await wait_quiet(services, 20)
        assert await store.held(services.db) == {}
        assert shopify_available(stack.sb)[("SKU-00008", "AMS")] == 7, "not 4: counted once"
        # Delivered: the units leave the shelf and the plan; still counted once.
        line_id = order["SalesOrderLines"]["results"][0]["ID"]
        await services.exact.post(
            "salesorder/GoodsDeliveries",
            {
                "DeliveryDate": "2026-12-05",
                "GoodsDeliveryLines": [{"SalesOrderLineID": line_id, "QuantityDelivered": 3}],
            },
        )
        await services.queue.enqueue("stock.poll", "stock:poll", {})
        await wait_quiet(services, 20)
        assert shopify_available(stack.sb)[("SKU-00008", "AMS")] == 7


def _level_ids(stack, sku: str, code: str) -> tuple[str, str]:
    state = stack.sb.shopify.state
    return next(
        (item, loc)
        for (item, loc) in state.levels
        if state.variants[state.variant_by_item[item]].sku == sku
        and state.locations[loc].code == code
    )


async def _observe_until(stack, done, limit: float = 10) -> None:
    """Wait until `done(states of stock.observe jobs, webhook jobs still waiting)` holds."""
    with anyio.fail_after(limit):
        while True:
            rows = await stack.services.db.fetchall(
                "SELECT kind, state FROM jobs WHERE kind IN ('stock.observe', 'webhook.shopify')"
                " ORDER BY id"
            )
            observe = [state for kind, state in rows if kind == "stock.observe"]
            waiting = sum(
                kind == "webhook.shopify" and state != "succeeded" for kind, state in rows
            )
            if done(observe, waiting):
                return
            await anyio.sleep(0.05)


@pytest.mark.parametrize("handled", ["apart", "together"])
async def test_a_stale_inventory_webhook_after_a_newer_one_does_not_hide_a_change(
    tmp_path, handled
):
    # Shopify delivers webhooks in any order: a replay of an old level (12, the echo of our
    # own push) may come after the newer one (30, a hand edit). Exact says 12, so Shopify
    # must end at 12 whether the two are handled one after the other ("apart") or arrive
    # before the first is handled and share one job ("together", held by pausing the flow).
    async with demo_stack(tmp_path, products=20) as stack:
        await wait_quiet(stack.services, 20)
        await _set_exact(stack, "SKU-00007", "ANR", 12)
        await _shopify_shows(stack, "SKU-00007", "ANR", 12)
        await wait_quiet(stack.services, 20)
        row = await stack.services.db.fetchone(
            "SELECT count(*) FROM jobs WHERE kind = 'stock.observe'"
        )
        observed = row[0]
        item_id, loc_id = _level_ids(stack, "SKU-00007", "ANR")
        stack.sb.shopify.state.levels[(item_id, loc_id)].quantities["available"] = 30
        ingress = stack.settings.ingress.public_url + "/webhooks/shopify"
        secret = stack.sb.credentials.shopify_webhook_secret
        if handled == "together":
            await stack.services.flows.pause("stock", "test: hold both observations")
        for available in (30, 12):  # the newer first, then the stale replay
            body = json.dumps(
                {
                    "inventory_item_id": int(str(item_id).rsplit("/", 1)[-1]),
                    "location_id": int(str(loc_id).rsplit("/", 1)[-1]),
                    "available": available,
                    "updated_at": "2026-11-22T10:00:00+00:00",
                }
            ).encode()
            headers = shopify_headers(body, secret, "inventory_levels/update")
            assert (
                await stack.http.post(ingress, content=body, headers=headers)
            ).status_code == 200
            if handled == "apart":
                await _observe_until(  # handled before the next one arrives
                    stack, lambda observe, _, n=observed: observe[n : n + 1] == ["succeeded"]
                )
                observed += 1
        if handled == "together":
            await _observe_until(  # both routed into the one waiting job
                stack,
                lambda observe, waiting: observe[observed:] == ["queued"] and not waiting,
            )
            await stack.services.flows.resume("stock")
            stack.services.extras["worker"].wake()
        await _shopify_shows(stack, "SKU-00007", "ANR", 12, limit=20)


async def test_a_shopify_change_missed_while_down_is_corrected_at_start(tmp_path):
    async with demo_stack(tmp_path, products=20) as stack:
        await wait_quiet(stack.services, 20)
        await _set_exact(stack, "SKU-00009", "ANR", 12)
        await _shopify_shows(stack, "SKU-00009", "ANR", 12)
        await stack.stop_daemon()
        # While we are down someone sets Shopify's number by hand; its webhook is lost.
        item_id, loc_id = next(
            (item, loc)
            for (item, loc), level in stack.sb.shopify.state.levels.items()
            if stack.sb.shopify.state.variants[stack.sb.shopify.state.variant_by_item[item]].sku
            == "SKU-00009"
            and stack.sb.shopify.state.locations[loc].code == "ANR"
        )
        stack.sb.shopify.state.levels[(item_id, loc_id)].quantities["available"] = 30
        await stack.start_daemon()
        await _shopify_shows(stack, "SKU-00009", "ANR", 12, limit=30)


async def test_the_same_correction_made_twice_is_applied_twice(tmp_path):
    # A cancel restocks Shopify back to the number it had before our last push; the next push
    # sends the same quantities again. Shopify must apply it, not answer from its idempotency
    # cache of the first push (a content-derived key did exactly that: chaos run, 2026-12-05).
    async with demo_stack(tmp_path, products=20) as stack:
        await wait_quiet(stack.services, 20)
        item_id, loc_id = _level_ids(stack, "SKU-00005", "ANR")
        level = stack.sb.shopify.state.levels[(item_id, loc_id)]
        before = level.quantities["available"]
        await _set_exact(stack, "SKU-00005", "ANR", before + 7)
        await _shopify_shows(stack, "SKU-00005", "ANR", before + 7)
        await wait_quiet(stack.services, 20)
        level.quantities["available"] = before  # Shopify is back where the first push began
        body = json.dumps(
            {
                "inventory_item_id": int(str(item_id).rsplit("/", 1)[-1]),
                "location_id": int(str(loc_id).rsplit("/", 1)[-1]),
                "available": before,
                "updated_at": "2026-12-05T10:00:00+00:00",
            }
        ).encode()
        secret = stack.sb.credentials.shopify_webhook_secret
        headers = shopify_headers(body, secret, "inventory_levels/update")
        ingress = stack.settings.ingress.public_url + "/webhooks/shopify"
        assert (await stack.http.post(ingress, content=body, headers=headers)).status_code == 200
        await _shopify_shows(stack, "SKU-00005", "ANR", before + 7)
