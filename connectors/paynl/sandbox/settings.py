"""What Pay. does not publish, as sandbox settings with cautious defaults.

Each open fact of ../shared/api/ccv-pay.md §2.8 is a setting; the client must be right under
every allowed value, and tests run it under each. The merchant's own Pay. settings
(split by turnover group, costs settled with the balance) sit here too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


class SettingError(ValueError):
    pass


@dataclass
class Settings:
    # Settlement and record `amount.value`: "cents" (the GMS Amount schema) or "decimal" (the
    # Settlements example, value 250 beside "Funds: 250.00"). Clearing lines are always cents.
    amount_unit: str = "cents"
    # Refunds and chargebacks on clearing lines: "negative" values, or positive "debit" lines.
    refunds_as: str = "negative"
    # Whether lists carry `_links.next`; the settlement list's links are cut off in our copy.
    next_links: bool = True
    # `settlementDate` operators accepted; only the filter itself is documented.
    settlement_date_operators: list[str] = field(default_factory=lambda: ["eq"])
    # Requests per minute per token before 429 "Rate limit reached."; unpublished.
    requests_per_minute: int = 60
    # The clearing permission group Pay. activates on request; without it 403.
    clearing_permission: bool = True
    # Merchant settings (§2.3): one clearing per turnover group; costs netted from the payout.
    split_by_turnover_group: bool = False
    costs_settled_with_balance: bool = True

    _CHOICES = {  # noqa: RUF012 - a class constant, not a field
        "amount_unit": ("cents", "decimal"),
        "refunds_as": ("negative", "debit"),
    }
    _OPERATORS = ("eq", "gt", "gte", "lt", "lte")

    def update(self, body: dict[str, Any]) -> None:
        known = {f.name for f in fields(self)}
        for name, value in body.items():
            if name not in known:
                raise SettingError(f"unknown setting {name!r}; known: {sorted(known)}")
            current = getattr(self, name)
            if isinstance(current, bool) != isinstance(value, bool) or not isinstance(
                value, type(current)
            ):
                raise SettingError(f"{name} takes a {type(current).__name__}")
            choices = self._CHOICES.get(name)
            if choices and value not in choices:
                raise SettingError(f"{name} is one of {list(choices)}")
            if name == "settlement_date_operators" and not set(value) <= set(self._OPERATORS):
                raise SettingError(f"operators are among {list(self._OPERATORS)}")
        for name, value in body.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
