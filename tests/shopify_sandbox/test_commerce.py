"""Orders, refunds, returns, gift cards, store credit, payouts and bulk reads, seen by a client."""

from decimal import Decimal

import httpx
import pytest

pytestmark = pytest.mark.anyio

ORDER = """query($id: ID!) { order(id: $id) {
  name taxesIncluded displayFinancialStatus displayFulfillmentStatus cancelledAt
  totalPriceSet { shopMoney { amount currencyCode } }
  totalTipReceivedSet { shopMoney { amount } }
  shippingAddress { countryCodeV2 } billingAddress { countryCodeV2 company }
  customer { email }
  lineItems(first: 10) { nodes { sku quantity isGiftCard
    originalUnitPriceSet { shopMoney { amount } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } } }
    taxLines { rate priceSet { shopMoney { amount } } } } }
  shippingLines(first: 5) { nodes { title originalPriceSet { shopMoney { amount } } } }
  transactions { kind gateway status amountSet { shopMoney { amount } } }
  fulfillmentOrders(first: 5) { nodes { status assignedLocation { name } } }
  refunds { id totalRefundedSet { shopMoney { amount } }
    refundLineItems(first: 5) { nodes { quantity restockType lineItem { sku } } }
    transactions(first: 5) { nodes { gateway kind amountSet { shopMoney { amount } } } } }
} }"""


def num(gid: str) -> str:
    return gid.rsplit("/", 1)[1]


def amount(money) -> Decimal:
    return Decimal(money["shopMoney"]["amount"])


async def test_an_order_paid_partly_by_gift_card_shows_both_gateways(shop):
    card = await shop.control("POST", "/gift_cards", {"amount": "10.00"})
    created = await shop.control(
        "POST",
        "/orders",
        {
            "lines": [
                {"sku": "SKU-00001", "quantity": 1, "location": "RTM"},
                {"sku": "SKU-00002", "quantity": 2},
            ],
            "customer": {"email": "buyer@example.com"},
            "shipping": {"title": "Standard", "price": "4.95"},
            "discount": {"amount": "3.00", "title": "WELCOME"},
            "tip": "1.50",
            "gift_card_payment": {"gift_card_id": card["gift_card_id"], "amount": "10.00"},
        },
    )
    order = (await shop.gql(ORDER, {"id": created["order_id"]}))["data"]["order"]
    assert order["displayFinancialStatus"] == "PAID"
    assert order["taxesIncluded"] is True
    gateways = {
        t["gateway"]: Decimal(t["amountSet"]["shopMoney"]["amount"]) for t in order["transactions"]
    }
    assert gateways["gift_card"] == Decimal("10.00")
    total = amount(order["totalPriceSet"])
    assert gateways["gift_card"] + gateways["shopify_payments"] == total
    lines = order["lineItems"]["nodes"]
    allocated = sum(
        amount(a["allocatedAmountSet"]) for x in lines for a in x["discountAllocations"]
    )
    assert allocated == Decimal("3.00")
    gross = sum(amount(x["originalUnitPriceSet"]) * x["quantity"] for x in lines)
    assert total == gross - Decimal("3.00") + Decimal("4.95") + Decimal("1.50")
    assert {n["assignedLocation"]["name"] for n in order["fulfillmentOrders"]["nodes"]} == {
        "Rotterdam store",
        "Amsterdam warehouse",
    }
    state = await shop.control("GET", "/state")
    assert state["gift_cards"][0]["balance"] == "0.00"
    apps = await shop.gql(
        """query($id: ID!) { order(id: $id) { discountApplications(first: 5) {
        nodes { allocationMethod ... on ManualDiscountApplication { title
        value { ... on MoneyV2 { amount currencyCode } } } } } } }""",
        {"id": created["order_id"]},
    )
    assert apps["data"]["order"]["discountApplications"]["nodes"] == [
        {
            "allocationMethod": "ACROSS",
            "title": "WELCOME",
            "value": {"amount": "3.00", "currencyCode": "EUR"},
        }
    ]


async def test_b2b_order_to_another_eu_country_carries_no_vat(shop):
    created = await shop.control(
        "POST",
        "/orders",
        {
            "lines": [{"sku": "SKU-00001", "quantity": 1}],
            "shipping_country": "BE",
            "customer": {
                "email": "b2b@example.com",
                "company": "Acme BV",
                "vat_number": "BE0123456789",
            },
        },
    )
    order = (await shop.gql(ORDER, {"id": created["order_id"]}))["data"]["order"]
    assert order["lineItems"]["nodes"][0]["taxLines"] == []
    assert order["billingAddress"] == {"countryCodeV2": "BE", "company": "Acme BV"}


