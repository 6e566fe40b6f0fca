"""Each way Shopify can fail lands in the error class the worker acts on, with Shopify's words."""

import pytest
from structlog.testing import capture_logs

from connectors.errors import AuthError, PermanentError, RateLimited, TransientError
from connectors.shopify.client import raise_for_user_errors
from connectors.shopify.throttle import CostThrottle
from tests.shopify_client.conftest import TOKEN

pytestmark = pytest.mark.anyio


async def test_wrong_token_is_an_auth_error_that_never_repeats_a_token(shop):
    wrong = "shpat_wrong_token_also_secret_987654"
    async with shop.client(token=wrong) as client:
        with capture_logs() as logs, pytest.raises(AuthError) as caught:
            await client.execute("shop_info")
    err = caught.value
    assert err.status == 401
    assert err.hint
    for secret in (wrong, TOKEN):
        assert secret not in str(err) and secret not in err.hint and secret not in repr(logs)


async def test_query_shopify_cannot_parse_is_permanent_and_quotes_shopify(api):
    with pytest.raises(PermanentError) as caught:
        await api.client.execute("query { shop { noSuchField } }")
    assert "noSuchField" in caught.value.message


async def test_valid_query_returns_only_data(api, shop):
    info = await api.shop_info()
    assert info.currency_code == shop.catalogue.currency
    assert info.taxes_included is shop.catalogue.taxes_included


async def test_server_errors_are_transient(shop, api):
    await shop.control("PUT", "/faults", json={"error_rate": 1.0})
    with pytest.raises(TransientError) as caught:
        await api.shop_info()
    assert caught.value.status in (500, 502, 503)
    await shop.control("PUT", "/faults", json={"error_rate": 0.0})
    assert (await api.shop_info()).currency_code == shop.catalogue.currency


async def test_a_query_that_fails_is_sent_three_times_a_mutation_once(shop, api):
    # A query only reads, so a 5xx or a lost answer is retried at once; a mutation is not.
    await shop.control("PUT", "/faults", json={"error_rate": 1.0})
    before = shop.sandbox.requests["fault_error"]
    with pytest.raises(TransientError):
        await api.shop_info()
    assert shop.sandbox.requests["fault_error"] - before == 3
    before = shop.sandbox.requests["fault_error"]
    with pytest.raises(TransientError):
        await api.client.execute(
            "webhook_subscription_delete", {"id": "gid://shopify/WebhookSubscription/1"}
        )
    assert shop.sandbox.requests["fault_error"] - before == 1
    await shop.control("PUT", "/faults", json={"error_rate": 0.0})


async def test_connection_cut_mid_answer_is_transient(shop, api):
    await shop.control("PUT", "/faults", json={"drop_rate": 1.0})
    with pytest.raises(TransientError):
        await api.shop_info()


async def test_a_short_throttled_burst_is_absorbed_by_waiting_and_resending(shop, api):
    await shop.control("PUT", "/faults", json={"throttle_burst": 2})
    info = await api.shop_info()
    assert info.currency_code == shop.catalogue.currency
    assert api.client.throttle.throttled == 2


async def test_throttled_beyond_the_resend_cap_is_rate_limited_with_a_wait(shop):
    async with shop.client(throttle=CostThrottle(max_resends=2)) as client:
        await client.execute("shop_info")  # learn the bucket and this query's cost
        await shop.control("PUT", "/faults", json={"throttle_burst": 3})
        with pytest.raises(RateLimited) as caught:
            await client.execute("shop_info")
    # The burst drains the bucket: the wait is what refilling the query's cost takes.
    assert caught.value.retry_after is not None and caught.value.retry_after > 0
    assert caught.value.message == "Throttled"


async def test_mutation_user_errors_become_a_permanent_error_naming_the_field(api):
    data = await api.client.execute(
        "webhook_subscription_create",
        {"topic": "ORDERS_CREATE", "webhookSubscription": {"uri": "not a url", "format": "JSON"}},
    )
    with pytest.raises(PermanentError) as caught:
        raise_for_user_errors(data["webhookSubscriptionCreate"], what="subscribe ORDERS_CREATE")
    assert caught.value.field
    assert caught.value.message.startswith("subscribe ORDERS_CREATE: ")
