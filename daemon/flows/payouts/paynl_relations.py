"""Pay. receipts no open invoice matches: the Exact account each books against, if any.

With `standard_debtor` every such receipt books against that one account. With
`create_relations`, a receipt whose order Exact has no sales document of yet books against the
buyer Pay. knows (`GET /v2/transactions/{id}`: customer, company, invoice address; ../shared/
api/ccv-pay.md §2.5 E), found by link, email or VAT number or else created, as the orders flow
does. Otherwise none: the line stays on the unassigned account for an operator to place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connectors.exact.odata import substringof
from daemon.flows.orders.customers import (
    CustomerPlan,
    account_by_code,
    normalise_vat_number,
    resolve_account,
)
from daemon.flows.payouts.config import PaynlSettings
from daemon.flows.payouts.entry import PayoutLine, order_key

# The sales documents that say Exact knows an order (and so its customer) already.
DOCUMENTS = ("salesinvoice/SalesInvoices", "salesorder/SalesOrders")


def buyer_plan(details: dict[str, Any], shop_country: str) -> CustomerPlan | None:
    """The Exact account for the buyer of a Pay. transaction; None when Pay. knows no name,
    company or email to give it (the line then stays unassigned)."""
    customer = details.get("customer") or {}
    company = customer.get("company") or {}
    address = (details.get("order") or {}).get("invoiceAddress") or {}
    first = customer.get("firstName") or address.get("firstName")
    last = customer.get("lastName") or address.get("lastName")
    email = (customer.get("email") or "").strip().lower() or None
    person = " ".join(p for p in (first, last) if p)
    name = company.get("name") or person or email
    if not name:
        return None
    street = " ".join(str(p) for p in (address.get("street"), address.get("streetNumber")) if p)
    country = company.get("countryCode") or address.get("country") or ""
    country = country.upper() if len(country) == 2 and country.isalpha() else shop_country
    return CustomerPlan(
        link_key=f"email:{email}" if email else None,
        name=name,
        first_name=first,
        last_name=last,
        company=company.get("name"),
        email=email,
        phone=customer.get("phone"),
        vat_number=normalise_vat_number(company.get("vat")),
        address1=street or None,
        postcode=address.get("zipCode"),
        city=address.get("city"),
        country=country.upper(),
    )


async def resolve_relations(
    services: Any, s: PaynlSettings, unmatched: Iterable[PayoutLine]
) -> dict[str, str]:
    """Transaction id → Exact account ID for the receipts that book against a customer."""
    lines = [ln for ln in unmatched if ln.transaction_id]
    if s.standard_debtor:
        account = await account_by_code(services, s.standard_debtor, "paynl.standard_debtor")
        return {str(ln.transaction_id): account for ln in lines}
    if not s.create_relations:
        return {}
    shop_country = services.settings.orders.shop_country
    out: dict[str, str] = {}
    for ln in lines:
        key = order_key(ln.order_ref or "")
        if not key or await order_in_exact(services, key):
            continue  # Exact has the order's customer already: an operator places the line
        plan = buyer_plan(await services.paynl.transaction(ln.transaction_id), shop_country)
        if plan is not None:
            out[str(ln.transaction_id)] = await resolve_account(services, plan)
    return out


async def order_in_exact(services: Any, key: str) -> bool:
    """Whether Exact has a sales invoice or order for the shop's order `key` (YourRef is the
    order's name, '/<warehouse>' after it)."""
    for endpoint in DOCUMENTS:
        rows = await services.exact.get(
            endpoint, filter=substringof(key, "YourRef"), select=["YourRef"]
        )
        if any(order_key(str(r.get("YourRef") or "")) == key for r in rows):
            return True
    return False
