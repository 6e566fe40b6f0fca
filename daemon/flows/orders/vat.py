"""VAT scenario of a sale (domestic, EU B2B, EU B2C/OSS, export) and its Exact VAT code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from connectors.errors import PermanentError
from daemon.flows.orders.config import OrdersSettings

ZERO = Decimal(0)


class Scenario(StrEnum):
    DOMESTIC = "domestic"  # shipped within the shop's country: the code follows the rate
    ICP = "icp"  # EU business with a VAT number: reverse charge, listed on the ICP return
    OSS = "oss"  # EU consumer abroad: the destination's rate, declared through OSS
    EXPORT = "export"  # outside the EU: zero-rated export


@dataclass(frozen=True)
class VatCode:
    code: str
    rate: Decimal  # a fraction, 0.21: what Exact charges on the net amount


def rate_key(rate: Decimal) -> str:
    """0.21 → "21", 0.055 → "5.5", 0 → "0": how rates are written in the config."""
    return f"{(rate * 100).normalize():f}"


def vat_scenario(
    settings: OrdersSettings, destination: str | None, vat_number: str | None
) -> Scenario:
    """The scenario from where the goods go, where the shop is and the buyer's VAT number."""
    country = (destination or settings.shop_country).upper()
    if country == settings.shop_country:
        return Scenario.DOMESTIC
    if country not in settings.eu_countries:
        return Scenario.EXPORT
    if vat_number:
        return Scenario.ICP
    return Scenario.OSS if settings.oss else Scenario.DOMESTIC


def _by_rate(table: dict[str, str], rate: Decimal) -> str | None:
    want = rate_key(rate)
    for key, code in table.items():
        if rate_key(Decimal(key) / 100) == want:
            return code
    return None


def vat_code_for(
    settings: OrdersSettings, scenario: Scenario, destination: str | None, rate: Decimal
) -> VatCode:
    """The Exact VAT code for a taxable line at Shopify's `rate` (a fraction) in `scenario`.

    A rate with no code in the config is a permanent error that names the key to add.
    """
    vat = settings.vat
    if scenario is Scenario.ICP:
        return VatCode(vat.icp, ZERO)
    if scenario is Scenario.EXPORT:
        return VatCode(vat.export, ZERO)
    if scenario is Scenario.OSS:
        country = (destination or "").upper()
        code = _by_rate(vat.oss.get(country, {}), rate)
        if code is None:
            raise PermanentError(
                f"no OSS VAT code for {country} at {rate_key(rate)}%",
                hint=f'Add "{rate_key(rate)}" = "<Exact VAT code>" under '
                f"[orders.vat.oss.{country}] in the config, then retry the job.",
            )
        return VatCode(code, rate)
    if not rate:
        return VatCode(vat.zero, ZERO)
    code = _by_rate(vat.domestic, rate)
    if code is None:
        raise PermanentError(
            f"no domestic VAT code for {rate_key(rate)}%",
            hint=f'Add "{rate_key(rate)}" = "<Exact VAT code>" under [orders.vat.domestic] '
            "in the config, then retry the job.",
        )
    return VatCode(code, rate)
