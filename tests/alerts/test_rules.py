"""The rules: what each one sees, in tables (pure) and over a real database and ingress."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from daemon.alerts.evaluator import HOUR, SignatureWindow
from daemon.alerts.rules import DeadJob, DueJob, FlowFailures, Snapshot, evaluate
from daemon.config import AlertSettings
from daemon.ingress import Ingress
from daemon.serving import running_server
from tests.alerts.conftest import kit_for, make_settings
from tests.support.webhooks import shopify_headers

NOW = 1_795_000_000.0
RULES = AlertSettings()  # the shipped defaults: 5 in a row, 6 h, 10 per hour, 15 min

DEAD = DeadJob(
    id=41,
    kind="orders.export",
    key="order:1001:AMS",
    attempts=1,
    error="exact: VAT code 21 is unknown in division 12345",
    hint="Map the VAT scenario to an Exact VAT code in [mapping].",
    retried=False,
)


def _flow(failures: int, failing_for: float, last_ok: float | None = None) -> FlowFailures:
    return FlowFailures(
        flow="orders",
        failures=failures,
        failing_since=NOW - failing_for,
        last_success=last_ok,
        last_error="exact: 503 Service Unavailable",
    )


CASES = [
    ("a quiet daemon", Snapshot(NOW), []),
    ("a dead job", Snapshot(NOW, dead_jobs=[DEAD]), ["dead_job:order:1001:AMS"]),
    ("four failures in a row", Snapshot(NOW, flows=[_flow(4, 600)]), []),
    ("five failures in a row", Snapshot(NOW, flows=[_flow(5, 600)]), ["flow_failing:orders"]),
    (
        "failing for six hours",
        Snapshot(NOW, flows=[_flow(2, 6 * HOUR, last_ok=NOW - 7 * HOUR)]),
        ["flow_silent:orders"],
    ),
    (
        "an auth pause and a refused Exact token fold into one alert",
        Snapshot(
            NOW,
            paused={"stock": "exact: invalid_grant — Re-authorize with `shopsync auth exact`."},
            exact_auth_problem="invalid_grant: the refresh token was revoked",
        ),
        ["auth:exact"],
    ),
    (
        "a Shopify token revoked",
        Snapshot(NOW, paused={"orders": "shopify: Invalid API key or access token (401)"}),
        ["auth:shopify"],
    ),
    ("an operator's own pause", Snapshot(NOW, paused={"stock": "stocktake until Monday"}), []),
    ("nine bad signatures", Snapshot(NOW, signature_failures_last_hour=9), []),
    ("ten bad signatures", Snapshot(NOW, signature_failures_last_hour=10), ["webhook_signatures"]),
    (
        "a job due for 14 minutes",
        Snapshot(NOW, oldest_due=DueJob(7, "stock.push", "stock:A:AMS", NOW - 14 * 60, 3)),
        [],
    ),
    (
        "a job due for 16 minutes",
        Snapshot(NOW, oldest_due=DueJob(7, "stock.push", "stock:A:AMS", NOW - 16 * 60, 3)),
        ["queue_backlog"],
    ),
]


NAMES = [c[0] for c in CASES]


@pytest.mark.parametrize(
    ("snapshot", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rule_fires_at_its_threshold(snapshot, expected):
    assert [f.fingerprint for f in evaluate(snapshot, RULES)] == expected


def test_a_rule_set_to_zero_is_off():
    off = AlertSettings(
        dead_jobs=False,
        flow_failures_in_a_row=0,
        flow_silent_hours=0,
        signature_failures_per_hour=0,
        oldest_due_minutes=0,
    )
    everything = Snapshot(
        NOW,
        dead_jobs=[DEAD],
        flows=[_flow(50, 48 * HOUR)],
        signature_failures_last_hour=500,
        oldest_due=DueJob(7, "stock.push", "stock:A:AMS", NOW - 5 * HOUR, 900),
    )
    assert evaluate(everything, off) == []


def test_each_alert_says_what_failed_and_the_fix():
    [dead] = evaluate(Snapshot(NOW, dead_jobs=[DEAD]), RULES)
    assert "VAT code 21 is unknown in division 12345" in dead.summary
    assert "Job 41 (orders.export, key order:1001:AMS) stopped after 1 attempt." in dead.detail
    assert dead.fix.startswith("Map the VAT scenario to an Exact VAT code in [mapping].")
    assert "shopsync jobs retry --state dead" in dead.fix

    [silent] = evaluate(Snapshot(NOW, flows=[_flow(3, 7 * HOUR)]), RULES)
    assert silent.summary == "flow orders has not succeeded for 7.0 hours"
    assert "503 Service Unavailable" in silent.detail

    [shopify] = evaluate(Snapshot(NOW, paused={"orders": "shopify: access token revoked"}), RULES)
    assert "`shopsync auth shopify` resumes the paused flows (orders)" in shopify.fix

    # A renewal that keeps failing is an alert before any flow is refused, with the source's fix.
    [renewal] = evaluate(
        Snapshot(
            NOW,
            shopify_auth_problem="renewing the access token failed 3 times: 503",
            shopify_auth_fix="Check the app in the Dev Dashboard.",
        ),
        RULES,
    )
    assert renewal.fingerprint == "auth:shopify"
    assert "failed 3 times" in renewal.summary
    assert renewal.fix == "Check the app in the Dev Dashboard."


def test_signature_failures_are_counted_over_the_last_hour():
    window = SignatureWindow()
    assert window.count(NOW, 3) == 3  # a young process: everything since start
    assert window.count(NOW + 1800, 12) == 12
    assert window.count(NOW + HOUR + 1, 12) == 9  # the first 3 are older than an hour
    assert window.count(NOW + 2 * HOUR + 2, 12) == 0


# -- over a real database and ingress -------------------------------------------------------


async def _fail(kit, kind: str, key: str, *, dead: bool = False) -> None:
    await kit.queue.enqueue(kind, key)
    [job] = await kit.queue.claim(1)
    if dead:
        await kit.queue.bury(job, "exact: item missing")
    else:
        await kit.queue.fail(job, "exact: 503 Service Unavailable")


@pytest.mark.anyio
async def test_a_flow_failing_five_times_in_a_row_alerts_until_it_succeeds(tmp_path, smtp):
    # A long group wait: no alerts.send job joins the queue this test claims from.
    settings = make_settings(smtp[1], dead_jobs=False, group_wait=3600.0)
    async with kit_for(tmp_path, settings) as kit:
        evaluator = kit.evaluator()
        for n in range(4):
            await _fail(kit, "payouts.book", f"payout:{n}")
        assert (await evaluator.tick()).opened == []
        await _fail(kit, "payouts.book", "payout:9", dead=True)
        assert (await evaluator.tick()).opened == ["flow_failing:payouts"]

        await kit.queue.enqueue("payouts.book", "payout:10")
        [job] = await kit.queue.claim(1)
        await kit.queue.succeed(job)
        assert (await evaluator.tick()).resolved == ["flow_failing:payouts"]


@pytest.mark.anyio
async def test_the_backlog_rule_ignores_paused_flows_and_sees_the_rest(tmp_path, smtp):
    async with kit_for(tmp_path, make_settings(smtp[1])) as kit:
        evaluator = kit.evaluator()
        await kit.queue.enqueue("stock.push", "stock:HOODIE:AMS")
        await kit.services.flows.pause("stock", "stocktake until Monday")
        later = time.time() + 20 * 60
        assert (await evaluator.tick(now=later)).opened == []
        await kit.services.flows.resume("stock")
        assert (await evaluator.tick(now=later)).opened == ["queue_backlog"]


@pytest.mark.anyio
async def test_forged_webhooks_raise_the_signature_alert(tmp_path, smtp):
    settings = make_settings(smtp[1], signature_failures_per_hour=3)
    async with kit_for(tmp_path, settings) as kit:
        ingress = Ingress(
            kit.db,
            kit.queue,
            shopify_secret="the-real-secret",
            exact_secret=None,
            topics=frozenset({"orders/create"}),
        )
        kit.services.extras["ingress"] = ingress
        evaluator = kit.evaluator()
        body = json.dumps({"id": 1}).encode()
        forged = shopify_headers(body, "a-guessed-secret", "orders/create")
        async with (
            running_server(ingress, lifespan="off") as url,
            httpx.AsyncClient(base_url=url) as client,
        ):
            for _ in range(2):
                answer = await client.post("/webhooks/shopify", content=body, headers=forged)
                assert answer.status_code == 401
            assert (await evaluator.tick()).opened == []
            await client.post("/webhooks/shopify", content=body, headers=forged)
        tick = await evaluator.tick()
        assert tick.opened == ["webhook_signatures"]
        row = await kit.db.fetchone("SELECT summary FROM alerts")
        assert row[0] == "3 webhooks with an invalid signature in the last hour"
