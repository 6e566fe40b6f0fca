"""Every real ShopifyPaymentsTransactionType mapped to how a payout's bank entry books it.

One explicit table, one line per value of the enum in the vendored Admin schema 2026-01
(tests/payouts/test_transaction_types.py checks it holds exactly those values). Kinds:

- transfer: the payout's own line (−net); never booked, left out of the sum check.
- receipt: a charge or refund, matched to the order's open invoice or else unassigned.
- dispute, reserve, fee, adjustment, failed: each to its `[payouts]` account.
- other: real money movements shopsync has no account for (lending, shipping labels, duties,
  channel and promotion credits, …): the unassigned account, for an operator to place.

A value a later API version adds is not in the table: `kind_of` answers UNKNOWN, which books it to
the unassigned account and flags the payout (never dropped, never a silent guess).
"""

from __future__ import annotations

UNKNOWN = "unknown"

# fmt: off
KINDS: dict[str, str] = {
    # transfer
    "TRANSFER": "transfer",
    # receipt
    "CHARGE": "receipt",
    "REFUND": "receipt",
    "REFUND_FAILURE": "receipt",
    # dispute
    "CHARGEBACK_PROTECTION_CREDIT": "dispute",
    "CHARGEBACK_PROTECTION_CREDIT_REVERSAL": "dispute",
    "CHARGEBACK_PROTECTION_DEBIT": "dispute",
    "CHARGEBACK_PROTECTION_DEBIT_REVERSAL": "dispute",
    "CHARGEBACK_FEE": "dispute",
    "CHARGEBACK_FEE_REFUND": "dispute",
    "DISPUTE_WITHDRAWAL": "dispute",
    "DISPUTE_REVERSAL": "dispute",
    "CHARGEBACK_HOLD": "dispute",
    "CHARGEBACK_HOLD_RELEASE": "dispute",
    # reserve
    "RESERVED_FUNDS_WITHDRAWAL": "reserve",
    "RESERVED_FUNDS_REVERSAL": "reserve",
    "RISK_REVERSAL": "reserve",
    "RISK_WITHDRAWAL": "reserve",
    "RESERVED_FUNDS": "reserve",
    # fee
    "ACH_BANK_FAILURE_DEBIT_FEE": "fee",
    "ACH_BANK_FAILURE_DEBIT_REVERSAL_FEE": "fee",
    "MARKETPLACE_FEE_CREDIT": "fee",
    "MARKETPLACE_FEE_CREDIT_REVERSAL": "fee",
    "BILLING_DEBIT": "fee",
    "BILLING_DEBIT_REVERSAL": "fee",
    "REFERRAL_FEE": "fee",
    "REFERRAL_FEE_TAX": "fee",
    "APPLICATION_FEE_REFUND": "fee",
    "STRIPE_FEE": "fee",
    # adjustment
    "CHARGE_ADJUSTMENT": "adjustment",
    "REFUND_ADJUSTMENT": "adjustment",
    "ADJUSTMENT": "adjustment",
    # failed
    "TRANSFER_FAILURE": "failed",
    "TRANSFER_CANCEL": "failed",
    "TRANSFER_REFUND": "failed",
    # other
    "ADS_PUBLISHER_CREDIT": "other",
    "ADS_PUBLISHER_CREDIT_REVERSAL": "other",
    "COLLECTIONS_CREDIT": "other",
    "COLLECTIONS_CREDIT_REVERSAL": "other",
    "PROMOTION_CREDIT": "other",
    "PROMOTION_CREDIT_REVERSAL": "other",
    "ANOMALY_CREDIT": "other",
    "ANOMALY_CREDIT_REVERSAL": "other",
    "ANOMALY_DEBIT": "other",
    "ANOMALY_DEBIT_REVERSAL": "other",
    "VAT_REFUND_CREDIT": "other",
    "VAT_REFUND_CREDIT_REVERSAL": "other",
    "CHANNEL_CREDIT": "other",
    "CHANNEL_CREDIT_REVERSAL": "other",
    "CHANNEL_TRANSFER_CREDIT": "other",
    "CHANNEL_TRANSFER_CREDIT_REVERSAL": "other",
    "CHANNEL_TRANSFER_DEBIT": "other",
    "CHANNEL_TRANSFER_DEBIT_REVERSAL": "other",
    "CHANNEL_PROMOTION_CREDIT": "other",
    "CHANNEL_PROMOTION_CREDIT_REVERSAL": "other",
    "MERCHANT_GOODWILL_CREDIT": "other",
    "MERCHANT_GOODWILL_CREDIT_REVERSAL": "other",
    "TAX_ADJUSTMENT_DEBIT": "other",
    "TAX_ADJUSTMENT_DEBIT_REVERSAL": "other",
    "TAX_ADJUSTMENT_CREDIT": "other",
    "TAX_ADJUSTMENT_CREDIT_REVERSAL": "other",
    "SHOP_CASH_CREDIT": "other",
    "SHOP_CASH_CREDIT_REVERSAL": "other",
    "SHOP_CASH_BILLING_DEBIT": "other",
    "SHOP_CASH_BILLING_DEBIT_REVERSAL": "other",
    "SHOP_CASH_REFUND_DEBIT": "other",
    "SHOP_CASH_REFUND_DEBIT_REVERSAL": "other",
    "SHOP_CASH_CAMPAIGN_BILLING_DEBIT": "other",
    "SHOP_CASH_CAMPAIGN_BILLING_DEBIT_REVERSAL": "other",
    "SHOP_CASH_CAMPAIGN_BILLING_CREDIT": "other",
    "SHOP_CASH_CAMPAIGN_BILLING_CREDIT_REVERSAL": "other",
    "SELLER_PROTECTION_CREDIT": "other",
    "SELLER_PROTECTION_CREDIT_REVERSAL": "other",
    "SHOPIFY_COLLECTIVE_DEBIT": "other",
    "SHOPIFY_COLLECTIVE_DEBIT_REVERSAL": "other",
    "SHOPIFY_COLLECTIVE_CREDIT": "other",
    "SHOPIFY_COLLECTIVE_CREDIT_REVERSAL": "other",
    "LENDING_DEBIT": "other",
    "LENDING_DEBIT_REVERSAL": "other",
    "LENDING_CREDIT": "other",
    "LENDING_CREDIT_REVERSAL": "other",
    "LENDING_CAPITAL_REMITTANCE": "other",
    "LENDING_CAPITAL_REMITTANCE_REVERSAL": "other",
    "LENDING_CREDIT_REMITTANCE": "other",
    "LENDING_CREDIT_REMITTANCE_REVERSAL": "other",
    "LENDING_CAPITAL_REFUND": "other",
    "LENDING_CAPITAL_REFUND_REVERSAL": "other",
    "LENDING_CREDIT_REFUND": "other",
    "LENDING_CREDIT_REFUND_REVERSAL": "other",
    "BALANCE_TRANSFER_INBOUND": "other",
    "BALANCE_TRANSFER_OUTBOUND": "other",
    "MARKETS_PRO_CREDIT": "other",
    "CUSTOMS_DUTY_ADJUSTMENT": "other",
    "IMPORT_TAX_ADJUSTMENT": "other",
    "SHIPPING_LABEL_ADJUSTMENT": "other",
    "SHIPPING_LABEL_ADJUSTMENT_BASE": "other",
    "SHIPPING_LABEL_ADJUSTMENT_SURCHARGE": "other",
    "SHIPPING_RETURN_TO_ORIGIN_ADJUSTMENT": "other",
    "SHIPPING_OTHER_CARRIER_CHARGE_ADJUSTMENT": "other",
    "MERCHANT_TO_MERCHANT_DEBIT": "other",
    "MERCHANT_TO_MERCHANT_DEBIT_REVERSAL": "other",
    "MERCHANT_TO_MERCHANT_CREDIT": "other",
    "MERCHANT_TO_MERCHANT_CREDIT_REVERSAL": "other",
    "SHOPIFY_SOURCE_DEBIT": "other",
    "SHOPIFY_SOURCE_DEBIT_REVERSAL": "other",
    "SHOPIFY_SOURCE_CREDIT": "other",
    "SHOPIFY_SOURCE_CREDIT_REVERSAL": "other",
    "SHIPPING_LABEL": "other",
    "CUSTOMS_DUTY": "other",
    "IMPORT_TAX": "other",
    "ADVANCE": "other",
    "ADVANCE_FUNDING": "other",
    "IMPORT_TAX_REFUND": "other",
}
# fmt: on


def kind_of(transaction_type: str) -> str:
    """The booking kind of a balance transaction type; UNKNOWN for one this table lacks."""
    return KINDS.get(transaction_type.upper(), UNKNOWN)
