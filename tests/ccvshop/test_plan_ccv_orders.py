"""CCV orders, read from the sandbox, planned by the same order plan as Shopify's: every VAT
scenario books the right codes and the documents equal CCV's totals to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.errors import PermanentError
from daemon.flows.orders.ccvshop_facts import order_from_ccv
from daemon.flows.orders.decide import Action, decide
from daemon.flows.orders.plan import plan_order
from daemon.flows.orders.vat import Scenario
from tests.orders.factory import MAPPING, settings

pytestmark = pytest.mark.anyio

NL = {"email": "Anna@Example.com", "first_name": "Anna", "last_name": "Jansen",
      "street": "Kerkstraat", "housenumber": 5, "zipcode": "1011 AB", "city": "Amsterdam",
      "country_code": "NL", "telephone": "+31201234567"}  # fmt: skip


async def _catalogue(run):
    await run.control("products", {"productnumber": "SKU-00001", "name": "Mug", "price": 19.99})
    await run.control(
        "products", {"productnumber": "SKU-00002", "name": "Book", "price": 7.45, "vatrate": 9}
    )


async def _planned(run, body, **plan_settings):
    created = await run.control("orders", body)
    order = await run.client.order(created["id"])
    rows = await run.client.order_rows(order.id)
    adapted, facts = order_from_ccv(order, rows, settings(**plan_settings))
    return order, adapted, plan_order(adapted, facts, settings(**plan_settings), MAPPING)


def codes(plan):
    return [(ln.item_code, ln.vat_code) for d in plan.documents for ln in d.lines]


@pytest.mark.parametrize("rows_gross", [True, False])
@pytest.mark.parametrize("shipping_gross", [True, False])
async def test_domestic_order_books_each_rate_and_equals_ccvs_total(
    ccv, rows_gross, shipping_gross
):
    async with ccv() as run:
        await _catalogue(run)
        order, _, plan = await _planned(
            run,
            {
                "customer": NL,
                "rows": [
                    {"productnumber": "SKU-00001", "count": 3, "discount": 2.50},
                    {"productnumber": "SKU-00002", "count": 1},
                ],
                "total_shipping": 4.95,
                "order_row_taxes_included": rows_gross,
                "shipping_taxes_included": shipping_gross,
            },
        )
        (doc,) = plan.documents
        assert doc.scenario is Scenario.DOMESTIC
        assert [c for c in codes(plan) if c[0] != "ROUNDING"] == [
            ("SKU-00001", "1"),
            ("SKU-00002", "2"),
            ("SHIPPING", "1"),
        ]
        assert doc.total == order.total_price
        assert doc.your_ref == "ORD-1001/AMS"
        mug = doc.lines[0]
        assert mug.quantity == 3 and mug.discount_fraction > 0  # the discount reaches Exact


async def test_eu_business_with_vat_number_is_reverse_charged(ccv):
    async with ccv() as run:
        await _catalogue(run)
        be = {**NL, "company": "Peeters BV", "country_code": "BE", "btw": "be 0123.456.789"}
        order, _, plan = await _planned(
            run,
            {
                "customer": be,
                "rows": [{"productnumber": "SKU-00001", "count": 2, "price": 40}],
                "is_intra_community_order": True,
                "order_row_taxes_included": False,
            },
        )
        assert plan.documents[0].scenario is Scenario.ICP
        assert codes(plan) == [("SKU-00001", "ICP")]
        assert plan.customer.vat_number == "BE0123456789"
        assert plan.customer.name == "Peeters BV"
        assert plan.total == order.total_price == Decimal("80.00")


async def test_eu_consumer_abroad_gets_the_destinations_oss_code(ccv):
    async with ccv() as run:
        await _catalogue(run)
        order, _, plan = await _planned(
            run,
            {
                "customer": {**NL, "country_code": "DE"},
                "rows": [{"productnumber": "SKU-00001", "count": 1, "price": 23.80, "tax": 19}],
                "total_shipping": 5.95,
                "shipping_tax_percentage": 19,
            },
        )
        assert plan.documents[0].scenario is Scenario.OSS
        assert codes(plan) == [("SKU-00001", "OSS-DE-19"), ("SHIPPING", "OSS-DE-19")]
        assert plan.total == order.total_price


async def test_export_outside_the_eu_is_zero_rated(ccv):
    async with ccv() as run:
        await _catalogue(run)
        order, _, plan = await _planned(
            run,
            {
                "customer": {**NL, "country_code": "US"},
                "rows": [{"productnumber": "SKU-00001", "count": 2, "tax": 0}],
                "total_shipping": 15,
                "shipping_tax_percentage": 0,
            },
        )
        assert plan.documents[0].scenario is Scenario.EXPORT
        assert codes(plan) == [("SKU-00001", "EXP"), ("SHIPPING", "EXP")]
        assert plan.total == order.total_price == Decimal("54.98")


async def test_zero_rated_goods_at_home_get_the_zero_code(ccv):
    async with ccv() as run:
        await _catalogue(run)
        _, _, plan = await _planned(
            run, {"customer": NL, "rows": [{"productnumber": "SKU-00001", "count": 1, "tax": 0}]}
        )
        assert codes(plan) == [("SKU-00001", "0")]


async def test_export_charged_with_dutch_vat_is_refused_not_booked_wrong(ccv):
    async with ccv() as run:
        await _catalogue(run)
        with pytest.raises(PermanentError, match="VAT"):
            await _planned(
                run,
                {
                    "customer": {**NL, "country_code": "CH"},
                    "rows": [{"productnumber": "SKU-00001", "count": 1}],
                },
            )


async def test_registered_customers_link_by_account_and_guests_by_email(ccv):
    async with ccv() as run:
        await _catalogue(run)
        user = await run.control("customers", NL)
        row = [{"productnumber": "SKU-00001", "count": 1}]
        _, _, member = await _planned(run, {"user_id": user["id"], "rows": row})
        _, _, guest = await _planned(run, {"customer": NL, "rows": row})
        assert member.customer.link_key == f"ccvshop:user:{user['id']}"
        assert guest.customer.link_key == "email:anna@example.com"
        assert guest.customer.address1 == "Kerkstraat 5"
        assert guest.customer.phone == "+31201234567"
        _, _, debtor = await _planned(
            run,
            {"customer": NL, "rows": row},
            **{"customers": {"guests_to_standard_debtor": True, "standard_debtor": "9999"}},
        )
        assert debtor.customer.standard_debtor == "9999"


async def test_cancelled_and_unpaid_orders_are_not_exported(ccv):
    async with ccv() as run:
        await _catalogue(run)
        row = [{"productnumber": "SKU-00001", "count": 1}]
        _, unpaid, _ = await _planned(run, {"customer": NL, "rows": row})
        assert decide(unpaid, settings(), exported=False)[0] is Action.WAIT
        _, paid, _ = await _planned(run, {"customer": NL, "rows": row, "paid": True})
        assert decide(paid, settings(), exported=False)[0] is Action.EXPORT
        _, cancelled, _ = await _planned(run, {"customer": NL, "rows": row, "status": 8})
        assert decide(cancelled, settings(), exported=False)[0] is Action.SKIP


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"paymethod_costs": 0.5}, "payment-method costs"),
        ({"rows": [{"productnumber": "SKU-00001", "count": 1.5}]}, "fractional"),
    ],
)
async def test_what_the_plan_cannot_book_is_refused_plainly(ccv, change, words):
    async with ccv() as run:
        await _catalogue(run)
        body = {"customer": NL, "rows": [{"productnumber": "SKU-00001", "count": 1}], **change}
        with pytest.raises(PermanentError, match=words):
            await _planned(run, body)
