"""Every request is signed and dated; the sandbox refuses each way of getting that wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.ccvshop import signing
from connectors.errors import AuthError

pytestmark = pytest.mark.anyio


def test_hash_matches_the_documented_formula():
    # Vectors computed from the formula in CCV's docs (public|METHOD|uri|data|date), see
    # ../shared/api/ccv-pay.md §1.2; the query string and the empty GET body are hashed.
    get = signing.sign(
        "demo", "demo", "GET", "/api/rest/v1/orders/?start=0&size=25", "", "2022-11-26T00:45:54Z"
    )
    assert get.startswith("fc7ebd4b86d86b442113a14e8e1a143d")
    patch = signing.sign(
        "demo", "demo", "PATCH", "/api/rest/v1/orders/123/", '{"status":6}', "2022-11-26T00:45:54Z"
    )
    assert patch.startswith("0e94226b96ca1ea09f7d96edb07ef83b")


@pytest.mark.parametrize(
    "text", ["2026-03-02T09:30:00Z", "2026-03-02T09:30:00+00:00", "2026-03-02T09:30:00+0000"]
)
async def test_every_date_form_working_clients_send_is_accepted(ccv, text):
    async with ccv() as run:
        r = await run.raw("GET", "/api/rest/v1/products/", date=text)
        assert r.status_code == 200, r.text
        # The answer is signed over its own x-date and raw body.
        expected = signing.sign(
            "sandbox-secret", "sandbox-public-key", "GET", "/api/rest/v1/products/",
            r.text, r.headers["x-date"],
        )  # fmt: skip
        assert r.headers["x-hash"] == expected


@pytest.mark.parametrize("status", [401, 403])
async def test_wrong_secret_is_refused_with_ccvs_error_body(ccv, status):
    async with ccv(auth_failure_status=status) as run:
        r = await run.raw("GET", "/api/rest/v1/products/", secret="not-the-secret")
        assert r.status_code == status
        body = r.json()
        assert set(body) == {"code", "status", "developermessage"}
        assert body["status"] == status
        assert "x-hash" not in r.headers  # error answers are not signed


async def test_unknown_public_key_is_refused(ccv):
    async with ccv() as run:
        r = await run.raw("GET", "/api/rest/v1/products/", public="someone-else")
        assert r.status_code == 401
        assert "public key" in r.json()["developermessage"]


async def test_missing_header_is_refused(ccv):
    async with ccv() as run:
        r = await run.http.get("http://myshop.ccvshop.test/api/rest/v1/products/")
        assert r.status_code == 401


async def test_query_string_is_part_of_the_hash(ccv):
    async with ccv() as run:
        uri = "/api/rest/v1/products/?start=0&size=10"
        r = await run.raw("GET", uri, hashed_uri="/api/rest/v1/products/")
        assert r.status_code == 401
        assert (await run.raw("GET", uri)).status_code == 200


async def test_body_is_part_of_the_hash(ccv):
    async with ccv() as run:
        [product] = await run.seed_products(1)
        uri = f"/api/rest/v1/products/{product['id']}/"
        date = signing.format_date(run.time.now())
        digest = signing.sign(
            "sandbox-secret", "sandbox-public-key", "PATCH", uri, '{"stock":1}', date
        )
        r = await run.http.patch(
            "http://myshop.ccvshop.test" + uri,
            content=b'{"stock":100}',
            headers={"x-public": "sandbox-public-key", "x-date": date, "x-hash": digest},
        )
        assert r.status_code == 401


@pytest.mark.parametrize("minutes", [-6, 6])
async def test_date_more_than_five_minutes_off_is_refused(ccv, minutes):
    async with ccv() as run:
        off = signing.format_date(run.time.now() + dt.timedelta(minutes=minutes))
        r = await run.raw("GET", "/api/rest/v1/products/", date=off)
        assert r.status_code == 401
        assert "5 minutes" in r.json()["developermessage"]
        near = signing.format_date(run.time.now() + dt.timedelta(minutes=minutes * 4 / 6))
        assert (await run.raw("GET", "/api/rest/v1/products/", date=near)).status_code == 200


async def test_unparsable_date_is_refused(ccv):
    async with ccv() as run:
        r = await run.raw("GET", "/api/rest/v1/products/", date="Mon, 02 Mar 2026 09:30:00 GMT")
        assert r.status_code == 401


async def test_client_with_the_wrong_secret_gets_an_auth_error(ccv):
    async with ccv() as run:
        run.client._secret = type(run.client._secret)("wrong")
        with pytest.raises(AuthError) as caught:
            await run.client.get("products/")
        assert "x-hash" in str(caught.value)
        assert "API settings" in caught.value.hint


async def test_client_signs_again_with_the_shops_clock_when_its_own_is_off(ccv):
    async with ccv() as run:
        await run.control("clock", {"advance_seconds": 600})  # the shop runs 10 minutes ahead
        await run.seed_products(1)
        products = [p async for p in run.client.products()]
        assert len(products) == 1
        assert run.client.skew == dt.timedelta(minutes=10)
        calls_before = run.client.calls
        await run.client.get("products/")
        assert run.client.calls == calls_before + 1  # now right the first time


async def test_client_ignores_second_level_clock_noise(ccv):
    async with ccv() as run:
        await run.control("clock", {"advance_seconds": 2})
        await run.client.get("products/")
        assert run.client.skew == dt.timedelta(0)


async def test_client_refuses_an_answer_whose_signature_is_wrong(ccv):
    from connectors.errors import TransientError

    async with ccv() as run:
        await run.control("faults", {"bad_signature": 5})
        with pytest.raises(TransientError, match="signature"):
            await run.client.get("products/")
        await run.control("faults", {"bad_signature": 0})
        await run.control("faults", {"bad_signature": 1})
        assert (await run.client.get("products/"))["items"] == []  # one retry gets through
