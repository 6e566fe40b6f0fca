"""The sandbox's unconfirmed-fact settings and its control door refuse what they cannot mean."""

from __future__ import annotations

import pytest

from connectors.ccvshop.sandbox.settings import SettingError, Settings

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "change",
    [
        {"page_size": 10},  # no such setting
        {"oversize_page": "truncate"},
        {"auth_failure_status": 400},
        {"page_size_cap": 0},
        {"page_size_cap": "100"},
        {"credit_invoice_sign": "minus"},
        {"webhook_events": "orders.created"},
    ],
)
def test_settings_refuse_values_they_do_not_know(change):
    settings = Settings()
    with pytest.raises(SettingError):
        settings.update(change)
    assert settings == Settings()  # nothing half-applied


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("orders", {"rows": []}),
        ("orders", {"rows": [{"productnumber": "NOPE", "count": 1}], "customer": {}}),
        ("customers", {"email": "x@example.com"}),  # no country
        ("products", {"productnumber": "A", "name": "A"}),  # no price
        ("faults", {"burst_429": "lots"}),
        ("settings", {"oversize_page": "truncate"}),
        ("orders/1/status", {"status": 3}),
    ],
)
async def test_control_door_refuses_incomplete_requests(ccv, route, body):
    async with ccv() as run:
        r = await run.http.post(f"http://myshop.ccvshop.test/_sandbox/ccvshop/{route}", json=body)
        assert r.status_code == 400
        assert r.json()["error"]


async def test_credit_beyond_the_ordered_count_is_refused(ccv):
    async with ccv() as run:
        [product] = await run.seed_products(1)
        order = await run.control(
            "orders",
            {
                "customer": {"email": "a@example.com", "country_code": "NL"},
                "rows": [{"product_id": product["id"], "count": 1}],
            },
        )
        [row] = await run.client.order_rows(order["id"])
        r = await run.http.post(
            f"http://myshop.ccvshop.test/_sandbox/ccvshop/orders/{order['id']}/credit_invoice",
            json={"rows": [{"orderrow_id": row.id, "count": 2}]},
        )
        assert r.status_code == 400
