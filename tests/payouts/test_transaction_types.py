"""The payout type table covers exactly the real ShopifyPaymentsTransactionType values."""

from __future__ import annotations

import graphql

from connectors.shopify.sandbox.schema_gen import REAL_SCHEMA
from daemon.flows.payouts.types import KINDS, UNKNOWN, kind_of


def real_values() -> set[str]:
    schema = graphql.build_schema(REAL_SCHEMA.read_text(encoding="utf-8"), assume_valid=True)
    return set(schema.type_map["ShopifyPaymentsTransactionType"].values)


def test_every_real_type_has_exactly_one_booking_kind_and_nothing_else_is_listed():
    real = real_values()
    assert len(real) > 100
    assert set(KINDS) - real == set(), "the table names a type Shopify does not have"
    assert real - set(KINDS) == set(), "a real type has no booking rule"


def test_only_the_payouts_own_transfer_line_is_left_out_of_the_books():
    assert [t for t, k in KINDS.items() if k == "transfer"] == ["TRANSFER"]
    assert kind_of("TRANSFER_FAILURE") == "failed" and kind_of("DISPUTE_WITHDRAWAL") == "dispute"
    assert kind_of("charge") == "receipt"  # case as Shopify sends it or not
    assert kind_of("SOMETHING_NEW") == UNKNOWN
