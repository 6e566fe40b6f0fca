"""Mailing addresses for control-route orders: checked as a shop's checkout checks them.

The fields are the real `MailingAddress` type's (shopify-schema/admin-2026-01.graphql: name,
firstName, lastName, company, address1, address2, city, province, provinceCode, zip, country,
countryCodeV2, phone). Postal codes follow each country's format and some countries need a
province (Shopify's checkout and Admin refuse an address otherwise: "Enter a valid postal code
for Netherlands", "Select a state / province"); a country not listed takes any postcode.
"""

from __future__ import annotations

import re
from typing import Any

from connectors.shopify.sandbox.actions_common import ActionError

COUNTRY_NAMES = {
    "NL": "Netherlands",
    "BE": "Belgium",
    "DE": "Germany",
    "FR": "France",
    "AT": "Austria",
    "LU": "Luxembourg",
    "ES": "Spain",
    "IT": "Italy",
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
}
# Postal code formats (as the countries' postal services write them; Shopify's checkout
# accepts NL's and GB's with or without the space and stores them spaced).
ZIP_FORMATS = {
    "NL": r"[1-9]\d{3} ?[A-Z]{2}",
    "BE": r"\d{4}",
    "DE": r"\d{5}",
    "FR": r"\d{5}",
    "AT": r"\d{4}",
    "LU": r"(L-)?\d{4}",
    "ES": r"\d{5}",
    "IT": r"\d{5}",
    "US": r"\d{5}(-\d{4})?",
    "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",
    "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
}
# Countries whose addresses need a province (state, province, region) by its code.
PROVINCE_REQUIRED = {"US", "CA", "ES", "IT"}
FIELDS = {
    "name",
    "first_name",
    "last_name",
    "company",
    "address1",
    "address2",
    "city",
    "province",
    "province_code",
    "zip",
    "country_code",
    "phone",
}


def default_address(country: str, first: str | None, last: str | None, company: Any) -> dict:
    """What an order without an address object gets (older tests rely on these)."""
    return {
        "first_name": first,
        "last_name": last,
        "company": company,
        "address1": "Main street 1",
        "address2": None,
        "city": "Somewhere",
        "zip": "1000 AA",
        "province": None,
        "province_code": None,
        "country": country,
        "phone": None,
    }


def parse_address(raw: Any, where: str, fallback_country: str) -> dict[str, Any]:
    """A control route's address object → the record the views read; refuses what a shop's
    checkout refuses, naming the field."""
    if not isinstance(raw, dict):
        raise ActionError(f"{where} must be an object")
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        raise ActionError(f"{where}: unknown fields {unknown}; known: {sorted(FIELDS)}")
    country = str(raw.get("country_code") or fallback_country).upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise ActionError(f"{where}.country_code must be a two-letter ISO code")
    for field in ("address1", "city"):
        if not str(raw.get(field) or "").strip():
            raise ActionError(f"{where}.{field} can't be blank")
    first, last = raw.get("first_name"), raw.get("last_name")
    if raw.get("name") and not (first or last):
        first, _, last = str(raw["name"]).partition(" ")
        last = last or None
    zip_code = str(raw.get("zip") or "").strip().upper() or None
    pattern = ZIP_FORMATS.get(country)
    if pattern is not None:
        if zip_code is None or not re.fullmatch(pattern, zip_code):
            name = COUNTRY_NAMES.get(country, country)
            raise ActionError(f"{where}.zip: Enter a valid postal code for {name}")
        if country in ("NL", "GB", "CA") and " " not in zip_code:
            cut = 4 if country == "NL" else len(zip_code) - 3  # stored spaced: "1012 AB"
            zip_code = f"{zip_code[:cut]} {zip_code[cut:]}"
    province_code = raw.get("province_code")
    if country in PROVINCE_REQUIRED and not (province_code or raw.get("province")):
        raise ActionError(f"{where}.province_code: Select a state / province")
    return {
        "first_name": first,
        "last_name": last,
        "company": raw.get("company"),
        "address1": str(raw["address1"]).strip(),
        "address2": raw.get("address2") or None,
        "city": str(raw["city"]).strip(),
        "zip": zip_code,
        "province": raw.get("province") or province_code,
        "province_code": str(province_code).upper() if province_code else None,
        "country": country,
        "phone": raw.get("phone"),
    }
