"""Payouts booked as Exact bank entries: Shopify Payments (plan.py) and Pay. (paynl_source.py),
two sources of one bank entry plan (entry.py)."""

from __future__ import annotations

from daemon.flows.payouts.apply import book_payout, import_payouts
from daemon.flows.payouts.paynl_jobs import book_settlement, import_settlements
from daemon.worker import Registry


def register(registry: Registry) -> None:
    registry.register("payouts.import", import_payouts)
    registry.register("payouts.book", book_payout)
    registry.register("paynl.import", import_settlements)
    registry.register("paynl.book", book_settlement)
