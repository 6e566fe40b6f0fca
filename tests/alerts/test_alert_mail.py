"""Alert mails end to end: rules → alerts table → alerts.send job → real SMTP on loopback."""

from __future__ import annotations

import time

import pytest

from state.db import Database
from tests.alerts.conftest import RECIPIENT, kit_for, make_settings, smtp_server

pytestmark = pytest.mark.anyio


async def test_a_dead_job_is_mailed_once_with_the_error_and_the_fix(kit, smtp):
    inbox, _ = smtp
    await kit.dead_order()

    tick = await kit.evaluator().tick()
    assert tick.opened == ["dead_job:order:1001:AMS"]
    await kit.run_jobs(lambda: inbox.messages)

    [mail] = inbox.messages
    assert mail["To"] == RECIPIENT
    assert mail["Subject"].startswith("[shopsync] ALERT: orders.export order:1001:AMS failed")
    body = mail.get_payload()
    assert "Item code HOODIE-XL does not exist" in body
    assert "Create item HOODIE-XL in Exact" in body
    assert "shopsync jobs retry --state dead" in body
    assert mail["Auto-Submitted"] == "auto-generated"


async def test_a_second_evaluation_within_the_repeat_interval_sends_nothing(kit, smtp):
    inbox, _ = smtp
    await kit.dead_order()
    evaluator = kit.evaluator()
    await evaluator.tick()
    await kit.run_jobs(lambda: inbox.messages)

    again = await evaluator.tick(now=time.time() + 1800)
    assert again.send_job is None
    assert len(await kit.jobs()) == 1
    assert len(inbox.messages) == 1


async def test_an_open_alert_is_mailed_again_after_the_repeat_interval(kit, smtp):
    inbox, _ = smtp
    await kit.dead_order()
    evaluator = kit.evaluator()
    await evaluator.tick()
    await kit.run_jobs(lambda: inbox.messages)

    later = await evaluator.tick(now=time.time() + 3601)
    assert later.send_job is not None
    await kit.run_jobs(lambda: len(inbox.messages) == 2)
    assert inbox.messages[1]["Subject"].startswith("[shopsync] STILL OPEN: orders.export")


async def test_a_restart_does_not_send_the_alert_again(kit, smtp):
    inbox, _ = smtp
    await kit.dead_order()
    await kit.evaluator().tick()
    await kit.run_jobs(lambda: inbox.messages)

    await kit.reopen()
    after_restart = await kit.evaluator().tick()
    assert after_restart.send_job is None
    assert after_restart.opened == []
    assert len(inbox.messages) == 1


async def test_a_restart_while_the_mail_waits_in_the_queue_sends_it_once(kit, smtp):
    inbox, _ = smtp
    await kit.dead_order()
    first = await kit.evaluator().tick()
    assert first.send_job is not None

    await kit.reopen()  # the daemon stopped before the worker took the send job
    assert (await kit.evaluator().tick()).send_job is None
    await kit.run_jobs(lambda: inbox.messages)
    assert len(inbox.messages) == 1
    assert [state for _, state, _ in await kit.jobs()] == ["succeeded"]


async def test_a_retried_dead_job_that_succeeds_sends_a_resolved_mail(kit, smtp):
    inbox, _ = smtp
    job_id = await kit.dead_order()
    evaluator = kit.evaluator()
    await evaluator.tick()
    await kit.run_jobs(lambda: inbox.messages)

    kit.orders.broken = False  # the operator created the item
    await kit.queue.retry([job_id])
    waiting = await evaluator.tick()
    assert waiting.resolved == []  # retried is not fixed yet
    await kit.run_jobs(lambda: _succeeded(kit, job_id))

    cleared = await evaluator.tick()
    assert cleared.resolved == ["dead_job:order:1001:AMS"]
    await kit.run_jobs(lambda: len(inbox.messages) == 2)
    resolved = inbox.messages[1]
    assert resolved["Subject"].startswith("[shopsync] RESOLVED: orders.export order:1001:AMS")
    assert "resolved" in resolved.get_payload()

    assert (await evaluator.tick(now=time.time() + 7200)).send_job is None
    assert len(inbox.messages) == 2


async def _succeeded(kit, job_id: int) -> bool:
    job = await kit.queue.get(job_id)
    return job.state == "succeeded"


