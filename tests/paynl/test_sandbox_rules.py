"""The Pay. sandbox refuses what Pay.'s GMS API refuses, with Pay.'s error body."""

from __future__ import annotations

import base64

import pytest

from tests.paynl.conftest import AT_CODE, TOKEN

pytestmark = pytest.mark.anyio


def basic(user: str = AT_CODE, password: str = TOKEN) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.mark.parametrize("headers", [{}, basic(password="wrong"), {"Authorization": "Bearer x"}])
async def test_calls_without_the_at_code_and_token_are_refused(paynl, headers):
    async with paynl() as run:
        r = await run.http.get("/v2/clearinglines", headers=headers)
    assert r.status_code == 401
    assert r.json()["detail"] == "Unauthorized. Supplied credentials are invalid"


async def test_clearings_without_the_permission_group_are_forbidden(paynl):
    async with paynl(clearing_permission=False) as run:
        r = await run.http.get("/v2/clearings/settlements", headers=basic())
        lines = await run.http.get("/v2/clearinglines", headers=basic())
    assert r.status_code == 403
    assert r.json()["detail"] == "Forbidden. Supplied credentials have no rights"
    assert lines.status_code == 200  # the older clearing lines need no extra group


@pytest.mark.parametrize(
    ("path", "blamed"),
    [
        ("/v2/clearinglines?size=10", "size"),
        ("/v2/clearinglines?limit=101", "limit"),
        ("/v2/clearinglines?limit=0", "limit"),
        ("/v2/clearinglines?clearingId[eq]=CLEARING-1", "clearingId"),  # the list spells ID
        ("/v2/clearinglines?state[gt]=SETTLED", "state[gt]"),
        ("/v2/clearings/settlements?limit=5", "limit"),  # its size parameter is unconfirmed
        ("/v2/clearings/settlements?settlementDate[gte]=2026-11-01", "settlementDate[gte]"),
        ("/v2/invoicelines?page=0", "page"),
    ],
)
async def test_unknown_parameters_operators_and_sizes_are_a_400_naming_them(paynl, path, blamed):
    async with paynl() as run:
        r = await run.http.get(path, headers=basic())
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["type"] == "https://developer.pay.nl/docs/error-codes"
    assert body["violations"][0]["propertyPath"] == blamed


async def test_an_operator_allowed_by_setting_is_served(paynl):
    async with paynl(settlement_date_operators=["eq", "gte"]) as run:
        r = await run.http.get(
            "/v2/clearings/settlements?settlementDate[gte]=2026-11-01", headers=basic()
        )
    assert r.status_code == 200, r.text


async def test_unknown_clearings_routes_and_methods_are_refused(paynl):
    async with paynl() as run:
        missing = await run.http.get("/v2/clearings/CLEARING-404/records", headers=basic())
        nowhere = await run.http.get("/v2/payouts", headers=basic())
        posted = await run.http.post("/v2/clearinglines", headers=basic())
    assert (missing.status_code, nowhere.status_code, posted.status_code) == (404, 404, 405)


async def test_the_minute_limit_answers_429_until_the_minute_has_passed(paynl):
    async with paynl(requests_per_minute=2) as run:
        codes = [
            (await run.http.get("/v2/clearinglines", headers=basic())).status_code for _ in range(3)
        ]
        run.time.moment += 60
        after = await run.http.get("/v2/clearinglines", headers=basic())
    assert codes == [200, 200, 429]
    assert after.status_code == 200


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("transactions", {"reference": "1001", "amount": "1.005"}),
        ("transactions", {"reference": "1001", "amount": "0"}),
        ("transactions", {"reference": "1001", "amount": "5", "method": "Cash"}),
        ("transactions", {"amount": "5"}),
        ("transactions", {"reference": "1", "amount": "5", "customer": {"name": "Anna"}}),
        ("transactions", {"reference": "1", "amount": "5", "customer": {"company": "Acme"}}),
        ("transactions", {"reference": "1", "amount": "5", "invoice_address": {"zip": "1011"}}),
        ("settings", {"amount_unit": "pennies"}),
    ],
)
async def test_the_control_door_refuses_what_pay_could_not_hold(paynl, route, body):
    async with paynl() as run:
        r = await run.http.request(
            "PUT" if route == "settings" else "POST", f"/_sandbox/paynl/{route}", json=body
        )
    assert r.status_code == 400, r.text


async def test_a_refund_cannot_take_back_more_than_was_paid(paynl):
    async with paynl() as run:
        paid = await run.pay("1001", "10.00")
        r = await run.http.post(
            f"/_sandbox/paynl/transactions/{paid['id']}/refund", json={"amount": "10.01"}
        )
    assert r.status_code == 400


async def test_transaction_details_carry_the_buyer_the_shop_passed_or_nulls(paynl):
    buyer = {
        "firstName": "Anna",
        "lastName": "Jansen",
        "email": "anna@example.com",
        "company": {"name": "Jansen BV", "vat": "NL001234567B01"},
    }
    async with paynl() as run:
        paid = await run.pay("1001", "10.00", customer=buyer)
        bare = await run.pay("1002", "5.00")
        refund = await run.http.post(
            f"/_sandbox/paynl/transactions/{paid['id']}/refund",
            json={"amount": "1.00", "date": "2026-11-30"},
        )
        got = (await run.http.get(f"/v2/transactions/{paid['id']}", headers=basic())).json()
        back = await run.http.get(f"/v2/transactions/{refund.json()['id']}", headers=basic())
        none = (await run.http.get(f"/v2/transactions/{bare['id']}", headers=basic())).json()
    assert got["customer"]["email"] == "anna@example.com"
    assert got["customer"]["company"] == {
        "name": "Jansen BV",
        "coc": None,
        "vat": "NL001234567B01",
        "countryCode": None,
    }
    assert back.json()["customer"]["lastName"] == "Jansen"  # a refund shows its payment's buyer
    assert none["customer"]["email"] is None and none["customer"]["company"]["name"] is None
    assert set(none["order"]["invoiceAddress"]) >= {"street", "zipCode", "city", "country"}
