"""Orders with rows, VAT, discounts and shipping; customers; products and their stock; credit
invoices: read through the typed client; writes refused when they break CCV's schemas."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.ccvshop.models import OrderStatus
from connectors.errors import PermanentError

pytestmark = pytest.mark.anyio

CUSTOMER = {
    "email": "inkoop@bakkerij.nl",
    "first_name": "Anne",
    "last_name": "Bakker",
    "company": "Bakkerij Bakker BV",
    "street": "Dorpsstraat",
    "housenumber": 12,
    "housenumber_suffix": "a",
    "zipcode": "1234 AB",
    "city": "Utrecht",
    "country_code": "NL",
    "btw": "NL001234567B01",
}


async def _shop(run):
    mug = await run.control(
        "products", {"productnumber": "MUG-1", "name": "Mug", "price": 12.10, "stock": 10}
    )
    book = await run.control(
        "products", {"productnumber": "BOOK-1", "name": "Book", "price": 20, "vatrate": 9}
    )
    return mug, book


async def test_incl_vat_order_reads_with_rows_vat_discount_and_shipping(ccv):
    async with ccv() as run:
        mug, _book = await _shop(run)
        user = await run.control("customers", CUSTOMER)
        created = await run.control(
            "orders",
            {
                "user_id": user["id"],
                "rows": [
                    {"product_id": mug["id"], "count": 3, "discount": 1.10},
                    {"productnumber": "BOOK-1", "count": 1, "sub_sku_number": "BOOK-1-NL"},
                ],
                "total_shipping": 6.05,
                "paid": True,
            },
        )
        order = await run.client.order(created["id"])
        assert order.ordernumber == 1001 and order.ordernumber_full == "ORD-1001"
        assert order.order_row_taxes_included is True
        assert order.total_orderrow_price == Decimal("53.00")  # 3 × (12.10 − 1.10) + 20
        assert order.total_discounts == Decimal("3.30")
        # VAT inside the gross: 33 × 21/121 = 5.73, 20 × 9/109 = 1.65, shipping 6.05 → 1.05
        assert order.total_tax == Decimal("8.43")
        assert order.total_price == Decimal("59.05")
        assert order.customer.btw == "NL001234567B01"
        assert order.customer.billingaddress.street_line == "Dorpsstraat 12a"
        assert order.customer.delivery.country_code == "NL"
        assert order.user.id == user["id"]
        rows = await run.client.order_rows(order.id)
        assert [(r.sku, r.count, r.price, r.discount, r.tax) for r in rows] == [
            ("MUG-1", 3, Decimal("12.10"), Decimal("1.10"), 21),
            ("BOOK-1-NL", 1, Decimal("20.00"), 0, 9),
        ]
        assert sum(r.total_price for r in rows) == order.total_orderrow_price
        assert (await run.client.product(mug["id"])).stock == 7  # the sale took stock


async def test_excl_vat_and_intra_community_orders(ccv):
    async with ccv() as run:
        mug, _ = await _shop(run)
        net = await run.control(
            "orders",
            {
                "customer": CUSTOMER,
                "rows": [{"product_id": mug["id"], "count": 2, "price": 10}],
                "order_row_taxes_included": False,
                "shipping_taxes_included": False,
                "total_shipping": 5,
            },
        )
        order = await run.client.order(net["id"])
        assert (order.total_tax, order.total_price) == (Decimal("5.25"), Decimal("30.25"))
        icp = await run.control(
            "orders",
            {
                "customer": {**CUSTOMER, "country_code": "BE", "btw": "BE0123456789"},
                "rows": [{"product_id": mug["id"], "count": 2, "price": 10}],
                "is_intra_community_order": True,
                "order_row_taxes_included": False,
            },
        )
        order = await run.client.order(icp["id"])
        assert order.is_intra_community_order and order.total_tax == 0
        assert [r.tax for r in await run.client.order_rows(order.id)] == [0]


@pytest.mark.parametrize("sign", ["negative", "positive"])
async def test_credit_invoice_reads_the_same_under_either_sign(ccv, sign):
    async with ccv(credit_invoice_sign=sign) as run:
        mug, _ = await _shop(run)
        created = await run.control(
            "orders",
            {"customer": CUSTOMER, "rows": [{"product_id": mug["id"], "count": 3}], "paid": True},
        )
        row_id = (await run.client.order_rows(created["id"]))[0].id
        await run.control(
            f"orders/{created['id']}/credit_invoice",
            {"rows": [{"orderrow_id": row_id, "count": 1}], "shipping": 0},
        )
        invoices = [i async for i in run.client.invoices(ordernumber=created["ordernumber"])]
        debit, credit = sorted(invoices, key=lambda i: i.is_credit)
        assert not debit.is_credit and debit.total_price == Decimal("36.30")
        assert credit.is_credit and credit.credited_amount == Decimal("12.10")
        assert (credit.total_price < 0) == (sign == "negative")
        [row] = await run.client.invoice_rows(credit.id)
        assert (row.sku, row.count) == ("MUG-1", 1)
        reimbursed = [i async for i in run.client.invoices(status="reimbursed")]
        assert [i.id for i in reimbursed] == [credit.id]


async def test_status_changes_are_seen_and_can_be_made(ccv):
    async with ccv() as run:
        mug, _ = await _shop(run)
        created = await run.control(
            "orders", {"customer": CUSTOMER, "rows": [{"product_id": mug["id"], "count": 1}]}
        )
        await run.control(f"orders/{created['id']}/status", {"status": 7})
        assert (await run.client.order(created["id"])).status_enum is OrderStatus.COMPLETED
        done = [o.id async for o in run.client.orders(status=7)]
        assert done == [created["id"]]
        await run.client.set_order_status(created["id"], OrderStatus.CANCELLED)
        assert (await run.client.order(created["id"])).status == 8


async def test_stock_is_set_with_a_product_patch(ccv):
    async with ccv() as run:
        mug, _ = await _shop(run)
        await run.client.set_product_stock(mug["id"], Decimal(42))
        assert (await run.client.product(mug["id"])).stock == 42
        found = [p async for p in run.client.products(productnumber="MUG-1")]
        assert [p.id for p in found] == [mug["id"]]


async def test_users_are_customers(ccv):
    async with ccv() as run:
        user = await run.control("customers", CUSTOMER)
        read = await run.client.user(user["id"])
        assert read.userinfo.billingaddress.company == "Bakkerij Bakker BV"
        assert [u.id async for u in run.client.users()] == [user["id"]]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("products", {"stok": 5}, "stok"),  # unknown property
        ("products", {"stock": "5"}, "stock"),  # a string where a number belongs
        ("products", {"active": 1}, "active"),  # an integer where a boolean belongs
        ("products", {"price": -1}, "price"),
        ("products", {"ordering_without_stock": "sometimes"}, "ordering_without_stock"),
        ("orders", {"status": 15}, "status"),
        ("orders", {"status": "7"}, "status"),
        ("orders", {"deliver_method": "drone"}, "deliver_method"),
        ("orders", {"is_completed": True}, "is_completed"),  # read-only
    ],
)
async def test_writes_that_break_the_schema_are_refused(ccv, path, body, field):
    async with ccv() as run:
        mug, _ = await _shop(run)
        order = await run.control(
            "orders", {"customer": CUSTOMER, "rows": [{"product_id": mug["id"], "count": 1}]}
        )
        target = mug["id"] if path == "products" else order["id"]
        with pytest.raises(PermanentError) as caught:
            await run.client.patch(f"{path}/{target}/", body)
        assert caught.value.status == 400
        assert caught.value.field == field
        assert (await run.client.product(mug["id"])).stock == 9  # nothing changed


async def test_empty_and_non_json_bodies_are_refused(ccv):
    async with ccv() as run:
        mug, _ = await _shop(run)
        uri = f"/api/rest/v1/products/{mug['id']}/"
        assert (await run.raw("PATCH", uri, "{}")).status_code == 400
        assert (await run.raw("PATCH", uri, "stock=5")).status_code == 400
        assert (await run.raw("PATCH", uri, "[1]")).status_code == 400


async def test_row_replacement_is_refused_as_not_simulated(ccv):
    async with ccv() as run:
        mug, _ = await _shop(run)
        order = await run.control(
            "orders", {"customer": CUSTOMER, "rows": [{"product_id": mug["id"], "count": 1}]}
        )
        r = await run.raw("PATCH", f"/api/rest/v1/orders/{order['id']}/", '{"orderrows":[]}')
        assert r.status_code == 501


@pytest.mark.parametrize(
    ("events", "event", "accepted"),
    [
        (None, "products.updated", True),
        (None, "orders.created", False),  # unconfirmed: off unless the setting allows it
        (["products.updated", "orders.created"], "orders.created", True),
    ],
)
async def test_webhook_events_follow_the_setting(ccv, events, event, accepted):
    options = {"webhook_events": events} if events else {}
    async with ccv(**options) as run:
        body = {"event": event, "address": "https://daemon.example/hooks/ccv", "is_active": True}
        if accepted:
            hook = await run.client.post("webhooks/", body)
            assert hook["event"] == event and len(hook["key"]) == 32
        else:
            with pytest.raises(PermanentError) as caught:
                await run.client.post("webhooks/", body)
            assert caught.value.field == "event"


async def test_webhook_event_cannot_be_changed(ccv):
    async with ccv() as run:
        hook = await run.client.post(
            "webhooks/", {"event": "products.created", "address": "https://d.example/h"}
        )
        with pytest.raises(PermanentError):
            await run.client.patch(f"webhooks/{hook['id']}/", {"event": "products.deleted"})
        await run.client.patch(f"webhooks/{hook['id']}/", {"is_active": False})
        assert (await run.client.get(f"webhooks/{hook['id']}/"))["is_active"] is False


async def test_webhook_address_must_be_a_uri(ccv):
    async with ccv() as run:
        with pytest.raises(PermanentError) as caught:
            await run.client.post("webhooks/", {"event": "products.created", "address": "daemon"})
        assert caught.value.field == "address"
