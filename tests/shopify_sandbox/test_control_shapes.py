"""The control routes speak what real shops do: full addresses, partial fulfilment, payouts
with a date and a currency, and refuse what a shop would refuse."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = pytest.mark.anyio

ADDRESSES = """query($id: ID!) { order(id: $id) {
  shippingAddress { name firstName lastName company address1 address2 city zip province
    provinceCode country countryCodeV2 phone }
  billingAddress { name company address1 address2 city zip provinceCode countryCodeV2 phone }
} }"""
OFFICE = {
    "first_name": "Ann",
    "last_name": "de Vries",
    "company": "De Vries Tegels B.V.",
    "address1": "Keizersgracht 221",
    "address2": "3e verdieping",
    "city": "Amsterdam",
    "zip": "1016dv",
    "country_code": "NL",
    "phone": "+31 20 123 4567",
}
SKU = {"sku": "SKU-00001", "quantity": 1}


async def refused(shop, path: str, body: dict) -> str:
    r = await shop.http.post(f"{shop.url}/_sandbox/shopify{path}", json=body)
    assert r.status_code == 422, r.text
    return r.json()["error"]


async def test_orders_carry_full_shipping_and_billing_addresses(shop):
    store = {
        "name": "Bob Smith",
        "address1": "500 Market St",
        "city": "San Francisco",
        "province_code": "CA",
        "province": "California",
        "zip": "94105-1234",
        "country_code": "US",
    }
    made = await shop.control(
        "POST",
        "/orders",
        {"lines": [SKU], "shipping_address": store, "billing_address": OFFICE},
    )
    order = (await shop.gql(ADDRESSES, {"id": made["order_id"]}))["data"]["order"]
    assert order["shippingAddress"] == {
        "name": "Bob Smith",
        "firstName": "Bob",
        "lastName": "Smith",
        "company": None,
        "address1": "500 Market St",
        "address2": None,
        "city": "San Francisco",
        "zip": "94105-1234",
        "province": "California",
        "provinceCode": "CA",
        "country": "United States",
        "countryCodeV2": "US",
        "phone": None,
    }
    assert order["billingAddress"] == {
        "name": "Ann de Vries",
        "company": "De Vries Tegels B.V.",
        "address1": "Keizersgracht 221",
        "address2": "3e verdieping",
        "city": "Amsterdam",
        "zip": "1016 DV",  # stored as the Dutch write it
        "provinceCode": None,
        "countryCodeV2": "NL",
        "phone": "+31 20 123 4567",
    }


async def test_the_buyers_first_checkout_address_becomes_their_default_address(shop):
    made = await shop.control(
        "POST",
        "/orders",
        {"lines": [SKU], "customer": {"email": "ann@example.com"}, "shipping_address": OFFICE},
    )
    query = "query($id: ID!) { customer(id: $id) { defaultAddress { address1 zip city } } }"
    customer = (await shop.gql(query, {"id": made["customer_id"]}))["data"]["customer"]
    assert customer["defaultAddress"] == {
        "address1": "Keizersgracht 221",
        "zip": "1016 DV",
        "city": "Amsterdam",
    }


async def test_billing_is_the_shipping_address_when_none_is_given(shop):
    made = await shop.control("POST", "/orders", {"lines": [SKU], "shipping_address": OFFICE})
    order = (await shop.gql(ADDRESSES, {"id": made["order_id"]}))["data"]["order"]
    assert order["billingAddress"]["address2"] == "3e verdieping"


@pytest.mark.parametrize(
    ("address", "message"),
    [
        (
            OFFICE | {"zip": "101 DV"},
            "shipping_address.zip: Enter a valid postal code for Netherlands",
        ),
        (OFFICE | {"country_code": "DE"}, "Enter a valid postal code for Germany"),
        (OFFICE | {"country_code": "BE", "zip": "10000"}, "valid postal code for Belgium"),
        (
            OFFICE | {"country_code": "US", "zip": "94105"},
            "shipping_address.province_code: Select a state / province",
        ),
        (OFFICE | {"address1": " "}, "shipping_address.address1 can't be blank"),
        (OFFICE | {"street": "x"}, "unknown fields ['street']"),
    ],
)
async def test_an_address_a_shop_would_refuse_is_refused_and_nothing_is_stored(
    shop, address, message
):
    before = len(shop.sandbox.state.orders), len(shop.sandbox.state.customers)
    body = {"lines": [SKU], "shipping_address": address, "customer": {"email": "x@example.com"}}
    assert message in await refused(shop, "/orders", body)
    assert (len(shop.sandbox.state.orders), len(shop.sandbox.state.customers)) == before


FULFILMENTS = """query($id: ID!) { order(id: $id) { displayFulfillmentStatus
  fulfillments { fulfillmentLineItems(first: 10) { nodes { quantity lineItem { sku } } } }
  fulfillmentOrders(first: 5) { nodes { status
    lineItems(first: 10) { nodes { remainingQuantity lineItem { sku } } } } }
} }"""


async def test_fulfil_ships_chosen_lines_and_quantities_in_several_fulfilments(shop):
    made = await shop.control(
        "POST",
        "/orders",
        {"lines": [{"sku": "SKU-00001", "quantity": 3}, {"sku": "SKU-00002", "quantity": 2}]},
    )
    first = await shop.control(
        "POST",
        f"/orders/{made['order_id']}/fulfil",
        {"lines": [{"sku": "SKU-00001", "quantity": 1}]},
    )
    second = await shop.control(
        "POST",
        f"/orders/{made['order_id']}/fulfil",
        {
            "location": "AMS",
            "lines": [
                {"line_item_id": made["line_item_ids"][0], "quantity": 2},
                {"sku": "SKU-00002", "quantity": 1},
            ],
        },
    )
    assert len(first["fulfillment_ids"]) == len(second["fulfillment_ids"]) == 1
    order = (await shop.gql(FULFILMENTS, {"id": made["order_id"]}))["data"]["order"]
    shipped = [
        [(n["lineItem"]["sku"], n["quantity"]) for n in f["fulfillmentLineItems"]["nodes"]]
        for f in order["fulfillments"]
    ]
    assert shipped == [[("SKU-00001", 1)], [("SKU-00001", 2), ("SKU-00002", 1)]]
    assert order["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    remaining = {
        n["lineItem"]["sku"]: n["remainingQuantity"]
        for fo in order["fulfillmentOrders"]["nodes"]
        for n in fo["lineItems"]["nodes"]
    }
    assert remaining == {"SKU-00001": 0, "SKU-00002": 1}


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{"sku": "SKU-00001", "quantity": 4}], "Invalid fulfillment order line item quantity"),
        (
            [{"sku": "SKU-00001", "quantity": 2}, {"sku": "SKU-00001", "quantity": 2}],
            "(2; 1 left to fulfil)",
        ),
        ([{"sku": "SKU-00009", "quantity": 1}], "has no such line"),
        ([{"sku": "SKU-00001", "quantity": 1}, {"sku": "SKU-00002"}], "different locations"),
        ([{"gift_card": True}], "has no such line"),
        ([], "non-empty list"),
    ],
)
async def test_fulfil_refuses_what_shopify_refuses_and_ships_nothing(shop, lines, message):
    made = await shop.control(
        "POST",
        "/orders",
        {
            "lines": [
                {"sku": "SKU-00001", "quantity": 3},
                {"sku": "SKU-00002", "quantity": 1, "location": "RTM"},
            ]
        },
    )
    path = f"/orders/{made['order_id']}/fulfil"
    assert message in await refused(shop, path, {"lines": lines})
    assert shop.sandbox.state.fulfillments == {}


PAYOUTS = """{ shopifyPaymentsAccount { balance { amount currencyCode }
  payouts(first: 10) { nodes { issuedAt net { amount currencyCode } } } } }"""


async def test_payouts_have_their_date_and_currency_and_take_only_their_currency(shop):
    await shop.control("POST", "/orders", {"lines": [SKU]})  # a EUR charge, pending
    usd = await shop.control(
        "POST",
        "/payouts",
        {
            "currency": "usd",
            "date": "2026-03-02",
            "include_pending": False,
            "transactions": [{"type": "ADJUSTMENT", "amount": "40.00"}],
        },
    )
    account = (await shop.gql(PAYOUTS))["data"]["shopifyPaymentsAccount"]
    # Issued 06:00 in the shop's zone (Amsterdam, UTC+1 in March); the EUR charge still waits.
    assert account["payouts"]["nodes"] == [
        {"issuedAt": "2026-03-02T05:00:00Z", "net": {"amount": "40.00", "currencyCode": "USD"}}
    ]
    assert [b["currencyCode"] for b in account["balance"]] == ["EUR"]
    assert usd["currency"] == "USD"
    # A payout dated before the charge leaves it pending: nothing in EUR to pay out then.
    assert "no pending EUR balance transactions" in await refused(
        shop, "/payouts", {"date": "2026-03-01"}
    )
    eur = await shop.control("POST", "/payouts", {})
    assert eur["currency"] == "EUR" and Decimal(eur["net"]) > 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"currency": "US"}, "currency must be an ISO 4217 code"),
        ({"date": "02-03-2026"}, "date must be YYYY-MM-DD"),
        ({"date": "2026-03-02T06:00:00"}, "needs its offset"),
        ({"currency": "GBP"}, "no pending GBP balance transactions"),
    ],
)
async def test_a_payout_with_a_bad_date_or_currency_is_refused(shop, body, message):
    await shop.control("POST", "/orders", {"lines": [SKU]})
    assert message in await refused(shop, "/payouts", body)
    assert shop.sandbox.state.payouts == {}
