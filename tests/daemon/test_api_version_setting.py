"""[shopify] api_version: one setting, by default the vendored schema's; the client uses it."""

from __future__ import annotations

from connectors.shopify.client import ShopifyClient
from connectors.shopify.version import SCHEMA_VERSION
from daemon.config import load_settings
from daemon.config_check import shopify_version_warnings
from tests.support.daemon_proc import SECRETS, write_config


def _settings(tmp_path, **shopify):
    section = {
        "shop_url": "https://my-shop.myshopify.com",
        "access_token": SECRETS["access_token"],
        "webhook_secret": SECRETS["webhook_secret"],
        **shopify,
    }
    return load_settings(write_config(tmp_path, shopify=section))


def test_the_default_is_the_vendored_schemas_version_and_the_client_asks_for_it(tmp_path):
    s = _settings(tmp_path)
    assert s.shopify.api_version == SCHEMA_VERSION == "2026-01"
    client = ShopifyClient(s.shopify.shop_url, "token", api_version=s.shopify.api_version)
    assert client.endpoint == "https://my-shop.myshopify.com/admin/api/2026-01/graphql.json"
    assert shopify_version_warnings(s) == []


def test_another_version_is_used_but_config_check_says_nothing_validated_it(tmp_path):
    s = _settings(tmp_path, api_version="2026-04")
    client = ShopifyClient(s.shopify.shop_url, "token", api_version=s.shopify.api_version)
    assert "/admin/api/2026-04/" in client.endpoint
    [warning] = shopify_version_warnings(s)
    assert warning.startswith("shopify.api_version: 2026-04 is not 2026-01")
