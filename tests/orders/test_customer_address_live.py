"""A new buyer's Exact account carries the order's billing address: street, postcode, city,
country and, where the country has them, the province (Exact's State)."""

from __future__ import annotations

import pytest

from daemon.flows.orders.jobs import sync_order
from tests.orders.conftest import order_env

pytestmark = pytest.mark.anyio


async def exported_account(env, body: dict) -> dict:
    made = await env.shop_control("POST", "/orders", body)
    await sync_order(env.services, made["order_id"])
    link = await env.services.links.get("order", f"{made['order_id']}:AMS")
    [account] = [
        a for a in (await env.exact_state())["accounts"] if a["ID"] == link.data["account"]
    ]
    return account


async def test_a_new_account_gets_the_billing_address_not_the_shipping_one(tmp_path):
    async with order_env(tmp_path) as env:
        account = await exported_account(
            env,
            {
                "lines": [{"sku": env.shop.state.catalogue.products[0].sku, "quantity": 1}],
                "customer": {"email": "ann@tegels.example", "company": "De Vries Tegels B.V."},
                "billing_address": {
                    "first_name": "Ann",
                    "last_name": "de Vries",
                    "company": "De Vries Tegels B.V.",
                    "address1": "Keizersgracht 221",
                    "address2": "3e verdieping",
                    "city": "Amsterdam",
                    "zip": "1016DV",
                    "country_code": "NL",
                    "phone": "+31 20 123 4567",
                },
                "shipping_address": {
                    "name": "Magazijn De Vries",
                    "address1": "Havenweg 4",
                    "city": "Zaandam",
                    "zip": "1505 HZ",
                    "country_code": "NL",
                },
            },
        )
    assert {
        k: account[k] for k in ("Name", "AddressLine1", "AddressLine2", "Postcode", "City")
    } == {
        "Name": "De Vries Tegels B.V.",
        "AddressLine1": "Keizersgracht 221",
        "AddressLine2": "3e verdieping",
        "Postcode": "1016 DV",
        "City": "Amsterdam",
    }
    assert (account["Country"], account["State"], account["Phone"]) == (
        "NL",
        None,
        "+31 20 123 4567",
    )


async def test_a_buyer_abroad_gets_the_province_as_exacts_state(tmp_path):
    async with order_env(tmp_path) as env:
        account = await exported_account(
            env,
            {
                "lines": [{"sku": env.shop.state.catalogue.products[0].sku, "quantity": 1}],
                "customer": {"email": "bob@example.com", "first_name": "Bob", "last_name": "Smith"},
                "billing_address": {
                    "name": "Bob Smith",
                    "address1": "500 Market St",
                    "city": "San Francisco",
                    "province_code": "CA",
                    "zip": "94105",
                    "country_code": "US",
                },
            },
        )
    assert (account["AddressLine1"], account["Postcode"], account["City"]) == (
        "500 Market St",
        "94105",
        "San Francisco",
    )
    assert (account["Country"], account["State"]) == ("US", "CA")
