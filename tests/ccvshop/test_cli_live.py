"""`shopsync plan orders` and `backfill orders` against a CCV shop, as separate processes."""

from __future__ import annotations

import json
import sys

import anyio
import httpx
import pytest

from connectors.ccvshop.sandbox import CcvShopSandbox
from daemon.serving import running_server
from tests.support.daemon_proc import write_config

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
NL = {"email": "a@example.com", "first_name": "A", "country_code": "NL"}


async def _run(tmp_path, command: str, *extra: str) -> str:
    shop = CcvShopSandbox(public_key="pub", secret="sec")
    async with running_server(shop.app, port=0, lifespan="auto") as url:
        async with httpx.AsyncClient(base_url=url) as http:
            control = "/_sandbox/ccvshop"
            for sku in ("SKU-00001", "SKU-00002"):
                body = {"productnumber": sku, "name": sku, "price": 10}
                (await http.post(f"{control}/products", json=body)).raise_for_status()
            for body in (
                {
                    "customer": NL,
                    "rows": [{"productnumber": "SKU-00001", "count": 2}],
                    "status": 7,
                    "total_shipping": 4.95,
                },
                {
                    "customer": {
                        **NL,
                        "company": "B BV",
                        "country_code": "BE",
                        "btw": "BE0999999999",
                    },
                    "is_intra_community_order": True,
                    "rows": [{"productnumber": "SKU-00002", "count": 1}],
                    "status": 7,
                },
                {"customer": NL, "rows": [{"productnumber": "SKU-00001", "count": 1}], "status": 1},
            ):
                (await http.post(f"{control}/orders", json=body)).raise_for_status()
        config = write_config(
            tmp_path,
            shop={"platform": "ccvshop"},
            ccvshop={"api_root": url, "public_key": "pub", "secret": "sec"},
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
    return result.stdout.decode()


async def test_plan_orders_shows_each_ccv_orders_invoice_and_vat(tmp_path):
    rows = [json.loads(line) for line in (await _run(tmp_path, "plan", "--json")).splitlines()]
    assert [r["action"] for r in rows] == ["export", "export", "wait"]
    first, b2b, later = rows
    (doc,) = first["documents"]
    assert doc["document"] == "invoice" and doc["scenario"] == "domestic"
    assert doc["total"] == first["shop_total"] == "24.95"
    assert {ln["vat_code"] for ln in b2b["documents"][0]["lines"]} == {"ICP"}
    assert "not an export status" in later["why"]
    assert not (tmp_path / "state").exists()  # nothing was written


async def test_plan_orders_table_names_ccvs_total(tmp_path):
    out = await _run(tmp_path, "plan")
    assert "CCV total 24.95" in out and "3 order(s) planned; nothing was written." in out


async def test_backfill_enqueues_ccv_export_jobs(tmp_path):
    from state.db import Database

    out = await _run(tmp_path, "backfill", "--no-wait")
    assert "enqueued 3 order(s)" in out
    db = await Database.open(tmp_path / "state" / "shopsync.db")
    try:
        rows = await db.fetchall("SELECT kind, payload FROM jobs ORDER BY id")
    finally:
        await db.close()
    assert [r[0] for r in rows] == ["ccvshop.order_export"] * 3
    assert all(json.loads(r[1])["backfill"] is True for r in rows)
