"""When an order is exported, and which Exact lines a Shopify fulfilment delivers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from daemon.flows.orders.decide import Action, decide
from daemon.flows.orders.fulfilment import (
    OpenLine,
    delivery_date,
    delivery_marker,
    plan_delivery,
)
from daemon.flows.orders.jobs import route_fulfillment_webhook, route_order_webhook
from tests.orders.factory import line, order, settings

D = Decimal


def _order(**changes):
    o = order([line("SKU-00001", 1, "10.00")])
    return o.model_copy(update=changes)


CANCELLED = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("changes", "config", "exported", "action"),
    [
        ({}, {}, False, Action.EXPORT),
        ({"display_financial_status": "PENDING"}, {}, False, Action.WAIT),
        ({"display_financial_status": "PENDING"}, {"export_on": "created"}, False, Action.EXPORT),
        (
            {"display_fulfillment_status": "UNFULFILLED"},
            {"export_on": "fulfilled"},
            False,
            Action.WAIT,
        ),
        (
            {"display_fulfillment_status": "FULFILLED"},
            {"export_on": "fulfilled"},
            False,
            Action.EXPORT,
        ),
        ({}, {"start_date": "2026-12-01"}, False, Action.SKIP),
        ({}, {}, True, Action.DONE),
        ({"cancelled_at": CANCELLED}, {}, False, Action.SKIP),
        ({"cancelled_at": CANCELLED}, {}, True, Action.REVERSE),
        ({"cancelled_at": CANCELLED}, {"on_cancel_after_export": "flag"}, True, Action.FLAG),
    ],
)
def test_order_is_exported_at_the_configured_moment(changes, config, exported, action):
    got, why = decide(_order(**changes), settings(**config), exported=exported)
    assert got is action and why


def test_backfill_exports_orders_from_before_the_start_date():
    got, _ = decide(_order(), settings(start_date="2026-12-01"), exported=False, backfill=True)
    assert got is Action.EXPORT


def test_every_order_topic_becomes_one_export_job_keyed_by_order():
    body = {
        "id": 820982911946154508,
        "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
    }
    assert route_order_webhook(body) == [
        (
            "orders.export",
            "order:820982911946154508",
            {"order_id": "gid://shopify/Order/820982911946154508"},
        )
    ]


def test_fulfilment_webhook_carries_its_lines_and_location():
    body = {
        "id": 7,
        "order_id": 5,
        "location_id": 3,
        "created_at": "2026-05-04T00:30:00+02:00",
        "line_items": [{"id": 11, "quantity": 2}],
    }
    ((kind, key, payload),) = route_fulfillment_webhook(body)
    assert (kind, key) == ("orders.fulfilment", "fulfillment:7")
    assert payload["lines"] == [["gid://shopify/LineItem/11", 2]]
    assert payload["order_id"] == "gid://shopify/Order/5"
    assert payload["created_at"] == "2026-05-04T00:30:00+02:00"


def test_goods_delivery_date_is_the_fulfilments_day_in_the_shops_time_zone():
    amsterdam = ZoneInfo("Europe/Amsterdam")
    now = dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC)
    # 00:30 in Amsterdam is still the day before in UTC: Exact must get the shop's day.
    assert delivery_date("2026-05-03T22:30:00Z", amsterdam, now) == dt.date(2026, 5, 4)
    assert delivery_date("2026-05-04T00:30:00+02:00", amsterdam, now) == dt.date(2026, 5, 4)
    assert delivery_date("2026-05-04T00:30:00+02:00", ZoneInfo("America/New_York"), now) == (
        dt.date(2026, 5, 3)
    )
    assert delivery_date(None, amsterdam, now) == dt.date(2026, 5, 10)  # an old job: today


def test_goods_delivery_marker_is_one_per_fulfilment_and_warehouse():
    fid = "gid://shopify/Fulfillment/123456789"
    marker = delivery_marker("#1001", "AMS", fid)
    assert marker == "Shopify fulfilment #1001/AMS/F123456789"
    assert marker == delivery_marker("#1001", "AMS", fid)  # a retry finds the same delivery
    assert marker != delivery_marker("#1001", "RTM", fid)
    assert marker != delivery_marker("#1001", "AMS", "gid://shopify/Fulfillment/123456780")


def test_delivery_takes_units_from_the_fulfilment_location_first_and_never_overdelivers():
    open_lines = {
        "AMS": [OpenLine("a1", "L1", D(2)), OpenLine("a2", "L2", D(1))],
        "RTM": [OpenLine("r1", "L1", D(1))],
    }
    plan = plan_delivery([("L1", 3), ("L2", 5)], open_lines, preferred="RTM")
    assert plan == {"RTM": [("r1", D(1))], "AMS": [("a1", D(2)), ("a2", D(1))]}
