"""The `[payouts]` and `[paynl]` settings: which payouts to book, and to which Exact codes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator


class PayoutsSettings(BaseModel):
    model_config = {"extra": "forbid"}

    enabled: bool = True
    # Payouts issued before this date are never booked (the integration's start). Default: the
    # first import looks back `lookback_days` from its own date.
    start_date: dt.date | None = None
    # PAID only (default), or also IN_TRANSIT to book a payout as soon as Shopify sends it.
    statuses: list[Literal["PAID", "IN_TRANSIT"]] = Field(default_factory=lambda: ["PAID"])
    # Only payouts in these currencies (ISO codes); empty = every currency.
    currencies: list[str] = Field(default_factory=list)
    # Each import re-reads this many days before its cursor, to see late status changes
    # (an in-transit payout that failed, one that became paid).
    lookback_days: int = Field(14, ge=1, le=120)
    bank_journal: str = "20"  # the Exact bank journal of the Shopify Payments balance
    # A bank journal per payout currency where it is not `bank_journal` (e.g. {USD = "21"}):
    # Exact keeps one currency per bank journal.
    currency_journals: dict[str, str] = Field(default_factory=dict)
    debtors_account: str = "1300"  # receipts matched to an open invoice go against the customer
    # Receipts and refunds without a 100 % invoice match, movements shopsync has no account for
    # (lending, shipping labels, duties, …) and types a later API adds (flagged): see types.py.
    unassigned_account: str = "1990"
    payment_costs_account: str = "4500"  # Shopify's fees, billing debits and referral fees
    dispute_account: str = "1960"  # disputes, chargeback fees and their reversals
    reserve_account: str = "1950"  # reserved funds held back and released
    rounding_account: str = "8990"  # adjustments and sub-cent rounding
    # A failed or cancelled payout's money waits here until Shopify pays it out again (the
    # TRANSFER_FAILURE line of that later payout clears it).
    failed_payout_account: str = "1950"

    @field_validator("currencies")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        return [_currency(c) for c in v]

    @field_validator("currency_journals")
    @classmethod
    def _journal_codes(cls, v: dict[str, str]) -> dict[str, str]:
        return {_currency(c): j for c, j in v.items()}

    def journal_for(self, currency: str) -> str:
        return self.currency_journals.get(currency.upper(), self.bank_journal)


def _currency(code: str) -> str:
    out = code.strip().upper()
    if len(out) != 3 or not out.isalpha():
        raise ValueError(f"{code!r} is not an ISO currency code")
    return out


class PaynlSettings(BaseModel):
    """The `[paynl]` section: Pay. settlements booked as bank entries (off unless enabled)."""

    model_config = {"extra": "forbid"}

    enabled: bool = True
    api_url: str = "https://rest.pay.nl"  # GMS REST API v2
    at_code: str = Field(pattern=r"^AT-\d{4}-\d{4}$")  # My.pay.nl > Company > Tokens
    api_token: SecretStr  # credential paynl_api_token: never in the file or a log
    # Settlements dated before this day are never booked (the integration's start).
    start_date: dt.date | None = None
    # With "payout per revenue group" on, only these turnover groups (CT-####-####); empty:
    # every settlement of the merchant. `config check` asks Pay. for the merchant's groups.
    turnover_groups: list[str] = Field(default_factory=list)
    merchant: str | None = Field(None, pattern=r"^M-\d{4}-\d{4}$")  # needed with groups
    # A run reads every day from the last one it finished (or start_date, or this many days
    # back) up to today, so days missed while the daemon was down are caught up.
    lookback_days: int = Field(7, ge=1, le=120)
    bank_journal: str = "22"  # the Exact bank journal of the account Pay. pays out to
    debtors_account: str = "1300"  # matched payments and refunds go against the customer
    unassigned_account: str = "1990"  # the rest, for an operator to place
    payment_costs_account: str = "4500"  # Pay.'s transaction costs, excluding VAT
    costs_vat_account: str = "1520"  # the VAT on those costs, to reclaim
    rounding_account: str = "8990"
    # A payment or refund no open invoice matches, of an order Exact has no sales document of
    # yet: find or create its buyer from Pay.'s transaction details and book the line against
    # that account on `debtors_account` (else it stays on `unassigned_account`).
    create_relations: bool = False
    # An Exact account code: every payment or refund no open invoice matches books against this
    # one account on `debtors_account` instead (before create_relations is considered).
    standard_debtor: str | None = None

    @field_validator("turnover_groups")
    @classmethod
    def _groups(cls, v: list[str]) -> list[str]:
        for code in v:
            if not code.startswith("CT-"):
                raise ValueError(f"{code!r} is not a turnover group code (CT-####-####)")
        return v

    @model_validator(mode="after")
    def _merchant_with_groups(self) -> PaynlSettings:
        if self.turnover_groups and not self.merchant:
            raise ValueError("merchant: give the Pay. merchant code (M-####-####) with groups")
        return self
