"""A refund's credit notes and entry, planned from the order's booked documents (no I/O)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from connectors.errors import PermanentError
from connectors.shopify.models import Refund
from daemon.flows.orders.config import OrdersSettings
from daemon.flows.orders.money import exact_total
from daemon.flows.refunds.config import RefundsSettings
from daemon.flows.refunds.plan import plan_refund
from daemon.flows.refunds.storecredit import bonus_after

D = Decimal
ORDERS = OrdersSettings()
SETTINGS = RefundsSettings()
AMS, RTM = "gid://shopify/Location/1", "gid://shopify/Location/2"
WAREHOUSES = {AMS: "AMS", RTM: "RTM"}
L1, L2, GC = "gid://shopify/LineItem/11", "gid://shopify/LineItem/12", "gid://shopify/LineItem/13"


def booked(kind: str, line_id: str | None, item: str, qty: int, net: str, code="1", rate="0.21"):
    vat = (D(net) * D(rate)).quantize(D("0.01"))
    return {
        "kind": kind,
        "sku": item if kind == "product" else None,
        "item": item,
        "line_id": line_id,
        "quantity": str(qty),
        "vat_code": code,
        "vat_rate": rate,
        "net": net,
        "vat": str(vat),
        "gross": str(D(net) + vat),
    }


def doc(*lines: dict, document="salesorder", number=5001, account="acc-anna", currency="EUR"):
    return {
        "document": document,
        "number": number,
        "account": account,
        "currency": currency,
        "order_name": "#1001",
        "lines": list(lines),
    }


# #1001: 2 × SKU-1 at 24.20 (net 20.00) + 1 × SKU-2 at 12.10 + shipping 4.95 (net 4.09).
ONE_DOC = {
    "AMS": doc(
        booked("product", L1, "SKU-1", 2, "40.00"),
        booked("product", L2, "SKU-2", 1, "10.00"),
        booked("shipping", "gid://shopify/ShippingLine/1", "SHIPPING", 1, "4.09"),
    )
}


def bag(amount: Any, currency: str = "EUR", presentment: tuple[str, str] | None = None) -> dict:
    out: dict[str, Any] = {"shopMoney": {"amount": str(amount), "currencyCode": currency}}
    if presentment:
        out["presentmentMoney"] = {"amount": presentment[0], "currencyCode": presentment[1]}
    return out


def refund(
    lines=(),
    *,
    paid: list[tuple[str, str]] = (),
    shipping: tuple[str, str] | None = None,
    discrepancy: str | None = None,
    rid: int = 900,
) -> Refund:
    adjustments = []
    shipping_lines = []
    if shipping:  # (subtotal, tax) as Refund.refundShippingLines reports them
        shipping_lines.append(
            {
                "id": "gid://shopify/RefundShippingLine/1",
                "subtotalAmountSet": bag(shipping[0]),
                "taxAmountSet": bag(shipping[1]),
            }
        )
    if discrepancy:
        adjustments.append(
            {
                "id": "gid://shopify/OrderAdjustment/2",
                "reason": "REFUND_DISCREPANCY",
                "amountSet": bag(discrepancy),
                "taxAmountSet": bag(0),
            }
        )
    return Refund.model_validate(
        {
            "id": f"gid://shopify/Refund/{rid}",
            "createdAt": "2026-11-20T10:00:00Z",
            "order": {"id": "gid://shopify/Order/1", "name": "#1001"},
            "refundLineItems": {
                "nodes": [
                    {
                        "lineItem": {"id": line_id},
                        "quantity": qty,
                        "restockType": restock,
                        "location": {"id": loc} if loc else None,
                        "subtotalSet": bag(0),
                        "totalTaxSet": bag(0),
                    }
                    for line_id, qty, restock, loc in lines
                ]
            },
            "transactions": {
                "nodes": [
                    {
                        "id": f"gid://shopify/OrderTransaction/{i}",
                        "kind": "REFUND",
                        "gateway": gateway,
                        "status": "SUCCESS",
                        "amountSet": bag(amount, presentment=("26.50", "USD")),
                    }
                    for i, (gateway, amount) in enumerate(paid, 1)
                ]
            },
            "refundShippingLines": {"nodes": shipping_lines},
            "orderAdjustments": {"nodes": adjustments},
        }
    )


def entry(plan) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for ln in plan.entry:
        key = f"{ln.gl}{'/customer' if ln.customer else ''}"
        out[key] = out.get(key, D(0)) + ln.amount
    return out


def test_returned_unit_is_credited_with_the_original_item_vat_code_and_price():
    r = refund([(L1, 1, "RETURN", AMS)], paid=[("shopify_payments", "24.20")])
    plan = plan_refund(r, "#1001", ONE_DOC, WAREHOUSES, SETTINGS, ORDERS)
    (note,) = plan.credit_notes
    assert note.your_ref == "#1001/R900/AMS"
    (line,) = note.lines
    assert (line.item_code, line.quantity, line.net, line.vat_code) == ("SKU-1", 1, D("20.00"), "1")
    assert line.exact_body("item-id")["Quantity"] == -1
    assert note.total == D("24.20")
    assert entry(plan) == {"1300/customer": D("24.20"), "1990": D("-24.20")}
    assert sum(ln.amount for ln in plan.entry) == 0


def test_refunded_shipping_is_credited_with_the_shipping_vat_code():
    r = refund(shipping=("4.09", "0.86"), paid=[("shopify_payments", "4.95")])
    plan = plan_refund(r, "#1001", ONE_DOC, WAREHOUSES, SETTINGS, ORDERS)
    (line,) = plan.credit_notes[0].lines
    assert (line.kind, line.item_code, line.net, line.vat_code) == (
        "shipping",
        "SHIPPING",
        D("4.09"),
        "1",
    )
    assert plan.credited == D("4.95")
    assert sum(ln.amount for ln in plan.entry) == 0
    assert "8990" not in entry(plan)


def test_multi_location_refund_credits_the_document_of_the_restock_location():
    docs = {
        "AMS": doc(booked("product", L1, "SKU-1", 1, "20.00")),
        "RTM": doc(booked("product", L1, "SKU-1", 1, "20.00"), number=5002),
    }
    r = refund([(L1, 1, "RETURN", RTM)], paid=[("shopify_payments", "24.20")])
    plan = plan_refund(r, "#1001", docs, WAREHOUSES, SETTINGS, ORDERS)
    assert [n.your_ref for n in plan.credit_notes] == ["#1001/R900/RTM"]


def test_invoice_mode_credit_note_names_the_original_invoice():
    docs = {"AMS": doc(booked("product", L1, "SKU-1", 2, "40.00"), document="invoice")}
    r = refund([(L1, 2, "RETURN", AMS)], paid=[("shopify_payments", "48.40")])
    (note,) = plan_refund(r, "#1001", docs, WAREHOUSES, SETTINGS, ORDERS).credit_notes
    assert note.invoice_number == 5001
    assert note.journal == "70"


def test_store_credit_refund_books_the_liability_and_the_bonus_to_marketing():
    r = refund([(L1, 1, "RETURN", AMS)], paid=[("shopify_store_credit", "24.20")])
    plan = plan_refund(r, "#1001", ONE_DOC, WAREHOUSES, SETTINGS, ORDERS, bonus=D("2.42"))
    (line,) = plan.credit_notes[0].lines
    assert (line.item_code, line.vat_code, line.net) == ("SKU-1", "1", D("20.00"))
    assert entry(plan) == {
        "1300/customer": D("24.20"),
        "1810": D("-26.62"),
        "4600": D("2.42"),
    }


def test_restocking_fee_is_kept_on_the_adjustments_account():
    r = refund([(L1, 1, "RETURN", AMS)], paid=[("shopify_payments", "19.20")], discrepancy="-5.00")
    plan = plan_refund(r, "#1001", ONE_DOC, WAREHOUSES, SETTINGS, ORDERS)
    assert entry(plan) == {"1300/customer": D("24.20"), "1990": D("-19.20"), "8000": D("-5.00")}


def test_partial_then_repeated_refunds_of_one_line_credit_each_part_once():
    first = refund([(L1, 1, "RETURN", AMS)], paid=[("shopify_payments", "24.20")], rid=901)
    second = refund([(L1, 1, "NO_RESTOCK", AMS)], paid=[("shopify_payments", "24.20")], rid=902)
    plans = [
        plan_refund(r, "#1001", ONE_DOC, WAREHOUSES, SETTINGS, ORDERS) for r in (first, second)
    ]
    assert [p.credit_notes[0].your_ref for p in plans] == ["#1001/R901/AMS", "#1001/R902/AMS"]
    assert sum(p.credited for p in plans) == exact_total(D("40.00"), D("0.21"))
    assert plans[1].credit_notes[0].lines[0].restocked is False


def test_units_not_restocked_can_go_to_a_non_stock_item():
    settings = RefundsSettings(no_restock_item="REFUND")
    r = refund([(L1, 1, "NO_RESTOCK", AMS)], paid=[("shopify_payments", "24.20")])
    (line,) = plan_refund(r, "#1001", ONE_DOC, WAREHOUSES, settings, ORDERS).credit_notes[0].lines
    assert (line.item_code, line.vat_code, line.restocked) == ("REFUND", "1", False)


def test_a_refunded_gift_card_line_is_credited_outside_vat():
    docs = {"AMS": doc(booked("gift_card", GC, "GIFTCARD", 1, "50.00", code="0", rate="0"))}
    r = refund([(GC, 1, "NO_RESTOCK", None)], paid=[("shopify_payments", "50.00")])
    (line,) = plan_refund(r, "#1001", docs, WAREHOUSES, SETTINGS, ORDERS).credit_notes[0].lines
    assert (line.item_code, line.vat_code, line.total) == ("GIFTCARD", "0", D("50.00"))


def test_refund_back_onto_a_gift_card_restores_the_gift_card_liability():
    r = refund([(L2, 1, "RETURN", AMS)], paid=[("gift_card", "12.10")])
    plan = plan_refund(r, "#1001", ONE_DOC, WAREHOUSES, SETTINGS, ORDERS)
    assert entry(plan) == {"1300/customer": D("12.10"), "1800": D("-12.10")}


def test_refund_paid_in_another_currency_books_the_shop_currency_amounts():
    docs = {"AMS": doc(booked("product", L1, "SKU-1", 2, "40.00"))}
    r = refund([(L1, 1, "RETURN", AMS)], paid=[("shopify_payments", "24.20")])
    plan = plan_refund(r, "#1001", docs, WAREHOUSES, SETTINGS, ORDERS)
    assert plan.currency == "EUR"
    assert entry(plan)["1990"] == D("-24.20")  # not the 26.50 USD the buyer saw


def test_cents_from_exact_vat_arithmetic_go_to_rounding_and_the_entry_balances():
    docs = {"AMS": doc(booked("product", L1, "SKU-1", 3, "10.00"))}  # 3.333… a unit
    r = refund([(L1, 1, "RETURN", AMS)], paid=[("shopify_payments", "4.04")])
    plan = plan_refund(r, "#1001", docs, WAREHOUSES, SETTINGS, ORDERS)
    assert plan.credited == D("4.03")
    assert entry(plan)["8990"] == D("0.01")
    assert sum(ln.amount for ln in plan.entry) == 0


def test_refund_far_off_the_credited_lines_is_a_dead_job_with_the_numbers():
    r = refund([(L1, 1, "RETURN", AMS)], paid=[("shopify_payments", "30.00")])
    with pytest.raises(PermanentError, match=r"paid back 30\.00"):
        plan_refund(r, "#1001", ONE_DOC, WAREHOUSES, SETTINGS, ORDERS)


def test_refund_of_a_line_not_on_any_document_names_it():
    r = refund([("gid://shopify/LineItem/99", 1, "RETURN", AMS)], paid=[])
    with pytest.raises(PermanentError, match="not on any Exact document"):
        plan_refund(r, "#1001", ONE_DOC, WAREHOUSES, SETTINGS, ORDERS)


def test_bonus_is_the_adjustment_credit_right_after_this_refunds_credit():
    txs = [
        {"event": "ORDER_REFUND", "amount": {"amount": "10.00"}, "origin": {"id": "T0"}},
        {"event": "ADJUSTMENT", "amount": {"amount": "1.00"}, "origin": None},
        {"event": "ORDER_REFUND", "amount": {"amount": "24.20"}, "origin": {"id": "T1"}},
        {"event": "ADJUSTMENT", "amount": {"amount": "2.42"}, "origin": None},
        {"event": "ORDER_PAYMENT", "amount": {"amount": "-5.00"}, "origin": {"id": "T9"}},
        {"event": "ADJUSTMENT", "amount": {"amount": "3.00"}, "origin": None},
    ]
    assert bonus_after(txs, {"T1"}) == D("2.42")
    assert bonus_after(txs, {"T7"}) == 0


def test_refunded_shipping_is_spread_over_the_documents_like_the_original():
    docs = {
        "AMS": doc(
            booked("product", L1, "SKU-1", 1, "30.00"),
            booked("shipping", "gid://shopify/ShippingLine/1", "SHIPPING", 1, "3.00"),
        ),
        "RTM": doc(
            booked("product", L2, "SKU-2", 1, "10.00"),
            booked("shipping", "gid://shopify/ShippingLine/1", "SHIPPING", 1, "1.00"),
        ),
    }
    r = refund(shipping=("4.00", "0.84"), paid=[("shopify_payments", "4.84")])
    plan = plan_refund(r, "#1001", docs, WAREHOUSES, SETTINGS, ORDERS)
    assert [(n.warehouse, n.lines[0].net) for n in plan.credit_notes] == [
        ("AMS", D("3.00")),
        ("RTM", D("1.00")),
    ]
    assert plan.credited == D("4.84")
