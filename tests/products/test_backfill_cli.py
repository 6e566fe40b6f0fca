"""`shopsync backfill products` enqueues one sync per product for the running daemon."""

from __future__ import annotations

import sys

import anyio
import pytest

from connectors.shopify.sandbox.app import ShopifySandbox
from daemon.serving import running_server
from state.db import Database
from tests.orders.conftest import CATALOGUE, SHOPIFY_SECRET, SHOPIFY_TOKEN
from tests.support.daemon_proc import write_config


async def _backfill(tmp_path, products: dict) -> anyio.abc.Process:
    shop = ShopifySandbox(CATALOGUE, access_token=SHOPIFY_TOKEN, webhook_secret=SHOPIFY_SECRET)
    async with running_server(shop.app, port=0, lifespan="auto") as url:
        config = write_config(
            tmp_path,
            shopify={
                "shop_url": url,
                "access_token": SHOPIFY_TOKEN,
                "webhook_secret": SHOPIFY_SECRET,
            },
            products=products,
        )
        return await anyio.run_process(
            [
                sys.executable,
                "-m",
                "daemon.cli",
                "backfill",
                "products",
                "--no-wait",
                "-c",
                str(config),
            ],
            check=False,
        )


@pytest.mark.anyio
async def test_backfill_products_enqueues_every_product_once(tmp_path):
    result = await _backfill(tmp_path, {"enabled": True})
    assert result.returncode == 0, result.stderr.decode()
    assert f"enqueued {len(CATALOGUE.products)} product(s)" in result.stdout.decode()
    db = await Database.open(tmp_path / "state" / "shopsync.db")
    try:
        rows = await db.fetchall("SELECT DISTINCT kind, key FROM jobs")
    finally:
        await db.close()
    assert len(rows) == len(CATALOGUE.products)
    assert {r[0] for r in rows} == {"products.sync"}


@pytest.mark.anyio
async def test_backfill_products_refuses_while_the_flow_is_off(tmp_path):
    result = await _backfill(tmp_path, {"enabled": False})
    assert result.returncode == 2
    assert "products.enabled is false" in result.stdout.decode()
    assert not (tmp_path / "state" / "shopsync.db").exists()
