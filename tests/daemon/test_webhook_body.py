"""A stored webhook body that cannot be used is refused in plain words, without recursion."""

from __future__ import annotations

import json

import pytest

from connectors.errors import PermanentError
from daemon.flows.orders.jobs import route_fulfillment_webhook, route_order_webhook
from daemon.flows.refunds.jobs import route_refund_webhook
from daemon.flows.stock.sync import route_inventory_level
from daemon.flows.webhook_body import MAX_DEPTH, nesting_depth, parse_body


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{}".encode("utf-16"), "body is not UTF-8 text"),
        (b'{"id": 1, "name": "caf\xe9"}', "body is not UTF-8 text"),
        (b"{not json", "body is not JSON"),
        (b'{"id": NaN}', "body is not JSON"),
        (b'{"id": 1} trailing', "body is not JSON"),
        (b"", "body is empty"),
        (b"[1, 2]", "body is a JSON array, not an object"),
        (b'"text"', "body is a JSON string, not an object"),
        (b"null", "body is a JSON null, not an object"),
        (b"[" * 5000 + b"]" * 5000, f"nested deeper than {MAX_DEPTH} levels (5000)"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested deeper than 64 levels"),
        (b"[" * 100_000, "nested deeper than 64 levels"),  # not even closed
        (b'{"pad": "' + b"x" * 3000 + b'"}', "over the 2,048 limit"),
    ],
)
def test_an_unusable_body_is_refused_saying_why(raw, reason):
    with pytest.raises(PermanentError, match=None) as caught:
        parse_body(raw, max_bytes=2048 if len(raw) < 10_000 else 10**7)
    assert reason in str(caught.value)
    assert "replay" in caught.value.hint or "Ignore" in caught.value.hint


def test_depth_counts_brackets_outside_strings_only():
    assert nesting_depth('{"a": "[[[[{{{{", "b": [1, {"c": "\\"]]]"}]}') == 3
    assert nesting_depth(json.dumps({"x": "[" * 500})) == 1
    deep_but_fine = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert parse_body("{" + f'"a": {deep_but_fine}' + "}") == {"a": json.loads(deep_but_fine)}


def test_a_real_order_body_passes():
    body = {"id": 450789469, "line_items": [{"id": 1, "properties": [{"name": "[x]"}]}]}
    assert parse_body(json.dumps(body).encode()) == body


@pytest.mark.parametrize(
    ("route", "body", "reason"),
    [
        (route_order_webhook, {}, "order id is missing"),
        (route_order_webhook, {"id": "12abc"}, "order id is not a number (id is a JSON string)"),
        (route_order_webhook, {"id": True}, "order id is not a number (id is a boolean)"),
        (route_order_webhook, {"id": 1.5}, "order id is not a whole number"),
        (route_order_webhook, {"id": -4}, "order id is out of range"),
        (route_order_webhook, {"id": [1]}, "order id is not a number (id is a JSON array)"),
        (
            route_order_webhook,
            {"admin_graphql_api_id": "gid://shopify/Refund/1"},
            "not a Shopify Order id",
        ),
        (route_refund_webhook, {"id": 5}, "order id is missing (order_id)"),
        (route_refund_webhook, {"id": {}, "order_id": 1}, "refund id is not a number"),
        (route_fulfillment_webhook, {"id": 9, "order_id": "x"}, "order id is not a number"),
        (
            route_fulfillment_webhook,
            {"id": 9, "order_id": 1, "line_items": [{"id": 2, "quantity": "two"}]},
            "fulfillment line quantity is not a number",
        ),
        (route_fulfillment_webhook, {"id": 9, "order_id": 1, "line_items": 3}, "not a list"),
        (route_inventory_level, {"location_id": 1}, "inventory item id is missing"),
        (
            route_inventory_level,
            {"inventory_item_id": 1, "location_id": 2, "available": "7"},
            "available is not a whole number",
        ),
    ],
)
def test_a_route_names_the_id_it_cannot_use(route, body, reason):
    with pytest.raises(PermanentError) as caught:
        route(body)
    assert reason in str(caught.value)


def test_ids_as_digits_or_graphql_ids_route_as_before():
    assert route_order_webhook({"id": "450789469"})[0][1] == "order:450789469"
    gid = "gid://shopify/Order/450789469"
    assert route_order_webhook({"admin_graphql_api_id": gid, "id": 1})[0][2] == {"order_id": gid}
