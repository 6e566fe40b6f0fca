"""Store credit as Shopify records it: the bonus given with a refund, and credit later spent.

A refund to store credit is an ORDER_REFUND credit whose origin is the refund's transaction; a
bonus on top (e.g. +10 % for choosing credit) is the ADJUSTMENT credit without an origin made
right after it on the same account. Spending credit is a SALE on gateway shopify_store_credit.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from daemon.flows.orders.money import ZERO

STORE_CREDIT_QUERY = """
query refund_store_credit($id: ID!) {
  order(id: $id) {
    customer {
      storeCreditAccounts(first: 2) {
        nodes {
          transactions(last: 20) {
            nodes {
              __typename
              amount { amount currencyCode }
              event
              origin { ... on OrderTransaction { id } }
            }
          }
        }
      }
    }
  }
}
"""


def bonus_after(transactions: Sequence[dict[str, Any]], refund_tx_ids: set[str]) -> Decimal:
    """The ADJUSTMENT credits right after this refund's ORDER_REFUND credit (pure)."""
    bonus, after = ZERO, False
    for tx in transactions:
        origin = (tx.get("origin") or {}).get("id")
        amount = Decimal(str((tx.get("amount") or {}).get("amount") or 0))
        if tx.get("event") == "ORDER_REFUND" and origin in refund_tx_ids:
            after = True
            continue
        if after and tx.get("event") == "ADJUSTMENT" and origin is None and amount > 0:
            bonus += amount
            continue
        after = False
    return bonus


async def read_bonus(shopify: Any, order_id: str, refund_tx_ids: set[str]) -> Decimal:
    """The bonus Shopify credited with this refund (0 when none or no store credit)."""
    if not refund_tx_ids:
        return ZERO
    data = await shopify.client.execute(STORE_CREDIT_QUERY, {"id": order_id})
    customer = (data.get("order") or {}).get("customer") or {}
    bonus = ZERO
    for account in (customer.get("storeCreditAccounts") or {}).get("nodes") or []:
        txs = (account.get("transactions") or {}).get("nodes") or []
        bonus += bonus_after(txs, refund_tx_ids)
    return bonus
