"""What CCV does not publish, as sandbox settings with cautious defaults, plus injected faults.

Each setting is a fact our sources leave open (../shared/api/ccv-pay.md §1.8): the client must
work under every allowed value, and the tests run it under each.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import Any

# The one event family CCV's own example app subscribes to (ccvshop/App-Example-Code,
# AppConnector::installWebHooks); other events are unconfirmed and must be switched on.
CONFIRMED_EVENTS = ("products.created", "products.updated", "products.deleted")


class SettingError(ValueError):
    pass


@dataclass
class Settings:
    # Largest `size` served. MarcHoog/CCVshopPythonClient clamps to 250 and sends 100 to real
    # shops; the official cap is unpublished.
    page_size_cap: int = 100
    # Above the cap: "refuse" (400) or "clamp" (serve `page_size_cap` items).
    oversize_page: str = "refuse"
    # `size` when none is given; unpublished.
    default_page_size: int = 25
    # 429.11's shop-wide total per minute; unpublished (0 = none).
    total_per_minute: int = 300
    # Status of an authentication failure; unpublished (401 or 403).
    auth_failure_status: int = 401
    # Credit invoices' amounts: "negative" or "positive" (with type "credit"); unpublished.
    credit_invoice_sign: str = "negative"
    # Webhook events the shop accepts on POST /webhooks/.
    webhook_events: list[str] = field(default_factory=lambda: list(CONFIRMED_EVENTS))
    # A webhook call's body: the whole record, {"id"} or {"id", "href"}; unpublished.
    webhook_payload: str = "href"
    # Its x-hash: HMAC-SHA512 with the webhook key over "uri|body", the body, or none.
    webhook_signature: str = "uri_body"

    _CHOICES = {  # noqa: RUF012 - a class constant, not a field
        "oversize_page": ("refuse", "clamp"),
        "auth_failure_status": (401, 403),
        "credit_invoice_sign": ("negative", "positive"),
        "webhook_payload": ("full", "id", "href"),
        "webhook_signature": ("uri_body", "body", "none"),
    }

    def update(self, body: dict[str, Any]) -> None:
        known = {f.name: f for f in fields(self)}
        for name, value in body.items():
            if name not in known:
                raise SettingError(f"unknown setting {name!r}; known: {sorted(known)}")
            current = getattr(self, name)
            if isinstance(current, list):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise SettingError(f"{name} takes a list of event names")
            elif type(value) is not type(current):
                raise SettingError(f"{name} takes a {type(current).__name__}")
            choices = self._CHOICES.get(name)
            if choices and value not in choices:
                raise SettingError(f"{name} must be one of {choices}")
            if name in ("page_size_cap", "default_page_size") and value < 1:
                raise SettingError(f"{name} must be at least 1")
            if name == "total_per_minute" and value < 0:
                raise SettingError("total_per_minute must be 0 (none) or more")
        for name, value in body.items():
            setattr(self, name, value)

    def state(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Faults:
    error_rate: float = 0.0  # share of API calls answered 500
    burst_429: int = 0  # the next N API calls answer 429.10
    bad_signature: int = 0  # the next N 2xx answers carry a wrong x-hash

    def update(self, body: dict[str, Any]) -> None:
        known = {f.name: f for f in fields(self)}
        for name, value in body.items():
            if name not in known:
                raise SettingError(f"unknown fault {name!r}; known: {sorted(known)}")
            # The control door reads JSON numbers with decimals as Decimal.
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                raise SettingError(f"{name} takes a number")
        for name, value in body.items():
            setattr(self, name, type(getattr(self, name))(value))

    def state(self) -> dict[str, Any]:
        return asdict(self)
