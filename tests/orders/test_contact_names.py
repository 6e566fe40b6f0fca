"""Buyers without a first name (guests, company orders) still get a contact Exact accepts: the
contract asks for Account and FirstName and/or LastName (crm/Contacts one_of)."""

from __future__ import annotations

import pytest

from connectors.exact.sandbox.contract_check import load_contract
from connectors.exact.sandbox.jsonio import ApiError
from daemon.flows.orders.customers import plan_customer
from tests.orders.factory import facts, line, order, settings

ACCOUNT = "00000000-0000-0000-0000-0000000000aa"


def _nameless(o, **names):
    address = o.billing_address.model_copy(update={"first_name": None, "last_name": None, **names})
    return o.model_copy(update={"billing_address": address, "shipping_address": address})


@pytest.mark.parametrize(
    "kind",
    ["guest with a last name only", "company with no person", "guest with an email only"],
)
def test_contact_without_a_first_name_passes_exacts_contract(kind):
    o = order(
        [line("SKU-1", 1, "10.00")],
        customer=False,
        company="Acme BV" if "company" in kind else None,
    )
    o = _nameless(o, last_name="Jansen" if "last name" in kind else None)
    plan = plan_customer(o, facts(o), settings())
    body = plan.contact_body(ACCOUNT)
    assert "FirstName" not in body
    assert body["LastName"]
    contacts = load_contract().require("crm/Contacts")
    load_contract().check_body(contacts, "POST", body)  # raises on what Exact would refuse


def test_the_contract_refuses_a_contact_with_no_name_at_all():
    contacts = load_contract().require("crm/Contacts")
    with pytest.raises(ApiError) as refused:
        load_contract().check_body(contacts, "POST", {"Account": ACCOUNT, "Email": "a@b.nl"})
    assert refused.value.status == 400
