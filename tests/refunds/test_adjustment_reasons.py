"""Order adjustments are keyed by the real OrderAdjustmentDiscrepancyReason values, no others."""

from __future__ import annotations

import graphql
import pytest
from pydantic import ValidationError

from connectors.shopify.sandbox.schema_gen import REAL_SCHEMA
from daemon.flows.refunds.config import ADJUSTMENT_REASONS, RefundsSettings


def test_the_reasons_are_exactly_shopifys():
    schema = graphql.build_schema(REAL_SCHEMA.read_text(encoding="utf-8"), assume_valid=True)
    assert set(schema.type_map["OrderAdjustmentDiscrepancyReason"].values) == ADJUSTMENT_REASONS


def test_a_reason_shopify_never_sends_is_refused_in_the_config():
    with pytest.raises(ValidationError, match="SHIPPING_REFUND: not an order adjustment reason"):
        RefundsSettings(adjustments={"SHIPPING_REFUND": "8000"})
    assert RefundsSettings(adjustments={"restock": "8010"}).adjustments == {"RESTOCK": "8010"}
