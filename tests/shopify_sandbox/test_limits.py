"""Auth, calculated cost and the leaky bucket, seen from a client over a real socket."""

import anyio
import pytest

from tests.shopify_sandbox.conftest import VERSION

pytestmark = pytest.mark.anyio

VARIANTS = "query($n: Int!) { productVariants(first: $n) { nodes { id sku } } }"


async def test_wrong_or_missing_token_gets_401_with_shopifys_error_body(shop):
    url = f"{shop.url}/admin/api/{VERSION}/graphql.json"
    for headers in ({"X-Shopify-Access-Token": "shpat_wrong"}, {}):
        r = await shop.http.post(url, json={"query": "{ shop { name } }"}, headers=headers)
        assert r.status_code == 401
        assert "Invalid API key or access token" in r.json()["errors"]
        assert "shpat_sandbox_token" not in r.text


async def test_every_answer_reports_requested_and_actual_cost(shop):
    out = await shop.gql(VARIANTS, {"n": 10})
    cost = out["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 2 + 10  # connection: 2 + first x 1 object
    assert cost["actualQueryCost"] == 12
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 1000
    assert status["restoreRate"] == 100
    assert 980 <= status["currentlyAvailable"] <= 1000


async def test_actual_cost_counts_only_what_came_back(shop):
    out = await shop.gql('{ productVariants(first: 50, query: "sku:SKU-00003") { nodes { id } } }')
    assert out["extensions"]["cost"]["requestedQueryCost"] == 52
    assert out["extensions"]["cost"]["actualQueryCost"] == 3


DELETE = """mutation { webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/1") {
  deletedWebhookSubscriptionId } }"""


@pytest.mark.parametrize("shop_options", [{"bucket_size": 50, "restore_rate": 1}])
async def test_an_empty_bucket_answers_throttled_with_http_200(shop):
    answers = [await shop.gql(DELETE) for _ in range(6)]  # a mutation costs 10; 50 fit
    assert all("errors" not in a for a in answers[:5])
    throttled = answers[5]
    assert throttled["errors"][0]["message"] == "Throttled"
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert "data" not in throttled
    cost = throttled["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 10
    assert cost["actualQueryCost"] is None
    assert cost["throttleStatus"]["currentlyAvailable"] < 10


@pytest.mark.parametrize("shop_options", [{"bucket_size": 1000, "restore_rate": 50}])
async def test_bucket_refills_at_the_restore_rate(shop):
    await shop.gql(VARIANTS, {"n": 250})
    await shop.gql(VARIANTS, {"n": 250})
    await shop.gql(VARIANTS, {"n": 250})
    start = await shop.gql("{ shop { name } }")
    level0 = start["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
    t0 = anyio.current_time()
    await anyio.sleep(1.0)
    end = await shop.gql("{ shop { name } }")
    elapsed = anyio.current_time() - t0
    level1 = end["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
    gained = level1 - level0
    # 50 points a second; generous bounds because the test measures a real clock.
    assert 0.5 * 50 * elapsed <= gained + 2 <= 1.5 * 50 * elapsed + 5


async def test_a_query_over_1000_points_is_refused_as_max_cost_exceeded(shop):
    out = await shop.gql("""{ products(first: 100) { nodes { id
        variants(first: 100) { nodes { id } } } } }""")
    err = out["errors"][0]
    assert err["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert "exceeds the single query max cost limit (1000)" in err["message"]
    assert out["extensions"]["cost"]["requestedQueryCost"] > 1000


async def test_page_size_over_250_is_an_error(shop):
    out = await shop.gql(VARIANTS, {"n": 251})
    assert "250" in out["errors"][0]["message"]
    assert "data" not in out


@pytest.mark.parametrize("shop_options", [{"bucket_size": 1000}])
async def test_throttle_burst_fault_throttles_the_next_requests_only(shop):
    await shop.control("PUT", "/faults", {"throttle_burst": 2})
    a = await shop.gql("{ shop { name } }")
    b = await shop.gql("{ shop { name } }")
    await anyio.sleep(0.05)
    c = await shop.gql("{ shop { name } }")
    assert a["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert b["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert c["data"]["shop"]["name"]
