"""Injected faults look to a client like the real failures they stand for."""

import httpx
import pytest

from tests.shopify_sandbox.conftest import TOKEN, VERSION

pytestmark = pytest.mark.anyio

QUERY = {"query": "{ shop { name } }"}


async def post(shop, read_limit: float = 5.0) -> httpx.Response:
    return await shop.http.post(
        f"{shop.url}/admin/api/{VERSION}/graphql.json",
        json=QUERY,
        headers={"X-Shopify-Access-Token": TOKEN},
        timeout=read_limit,
    )


async def test_error_rate_one_answers_every_request_with_a_5xx(shop):
    await shop.control("PUT", "/faults", {"error_rate": 1.0})
    r = await post(shop)
    assert r.status_code in (500, 502, 503)


async def test_drop_rate_one_cuts_the_connection_mid_answer(shop):
    await shop.control("PUT", "/faults", {"drop_rate": 1.0})
    with pytest.raises(httpx.RemoteProtocolError):
        await post(shop)


async def test_timeout_rate_one_never_answers(shop):
    await shop.control("PUT", "/faults", {"timeout_rate": 1.0})
    with pytest.raises(httpx.ReadTimeout):
        await post(shop, read_limit=0.3)


async def test_faults_can_be_cleared_and_the_control_surface_reports_them(shop):
    await shop.control("PUT", "/faults", {"error_rate": 1.0, "latency_ms": 5})
    cleared = await shop.control("PUT", "/faults", {"error_rate": 0})
    assert cleared["error_rate"] == 0 and cleared["latency_ms"] == 5
    assert (await post(shop)).status_code == 200
    state = await shop.control("GET", "/state")
    assert state["requests"]["graphql"] == 1
    assert "fault_error" not in state["requests"]
