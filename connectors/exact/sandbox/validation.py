"""Input checks every writable entity shares, answering with Exact-style 400 messages."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .jsonio import ApiError, not_simulated, parse_decimal
from .store import Row, Store

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def reject_unknown(body: dict[str, Any], allowed: tuple[str, ...], type_name: str) -> None:
    """A property the entity code does not model. The contract check (contract_check.py) has
    already refused what Exact lacks, so what is left is Exact's but not simulated here."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    known = set(allowed) | {"__metadata"}
    for name in body:
        if name not in known:
            raise not_simulated(f"the property '{name}' of {type_name}")


def required(body: dict[str, Any], field: str) -> Any:
    value = body.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ApiError(400, f"Mandatory: {field}")
    return value


def guid(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _GUID.match(value):
        raise ApiError(400, f"Error converting value '{value}' to type 'Edm.Guid' for '{field}'.")
    return value.lower()


def reference(
    store: Store, table: str, body: dict[str, Any], field: str, *, mandatory: bool = True
) -> Row | None:
    """A GUID field that must point at an existing row of `table`."""
    value = body.get(field)
    if value is None:
        if mandatory:
            raise ApiError(400, f"Mandatory: {field}")
        return None
    row = store.get(table, guid(value, field))
    if row is None:
        raise ApiError(400, f"Invalid reference: {field} '{value}' does not exist.")
    return row


def decimal_field(body: dict[str, Any], field: str, default: Decimal | None = None) -> Decimal:
    value = body.get(field)
    if value is None:
        if default is None:
            raise ApiError(400, f"Mandatory: {field}")
        return default
    return parse_decimal(value, field)


def vat_code(store: Store, code: Any, account: Row | None) -> Row:
    """The VAT code must exist; ICP (reverse charge) needs a customer with a VAT number."""
    row = store.find("vat/VATCodes", "Code", str(code).strip())
    if row is None:
        raise ApiError(400, f"Invalid VAT code: {code}")
    if row["EUSalesListing"] == "L" and account is not None and not account.get("VATNumber"):
        raise ApiError(
            400, f"VAT code {row['Code']} is not allowed: the customer has no VAT number."
        )
    if row["IsBlocked"]:
        raise ApiError(400, f"VAT code {row['Code']} is blocked.")
    return row
