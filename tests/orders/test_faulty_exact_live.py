"""Every kind of order reaches Exact exactly once through the real worker, even at 30 % failures."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from connectors.shopify.sandbox import webhook_payloads as wp
from connectors.shopify.sandbox.state import parse_id
from daemon.flows.orders.jobs import route_fulfillment_webhook, route_order_webhook
from daemon.flows.orders.payments import PAYMENT_ENTITY
from tests.orders.conftest import order_env

D = Decimal
BUYER = {"email": "anna@example.com", "first_name": "Anna", "last_name": "de Vries"}
B2B = {
    "email": "inkoop@peeters.example",
    "first_name": "Jan",
    "last_name": "Peeters",
    "company": "Peeters Interieur BV",
    "vat_number": "BE0123456789",
}
ORDERS = {
    "domestic": {
        "lines": [{"sku": "SKU-00001", "quantity": 3}, {"sku": "SKU-00003", "quantity": 1}],
        "customer": BUYER,
        "shipping": {"title": "PostNL", "price": "4.95"},
        "discount": {"amount": "5.00", "title": "WELCOME5"},
    },
    "icp": {
        "lines": [{"sku": "SKU-00004", "quantity": 5}],
        "customer": B2B,
        "shipping_country": "BE",
        "shipping": {"title": "DHL", "price": "9.95"},
    },
    "oss": {
        "lines": [{"sku": "SKU-00005", "quantity": 1}],
        "customer": {"email": "greta@example.de", "first_name": "Greta", "last_name": "Müller"},
        "shipping_country": "DE",
    },
    "export": {
        "lines": [{"sku": "SKU-00006", "quantity": 2}],
        "customer": {"email": "hugo@example.com", "first_name": "Hugo", "last_name": "Smit"},
        "shipping_country": "US",
        "shipping": {"title": "UPS", "price": "25.00"},
    },
    "gift_card_and_tip": {
        "lines": [{"sku": "SKU-00007", "quantity": 1}, {"gift_card": True, "amount": "50.00"}],
        "customer": BUYER,
        "tip": "2.50",
    },
    "two_locations": {
        "lines": [
            {"sku": "SKU-00008", "quantity": 2, "location": "AMS"},
            {"sku": "SKU-00009", "quantity": 1, "location": "RTM"},
            {"sku": "SKU-00010", "quantity": 3, "location": "RTM"},
        ],
        "customer": BUYER,
        "shipping": {"title": "PostNL", "price": "6.95"},
        "discount": {"amount": "7.77"},
    },
    "unpaid": {
        "lines": [{"sku": "SKU-00011", "quantity": 1}],
        "customer": BUYER,
        "financial_status": "pending",
    },
}
EXPECTED_CODES = {
    "domestic": {"1", "2"},
    "icp": {"ICP"},
    "oss": {"OSS-DE-19", "OSS-DE-7"},
    "export": {"EXP"},
}


@pytest.mark.slow
@pytest.mark.anyio
async def test_every_kind_of_order_is_booked_once_when_exact_fails_30_percent(tmp_path):
    async with order_env(tmp_path, multi_location=True) as env:
        made = {k: await env.shop_control("POST", "/orders", body) for k, body in ORDERS.items()}
        await env.exact_control("POST", "faults", {"error_rate": 0.3})
        queue = env.services.queue
        for _ in range(2):  # every order announced twice (create + paid webhooks)
            for m in made.values():
                for kind, key, payload in route_order_webhook({"id": parse_id(m["order_id"])}):
                    await queue.enqueue(kind, key, payload)
        await env.run_jobs()
        # Ship the domestic order, then pay the unpaid one: both arrive as webhooks.
        fulfilled = await env.shop_control("POST", f"/orders/{made['domestic']['order_id']}/fulfil")
        for fid in fulfilled["fulfillment_ids"]:
            body = wp.fulfillment(env.shop.state, env.shop.state.fulfillments[parse_id(fid)])
            for kind, key, payload in route_fulfillment_webhook(body):
                await queue.enqueue(kind, key, payload)
        await env.shop_control("POST", f"/orders/{made['unpaid']['order_id']}/pay", {})
        for kind, key, payload in route_order_webhook({"id": parse_id(made["unpaid"]["order_id"])}):
            await queue.enqueue(kind, key, payload)
        await env.run_jobs()
        counts = await queue.counts()
        await env.exact_control("POST", "faults", {"error_rate": 0})
        state = await env.exact_state()

    assert "dead" not in counts, counts
    refs = Counter(d["YourRef"] for d in state["sales_orders"])
    assert all(n == 1 for n in refs.values()), refs  # no duplicates
    name = {k: m["order_name"] for k, m in made.items()}
    expected_refs = {f"{name[k]}/AMS" for k in ORDERS if k != "two_locations"}
    expected_refs |= {f"{name['two_locations']}/AMS", f"{name['two_locations']}/RTM"}
    assert set(refs) == expected_refs
    by_ref = {d["YourRef"]: d for d in state["sales_orders"]}
    for kind, codes in EXPECTED_CODES.items():
        lines = by_ref[f"{name[kind]}/AMS"]["SalesOrderLines"]
        got = {ln["VATCode"] for ln in lines if ln["ItemCode"] not in ("ROUNDING",)}
        assert got and got <= codes, (kind, got)
    gift = by_ref[f"{name['gift_card_and_tip']}/AMS"]["SalesOrderLines"]
    assert {"GIFTCARD", "TIP"} <= {ln["ItemCode"] for ln in gift}
    icp_account = next(
        a for a in state["accounts"] if a["ID"] == by_ref[f"{name['icp']}/AMS"]["OrderedBy"]
    )
    assert icp_account["VATNumber"] == "BE0123456789"
    assert len({a["Email"] for a in state["accounts"] if a["Email"]}) == len(
        [a for a in state["accounts"] if a["Email"]]
    )  # one account per buyer, however often they ordered
    (delivery,) = state["goods_deliveries"]
    assert "YourRef" not in delivery  # Exact's goods deliveries have none
    assert delivery["Description"].startswith(f"Shopify fulfilment {name['domestic']}/AMS/F")
    assert delivery["DeliveryDate"]
    assert sum(D(str(ln["QuantityDelivered"])) for ln in delivery["GoodsDeliveryLines"]) == 4
    assert len(state["journal_entries"]) == len(ORDERS)  # one prepayment per paid order


@pytest.mark.anyio
async def test_document_total_equals_shopify_total_for_split_order(tmp_path):
    async with order_env(tmp_path, multi_location=True) as env:
        made = await env.shop_control("POST", "/orders", ORDERS["two_locations"])
        from daemon.flows.orders.jobs import sync_order

        await sync_order(env.services, made["order_id"])
        order = await env.services.shopify.get_order(made["order_id"])
        state = await env.exact_state()
        links = await env.services.links.all(PAYMENT_ENTITY)
    total = sum(D(str(d["AmountFC"])) for d in state["sales_orders"])
    assert len(state["sales_orders"]) == 2
    assert total == order.total_price_set.shop_money.amount
    assert [D(ln.data["amount"]) for ln in links] == [total]
