"""Chaos: mixed events while the daemon is SIGKILLed at random points and restarted.

At the end both sandboxes agree: no order lost, no document twice, stock equal, no dead job.
Short under `make test`; SHOPSYNC_CHAOS=full for 1,000 events and at least 5 kills.
"""

from __future__ import annotations

import random
import time

import pytest

from tests.faults.harness import chaos
from tests.faults.support import size

pytestmark = pytest.mark.slow


@pytest.mark.timeout(size(120, 1800))  # the full run is long by design
def test_sigkill_at_random_points_loses_and_duplicates_nothing(tmp_path):
    rng = random.Random(11)
    events, kills = size(40, 1000), size(2, 6)
    batch = events // (kills + 1)
    with chaos(tmp_path) as c:
        for _ in range(kills):
            c.mixed_events(batch, rng)
            time.sleep(rng.uniform(0.2, 2.5))  # a random point in the work the batch caused
            c.kill_daemon()
            c.mixed_events(
                rng.randint(1, 3), rng
            )  # while it is down: webhooks fail, polls catch up
            c.start_daemon()
        c.mixed_events(events - c.events.total(), rng)
        verdict = c.wait_in_sync(size(90, 600))
    print(verdict)
    assert verdict["kills"] >= kills
    assert verdict["lost_orders"] == [], verdict
    assert verdict["duplicated_documents"] == {}, verdict
    assert verdict["orders"]["orders_in_sync"], verdict
    assert verdict["stock_mismatches"] == [], (verdict["stock_state"], verdict["stock_jobs"])
    assert verdict["orders"]["deliveries"] >= c.events["fulfilled"], verdict
    assert verdict["dead_jobs"] == [], verdict
