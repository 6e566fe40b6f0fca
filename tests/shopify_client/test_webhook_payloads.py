"""REST-shaped webhook bodies become the ids and timestamps a flow needs to re-read the resource."""

import datetime as dt
import json

import pytest

from connectors.errors import PermanentError
from connectors.shopify.webhook_payloads import gid_to_id, parse_webhook

UTC = dt.UTC


def test_order_webhook_names_the_order_and_when_it_changed():
    body = json.dumps(
        {
            "id": 820982911946154508,
            "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
            "name": "#1001",
            "total_price": "199.65",
            "updated_at": "2026-11-22T12:00:00+01:00",
        }
    ).encode()
    event = parse_webhook("orders/create", body)
    assert event.resource_gid == "gid://shopify/Order/820982911946154508"
    assert event.resource_id == 820982911946154508
    assert event.updated_at == dt.datetime(2026, 11, 22, 11, 0, tzinfo=UTC)


def test_refund_webhook_without_graphql_id_still_names_refund_and_order():
    event = parse_webhook(
        "refunds/create",
        {"id": 929361464, "order_id": 450789469, "created_at": "2026-11-22T10:00:00Z"},
    )
    assert event.resource_gid == "gid://shopify/Refund/929361464"
    assert event.order_gid == "gid://shopify/Order/450789469"
    assert event.updated_at == dt.datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_inventory_level_webhook_names_item_and_location():
    event = parse_webhook(
        "inventory_levels/update",
        {
            "inventory_item_id": 271878346596884015,
            "location_id": 24826418,
            "available": 6,
            "updated_at": "2026-11-22T10:00:00-05:00",
        },
    )
    assert event.inventory_item_gid == "gid://shopify/InventoryItem/271878346596884015"
    assert event.location_gid == "gid://shopify/Location/24826418"
    assert event.updated_at == dt.datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def test_body_that_is_not_json_is_a_permanent_error():
    with pytest.raises(PermanentError):
        parse_webhook("orders/create", b"<html>")


def test_gid_to_legacy_id():
    assert gid_to_id("gid://shopify/ShopifyPaymentsPayout/623721858") == 623721858
