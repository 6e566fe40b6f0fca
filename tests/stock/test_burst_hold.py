"""A burst of stock changes is pushed in whole Shopify calls; steady traffic goes out at once."""

from __future__ import annotations

from daemon.flows.stock.burst import BURST_MIN, FULL, MAX_HOLD, hold


def _dirty(n: int, since: float) -> list[tuple[str, str, float]]:
    return [(f"SKU-{i:05d}", "Amsterdam warehouse", since + i * 0.001) for i in range(n)]


def test_steady_traffic_is_pushed_at_once():
    batch = _dirty(BURST_MIN - 1, since=100.0)
    assert hold(batch, now=100.1) == (batch, None)


def test_a_burst_sends_whole_calls_and_keeps_the_rest_for_the_next_share():
    batch = _dirty(FULL + 120, since=100.0)
    now_, wait = hold(batch, now=100.5)
    assert now_ == batch[:FULL]
    assert wait is not None and 0 < wait <= MAX_HOLD


def test_a_burst_smaller_than_one_call_waits_but_never_past_max_hold():
    batch = _dirty(BURST_MIN + 10, since=100.0)
    assert hold(batch, now=100.5)[0] == []
    assert hold(batch, now=100.0 + MAX_HOLD) == (batch, None)  # waited enough: all of it


def test_an_exact_number_of_full_calls_goes_at_once():
    batch = _dirty(2 * FULL, since=100.0)
    assert hold(batch, now=100.1) == (batch, None)
