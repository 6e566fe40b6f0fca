"""Which Exact account an order is booked to: plan (pure) and resolve (links, search, create).

Matching order: the link from an earlier order, then an Exact account with the same email, then
(for companies) the same VAT number; otherwise the account and its contact are created. In
`standard_debtor` mode, or for guests when configured, every order goes to one fixed account.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import anyio

from connectors.errors import PermanentError
from connectors.exact.odata import Filter, Guid, and_, eq, literal
from connectors.shopify.models import Address, Order
from daemon.flows.orders.config import OrdersSettings
from daemon.flows.orders.facts import OrderFacts

LOCK_STRIPES = 64


@dataclass(frozen=True)
class CustomerPlan:
    """The account to find or create; `standard_debtor` set means: book to that account code."""

    link_key: str | None  # links(entity="customer") key: the Shopify customer gid or email:…
    standard_debtor: str | None = None
    name: str = ""
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    vat_number: str | None = None
    address1: str | None = None
    address2: str | None = None
    postcode: str | None = None
    city: str | None = None
    state: str | None = None  # the province's code (Exact's Account.State), where it has one
    country: str | None = None
    language: str | None = None

    def account_body(self) -> dict[str, Any]:
        body = {
            "Name": self.name[:50],
            "Email": self.email,
            "Phone": self.phone,
            "VATNumber": self.vat_number,
            "Country": self.country,
            "AddressLine1": self.address1,
            "AddressLine2": self.address2,
            "Postcode": self.postcode,
            "City": self.city,
            "State": self.state,
            "Language": self.language,
            "IsSales": True,
            "Status": "C",
        }
        return {k: v for k, v in body.items() if v is not None}

    def contact_body(self, account_id: str) -> dict[str, Any]:
        body = {
            "Account": account_id,
            "FirstName": self.first_name,
            "LastName": self.last_name or self.name,
            "Email": self.email,
            "Phone": self.phone,
        }
        return {k: v for k, v in body.items() if v is not None}


def normalise_vat_number(value: str | None) -> str | None:
    """'nl 8123.45.678 B01' → 'NL812345678B01'; blank → None."""
    if not value:
        return None
    cleaned = "".join(c for c in value.upper() if c.isalnum())
    return cleaned or None


def vat_number_of(facts: OrderFacts, settings: OrdersSettings) -> str | None:
    wanted = {k.lower() for k in settings.customers.vat_number_attributes}
    for key, value in facts.attributes.items():
        if key.lower() in wanted and value:
            return normalise_vat_number(value)
    return None


def plan_customer(order: Order, facts: OrderFacts, settings: OrdersSettings) -> CustomerPlan:
    cfg = settings.customers
    customer = order.customer
    if cfg.mode == "standard_debtor" or (customer is None and cfg.guests_to_standard_debtor):
        if not cfg.standard_debtor:
            raise PermanentError(
                f"order {order.name} should go to the standard debtor, but none is configured",
                hint="Set orders.customers.standard_debtor to an Exact account code.",
            )
        return CustomerPlan(link_key=None, standard_debtor=cfg.standard_debtor)
    address: Address = order.billing_address or order.shipping_address or Address()
    email = (customer.email if customer else None) or order.email
    first = (customer.first_name if customer else None) or address.first_name
    last = (customer.last_name if customer else None) or address.last_name
    person = " ".join(p for p in (first, last) if p)
    company = order.company
    country = (address.country_code_v2 or settings.shop_country).upper()
    if customer is not None:
        key = customer.id
    elif email:
        key = f"email:{email.lower()}"
    else:
        key = None
    return CustomerPlan(
        link_key=key,
        name=company or person or email or f"Shopify guest {order.name}",
        first_name=first,
        last_name=last,
        company=company,
        email=email.lower() if email else None,
        phone=facts.phone or address.phone,
        vat_number=vat_number_of(facts, settings),
        address1=address.address1,
        address2=address.address2,
        postcode=address.zip,
        city=address.city,
        state=address.province_code,
        country=country,
        language=cfg.languages.get(country, cfg.default_language),
    )


async def resolve_account(services: Any, plan: CustomerPlan) -> str:
    """The Exact account ID for `plan`: linked, found, or created (with its contact)."""
    if plan.standard_debtor is not None:
        return await account_by_code(services, plan.standard_debtor)
    # Two orders of one new buyer may run at once (their jobs have different keys): a lock per
    # buyer (striped, so memory stays fixed) makes the second wait and find the first's account.
    locks = services.extras.setdefault(
        "orders.customer_locks", [anyio.Lock() for _ in range(LOCK_STRIPES)]
    )
    key = plan.link_key or plan.name
    async with locks[zlib.crc32(key.encode()) % LOCK_STRIPES]:
        account_id = await _resolve_unlocked(services, plan)
        if plan.vat_number:
            await _ensure_vat_number(services.exact, account_id, plan.vat_number)
        return account_id


async def _ensure_vat_number(exact: Any, account_id: str, vat_number: str) -> None:
    """A returning buyer who now gives a VAT number: Exact refuses ICP without it on file."""
    row = await exact.get_one("crm/Accounts", account_id, select="ID,VATNumber")
    if row is not None and not row.get("VATNumber"):
        await exact.put("crm/Accounts", account_id, {"VATNumber": vat_number})


async def _resolve_unlocked(services: Any, plan: CustomerPlan) -> str:
    exact = services.exact
    if plan.link_key:
        link = await services.links.get("customer", plan.link_key)
        if link is not None:
            return link.exact_id
    account_id = await _find_account(exact, plan)
    created = account_id is None
    if account_id is None:
        account_id = str((await exact.post("crm/Accounts", plan.account_body()))["ID"])
    if plan.email or plan.last_name or plan.name:
        # An account made just now has no contacts yet: no need to look (one call less).
        await _ensure_contact(exact, plan, account_id, search=not created)
    if plan.link_key:
        await services.links.put("customer", plan.link_key, account_id, exact_ref=plan.email)
    return account_id


async def _find_account(exact: Any, plan: CustomerPlan) -> str | None:
    if plan.email:
        rows = await exact.get("crm/Accounts", filter=eq("Email", plan.email), select="ID", top=1)
        if rows:
            return str(rows[0]["ID"])
    if plan.vat_number:
        rows = await exact.get(
            "crm/Accounts", filter=eq("VATNumber", plan.vat_number), select="ID", top=1
        )
        if rows:
            return str(rows[0]["ID"])
    if not plan.email and not plan.vat_number:
        # A guest without email: the same name at the same postcode is the same buyer.
        query = eq("Name", plan.name[:50])
        if plan.postcode:
            query = and_(query, eq("Postcode", plan.postcode))
        rows = await exact.get("crm/Accounts", filter=query, select="ID", top=1)
        if rows:
            return str(rows[0]["ID"])
    return None


async def _ensure_contact(
    exact: Any, plan: CustomerPlan, account_id: str, *, search: bool = True
) -> None:
    query = eq("Account", Guid(account_id))
    if plan.email:
        query = and_(query, eq("Email", plan.email))
    if search and await exact.get("crm/Contacts", filter=query, select="ID", top=1):
        return
    await exact.post("crm/Contacts", plan.contact_body(account_id))


async def account_by_code(
    services: Any, code: str, setting: str = "orders.customers.standard_debtor"
) -> str:
    """The Exact account with this code (a standard debtor), cached; `setting` names the key
    the operator must fix when Exact has none."""
    cache = services.extras.setdefault("orders.accounts_by_code", {})
    if code not in cache:
        # Exact stores account codes right-aligned in 18 characters: compare trimmed.
        query = Filter(f"trim(Code) eq {literal(code.strip())}")
        rows = await services.exact.get("crm/Accounts", filter=query, select="ID", top=1)
        if not rows:
            raise PermanentError(
                f"Exact has no account with code {code!r} ({setting})",
                hint=f"Create that account in Exact or fix {setting}.",
            )
        cache[code] = str(rows[0]["ID"])
    return cache[code]
