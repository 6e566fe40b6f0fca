"""Multi-currency orders: every MoneyBag of the order carries shop and presentment money."""

from decimal import Decimal

import pytest

pytestmark = pytest.mark.anyio

VIEW = """query($id: ID!) { order(id: $id) { currencyCode presentmentCurrencyCode
  totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
  lineItems(first: 5) { nodes { originalUnitPriceSet { shopMoney { amount }
    presentmentMoney { amount currencyCode } } } }
  transactions(first: 5) { amountSet { presentmentMoney { amount currencyCode } } } } }"""


async def test_a_dollar_order_shows_euros_and_dollars_in_every_bag(shop):
    made = await shop.control(
        "POST",
        "/orders",
        {
            "lines": [{"sku": "SKU-00003", "quantity": 2}],
            "presentment_currency": "USD",
            "rate": "1.1",
        },
    )
    order = (await shop.gql(VIEW, {"id": made["order_id"]}))["data"]["order"]
    assert (order["currencyCode"], order["presentmentCurrencyCode"]) == ("EUR", "USD")
    total = order["totalPriceSet"]
    ours = Decimal(total["shopMoney"]["amount"])
    assert total["shopMoney"]["currencyCode"] == "EUR"
    assert total["presentmentMoney"] == {
        "amount": str((ours * Decimal("1.1")).quantize(Decimal("0.01"))),
        "currencyCode": "USD",
    }
    unit = order["lineItems"]["nodes"][0]["originalUnitPriceSet"]
    assert unit["presentmentMoney"]["currencyCode"] == "USD"
    (paid,) = order["transactions"]
    assert paid["amountSet"]["presentmentMoney"] == total["presentmentMoney"]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"presentment_currency": "usd", "rate": "1.1"}, "ISO 4217"),
        ({"presentment_currency": "USD", "rate": "0"}, "rate must be positive"),
        ({"presentment_currency": "USD"}, "rate"),
    ],
)
async def test_a_bad_presentment_currency_or_rate_is_refused(shop, extra, words):
    r = await shop.http.post(
        f"{shop.url}/_sandbox/shopify/orders",
        json={"lines": [{"sku": "SKU-00003", "quantity": 1}], **extra},
    )
    assert r.status_code == 422 and words in r.text
