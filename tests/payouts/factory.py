"""Real-looking Shopify Payments payouts and balance transactions, as the API returns them."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from connectors.shopify.models import BalanceTransaction, Payout

_ids = itertools.count(70_001)
ISSUED = dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.UTC)  # already the 21st in Amsterdam


def money(amount: str | Decimal, currency: str = "EUR") -> dict[str, Any]:
    return {"amount": str(amount), "currencyCode": currency}


def tx(
    type: str,
    amount: str,
    fee: str = "0",
    *,
    order: str | None = None,
    currency: str = "EUR",
    test: bool = False,
    net: str | None = None,
) -> BalanceTransaction:
    n = next(_ids)
    node = {
        "id": f"gid://shopify/ShopifyPaymentsBalanceTransaction/{n}",
        "type": type,
        "test": test,
        "transactionDate": "2026-11-19T10:15:00Z",
        "amount": money(amount, currency),
        "fee": money(fee, currency),
        "net": money(net if net is not None else Decimal(amount) - Decimal(fee), currency),
        "associatedOrder": (
            {"id": f"gid://shopify/Order/{order.strip('#')}", "name": order} if order else None
        ),
        "associatedPayout": {"id": None, "status": "PAID"},
    }
    return BalanceTransaction.model_validate(node)


def payout(
    txs: list[BalanceTransaction],
    *,
    status: str = "PAID",
    currency: str = "EUR",
    net: str | Decimal | None = None,
    legacy: int | None = None,
) -> Payout:
    legacy = legacy or next(_ids)
    total = sum((t.net.amount for t in txs if t.type != "TRANSFER"), Decimal(0))
    return Payout.model_validate(
        {
            "id": f"gid://shopify/ShopifyPaymentsPayout/{legacy}",
            "legacyResourceId": legacy,
            "issuedAt": ISSUED.isoformat(),
            "status": status,
            "transactionType": "DEPOSIT",
            "net": money(net if net is not None else total, currency),
        }
    )
