"""Shopify Payments payouts booked as Exact bank entries (issue #8); see plan.py for the rules."""

from __future__ import annotations

from daemon.flows.payouts.apply import book_payout, import_payouts
from daemon.worker import Registry


def register(registry: Registry) -> None:
    registry.register("payouts.import", import_payouts)
    registry.register("payouts.book", book_payout)
