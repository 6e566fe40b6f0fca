"""`[shop] platform = "ccvshop"`: the real daemon scans a CCV shop and books its completed
orders as Exact invoices, with no Shopify section, client or loop anywhere."""

from __future__ import annotations

import datetime as dt

import anyio
import httpx
import pytest

from connectors.sandbox import Sandboxes
from daemon.app import Daemon
from daemon.config import ConfigError, Settings, load_settings
from daemon.control.status import build_status
from daemon.demo import authorize_exact
from daemon.serving import running_server
from tests.orders.conftest import complete_seeded_accounts

pytestmark = pytest.mark.anyio


def ccv_settings(tmp_path, url: str, sb: Sandboxes) -> Settings:
    c = sb.credentials
    return Settings(
        daemon={"state_dir": tmp_path / "state", "log_level": "warning"},
        ingress={"enabled": False},
        control={"socket": tmp_path / "shopsync.sock"},
        shop={"platform": "ccvshop"},
        ccvshop={
            "api_root": url,
            "public_key": c.ccvshop_public_key,
            "secret": c.ccvshop_secret,
            "poll_interval": 30,
        },
        exact={
            "base_url": url,
            "division": c.exact_division,
            "client_id": c.exact_client_id,
            "client_secret": c.exact_client_secret,
        },
        mapping={"default_warehouse": sb.catalogue.locations[0].code},
        orders={"start_date": dt.datetime.now(dt.UTC).date()},
    )


async def test_the_daemon_books_a_completed_ccv_order_as_an_exact_invoice(tmp_path):
    sb = Sandboxes(products=5)
    complete_seeded_accounts(sb.exact)
    sku = sb.catalogue.products[0].sku
    async with (
        running_server(sb.app, lifespan="on") as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        settings = ccv_settings(tmp_path, url, sb)
        assert settings.shopify is None
        await authorize_exact(settings, url)
        r = await http.post(
            "/_sandbox/ccvshop/products", json={"productnumber": sku, "name": "P", "price": 10}
        )
        assert r.status_code == 200, r.text
        r = await http.post(
            "/_sandbox/ccvshop/orders",
            json={
                "customer": {"email": "a@example.com", "country_code": "NL"},
                "rows": [{"productnumber": sku, "count": 3}],
                "status": 7,
                "paid": True,
            },
        )
        order = r.json()
        daemon = Daemon(settings)
        async with anyio.create_task_group() as tg:
            tg.start_soon(daemon.run)
            with anyio.fail_after(60):
                while True:
                    exact = (await http.get("/_sandbox/exact/state")).json()
                    if exact["invoices"]:
                        break
                    await anyio.sleep(0.1)
            assert daemon.services.shopify is None
            status = await build_status(daemon.services)
            daemon.stop.set()
    assert status["platform"] == "ccvshop"
    assert status["budgets"]["ccvshop"]["calls"] >= 2
    (invoice,) = exact["invoices"]
    assert invoice["YourRef"].startswith(order["ordernumber_full"])
    assert float(invoice["AmountFC"]) == float(order["total_price"]) == 30.0


def test_the_platform_needs_its_own_section(tmp_path):
    toml = tmp_path / "shopsync.toml"
    toml.write_text(
        '[shop]\nplatform = "ccvshop"\n'
        '[exact]\nclient_id = "x"\nclient_secret = "y"\n'
        '[mapping]\ndefault_warehouse = "AMS"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(toml)
    assert any("[ccvshop] section is required" in line for line in caught.value.problems)
    toml.write_text(toml.read_text().replace('"ccvshop"', '"woocommerce"'))
    with pytest.raises(ConfigError):
        load_settings(toml)
