"""Item plan table tests: variants, missing SKU, incl./excl. VAT prices, ownership, deletes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from daemon.flows.orders.config import VatCodeSettings
from daemon.flows.orders.money import cents
from daemon.flows.products.config import OwnerSettings, ProductsSettings
from daemon.flows.products.facts import ExactItem, ProductFacts, VariantFacts
from daemon.flows.products.plan import net_price, plan_product

TODAY = dt.date(2026, 12, 5)
VAT = VatCodeSettings()


def variant(
    vid: str = "11", sku: str | None = "TEE-S", title: str = "S", price: str = "12.10", **kw: object
) -> VariantFacts:
    return VariantFacts(vid, title, sku, kw.pop("barcode", None), Decimal(price), **kw)  # type: ignore[arg-type]


def product(*variants: VariantFacts, incl: bool = True, **kw: object) -> ProductFacts:
    kw.setdefault("product_type", "Shirts")
    return ProductFacts(
        "7",
        kw.pop("title", "Tee"),
        variants=variants or (variant(),),
        prices_include_tax=incl,
        **kw,
    )  # type: ignore[arg-type]


def settings(**kw: object) -> ProductsSettings:
    return ProductsSettings(enabled=True, **kw)  # type: ignore[arg-type]


def item(
    code: str = "TEE-S",
    *,
    desc: str = "Tee - S",
    price: str = "10.00",
    ours: bool = True,
    **kw: object,
) -> ExactItem:
    return ExactItem(
        id=f"id-{code}",
        code=code,
        description=desc,
        price=Decimal(price),
        group_code=kw.pop("group_code", None),
        vat_code=kw.pop("vat_code", "1"),  # type: ignore[arg-type]
        barcode=kw.pop("barcode", None),
        created_by_us=ours,
        **kw,  # type: ignore[arg-type]
    )


def test_each_variant_with_a_sku_is_one_item_with_every_field():
    p = product(variant("11", "TEE-S", "S", barcode="8712345678906"), variant("12", "TEE-M", "M"))
    plan = plan_product(settings(groups={"Shirts": "SHIRT"}), VAT, p, {}, set(), TODAY)
    assert [c.code for c in plan.changes] == ["TEE-S", "TEE-M"]
    first = plan.changes[0]
    assert first.action == "create" and first.group_code == "SHIRT"
    assert first.fields == {
        "Code": "TEE-S",
        "Description": "Tee - S",
        "IsSalesItem": True,
        "IsStockItem": True,
        "StandardSalesPrice": Decimal("10.00"),
        "SalesVatCode": "1",
        "Unit": "pc",
        "Barcode": "8712345678906",
    }
    assert "Barcode" not in plan.changes[1].fields
    assert plan.unmapped == [] and plan.calls == 2


def test_default_title_is_left_out_and_long_titles_are_cut_to_exacts_length():
    p = product(variant(title="Default Title"), title="A" * 59 + " and more words")
    desc = plan_product(settings(), VAT, p, {}, set(), TODAY).changes[0].fields["Description"]
    assert desc == "A" * 59  # cut at 60, the trailing space dropped


@pytest.mark.parametrize(
    ("code_from", "sku", "want_code", "unmapped"),
    [
        ("sku", None, None, "has no SKU"),
        ("sku", "  ", None, "has no SKU"),
        ("sku_or_ids", None, "7-11", None),
        ("sku_or_ids", "TEE-S", "TEE-S", None),
        ("ids", "TEE-S", "7-11", None),
    ],
)
def test_item_code_from_sku_or_ids(code_from, sku, want_code, unmapped):
    plan = plan_product(
        settings(code_from=code_from), VAT, product(variant(sku=sku)), {}, set(), TODAY
    )
    assert [c.code for c in plan.changes] == ([want_code] if want_code else [])
    if unmapped:
        assert len(plan.unmapped) == 1 and unmapped in plan.unmapped[0].reason
        assert "sku_or_ids" in plan.unmapped[0].reason  # names the fix
    else:
        assert plan.unmapped == []


def test_two_variants_with_one_sku_make_one_item_and_report_the_other():
    p = product(variant("11", "TEE"), variant("12", "TEE", "M"))
    plan = plan_product(settings(), VAT, p, {}, set(), TODAY)
    assert [c.code for c in plan.changes] == ["TEE"]
    assert plan.unmapped[0].variant_id == "12"


@pytest.mark.parametrize(
    ("incl", "price", "ptype", "rates", "want_price", "want_vat"),
    [
        (True, "12.10", "Shirts", {}, "10.0000", "1"),  # 21 % included
        (True, "9.99", "Shirts", {}, "8.2562", "1"),  # 8.2562 x 1.21 = 9.99
        (True, "10.90", "Books", {"Books": Decimal(9)}, "10.0000", "2"),
        (True, "19.95", "Books", {"Books": Decimal(9)}, "18.3028", "2"),
        (False, "12.10", "Shirts", {}, "12.10", "1"),  # excl.: the price is already net
        (True, "5.00", "Food", {"Food": Decimal(0)}, "5.00", "0"),
    ],
)
def test_prices_incl_or_excl_vat_become_exacts_net_price(
    incl, price, ptype, rates, want_price, want_vat
):
    p = product(variant(price=price), incl=incl, product_type=ptype)
    fields = plan_product(settings(vat_rates=rates), VAT, p, {}, set(), TODAY).changes[0].fields
    assert fields["StandardSalesPrice"] == Decimal(want_price)
    assert fields["SalesVatCode"] == want_vat


@pytest.mark.parametrize("rate", ["0.21", "0.09", "0.06", "0.19", "0.055"])
def test_net_price_turns_back_into_the_gross_for_every_cent(rate):
    r = Decimal(rate)
    for n in range(1, 20001):
        gross = Decimal(n) / 100
        assert cents(net_price(gross, r) * (1 + r)) == gross, gross
    # In whole cents it could not: about one gross in six at 21 % has no net cent.
    assert any(
        cents(net_price(Decimal(n) / 100, r, 2) * (1 + r)) != Decimal(n) / 100
        for n in range(1, 200)
    )


def test_untaxed_variant_and_gift_card_get_their_codes_and_gift_cards_and_services_no_stock():
    plan = plan_product(settings(), VAT, product(variant(taxable=False)), {}, set(), TODAY)
    assert plan.changes[0].fields["SalesVatCode"] == VAT.zero
    gift = product(variant(sku="GC-25", price="25.00"), is_gift_card=True, product_type="Gift Card")
    fields = plan_product(settings(), VAT, gift, {}, set(), TODAY).changes[0].fields
    assert fields["SalesVatCode"] == VAT.gift_card and fields["IsStockItem"] is False
    assert fields["StandardSalesPrice"] == Decimal("25.00")  # no VAT taken out of a gift card
    service = product(variant(sku="GIFTWRAP"), product_type="Service")
    fields = (
        plan_product(settings(service_types=["Service"]), VAT, service, {}, set(), TODAY)
        .changes[0]
        .fields
    )
    assert fields["IsStockItem"] is False


def test_a_rate_without_a_vat_code_is_reported_not_guessed():
    p = product(product_type="Books")
    plan = plan_product(settings(vat_rates={"Books": Decimal(4)}), VAT, p, {}, set(), TODAY)
    assert plan.changes == [] and "[orders.vat.domestic]" in plan.unmapped[0].reason


def test_item_group_from_product_type_with_default():
    s = settings(groups={"Shirts": "SHIRT"}, default_group="MISC")
    assert plan_product(s, VAT, product(), {}, set(), TODAY).changes[0].group_code == "SHIRT"
    other = product(product_type="Mugs")
    assert plan_product(s, VAT, other, {}, set(), TODAY).changes[0].group_code == "MISC"


def test_an_unchanged_item_costs_no_call_and_a_price_edit_only_the_price():
    same = {"TEE-S": item()}
    assert plan_product(settings(), VAT, product(), same, {"TEE-S"}, TODAY).changes == []
    edited = product(variant(price="14.52"))
    [change] = plan_product(settings(), VAT, edited, same, {"TEE-S"}, TODAY).changes
    assert change.action == "update" and change.item_id == "id-TEE-S"
    assert change.fields == {"StandardSalesPrice": Decimal("12.0000")}


@pytest.mark.parametrize(
    ("owners", "want"),
    [
        ({}, {"Description", "StandardSalesPrice"}),
        ({"price": "exact"}, {"Description"}),
        ({"description": "exact"}, {"StandardSalesPrice"}),
        ({"description": "exact", "price": "exact"}, set()),
    ],
)
def test_exact_owned_fields_are_never_overwritten(owners, want):
    s = settings(owners=OwnerSettings(**owners), groups={"Shirts": "SHIRT"})
    exact = {"TEE-S": item(desc="Our own name", price="99.00", group_code="OURS")}
    changes = plan_product(s, VAT, product(), exact, {"TEE-S"}, TODAY).changes
    sent = set(changes[0].fields) if changes else set()
    assert sent == want
    assert all(c.group_code is None for c in changes)  # item_group is Exact's by default


def test_item_group_owned_by_the_shop_moves_the_item():
    s = settings(owners=OwnerSettings(item_group="shop"), groups={"Shirts": "SHIRT"})
    [change] = plan_product(
        s, VAT, product(), {"TEE-S": item(group_code="OLD")}, set(), TODAY
    ).changes
    assert change.group_code == "SHIRT" and change.fields == {}


def test_an_item_shopsync_did_not_make_only_gets_its_owned_fields():
    foreign = {"TEE-S": item(vat_code="5", barcode="111", ours=False, price="1.00")}
    p = product(variant(barcode="222"))
    [change] = plan_product(settings(), VAT, p, foreign, set(), TODAY).changes
    assert change.fields == {"StandardSalesPrice": Decimal("10.00")}
    ours = {"TEE-S": item(vat_code="5", barcode="111", price="1.00")}
    [change] = plan_product(settings(), VAT, p, ours, {"TEE-S"}, TODAY).changes
    assert change.fields == {
        "StandardSalesPrice": Decimal("10.00"),
        "SalesVatCode": "1",
        "Barcode": "222",
    }


def test_a_deleted_product_ends_its_items_never_deletes_them():
    gone = ProductFacts("7", "", "", (), prices_include_tax=True, deleted=True)
    exact = {"TEE-S": item(), "TEE-M": item("TEE-M", end_date=TODAY)}
    changes = plan_product(settings(), VAT, gone, exact, {"TEE-S", "TEE-M"}, TODAY).changes
    assert [(c.code, c.action, c.fields) for c in changes] == [
        ("TEE-S", "inactivate", {"EndDate": TODAY})  # TEE-M was ended before: no call
    ]
    assert (
        plan_product(settings(on_delete="nothing"), VAT, gone, exact, {"TEE-S"}, TODAY).changes
        == []
    )


def test_a_variant_removed_from_a_product_ends_its_item_and_a_returning_one_is_reactivated():
    exact = {"TEE-S": item(end_date=dt.date(2026, 1, 1)), "TEE-M": item("TEE-M", desc="Tee - M")}
    changes = plan_product(settings(), VAT, product(), exact, {"TEE-S", "TEE-M"}, TODAY).changes
    assert [(c.code, c.action, c.fields) for c in changes] == [
        ("TEE-S", "update", {"EndDate": None}),
        ("TEE-M", "inactivate", {"EndDate": TODAY}),
    ]


def test_a_platform_stating_the_rate_per_product_wins_over_the_type_table():
    # CCV Shop gives each product its VAT rate; the plan takes it over [products.vat_rates].
    p = ProductFacts(
        "9", "Book", "Shirts", (variant(sku="BOOK", price="10.90"),), True, vat_rate=Decimal(9)
    )
    fields = plan_product(settings(), VAT, p, {}, set(), TODAY).changes[0].fields
    assert fields["SalesVatCode"] == "2" and fields["StandardSalesPrice"] == Decimal("10.0000")
