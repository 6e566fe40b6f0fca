"""The credit-note plan for a CCV credit invoice: booked codes reused, CCV's total kept,
and what it cannot book refused in plain words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from connectors.ccvshop.models import Invoice, InvoiceRow
from connectors.errors import PermanentError
from daemon.flows.ccvshop_orders.credits import plan_ccv_credit
from tests.orders.factory import settings

D = Decimal
BOOKED = {
    "order_name": "ORD-1001",
    "warehouse": "AMS",
    "lines": [
        {"kind": "product", "sku": "MUG", "item": "MUG", "vat_code": "1", "vat_rate": "0.21"},
        {"kind": "product", "sku": "BOOK", "item": "BOOK", "vat_code": "2", "vat_rate": "0.09"},
        {"kind": "shipping", "sku": None, "item": "SHIPPING", "vat_code": "1", "vat_rate": "0.21"},
    ],
}


def credit(total: str, shipping: str = "0", **extra) -> Invoice:
    return Invoice(
        id=9,
        invoicenumber=5002,
        invoicenumber_full="INV-5002",
        ordernumber=1001,
        create_date=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        type="credit",
        total_price=D(total),
        total_shipping=D(shipping),
        shipping_tax_percentage=D(21),
        **extra,
    )


def row(sku: str, count: int, total: str, tax: str) -> InvoiceRow:
    return InvoiceRow(
        id=1, product_number=sku, count=D(count), price=D(0), tax=D(tax), total_price=D(total)
    )


@pytest.mark.parametrize("sign", ["-", ""])
def test_rows_and_shipping_go_back_at_the_booked_codes(sign):
    plan = plan_ccv_credit(
        credit(f"{sign}37.05", f"{sign}4.95"),
        [row("MUG", 1, f"{sign}12.10", "21"), row("BOOK", 2, f"{sign}20.00", "9")],
        BOOKED,
        settings(),
    )
    assert [(ln.item_code, ln.vat_code, ln.quantity, ln.net) for ln in plan.lines] == [
        ("MUG", "1", 1, D("10.00")),
        ("BOOK", "2", 2, D("18.35")),
        ("SHIPPING", "1", 1, D("4.09")),
    ]
    assert plan.total == plan.credited == D("37.05")
    assert plan.your_ref == "ORD-1001/INV-5002" and plan.original_ref == "ORD-1001/AMS"


def test_a_cent_of_vat_arithmetic_goes_on_a_rounding_line():
    plan = plan_ccv_credit(credit("10.00"), [row("MUG", 1, "10.00", "21")], BOOKED, settings())
    assert plan.lines[-1].kind == "rounding" and plan.total == D("10.00")


def test_a_returned_product_not_on_the_booked_invoice_is_refused():
    with pytest.raises(PermanentError, match="not on the booked invoice"):
        plan_ccv_credit(credit("5"), [row("PEN", 1, "5", "21")], BOOKED, settings())


def test_a_credit_far_off_its_rows_is_refused():
    with pytest.raises(PermanentError, match="CCV credited"):
        plan_ccv_credit(credit("50.00"), [row("MUG", 1, "12.10", "21")], BOOKED, settings())
