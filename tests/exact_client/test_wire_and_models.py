"""Amounts travel to and from Exact as exact decimals; models read Exact's field names."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.exact import wire
from connectors.exact.models import Account, SalesOrder, StockPosition


def test_answer_numbers_are_decimals_not_floats():
    body = wire.loads(b'{"d": {"AmountFC": 0.1, "Quantity": 3, "Price": 19.999999999999999}}')
    assert body["d"]["AmountFC"] == Decimal("0.1")
    assert body["d"]["Price"] == Decimal("19.999999999999999")
    assert body["d"]["Quantity"] == 3


def test_request_amounts_keep_every_digit():
    sent = wire.dumps({"Lines": [{"NetPrice": Decimal("0.10"), "Quantity": Decimal("1E+2")}]})
    assert sent == b'{"Lines":[{"NetPrice":0.10,"Quantity":100}]}'


def test_float_amounts_are_refused():
    with pytest.raises(TypeError):
        wire.dumps({"AmountFC": 0.1})


def test_stock_position_reads_decimal_quantities():
    row = wire.loads(
        b'{"ID": "a", "Timestamp": 42, "ItemId": "i", "ItemCode": "SKU-1",'
        b' "CurrentStock": 7.5, "ReservedStock": 2, "PlanningOut": 1.25}'
    )
    pos = StockPosition.model_validate(row)
    assert pos.CurrentStock == Decimal("7.5")
    assert pos.PlanningOut == Decimal("1.25")
    assert "FreeStock" in StockPosition.select().split(",")


def test_padded_account_codes_and_odata_dates_are_cleaned():
    account = Account.model_validate({"ID": "a", "Code": "          1001", "Name": "Acme"})
    assert account.Code == "1001"
    order = SalesOrder.model_validate({"OrderID": "o", "OrderDate": "/Date(1767225600000)/"})
    assert order.OrderDate == datetime(2026, 1, 1, tzinfo=UTC)
    assert SalesOrder.key == "OrderID"
