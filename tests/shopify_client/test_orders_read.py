"""Orders, refunds, gift cards and payouts read back exactly as the sandbox shop recorded them."""

import datetime as dt
from decimal import Decimal

import pytest

from connectors.shopify.pagination import paginate

pytestmark = pytest.mark.anyio


async def place_order(shop, *lines, **extra):
    body = {"lines": [{"sku": sku, "quantity": qty} for sku, qty in lines], **extra}
    return await shop.control("POST", "/orders", json=body)


async def test_paging_by_updated_at_sees_every_order_once(shop, api):
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    sku = shop.catalogue.products[0].sku
    placed = [await place_order(shop, (sku, 1)) for _ in range(7)]

    # Page size 3 forces three pages over seven orders.
    seen = [
        node["id"]
        async for node in paginate(
            api.client,
            "order_ids_updated_since",
            ("orders",),
            {"query": f"updated_at:>='{since:%Y-%m-%dT%H:%M:%SZ}'"},
            page_size=3,
        )
    ]
    assert len(seen) == len(set(seen)) == 7
    names = {o.name async for o in api.iter_order_headers(since)}
    assert names == {p["order_name"] for p in placed}


async def test_order_reads_back_with_exact_money_lines_and_customer(shop, api):
    product = shop.catalogue.products[1]
    placed = await place_order(
        shop,
        (product.sku, 2),
        customer={"email": "b2b@example.com", "first_name": "Iris", "company": "Smit Interiors"},
        shipping={"title": "PostNL", "price": "6.95"},
        financial_status="paid",
    )
    order = await api.get_order(
        placed["order_id"]
        if "gid" in str(placed["order_id"])
        else f"gid://shopify/Order/{placed['order_id']}"
    )
    assert order is not None
    assert order.name == placed["order_name"]
    assert order.currency_code == shop.catalogue.currency
    assert order.taxes_included is shop.catalogue.taxes_included
    (line,) = order.line_items
    assert line.sku == product.sku and line.quantity == 2
    price = line.original_unit_price_set.shop_money
    assert price.amount == product.price and isinstance(price.amount, Decimal)
    assert price.currency_code == shop.catalogue.currency
    assert line.tax_lines and line.tax_lines[0].rate == product.vat_rate / 100
    assert order.customer and order.customer.email == "b2b@example.com"
    assert order.shipping_lines[0].original_price_set.shop_money.amount == Decimal("6.95")
    assert order.display_financial_status == "PAID"
    assert any(t.kind == "SALE" and t.status == "SUCCESS" for t in order.transactions)
    assert order.created_at.tzinfo == dt.UTC


async def test_unknown_order_reads_as_none(api):
    assert await api.get_order("gid://shopify/Order/999999999") is None


async def test_long_order_reads_every_line_item_past_the_first_page(shop, api):
    skus = [p.sku for p in shop.catalogue.products[:30]]
    placed = await place_order(shop, *[(sku, 1) for sku in skus])
    order = await api.get_order(placed["order_id"])
    assert [line.sku for line in order.line_items] == skus


async def test_refund_reads_back_with_restocked_lines_and_money(shop, api):
    product = shop.catalogue.products[2]
    placed = await place_order(shop, (product.sku, 3), financial_status="paid")
    refunded = await shop.control(
        "POST",
        f"/orders/{placed['order_id']}/refunds",
        json={"lines": [{"sku": product.sku, "quantity": 1, "restock": True}]},
    )
    order = await api.get_order(placed["order_id"])
    assert [r.id for r in order.refunds] == [refunded["refund_id"]]

    refund = await api.get_refund(refunded["refund_id"])
    (line,) = refund.refund_line_items
    assert line.line_item.sku == product.sku and line.quantity == 1
    assert line.restock_type and line.restock_type != "NO_RESTOCK"
    assert refund.order and refund.order.id == placed["order_id"]
    paid_back = sum(t.amount_set.shop_money.amount for t in refund.transactions)
    assert paid_back == refund.total_refunded_set.shop_money.amount
    assert paid_back == line.subtotal_set.shop_money.amount + (
        0 if order.taxes_included else line.total_tax_set.shop_money.amount
    )


async def test_gift_cards_changed_since_a_moment_are_listed_with_exact_values(shop, api):
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    issued = await shop.control("POST", "/gift_cards", json={"amount": "25.00"})
    cards = [card async for card in api.iter_gift_cards(since)]
    card = next(c for c in cards if c.id == issued["gift_card_id"])
    assert card.initial_value.amount == Decimal("25.00")
    assert card.balance.amount == Decimal("25.00")
    assert card.order is None  # issued by the merchant, not sold
    assert issued["code"].endswith(card.last_characters)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert [c async for c in api.iter_gift_cards(later)] == []


async def test_payout_and_its_balance_transactions_add_up_to_the_net(shop, api):
    product = shop.catalogue.products[3]
    await place_order(shop, (product.sku, 2), financial_status="paid")
    created = await shop.control("POST", "/payouts", json={"status": "PAID"})
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)

    payouts = [p async for p in api.iter_payouts(since, statuses=["PAID"])]
    payout = next(p for p in payouts if p.id == created["payout_id"])
    assert payout.net.amount == Decimal(created["net"])

    txs = [t async for t in api.iter_balance_transactions(payout.id)]
    assert {t.id for t in txs} >= set(created["balance_transaction_ids"]) - {payout.id}
    movements = [t for t in txs if t.type != "TRANSFER"]
    assert sum(t.net.amount for t in movements) == payout.net.amount
    assert all(t.net.amount == t.amount.amount - t.fee.amount for t in movements)
    assert [p async for p in api.iter_payouts(since, statuses=["FAILED"])] == []


async def test_iter_orders_yields_full_orders_changed_since(shop, api):
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    sku = shop.catalogue.products[4].sku
    placed = [await place_order(shop, (sku, n)) for n in (1, 2)]
    orders = [o async for o in api.iter_orders(since)]
    assert [o.id for o in orders] == [p["order_id"] for p in placed]
    assert [o.line_items[0].quantity for o in orders] == [1, 2]
    assert api.client.status()["bucket_known"] is True


async def test_raw_answers_carry_numbers_as_decimal_never_float(shop, api):
    placed = await place_order(shop, (shop.catalogue.products[5].sku, 1))
    data = await api.client.execute("order", {"id": placed["order_id"]})
    rate = data["order"]["lineItems"]["nodes"][0]["taxLines"][0]["rate"]
    assert isinstance(rate, Decimal)


async def test_decimal_variables_are_sent_as_strings(api):
    # Shopify's Decimal/Money inputs take strings; a flow may hand us Decimals directly.
    data = await api.client.execute(
        "query($q: String!) { giftCards(first: 1, query: $q) { nodes { id } } }",
        {"q": Decimal("25.00")},
    )
    assert data["giftCards"]["nodes"] == []
