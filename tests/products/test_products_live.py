"""Products end to end through both sandboxes: create, edit a price, delete; once under retries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.flows.products.config import ProductsSettings
from daemon.flows.products.jobs import route_product_webhook, sync_job
from tests.orders.conftest import Env, order_env

D = Decimal


def items(env: Env, *codes: str) -> list[dict]:
    table = env.exact_sandbox.store.table("logistics/Items").values()
    return [row for row in table if row["Code"] in codes]


def exact_calls(env: Env) -> int:
    return sum(v for k, v in env.exact_sandbox.store.calls.items() if k != "current/Me")


async def sync(env: Env, body: dict) -> None:
    for kind, key, payload in route_product_webhook(body):
        await env.services.queue.enqueue(kind, key, payload)
    await env.run_jobs()


TEE = {
    "title": "Linen Tee",
    "product_type": "Shirts",
    "variants": [
        {"sku": "TEE-S", "title": "S", "price": "12.10", "barcode": "8712345678906"},
        {"sku": "TEE-M", "title": "M", "price": "12.10"},
        {"title": "XL", "price": "12.10"},  # no SKU: reported once, no item
    ],
}


def enable(env: Env, **kw: object) -> None:
    env.services.settings.products = ProductsSettings(enabled=True, groups={"Shirts": "HOME"}, **kw)


@pytest.mark.anyio
async def test_create_edit_price_delete_reach_exact_items(tmp_path):
    async with order_env(tmp_path) as env:
        enable(env)
        made = await env.shop_control("POST", "/products", TEE)
        pid = made["product_id"]
        before = exact_calls(env)
        await sync(env, {"id": int(pid.rsplit("/", 1)[-1])})
        small, medium = sorted(items(env, "TEE-S", "TEE-M"), key=lambda r: r["Code"], reverse=True)
        assert small["Description"] == "Linen Tee - S" and small["Barcode"] == "8712345678906"
        assert D(str(small["StandardSalesPrice"])) == D("10.00")  # the shop shows incl. 21 %
        assert small["SalesVatCode"] == "1" and small["ItemGroupCode"] == "HOME"
        assert small["IsStockItem"] is True and medium["Description"] == "Linen Tee - M"
        # One GET for both codes, one item group lookup, one POST each.
        assert exact_calls(env) - before == 4
        reported = await env.services.links.all("product_unmapped")
        assert len(reported) == 1 and "has no SKU" in reported[0].data["reason"]

        # A price edit costs one GET and one PUT for the one changed item.
        await env.shop_control(
            "POST", f"/products/{pid}", {"variants": [{"sku": "TEE-S", "price": "14.52"}]}
        )
        before = exact_calls(env)
        await sync(env, {"admin_graphql_api_id": pid})
        assert exact_calls(env) - before == 2
        [small] = items(env, "TEE-S")
        assert D(str(small["StandardSalesPrice"])) == D("12.00")
        assert len(items(env, "TEE-S", "TEE-M")) == 2  # never a second item

        # Nothing changed: a read, no write.
        before = exact_calls(env)
        await sync(env, {"admin_graphql_api_id": pid})
        assert exact_calls(env) - before == 1

        await env.shop_control("DELETE", f"/products/{pid}")
        await sync(env, {"id": int(pid.rsplit("/", 1)[-1])})
        ended = items(env, "TEE-S", "TEE-M")
        assert len(ended) == 2 and all(row["EndDate"] is not None for row in ended)
        dead = (await env.services.queue.counts()).get("dead", {})
        assert not dead


@pytest.mark.anyio
async def test_exact_owned_price_stays_and_a_foreign_item_is_matched_by_code(tmp_path):
    async with order_env(tmp_path) as env:
        enable(env, owners={"price": "exact"})
        # SKU-00001 is an item Exact already had (seeded), not made by shopsync.
        made = await env.shop_control(
            "POST",
            "/products",
            {"title": "Walnut Lamp 1", "variants": [{"sku": "SKU-00001", "price": "99.99"}]},
        )
        [before] = items(env, "SKU-00001")
        price = before["StandardSalesPrice"]
        await sync(env, {"admin_graphql_api_id": made["product_id"]})
        [after] = items(env, "SKU-00001")
        assert after["StandardSalesPrice"] == price  # price is Exact's
        assert after["Description"] == "Walnut Lamp 1"
        assert len(items(env, "SKU-00001")) == 1


@pytest.mark.anyio
async def test_a_lost_answer_after_exact_made_the_item_is_healed_not_duplicated(tmp_path):
    async with order_env(tmp_path) as env:
        enable(env)
        made = await env.shop_control("POST", "/products", TEE)
        await sync(env, {"admin_graphql_api_id": made["product_id"]})
        # As if the process died after Exact's answer, before the outcome and links were kept.
        await env.services.db.execute_write("UPDATE intents SET outcome = NULL")
        await env.services.db.execute_write("DELETE FROM links WHERE entity LIKE 'product%'")
        kind, key, payload = sync_job(made["product_id"])
        await env.services.queue.enqueue(kind, key, payload)
        await env.run_jobs()
        assert len(items(env, "TEE-S")) == 1 and len(items(env, "TEE-M")) == 1
        assert not (await env.services.queue.counts()).get("dead")
        assert (await env.services.links.get("product_item", "TEE-S")) is not None


@pytest.mark.anyio
async def test_the_catch_up_poll_finds_products_edited_without_a_webhook(tmp_path):
    import datetime as dt

    from daemon.flows.products.jobs import CURSOR, poll_products_once

    async with order_env(tmp_path) as env:
        enable(env)
        start = dt.datetime.now(dt.UTC)
        await env.services.cursors.set(CURSOR, start.isoformat())
        made = await env.shop_control("POST", "/products", TEE)
        assert await poll_products_once(env.services, start + dt.timedelta(seconds=1)) >= 1
        await env.run_jobs()
        assert len(items(env, "TEE-S", "TEE-M")) == 2
        # Edited twice before the job ran: one job, one read of the product.
        for price in ("13.31", "14.52"):
            await env.shop_control(
                "POST",
                f"/products/{made['product_id']}",
                {"variants": [{"sku": "TEE-S", "price": price}]},
            )
            await poll_products_once(env.services)
        key = f"product:{made['product_id'].rsplit('/', 1)[-1]}"
        row = await env.services.db.fetchone(
            "SELECT count(*) FROM jobs WHERE key = ? AND state = 'queued'", (key,)
        )
        assert row[0] == 1
        await env.run_jobs()
        [small] = items(env, "TEE-S")
        assert D(str(small["StandardSalesPrice"])) == D("12.00")


@pytest.mark.anyio
async def test_answers_lost_after_exact_booked_still_make_each_item_once(tmp_path):
    # Exact commits each write, then half of its answers never arrive; the worker retries.
    async with order_env(tmp_path) as env:
        enable(env)
        await env.exact_control("POST", "faults", {"drop_after_commit_rate": 0.5})
        codes = []
        for n in range(3):
            body = {
                "title": f"Tee {n}",
                "product_type": "Shirts",
                "variants": [{"sku": f"T{n}-{s}", "title": s, "price": "12.10"} for s in "SML"],
            }
            made = await env.shop_control("POST", "/products", body)
            codes += [f"T{n}-{s}" for s in "SML"]
            kind, key, payload = sync_job(made["product_id"])
            await env.services.queue.enqueue(kind, key, payload)
        await env.run_jobs(limit=120)
        await env.exact_control("POST", "faults", {"drop_after_commit_rate": 0})
        assert sorted(r["Code"] for r in items(env, *codes)) == sorted(codes)  # each once
        retried = await env.services.db.fetchone("SELECT max(attempts) FROM jobs")
        assert retried[0] > 1  # answers were lost: jobs ran again
        assert not (await env.services.queue.counts()).get("dead")
