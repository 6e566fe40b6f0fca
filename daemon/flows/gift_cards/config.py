"""The `[gift_cards]` settings: where gift card liability, issues and expiries are booked."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class GiftCardsSettings(BaseModel):
    model_config = {"extra": "forbid"}

    enabled: bool = True
    # Cards created before this date are left alone (booked before shopsync, if at all).
    # Default: the day shopsync first looks at gift cards.
    start_date: dt.date | None = None
    memorial_journal: str = "90"  # the Exact general journal for the entries below
    liability_account: str = "1800"  # outstanding gift card balances
    # A card the merchant issues without an order (a present, a goodwill gesture) is an
    # expense when issued: debit this account, credit the liability.
    issue_account: str = "4600"
    # Expired or disabled with a balance: the rest of the liability is released here (breakage).
    expiry_account: str = "8900"
