"""`shopsync plan orders` shows the bookings before going live, and writes nothing anywhere."""

from __future__ import annotations

import json
import sys

import pytest

from connectors.shopify.sandbox.app import ShopifySandbox
from daemon.serving import running_server
from tests.orders.conftest import CATALOGUE, LOCATIONS, SHOPIFY_SECRET, SHOPIFY_TOKEN
from tests.support.daemon_proc import write_config


async def _plan(tmp_path, *extra: str, command: str = "plan") -> str:
    import anyio

    shop = ShopifySandbox(CATALOGUE, access_token=SHOPIFY_TOKEN, webhook_secret=SHOPIFY_SECRET)
    async with running_server(shop.app, port=0, lifespan="auto") as url:
        async with __import__("httpx").AsyncClient(base_url=url) as http:
            for body in (
                {"lines": [{"sku": "SKU-00001", "quantity": 2}], "email": "a@example.com"},
                {
                    "lines": [{"sku": "SKU-00002", "quantity": 1}],
                    "customer": {
                        "email": "b@example.be",
                        "company": "B BV",
                        "vat_number": "BE0999999999",
                    },
                    "shipping_country": "BE",
                },
                {
                    "lines": [{"sku": "SKU-00003", "quantity": 1}],
                    "email": "c@example.com",
                    "financial_status": "pending",
                },
            ):
                (await http.post("/_sandbox/shopify/orders", json=body)).raise_for_status()
        config = write_config(
            tmp_path,
            shopify={
                "shop_url": url,
                "access_token": SHOPIFY_TOKEN,
                "webhook_secret": SHOPIFY_SECRET,
            },
            mapping={"default_warehouse": "AMS", "locations": LOCATIONS},
        )
        result = await anyio.run_process(
            [
                sys.executable,
                "-m",
                "daemon.cli",
                command,
                "orders",
                "--since",
                "2020-01-01",
                "--config",
                str(config),
                *extra,
            ],
            check=False,
        )
    assert result.returncode == 0, result.stderr.decode()
    if command == "plan":
        assert not (tmp_path / "state").exists()  # not even a database was created
    return result.stdout.decode()


@pytest.mark.slow
@pytest.mark.anyio
async def test_plan_orders_json_lists_each_orders_documents_and_vat(tmp_path):
    rows = [json.loads(line) for line in (await _plan(tmp_path, "--json")).splitlines()]
    assert [r["action"] for r in rows] == ["export", "export", "wait"]
    first, b2b, _ = rows
    (doc,) = first["documents"]
    assert doc["your_ref"].endswith("/AMS") and doc["scenario"] == "domestic"
    assert doc["total"] == first["shopify_total"]
    assert b2b["documents"][0]["scenario"] == "icp"
    assert {ln["vat_code"] for ln in b2b["documents"][0]["lines"]} == {"ICP"}


@pytest.mark.slow
@pytest.mark.anyio
async def test_plan_orders_prints_a_readable_table(tmp_path):
    out = await _plan(tmp_path)
    assert "salesorder" in out and "SKU-00001" in out
    assert "3 order(s) planned; nothing was written." in out


@pytest.mark.slow
@pytest.mark.anyio
async def test_backfill_enqueues_every_order_since_the_date_for_the_daemon(tmp_path):
    from state.db import Database

    out = await _plan(tmp_path, "--no-wait", command="backfill")
    assert "enqueued 3 order(s)" in out
    db = await Database.open(tmp_path / "state" / "shopsync.db")
    try:
        rows = await db.fetchall("SELECT kind, key, payload FROM jobs ORDER BY id")
    finally:
        await db.close()
    assert [r[0] for r in rows] == ["orders.export"] * 3
    assert all(json.loads(r[2])["backfill"] is True for r in rows)
