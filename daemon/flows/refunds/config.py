"""The `[refunds]` settings: where refunds, store credit, bonuses and adjustments are booked."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field, field_validator

# The values of OrderAdjustmentDiscrepancyReason in the Admin API 2026-01 (the test
# tests/refunds/test_adjustment_reasons.py holds this to the vendored schema).
ADJUSTMENT_REASONS = frozenset(
    {
        "RESTOCK",
        "DAMAGE",
        "CUSTOMER",
        "REFUND_DISCREPANCY",
        "FULL_RETURN_BALANCING_ADJUSTMENT",
        "PENDING_REFUND_DISCREPANCY",
    }
)


class RefundsSettings(BaseModel):
    model_config = {"extra": "forbid"}

    enabled: bool = True
    credit_journal: str | None = None  # sales journal for credit notes; None = orders.sales_journal
    store_credit_gl: str = "1810"  # liability: store credit owed to customers
    bonus_gl: str = "4600"  # cost of a bonus given on top of a refund to store credit
    gift_card_gl: str = "1800"  # liability: a refund paid back onto a gift card
    # Order-level adjustments by OrderAdjustmentDiscrepancyReason (REFUND_DISCREPANCY covers
    # restocking fees and goodwill amounts); a reason not listed goes to `adjustments_gl`.
    # Refunded shipping is never an adjustment (it is credited like the original shipping).
    adjustments: dict[str, str] = Field(default_factory=lambda: {"REFUND_DISCREPANCY": "8000"})
    adjustments_gl: str = "8000"
    # A refunded unit Shopify did not restock is credited with this (non-stock) item, so Exact
    # does not take it back into stock; None credits the product itself (Exact restocks it).
    no_restock_item: str | None = None
    rounding_gl: str = "8990"  # cents between Exact's VAT arithmetic and Shopify's refund
    max_rounding: Decimal = Field(Decimal("0.05"), ge=0)  # per refund; more is an error
    # A refund that arrives before its order is in Exact waits this long between looks.
    wait_for_order: float = Field(30.0, ge=0.05)

    @field_validator("adjustments")
    @classmethod
    def _real_reasons(cls, v: dict[str, str]) -> dict[str, str]:
        out = {k.strip().upper(): gl for k, gl in v.items()}
        unknown = sorted(set(out) - ADJUSTMENT_REASONS)
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)}: not an order adjustment reason Shopify sends"
                f" (one of {', '.join(sorted(ADJUSTMENT_REASONS))})"
            )
        return out
