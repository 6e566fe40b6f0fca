"""The throttle learns the bucket and each query's cost from Shopify's `extensions.cost`."""

from connectors.shopify.throttle import DEFAULT_QUERY_COST, CostThrottle


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cost(requested, available, maximum=1000, rate=100.0):
    return {
        "requestedQueryCost": requested,
        "actualQueryCost": requested,
        "throttleStatus": {
            "maximumAvailable": maximum,
            "currentlyAvailable": available,
            "restoreRate": rate,
        },
    }


def test_unknown_query_is_assumed_to_cost_the_default_until_seen():
    throttle = CostThrottle()
    assert throttle.estimated_cost("orders") == DEFAULT_QUERY_COST
    throttle.observe("orders", cost(212, 788))
    assert throttle.estimated_cost("orders") == 212
    assert throttle.estimated_cost("locations") == DEFAULT_QUERY_COST


def test_bucket_refills_at_the_restore_rate_up_to_its_maximum():
    clock = FakeClock()
    throttle = CostThrottle(clock=clock)
    throttle.observe("q", cost(50, 100, maximum=1000, rate=100))
    assert throttle.seconds_until(300) == 2.0
    clock.now += 1.5
    assert throttle.status().available == 250
    assert throttle.seconds_until(300) == 0.5
    clock.now += 60
    assert throttle.status().available == 1000


def test_throttled_answer_asks_to_wait_for_the_missing_points():
    clock = FakeClock()
    throttle = CostThrottle(clock=clock)
    throttle.observe("big", cost(400, 100, rate=50))
    assert throttle.wait_after_throttled("big") == 6.0
    assert throttle.throttled == 1


def test_answer_without_cost_changes_nothing():
    throttle = CostThrottle()
    throttle.observe("q", None)
    throttle.observe("q", {"requestedQueryCost": 10})
    assert not throttle.status().known
    assert throttle.estimated_cost("q") == 10
