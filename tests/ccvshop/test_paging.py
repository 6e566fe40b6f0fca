"""start/size paging with absolute next links, under each page-size cap CCV might have."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.ccvshop.client import CcvShopClient
from connectors.errors import PermanentError, TransientError

pytestmark = pytest.mark.anyio

# (cap, what the shop does above it): the real values are unpublished.
CAPS = [(100, "refuse"), (250, "refuse"), (25, "clamp"), (10, "clamp"), (250, "clamp")]


@pytest.mark.parametrize(("cap", "mode"), CAPS)
async def test_client_reads_every_order_whatever_the_page_cap(ccv, cap, mode):
    async with ccv(page_size_cap=cap, oversize_page=mode) as run:
        [product] = await run.seed_products(1)
        for _ in range(137):
            await run.control("orders", _order(product))
        ids = [o.id async for o in run.client.orders()]
        assert len(ids) == 137
        assert ids == sorted(set(ids))
        newest_first = [o.id async for o in run.client.orders(orderby="id_desc")]
        assert newest_first == ids[::-1]


async def test_oversized_page_is_refused_when_the_shop_refuses(ccv):
    async with ccv(page_size_cap=100, oversize_page="refuse") as run:
        r = await run.raw("GET", "/api/rest/v1/orders/?start=0&size=101")
        assert r.status_code == 400
        assert r.json()["status"] == 400
        assert "size" in r.json()["developermessage"]
        assert (await run.raw("GET", "/api/rest/v1/orders/?start=0&size=100")).status_code == 200


async def test_oversized_page_is_cut_to_the_cap_when_the_shop_clamps(ccv):
    async with ccv(page_size_cap=10, oversize_page="clamp") as run:
        [product] = await run.seed_products(1)
        for _ in range(12):
            await run.control("orders", _order(product))
        r = await run.raw("GET", "/api/rest/v1/orders/?start=0&size=50")
        page = r.json()
        assert page["size"] == 10 and len(page["items"]) == 10
        next_link = urlsplit(page["next"])
        assert next_link.scheme == "http" and next_link.netloc == "myshop.ccvshop.test"
        assert parse_qs(next_link.query) == {"start": ["10"], "size": ["10"]}


@pytest.mark.parametrize("query", ["start=-1&size=10", "start=0&size=0", "start=x&size=10"])
async def test_bad_paging_values_are_refused(ccv, query):
    async with ccv() as run:
        r = await run.raw("GET", f"/api/rest/v1/orders/?{query}")
        assert r.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "modified_since=2026-01-01",  # CCV orders have no modified-since filter
        "orderby=total_price",  # not a sortable field
        "status=new",  # status is an integer
        "is_paid=maybe",
    ],
)
async def test_unknown_filters_and_bad_values_are_refused(ccv, query):
    async with ccv() as run:
        r = await run.raw("GET", f"/api/rest/v1/orders/?{query}")
        assert r.status_code == 400
        assert r.json()["developermessage"].startswith("The parameter")


async def test_abandoned_checkouts_are_only_listed_when_asked_for(ccv):
    async with ccv() as run:
        [product] = await run.seed_products(1)
        done = await run.control("orders", _order(product))
        await run.control("orders", {**_order(product), "is_completed": False})
        assert [o.id async for o in run.client.orders()] == [done["id"]]
        assert len([o async for o in run.client.orders(is_completed=False)]) == 1


async def test_new_orders_are_found_by_id(ccv):
    async with ccv(page_size_cap=10, oversize_page="clamp") as run:
        [product] = await run.seed_products(1)
        first = [await run.control("orders", _order(product)) for _ in range(25)]
        later = [await run.control("orders", _order(product)) for _ in range(13)]
        found = await run.client.orders_after(first[-1]["id"])
        assert [o.id for o in found] == [o["id"] for o in later]
        assert await run.client.orders_after(later[-1]["id"]) == []


async def test_client_will_not_follow_a_next_link_to_another_host():
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [{"id": 1}], "next": "https://evil.test/x"})

    client = CcvShopClient("https://shop.test", "p", "s", transport=httpx.MockTransport(answer))
    client._verified_body = lambda method, uri, response: response.json()  # type: ignore[method-assign]
    with pytest.raises(TransientError, match="leaves the shop"):
        [item async for item in client.collection("orders/")]
    await client.aclose()


async def test_a_next_link_that_loops_is_caught():
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"items": [{"id": 1}], "next": "https://shop.test/api/rest/v1/orders/?start=0&size=100"}
        )  # fmt: skip

    client = CcvShopClient("https://shop.test", "p", "s", transport=httpx.MockTransport(answer))
    client._verified_body = lambda method, uri, response: response.json()  # type: ignore[method-assign]
    with pytest.raises(TransientError, match="circle"):
        [item async for item in client.collection("orders/")]
    await client.aclose()


async def test_unknown_resource_and_wrong_method_get_ccvs_codes(ccv):
    async with ccv() as run:
        r = await run.raw("GET", "/api/rest/v1/ordrs/")
        assert (r.status_code, r.json()["code"]) == (404, "404.20")
        r = await run.raw("DELETE", "/api/rest/v1/orders/300001/")
        assert (r.status_code, r.json()["code"]) == (405, "405.10")
        with pytest.raises(PermanentError):
            await run.client.order(424242)


def _order(product: dict) -> dict:
    return {
        "customer": {"email": "a@example.com", "first_name": "A", "country_code": "NL"},
        "rows": [{"product_id": product["id"], "count": 1}],
    }
