"""Per-method-per-resource and shop-wide minute limits: the sandbox answers 429.10 / 429.11
and the client stays under them, or waits the minute out, or says when to come back."""

from __future__ import annotations

import pytest

from connectors.ccvshop.limits import resource_of
from connectors.errors import RateLimited

pytestmark = pytest.mark.anyio


def test_resource_is_the_last_named_segment():
    assert resource_of("/api/rest/v1/orders/12/orderrows/?start=0") == "orderrows"
    assert resource_of("/api/rest/v1/orders/12") == "orders"
    assert resource_of("/api/rest/v1/orders/") == "orders"


async def test_sandbox_refuses_the_151st_read_of_a_resource_in_a_minute(ccv):
    async with ccv(total_per_minute=0) as run:
        for _ in range(150):
            assert (await run.raw("GET", "/api/rest/v1/products/")).status_code == 200
        r = await run.raw("GET", "/api/rest/v1/products/")
        assert r.status_code == 429
        assert r.json()["code"] == "429.10"
        # Another resource has its own bucket …
        assert (await run.raw("GET", "/api/rest/v1/orders/")).status_code == 200
        # … and a minute later this one is open again.
        await run.control("clock", {"advance_seconds": 61})
        assert (await run.raw("GET", "/api/rest/v1/products/")).status_code == 200


async def test_sandbox_refuses_the_101st_write_in_a_minute(ccv):
    async with ccv(total_per_minute=0) as run:
        [product] = await run.seed_products(1)
        uri = f"/api/rest/v1/products/{product['id']}/"
        for n in range(100):
            r = await run.raw("PATCH", uri, f'{{"stock":{n}}}')
            assert r.status_code == 204, r.text
        r = await run.raw("PATCH", uri, '{"stock":5}')
        assert (r.status_code, r.json()["code"]) == (429, "429.10")


async def test_sandbox_refuses_beyond_the_total_limit(ccv):
    async with ccv(total_per_minute=20) as run:
        for n in range(20):
            path = "/api/rest/v1/products/" if n % 2 else "/api/rest/v1/orders/"
            assert (await run.raw("GET", path)).status_code == 200
        r = await run.raw("GET", "/api/rest/v1/users/")
        assert (r.status_code, r.json()["code"]) == (429, "429.11")


@pytest.mark.parametrize("total", [0, 300, 60, 25])
async def test_client_reads_many_products_under_any_total_limit(ccv, total):
    async with ccv(total_per_minute=total) as run:
        products = await run.seed_products(40)
        began = run.time.now()
        for product in products * 5:  # 200 single reads: over the 150 per minute of GET products
            assert (await run.client.product(product["id"])).productnumber
        assert not run.sandbox.api.refused.get(
            "429.10"
        )  # the client kept to the per-resource limit
        assert run.client.waits > 0
        per_minute = min(150, total or 150)
        minutes = (run.time.now() - began).total_seconds() / 60
        assert minutes >= -(-200 // per_minute) - 1  # it waited, not hammered


async def test_client_waits_out_a_429_and_sends_again(ccv):
    async with ccv() as run:
        await run.seed_products(1)
        await run.control("faults", {"burst_429": 1})
        page = await run.client.get("products/")
        assert len(page["items"]) == 1
        assert run.time.slept == [60.0]  # no Retry-After: wait the documented minute


async def test_client_says_when_to_come_back_instead_of_waiting_too_long(ccv):
    async with ccv(client_max_wait=5) as run:
        await run.control("faults", {"burst_429": 1})
        with pytest.raises(RateLimited) as caught:
            await run.client.get("products/")
        assert caught.value.retry_after == 60.0
        assert run.time.slept == []


async def test_client_keeps_to_its_own_budget_before_the_shop_says_no(ccv):
    async with ccv(total_per_minute=0, client_max_wait=5) as run:
        for _ in range(150):
            await run.client.get("orders/")
        with pytest.raises(RateLimited, match="budget"):
            await run.client.get("orders/")
        assert not run.sandbox.api.refused  # nothing reached the shop to be refused
