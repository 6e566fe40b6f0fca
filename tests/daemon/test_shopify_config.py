"""[shopify] auth: new setups default to client credentials, old ones keep their static token,
and the client secret signs webhooks unless the config says otherwise."""

from __future__ import annotations

import datetime as dt

import pytest

from daemon.config import ConfigError, load_settings
from daemon.shopify_scopes import missing_scopes, needed

BASE = {
    "exact": {"client_id": "c", "client_secret": "exact-secret-1"},
    "mapping": {"default_warehouse": "AMS"},
}
SHOP = "https://my-shop.myshopify.com"


def _load(**shopify):
    return load_settings(None, shopify={"shop_url": SHOP, **shopify}, **BASE)


def test_a_new_setup_uses_client_credentials_and_one_secret_for_tokens_and_webhooks():
    s = _load(client_id="cid", client_secret="shpss_one_secret").shopify
    assert (s.auth, s.webhook_key) == ("client_credentials", "client_secret")
    assert s.webhook_secret.get_secret_value() == "shpss_one_secret"


def test_an_existing_setup_with_only_an_access_token_keeps_working():
    s = _load(access_token="shpat_old", webhook_secret="old-webhook-key").shopify
    assert (s.auth, s.webhook_key) == ("access_token", "webhook_secret")
    assert s.webhook_secret.get_secret_value() == "old-webhook-key"


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ({"auth": "client_credentials", "client_id": "cid"}, "shopify.client_secret"),
        ({"auth": "authorization_code", "client_secret": "s3cret-x"}, "shopify.client_id"),
        ({"access_token": "shpat_x"}, "shopify.webhook_secret (credential shopify_webhook_secret)"),
    ],
)
def test_a_missing_credential_is_named_with_its_file(given, words):
    with pytest.raises(ConfigError) as caught:
        _load(**given)
    assert words in str(caught.value)
    assert "s3cret-x" not in str(caught.value)


def test_two_different_signing_secrets_are_refused_rather_than_guessed():
    with pytest.raises(ConfigError, match="remove the shopify_webhook_secret credential"):
        _load(client_id="cid", client_secret="shpss_a", webhook_secret="another-secret")
    # An admin-created app's own webhook key, chosen explicitly, is fine.
    s = _load(
        client_id="cid",
        client_secret="shpss_a",
        webhook_secret="wh-key",
        webhook_key="webhook_secret",
    ).shopify
    assert s.webhook_secret.get_secret_value() == "wh-key"


def test_missing_scopes_name_the_flows_they_block_and_backfill_needs_all_orders():
    settings = load_settings(
        None,
        shopify={"shop_url": SHOP, "client_id": "c", "client_secret": "shpss_a"},
        orders={"start_date": "2026-01-01"},
        gift_cards={"enabled": False},
        **BASE,
    )
    today = dt.date(2026, 12, 5)
    assert "read_gift_cards" not in needed(settings, today)  # its flow is off
    granted = {"read_orders", "read_products", "write_inventory", "read_locations"}
    lines = missing_scopes(granted, settings, today)
    assert "shopify: access scope read_all_orders is not granted; it blocks orders backfill" in (
        "\n".join(lines)
    )
    assert (
        "shopify: access scope read_shopify_payments_payouts is not granted; it blocks payouts"
        in lines
    )
    assert "shopify: access scope read_customers is not granted; it blocks orders, refunds" in lines
    assert not any("read_inventory" in line for line in lines)  # write_inventory includes it
    recent = load_settings(
        None,
        shopify={"shop_url": SHOP, "client_id": "c", "client_secret": "shpss_a"},
        orders={"start_date": "2026-11-01"},
        **BASE,
    )
    assert "read_all_orders" not in needed(recent, today)
