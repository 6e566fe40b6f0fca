"""Shopify's `customers/redact` and `shop/redact` → the erasure `shopsync privacy erase` does.

These are mandatory compliance topics, not WebhookSubscriptionTopic values (the Admin schema,
/work/shared/shopify-schema, has neither): an app gets them only by naming a URL for them in its
configuration (`compliance_topics` in shopify.app.toml, or the app's settings in the Partner or
Dev Dashboard) — https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance. So they
are accepted by the ingress but never created by `shopsync webhooks sync`.

customers/redact: `{shop_id, shop_domain, customer: {id, email, phone}, orders_to_redact: [id…]}`;
shop/redact (48 h after uninstall): `{shop_id, shop_domain}` → every receipt body is redacted.
"""

from __future__ import annotations

from typing import Any

from connectors.errors import PermanentError
from daemon.flows.webhook_body import HINT, numeric_id
from daemon.flows.webhooks import COMPLIANCE_ROUTES, JobSpec
from state.privacy import Subject, erase
from state.queue import Job

CUSTOMER_KIND = "privacy.erase_customer"
SHOP_KIND = "privacy.erase_shop"


def route_customer_redact(body: dict[str, Any]) -> list[JobSpec]:
    customer = body.get("customer")
    if not isinstance(customer, dict):
        raise PermanentError("customers/redact webhook has no customer object", hint=HINT)
    customer_id = numeric_id(customer, "id", what="customer id")
    email = customer.get("email")
    phone = customer.get("phone")
    orders = body.get("orders_to_redact") or []
    if not isinstance(orders, list):
        raise PermanentError("customers/redact orders_to_redact is not a list", hint=HINT)
    order_ids = [numeric_id({"id": o}, "id", what="order id") for o in orders]
    payload = {
        "customer_id": customer_id,
        "email": email if isinstance(email, str) else None,
        "phone": phone if isinstance(phone, str) else None,
        "orders": order_ids,
    }
    return [(CUSTOMER_KIND, f"privacy:customer:{customer_id}", payload)]


def route_shop_redact(body: dict[str, Any]) -> list[JobSpec]:
    return [(SHOP_KIND, "privacy:shop", {})]


def _said(counts: dict[str, Any]) -> str:
    parts = ", ".join(f"{table} {n}" for table, n in counts.items() if table != "wal_emptied")
    return f"erased: {parts}" + ("" if counts["wal_emptied"] else " (WAL not yet emptied)")


async def run_erase_customer(services: Any, job: Job) -> str:
    """Erase one customer; the job's own payload (which names them) is scrubbed on the way."""
    p = job.payload
    subject = Subject(
        emails={p["email"].lower()} if p.get("email") else set(),
        customer_ids={int(p["customer_id"])},
        order_ids={int(o) for o in p.get("orders") or []},
        phones={p["phone"]} if p.get("phone") else set(),
    )
    return _said(await erase(services.db, subject))


async def run_erase_shop(services: Any, job: Job) -> str:
    return _said(await erase(services.db, Subject(), everything=True))


COMPLIANCE_ROUTES["customers/redact"] = route_customer_redact
COMPLIANCE_ROUTES["shop/redact"] = route_shop_redact


def register(registry: Any) -> None:
    registry.register(CUSTOMER_KIND, run_erase_customer)
    registry.register(SHOP_KIND, run_erase_shop)