async def test_refund_to_store_credit_with_a_bonus_credits_the_customer(shop):
    created = await shop.control(
        "POST",
        "/orders",
        {"lines": [{"sku": "SKU-00005", "quantity": 2}], "email": "credit@example.com"},
    )
    await shop.control("POST", f"/orders/{num(created['order_id'])}/fulfil", {})
    refund = await shop.control(
        "POST",
        f"/orders/{num(created['order_id'])}/refunds",
        {
            "lines": [{"sku": "SKU-00005", "quantity": 1, "restock": True}],
            "to": "store_credit",
            "bonus": "5.00",
        },
    )
    order = (await shop.gql(ORDER, {"id": created["order_id"]}))["data"]["order"]
    assert order["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    r = order["refunds"][0]
    assert r["refundLineItems"]["nodes"][0]["restockType"] == "RETURN"
    tx = r["transactions"]["nodes"][0]
    assert tx["gateway"] == "shopify_store_credit"
    out = await shop.gql(
        """query($id: ID!) { storeCreditAccount(id: $id) {
        balance { amount currencyCode } transactions(first: 5) { nodes {
        amount { amount } event } } } }""",
        {"id": refund["store_credit_account_id"]},
    )
    account = out["data"]["storeCreditAccount"]
    refunded = Decimal(tx["amountSet"]["shopMoney"]["amount"])
    assert Decimal(account["balance"]["amount"]) == refunded + Decimal("5.00")
    assert [n["event"] for n in account["transactions"]["nodes"]] == ["ORDER_REFUND", "ADJUSTMENT"]


async def test_refunding_more_than_was_paid_is_refused(shop):
    created = await shop.control(
        "POST",
        "/orders",
        {"lines": [{"sku": "SKU-00005", "quantity": 1}], "financial_status": "pending"},
    )
    r = await shop.http.post(
        f"{shop.url}/_sandbox/shopify/orders/{num(created['order_id'])}/refunds",
        json={"lines": [{"sku": "SKU-00005", "quantity": 1}]},
    )
    assert r.status_code == 422
    assert "exceeds" in r.json()["error"]


async def test_cancel_refunds_the_payment_and_restocks(shop):
    state = await shop.control("GET", "/state")
    before = next(
        r for r in state["inventory"] if r["sku"] == "SKU-00006" and r["location"] == "AMS"
    )["available"]
    created = await shop.control(
        "POST", "/orders", {"lines": [{"sku": "SKU-00006", "quantity": 3, "location": "AMS"}]}
    )
    await shop.control("POST", f"/orders/{num(created['order_id'])}/cancel", {"reason": "customer"})
    order = (await shop.gql(ORDER, {"id": created["order_id"]}))["data"]["order"]
    assert order["cancelledAt"] is not None
    assert order["displayFinancialStatus"] == "REFUNDED"
    state = await shop.control("GET", "/state")
    after = next(
        r for r in state["inventory"] if r["sku"] == "SKU-00006" and r["location"] == "AMS"
    )
    assert after["available"] == before and after["committed"] == 0


async def test_a_return_goes_requested_open_closed(shop):
    created = await shop.control(
        "POST", "/orders", {"lines": [{"sku": "SKU-00007", "quantity": 1}]}
    )
    await shop.control("POST", f"/orders/{num(created['order_id'])}/fulfil", {})
    ret = await shop.control(
        "POST",
        f"/orders/{num(created['order_id'])}/returns",
        {"lines": [{"sku": "SKU-00007", "quantity": 1, "reason": "defective"}]},
    )
    rid = num(ret["return_id"])
    await shop.control("POST", f"/returns/{rid}/approve")
    await shop.control("POST", f"/returns/{rid}/close")
    out = await shop.gql(
        """query($id: ID!) { return(id: $id) { status name
        returnLineItems(first: 5) { nodes { quantity returnReason
        ... on ReturnLineItem { fulfillmentLineItem { lineItem { sku } } } } } } }""",
        {"id": ret["return_id"]},
    )
    assert out["data"]["return"]["status"] == "CLOSED"
    line = out["data"]["return"]["returnLineItems"]["nodes"][0]
    assert line["returnReason"] == "DEFECTIVE"
    assert line["fulfillmentLineItem"]["lineItem"]["sku"] == "SKU-00007"


async def test_a_payouts_balance_transactions_add_up_to_its_net(shop):
    for sku in ("SKU-00008", "SKU-00009"):
        created = await shop.control("POST", "/orders", {"lines": [{"sku": sku, "quantity": 1}]})
    await shop.control(
        "POST",
        f"/orders/{num(created['order_id'])}/refunds",
        {"lines": [{"sku": "SKU-00009", "quantity": 1}]},
    )
    payout = await shop.control(
        "POST",
        "/payouts",
        {
            "transactions": [
                {"type": "DISPUTE_WITHDRAWAL", "amount": "-20.00", "reason": "chargeback"},
                {"type": "CHARGEBACK_FEE", "amount": "-15.00"},
                {"type": "RESERVED_FUNDS", "amount": "-5.00"},
                {"type": "ADJUSTMENT", "amount": "1.25"},
            ]
        },
    )
    out = await shop.gql(
        """query($q: String) { shopifyPaymentsAccount {
        payouts(first: 5) { nodes { id status net { amount } summary {
          chargesGross { amount } chargesFee { amount } refundsFeeGross { amount }
          refundsFee { amount } adjustmentsGross { amount } adjustmentsFee { amount }
          reservedFundsGross { amount } reservedFundsFee { amount }
          retriedPayoutsGross { amount } retriedPayoutsFee { amount } } } }
        balanceTransactions(first: 50, query: $q) { nodes { type amount { amount }
          fee { amount } net { amount } associatedPayout { id } } } } }""",
        {"q": f"payout_id:{num(payout['payout_id'])}"},
    )
    account = out["data"]["shopifyPaymentsAccount"]
    p = account["payouts"]["nodes"][0]
    net = Decimal(p["net"]["amount"])
    txs = account["balanceTransactions"]["nodes"]
    assert {t["type"] for t in txs} == {
        "CHARGE",
        "REFUND",
        "DISPUTE_WITHDRAWAL",
        "CHARGEBACK_FEE",
        "RESERVED_FUNDS",
        "ADJUSTMENT",
        "TRANSFER",
    }
    moved = [t for t in txs if t["type"] != "TRANSFER"]
    assert sum(Decimal(t["net"]["amount"]) for t in moved) == net
    assert sum(Decimal(t["amount"]["amount"]) - Decimal(t["fee"]["amount"]) for t in moved) == net
    s = {k: Decimal(v["amount"]) for k, v in p["summary"].items()}
    by_summary = (
        s["chargesGross"]
        - s["chargesFee"]
        + s["refundsFeeGross"]
        - s["refundsFee"]
        + s["adjustmentsGross"]
        - s["adjustmentsFee"]
        + s["reservedFundsGross"]
        - s["reservedFundsFee"]
        + s["retriedPayoutsGross"]
        - s["retriedPayoutsFee"]
    )
    assert by_summary == net
    assert all(t["associatedPayout"]["id"] == payout["payout_id"] for t in txs)


async def test_bulk_query_result_is_jsonl_with_parent_ids(shop):
    run = await shop.gql("""mutation { bulkOperationRunQuery(query: \"\"\"
        { products { edges { node { id title variants { edges { node { id sku } } } } } } }
        \"\"\") { bulkOperation { id status } userErrors { field message } } }""")
    assert run["data"]["bulkOperationRunQuery"]["userErrors"] == []
    out = await shop.gql("{ currentBulkOperation { id status objectCount url } }")
    op = out["data"]["currentBulkOperation"]
    assert op["status"] == "COMPLETED"
    assert op["objectCount"] == "40"
    async with httpx.AsyncClient() as client:
        body = (await client.get(op["url"])).text
    import json

    rows = [json.loads(line) for line in body.splitlines()]
    products = [r for r in rows if "__parentId" not in r]
    variants = [r for r in rows if "__parentId" in r]
    assert len(products) == 20 and len(variants) == 20
    assert variants[0]["__parentId"] == products[0]["id"]


async def test_paying_with_a_disabled_gift_card_is_refused_and_leaves_no_order(shop):
    card = await shop.control("POST", "/gift_cards", {"amount": "50.00"})
    await shop.control("POST", f"/gift_cards/{num(card['gift_card_id'])}/disable")
    before = await shop.control("GET", "/state")
    r = await shop.http.post(
        f"{shop.url}/_sandbox/shopify/orders",
        json={
            "lines": [{"sku": "SKU-00011", "quantity": 1}],
            "gift_card_payment": {"gift_card_id": card["gift_card_id"], "amount": "5.00"},
        },
    )
    assert r.status_code == 422
    after = await shop.control("GET", "/state")
    assert after["orders"] == before["orders"] == []
    assert after["inventory"] == before["inventory"]
    out = await shop.gql("""{ giftCards(first: 5, query: "status:disabled") {
        nodes { enabled deactivatedAt balance { amount } } } }""")
    cards = out["data"]["giftCards"]["nodes"]
    assert len(cards) == 1 and cards[0]["enabled"] is False and cards[0]["deactivatedAt"]
