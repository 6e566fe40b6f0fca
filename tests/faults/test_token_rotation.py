"""Exact's single-use refresh tokens under faults, against a real `shopsync run`.

1. The access token expires while work is flowing: every worker needing Exact shares one refresh.
2. The daemon is SIGKILLed right after Exact rotated the refresh token, before the answer
   reached it: on restart it tries the stored (spent) token exactly once, pauses what needs
   Exact with a hint instead of hammering the token endpoint, and after the operator runs
   `shopsync auth exact` everything done meanwhile syncs, once.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time

import httpx
import pytest

from connectors.exact.oauth import OAuthApp, authorize_url
from tests.faults.harness import chaos
from tests.faults.support import query, size, wait_until

pytestmark = pytest.mark.slow


def _tokens(c) -> dict:
    return c.exact("GET", "/state")["tokens"]


def _operator_reauthorizes(c) -> str:
    """What an operator does: grant access in the browser, hand the code to the CLI."""
    s = c.settings.exact
    app = OAuthApp(c.url, s.client_id, s.client_secret.get_secret_value(), s.redirect_uri)
    answer = httpx.get(authorize_url(app, "fault-test"), follow_redirects=False)
    code = httpx.URL(answer.headers["location"]).params["code"]
    cli = [sys.executable, "-m", "daemon.cli", "auth", "exact", "--config", str(c.config)]
    done = subprocess.run(
        [*cli, "--code", code],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.timeout(size(180, 900))
def test_an_expired_token_is_refreshed_once_and_a_kill_mid_rotation_loses_nothing(tmp_path):
    rng = random.Random(31)
    with chaos(tmp_path) as c:
        c.mixed_events(size(4, 40), rng)
        assert c.wait_in_sync(60)["orders"]["orders_in_sync"]

        # 1. Exact's clock passes the token's 600 s while traffic needs Exact from many workers.
        before = _tokens(c)
        c.exact("POST", "/clock", {"advance_seconds": 601})
        c.mixed_events(size(6, 60), rng)
        verdict = c.wait_in_sync(90)
        after = _tokens(c)
        assert verdict["orders"]["orders_in_sync"] and not verdict["stock_mismatches"], verdict
        assert after["refreshes"] - before["refreshes"] == 1, (before, after)
        assert after["refused"] == before["refused"], "no refresh may reuse a spent token"

        # 2. Exact rotates the token, the answer stalls, and the daemon dies in between.
        c.exact("POST", "/faults", {"token_stall_s": 30})
        c.exact("POST", "/clock", {"advance_seconds": 601})
        wait_until(lambda: _tokens(c)["refreshes"] > after["refreshes"], 30, "Exact rotated")
        c.kill_daemon()
        c.exact("POST", "/faults", {"token_stall_s": 0})
        c.mixed_events(size(4, 30), rng)  # while it is down: webhooks fail and are retried
        refused = _tokens(c)["refused"]
        c.start_daemon()

        def paused() -> list:
            return query(c.db, "SELECT name, paused_reason FROM flows WHERE paused = 1")

        flows = wait_until(paused, 60, "a flow that needs Exact paused for authorization")
        assert any("shopsync auth exact" in reason for _, reason in flows), flows
        time.sleep(5)  # its workers keep asking for a token meanwhile
        assert _tokens(c)["refused"] - refused == 1, "the spent token is tried once, no more"

        said = _operator_reauthorizes(c)
        assert "Resumed flows paused for authorization" in said, said
        verdict = c.wait_in_sync(size(120, 600))
    print(verdict)
    assert verdict["lost_orders"] == [], verdict
    assert verdict["duplicated_documents"] == {}, verdict
    assert verdict["orders"]["orders_in_sync"], verdict
    assert verdict["dead_jobs"] == [], verdict
    # Seen before observe jobs kept every reported level: a restock webhook coalesced with
    # the echo of our push was lost, and a pair or two ended with Shopify above Exact.
    assert verdict["stock_mismatches"] == [], (verdict["stock_state"], verdict["stock_jobs"])
