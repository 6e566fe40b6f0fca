"""Stock Exact → CCV Shop through the stock engine: each product's stock set to Exact's figure
with one PATCH, only when it differs; a product CCV lacks is a problem, not a dead job."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from daemon.flows.stock.ccvshop import LOCATION
from tests.ccvshop.test_export_live import ccv_env
from tests.orders.conftest import CATALOGUE

pytestmark = pytest.mark.anyio


async def set_exact_stock(run, sku: str, quantity: int) -> None:
    async with httpx.AsyncClient(base_url=run.env.exact_url) as http:
        r = await http.post(
            "/_sandbox/exact/stock", json={"sku": sku, "warehouse": "AMS", "quantity": quantity}
        )
        assert r.status_code == 200, r.text


async def poll_and_push(run) -> None:
    await run.env.services.queue.enqueue("stock.poll", "stock:poll", {})
    await run.env.run_jobs()


def ccv_stock(sandbox, sku: str) -> Decimal:
    product = sandbox.store.find_product(product_id=None, number=sku)
    return Decimal(str(product["stock"]))


async def test_exact_stock_reaches_ccv_products_once_and_follows_changes(tmp_path):
    skus = [p.sku for p in CATALOGUE.products[:3]]
    async with ccv_env(tmp_path) as run:
        services = run.env.services
        shop = services.settings.shop.model_copy(update={"platform": "ccvshop"})
        stock = services.settings.stock.model_copy(update={"figure": "in_stock"})
        services.settings = services.settings.model_copy(update={"shop": shop, "stock": stock})
        sandbox = run.sandbox
        await set_exact_stock(run, skus[0], 7)
        await poll_and_push(run)
        assert ccv_stock(sandbox, skus[0]) == 7
        patches = sandbox.api.calls.get("PATCH products", 0)
        assert patches == 3  # the three CCV products, each set once

        reads = sandbox.api.calls["GET products"]
        await set_exact_stock(run, skus[0], 3)
        await poll_and_push(run)
        assert ccv_stock(sandbox, skus[0]) == 3
        assert sandbox.api.calls["PATCH products"] == patches + 1  # only the one that moved
        assert sandbox.api.calls["GET products"] == reads  # known product: written, not read

        await poll_and_push(run)  # nothing moved in Exact: nothing sent
        assert sandbox.api.calls["PATCH products"] == patches + 1
        problems = await services.db.fetchall(
            "SELECT sku, location, problem FROM stock_problems WHERE problem = 'not_in_ccvshop'"
        )
        dead = (await services.queue.counts()).get("dead", {})
    assert {loc for _, loc, _ in problems} == {LOCATION}
    assert len(problems) == len(CATALOGUE.products) - 3  # Exact items CCV does not sell
    assert not sum(dead.values())


async def test_a_product_deleted_in_ccv_becomes_a_stock_problem_not_a_dead_job(tmp_path):
    sku = CATALOGUE.products[0].sku
    async with ccv_env(tmp_path) as run:
        services = run.env.services
        shop = services.settings.shop.model_copy(update={"platform": "ccvshop"})
        services.settings = services.settings.model_copy(update={"shop": shop})
        await poll_and_push(run)
        product = run.sandbox.store.find_product(product_id=None, number=sku)
        del run.sandbox.store.products[product["id"]]  # gone from the shop behind our back
        await set_exact_stock(run, sku, 11)
        await poll_and_push(run)
        [(detail,)] = await services.db.fetchall(
            "SELECT detail FROM stock_problems WHERE sku = ? AND problem = 'not_in_ccvshop'",
            (sku,),
        )
        dead = (await services.queue.counts()).get("dead", {})
    assert detail == "the product was deleted in CCV"
    assert not sum(dead.values())
