"""Workers sharing one CostThrottle wait for the bucket instead of being told THROTTLED."""

import anyio
import pytest

from connectors.shopify.throttle import CostThrottle
from tests.shopify_client.conftest import sandbox_shop

pytestmark = pytest.mark.anyio

# Costs 2 + 30 × 1 = 32 points by Shopify's rules: three fit in a 100-point bucket, four do not.
VARIANTS_PAGE = "query { productVariants(first: 30) { nodes { id sku } } }"


async def test_eight_workers_on_a_small_bucket_wait_instead_of_being_throttled():
    throttle = CostThrottle()
    answers = []

    async def worker(shop):
        # Each worker has its own HTTP client, as in the daemon; the bucket is shared.
        async with shop.client(throttle=throttle) as client:
            for _ in range(6):
                data = await client.execute(VARIANTS_PAGE)
                answers.append(len(data["productVariants"]["nodes"]))

    # 48 queries × 32 points ≈ 1,500 points through a 100-point bucket refilling 1,000 a second.
    async with (
        sandbox_shop(bucket_size=100, restore_rate=1000.0) as shop,
        anyio.create_task_group() as tg,
    ):
        for _ in range(8):
            tg.start_soon(worker, shop)

    assert answers == [30] * 48
    assert throttle.throttled == 0  # not one THROTTLED answer from Shopify
    assert throttle.waits > 0  # the throttle did hold queries back


async def test_a_query_dearer_than_the_bucket_refills_waits_and_still_runs():
    throttle = CostThrottle()
    async with (
        sandbox_shop(bucket_size=100, restore_rate=500.0) as shop,
        shop.client(throttle=throttle) as client,
    ):
        for _ in range(4):
            await client.execute(VARIANTS_PAGE)
    assert throttle.throttled == 0
