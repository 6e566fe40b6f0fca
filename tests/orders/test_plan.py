"""The order plan: every VAT scenario, discounts, gift cards, tips, splits over locations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.errors import PermanentError
from daemon.flows.orders.plan import plan_order
from daemon.flows.orders.vat import Scenario
from tests.orders.factory import MAPPING, facts, line, order, settings

D = Decimal


def codes(plan) -> list[tuple[str, str]]:
    return [(ln.item_code, ln.vat_code) for d in plan.documents for ln in d.lines]


@pytest.mark.parametrize("taxes_included", [True, False])
def test_domestic_order_books_each_rate_to_its_code_and_matches_shopify_to_the_cent(
    taxes_included,
):
    o = order(
        [line("SKU-00001", 3, "19.99"), line("SKU-00002", 1, "7.45", "0.09")],
        shipping="4.95",
        taxes_included=taxes_included,
    )
    plan = plan_order(o, facts(o), settings(), MAPPING)
    (doc,) = plan.documents
    assert doc.scenario is Scenario.DOMESTIC
    assert [c for c in codes(plan) if c[0] != "ROUNDING"] == [
        ("SKU-00001", "1"),
        ("SKU-00002", "2"),
        ("SHIPPING", "1"),
    ]
    assert doc.total == o.total_price_set.shop_money.amount
    assert doc.your_ref == "#1001/AMS"
    assert doc.link_id == f"{o.id}:AMS"


def test_tax_included_line_is_booked_net_of_shopifys_tax():
    o = order([line("SKU-00001", 1, "121.00")])
    (doc,) = plan_order(o, facts(o), settings(), MAPPING).documents
    (ln,) = doc.lines
    assert (ln.net, ln.exact_vat, ln.vat_code) == (D("100.00"), D("21.00"), "1")
    assert ln.exact_body("item-guid")["NetPrice"] == D("100.000000")


def test_tax_excluded_line_is_booked_at_its_price():
    o = order([line("SKU-00001", 2, "50.00")], taxes_included=False)
    (doc,) = plan_order(o, facts(o), settings(), MAPPING).documents
    (ln,) = doc.lines
    assert (ln.net, ln.exact_vat) == (D("100.00"), D("21.00"))
    assert doc.total == D("121.00") == o.total_price_set.shop_money.amount


def test_eu_business_with_vat_number_is_reverse_charged():
    o = order([line("SKU-00001", 2, "40.00", "0")], country="BE", company="Peeters BV")
    plan = plan_order(o, facts(o, vat_number="be 0123.456.789"), settings(), MAPPING)
    assert plan.documents[0].scenario is Scenario.ICP
    assert codes(plan) == [("SKU-00001", "ICP")]
    assert plan.customer.vat_number == "BE0123456789"
    assert plan.customer.name == "Peeters BV"


def test_eu_consumer_abroad_gets_the_destinations_oss_code():
    o = order(
        [line("SKU-00001", 1, "23.80", "0.19")], shipping="5.95", shipping_rate="0.19", country="DE"
    )
    plan = plan_order(o, facts(o), settings(), MAPPING)
    assert plan.documents[0].scenario is Scenario.OSS
    assert codes(plan) == [("SKU-00001", "OSS-DE-19"), ("SHIPPING", "OSS-DE-19")]
    assert plan.total == o.total_price_set.shop_money.amount


def test_eu_consumer_abroad_uses_domestic_codes_when_oss_is_off():
    o = order([line("SKU-00001", 1, "12.10")], country="FR")
    plan = plan_order(o, facts(o), settings(oss=False), MAPPING)
    assert codes(plan) == [("SKU-00001", "1")]


def test_export_outside_the_eu_is_zero_rated_export():
    o = order(
        [line("SKU-00001", 1, "100.00", "0")], shipping="15.00", shipping_rate="0", country="US"
    )
    plan = plan_order(o, facts(o), settings(), MAPPING)
    assert plan.documents[0].scenario is Scenario.EXPORT
    assert codes(plan) == [("SKU-00001", "EXP"), ("SHIPPING", "EXP")]
    assert plan.total == D("115.00")


def test_zero_rated_domestic_line_uses_the_zero_code():
    o = order([line("SKU-00001", 1, "10.00", "0")])
    assert codes(plan_order(o, facts(o), settings(), MAPPING)) == [("SKU-00001", "0")]


def test_gift_card_sold_is_booked_to_the_gift_card_item_outside_vat():
    o = order([line("SKU-00001", 1, "24.20"), line(None, 1, "50.00", "0", gift_card=True)])
    (doc,) = plan_order(o, facts(o), settings(), MAPPING).documents
    gift = [ln for ln in doc.lines if ln.kind == "gift_card"]
    assert [(g.item_code, g.vat_code, g.net) for g in gift] == [("GIFTCARD", "0", D("50.00"))]
    assert doc.total == D("74.20")


def test_tip_goes_to_the_tip_item():
    o = order([line("SKU-00001", 1, "24.20")], tip="3.00")
    (doc,) = plan_order(o, facts(o, tip="3.00"), settings(), MAPPING).documents
    assert [(ln.item_code, ln.gross) for ln in doc.lines if ln.kind == "tip"] == [
        ("TIP", D("3.00"))
    ]
    assert doc.total == o.total_price_set.shop_money.amount


def test_discount_is_a_line_discount_and_the_net_follows_it():
    o = order([line("SKU-00001", 2, "30.25", discount="6.05")])
    (ln,) = plan_order(o, facts(o), settings(), MAPPING).documents[0].lines
    body = ln.exact_body("item-guid")
    assert body["Discount"] == D("0.100000")
    assert body["NetPrice"] == D("22.500000")
    assert body["UnitPrice"] == D("25.000000")
    assert ln.net == D("45.00")


def test_split_over_two_locations_with_discount_and_shipping_adds_up_exactly():
    # 3 lines, 2 locations, 10 % discount, shipping, prices that do not divide evenly.
    lines = [
        line("SKU-00001", 3, "9.99", discount="3.00"),
        line("SKU-00002", 1, "14.95", "0.09", discount="1.50"),
        line("SKU-00003", 2, "3.33", discount="0.67"),
    ]
    o = order(lines, shipping="4.99")
    where = {
        0: [("Amsterdam warehouse", 2), ("Rotterdam store", 1)],
        1: [("Rotterdam store", 1)],
        2: [("Amsterdam warehouse", 2)],
    }
    plan = plan_order(o, facts(o, places=where), settings(multi_location=True), MAPPING)
    assert [d.your_ref for d in plan.documents] == ["#1001/AMS", "#1001/RTM"]
    ams, rtm = plan.documents
    assert [(ln.sku, ln.quantity) for ln in ams.lines if ln.kind == "product"] == [
        ("SKU-00001", 2),
        ("SKU-00003", 2),
    ]
    assert [(ln.sku, ln.quantity) for ln in rtm.lines if ln.kind == "product"] == [
        ("SKU-00001", 1),
        ("SKU-00002", 1),
    ]
    shipping = [ln.gross for d in plan.documents for ln in d.lines if ln.kind == "shipping"]
    assert sum(shipping) == D("4.99") and len(shipping) == 2
    assert ams.total + rtm.total == o.total_price_set.shop_money.amount
    for doc in plan.documents:
        assert doc.total == doc.shopify_total


def test_single_document_mode_books_everything_to_the_default_warehouse():
    o = order([line("SKU-00001", 1, "9.99"), line("SKU-00002", 1, "9.99")])
    where = {0: [("Rotterdam store", 1)], 1: [("Antwerp warehouse", 1)]}
    plan = plan_order(o, facts(o, places=where), settings(), MAPPING)
    assert [d.location_code for d in plan.documents] == ["AMS"]


def test_invoice_mode_names_the_sales_journal():
    o = order([line("SKU-00001", 1, "9.99")])
    (doc,) = plan_order(o, facts(o), settings(document="invoice"), MAPPING).documents
    assert (doc.kind, doc.journal) == ("invoice", "70")


def test_a_cent_shopify_adds_differently_goes_to_the_rounding_item():
    o = order([line("SKU-00001", 1, "10.00")], total_adjust="0.01")
    (doc,) = plan_order(o, facts(o), settings(), MAPPING).documents
    rounding = [ln for ln in doc.lines if ln.kind == "rounding"]
    assert [(r.item_code, r.vat_code) for r in rounding] == [("ROUNDING", "0")]
    assert doc.total == D("10.01")


def test_missing_oss_code_is_permanent_and_names_the_key_to_add():
    o = order([line("SKU-00001", 1, "12.20", "0.22")], country="IT")
    with pytest.raises(PermanentError) as err:
        plan_order(o, facts(o), settings(), MAPPING)
    assert "IT" in err.value.message and "22" in err.value.message
    assert "[orders.vat.oss.IT]" in err.value.hint


def test_vat_charged_on_a_reverse_charge_order_is_refused_not_rounded_away():
    o = order([line("SKU-00001", 1, "121.00")], country="BE", company="Peeters BV")
    with pytest.raises(PermanentError) as err:
        plan_order(o, facts(o, vat_number="BE0123456789"), settings(), MAPPING)
    assert "Shopify charged 121.00" in err.value.message


def test_line_without_sku_is_permanent_with_the_fix():
    o = order([line(None, 1, "10.00")])
    with pytest.raises(PermanentError) as err:
        plan_order(o, facts(o), settings(), MAPPING)
    assert "no SKU" in err.value.message and "SKU" in err.value.hint


def test_guest_without_customer_is_matched_by_email():
    o = order([line("SKU-00001", 1, "10.00")], customer=False, email="Guest@Example.com")
    plan = plan_order(o, facts(o), settings(), MAPPING)
    assert plan.customer.link_key == "email:guest@example.com"
    assert plan.customer.email == "guest@example.com"


def test_standard_debtor_mode_books_to_the_configured_account():
    o = order([line("SKU-00001", 1, "10.00")])
    cfg = settings(customers={"mode": "standard_debtor", "standard_debtor": "WEBSHOP"})
    assert plan_order(o, facts(o), cfg, MAPPING).customer.standard_debtor == "WEBSHOP"
