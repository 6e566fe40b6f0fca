"""`shopsync config check` for a CCV shop: the key pair is tried live, Shopify is not asked."""

from __future__ import annotations

import sys

import anyio
import pytest

from connectors.sandbox import Sandboxes
from daemon.config import load_settings
from daemon.demo import authorize_exact
from daemon.demo_ccvshop import ccv_demo_config
from daemon.serving import running_server

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def _check(config) -> tuple[int, str, str]:
    result = await anyio.run_process(
        [sys.executable, "-m", "daemon.cli", "config", "check", "--config", str(config)],
        check=False,
    )
    return result.returncode, result.stdout.decode(), result.stderr.decode()


async def test_config_check_tries_the_ccv_key_and_names_a_wrong_one(tmp_path):
    sb = Sandboxes(products=5)
    async with running_server(sb.app, lifespan="on") as url:
        config = ccv_demo_config(tmp_path, url, sb)
        await authorize_exact(load_settings(config), url)
        code, out, err = await _check(config)
        assert code == 0, err
        assert f"config file ok: ccvshop shop {url}" in out and "live check ok" in out
        secret = sb.credentials.ccvshop_secret
        config.write_text(config.read_text().replace(secret, "not-the-secret"))
        code, out, err = await _check(config)
    assert code == 1
    assert "ccvshop: cannot read orders" in err and "API settings" in err


async def test_webhooks_sync_leaves_shopify_alone_for_a_ccv_shop(tmp_path):
    from tests.support.daemon_proc import write_config

    config = write_config(
        tmp_path,
        shop={"platform": "ccvshop"},
        ccvshop={"api_root": "http://127.0.0.1:9", "public_key": "p", "secret": "s"},
        ingress={"public_url": "https://sync.example.com"},
    )
    result = await anyio.run_process(
        [sys.executable, "-m", "daemon.cli", "webhooks", "sync", "--config", str(config)],
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert "shopify" not in result.stdout.decode()