async def test_alerts_within_the_group_wait_go_out_as_one_digest(tmp_path, smtp):
    inbox, port = smtp
    async with kit_for(tmp_path, make_settings(port, group_wait=30.0)) as kit:
        await kit.dead_order("order:1001:AMS")
        await kit.dead_order("order:1002:RTM")
        await kit.services.flows.pause(
            "stock", "exact: invalid_grant — Re-authorize in a browser with `shopsync auth exact`."
        )
        evaluator = kit.evaluator()
        start = time.time()
        early = await evaluator.tick(now=start)
        assert len(early.opened) == 3
        assert early.send_job is None  # still inside the group wait

        await kit.dead_order("order:1003:AMS")
        assert (await evaluator.tick(now=start + 10)).send_job is None
        assert (await evaluator.tick(now=start + 31)).send_job is not None
        await kit.run_jobs(lambda: inbox.messages)

    [digest] = inbox.messages
    assert digest["Subject"] == "[shopsync] alerts: 4 new"
    body = digest.get_payload()
    for key in ("order:1001:AMS", "order:1002:RTM", "order:1003:AMS"):
        assert key in body
    assert "Exact Online access is refused" in body
    assert "shopsync auth exact" in body
    assert "Paused flows: stock" in body


async def test_an_alert_that_clears_within_the_group_wait_is_never_mailed(tmp_path, smtp):
    inbox, port = smtp
    async with kit_for(tmp_path, make_settings(port, group_wait=60.0)) as kit:
        job_id = await kit.dead_order()
        evaluator = kit.evaluator()
        start = time.time()
        await evaluator.tick(now=start)
        await kit.queue.cancel([job_id])  # the operator dealt with it at once
        assert (await evaluator.tick(now=start + 5)).resolved == ["dead_job:order:1001:AMS"]
        assert (await evaluator.tick(now=start + 120)).send_job is None
    assert inbox.messages == []


async def test_smtp_down_the_send_job_retries_and_the_mail_arrives_later(tmp_path):
    with smtp_server() as (_, port):
        pass  # a port where nothing listens any more
    async with kit_for(tmp_path, make_settings(port)) as kit:
        await kit.dead_order()
        evaluator = kit.evaluator()
        sent = (await evaluator.tick()).send_job

        await kit.run_jobs(lambda: _attempts(kit.db, sent, 2))
        [(_, state, error)] = await kit.jobs()
        assert state == "retrying"
        assert f"could not reach the mail relay 127.0.0.1:{port}" in error
        # While the mail waits for the relay, evaluations queue nothing twice.
        assert (await evaluator.tick()).send_job is None

        with smtp_server(port) as (inbox, _):
            await kit.run_jobs(lambda: inbox.messages)
        assert "order:1001:AMS" in inbox.messages[0]["Subject"]
        row = await kit.db.fetchone("SELECT last_sent FROM alerts")
        assert row[0] is not None
        assert (await evaluator.tick()).send_job is None


async def _attempts(db: Database, job_id: int, n: int) -> bool:
    row = await db.fetchone(
        "SELECT count(*) FROM job_attempts WHERE job_id = ? AND finished_at IS NOT NULL",
        (job_id,),
    )
    return row[0] >= n


async def test_secrets_never_reach_the_mail(kit, smtp):
    inbox, _ = smtp
    await kit.queue.enqueue("orders.export", "order:7:AMS")
    [job] = await kit.queue.claim(1)
    # A careless error message that quotes the request: the token must not go out by mail.
    await kit.queue.bury(job, "401 for Bearer abc.def.ghi with X-Token shpat_alertcanary0001")
    await kit.evaluator().tick()
    await kit.run_jobs(lambda: inbox.messages)
    raw = inbox.messages[0].as_string()
    assert "shpat_alertcanary0001" not in raw
    assert "abc.def.ghi" not in raw
    assert "[redacted]" in raw


async def test_an_alert_that_returns_before_its_all_clear_went_out_stays_quiet(tmp_path, smtp):
    inbox, port = smtp
    async with kit_for(tmp_path, make_settings(port, group_wait=60.0)) as kit:
        job_id = await kit.dead_order()
        evaluator = kit.evaluator()
        start = time.time()
        await evaluator.tick(now=start)
        await evaluator.tick(now=start + 61)
        await kit.run_jobs(lambda: inbox.messages)

        await kit.queue.cancel([job_id])
        assert (await evaluator.tick(now=start + 70)).resolved == ["dead_job:order:1001:AMS"]
        await kit.dead_order()  # the same order fails again before the all-clear is due
        back = await evaluator.tick(now=start + 80)
        assert back.opened == []
        assert (await evaluator.tick(now=start + 200)).send_job is None
    assert len(inbox.messages) == 1
