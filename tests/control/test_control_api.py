"""The control API over its Unix socket: status, jobs, actions, as the CLI and console see them."""

from __future__ import annotations

import httpx
import pytest

from connectors.errors import PermanentError
from daemon.control.client import ControlError

pytestmark = pytest.mark.anyio


async def _run(control, kind, key, payload=None, *, error=None, hint=None):
    """Enqueue a job and take it through one attempt: success, or death with `error`."""
    queue = control.services.queue
    job_id = await queue.enqueue(kind, key, payload or {})
    (job,) = [j for j in await queue.claim(10) if j.id == job_id]
    if error is None:
        await queue.succeed(job)
    else:
        await queue.bury(job, error, hint=hint, traceback="Traceback: boom")
    return job_id


async def test_status_shows_each_flow_as_healthy_failing_or_paused(control):
    await _run(control, "selftest.sleep", "selftest:1")
    await _run(control, "orders.export", "order:1001:AMS", error="VAT code 9 unknown", hint="Map")
    await control.services.queue.enqueue("stock.push", "stock:SKU-1:AMS")
    await control.client.pause("stock", "maintenance")

    status = await control.client.status()

    flows = {f["name"]: f for f in status["flows"]}
    assert flows["selftest"]["health"] == "healthy"
    assert flows["selftest"]["last_success"] is not None
    assert flows["orders"]["health"] == "failing"
    assert flows["orders"]["last_error"] == "VAT code 9 unknown"
    assert flows["orders"]["dead"] == 1
    assert flows["stock"]["health"] == "paused"
    assert flows["stock"]["paused_reason"] == "maintenance"
    assert status["queue"]["by_state"] == {"succeeded": 1, "dead": 1, "queued": 1}
    assert status["queue"]["by_kind"]["queued"] == {"stock.push": 1}
    assert status["throughput"]["per_minute"][-1] == 1
    assert status["schedules"] is None  # no scheduler: the console shows n/a
    assert status["version"] and status["uptime_s"] >= 0


async def test_status_reads_budgets_schedules_stats_and_alerts_defensively(control):
    class Scheduler:
        def status(self):
            return [{"name": "payouts", "last_run": None, "next_run": "2026-11-23T06:00:00+00:00"}]

        async def run_now(self, name):
            if name != "payouts":
                raise KeyError(name)
            return await control.services.queue.enqueue("payouts.import", "payout:day")

    class Tokens:
        def status(self):
            return {"authorized": True, "expires_at": "2026-11-22T23:00:00+00:00"}

    control.services.extras.update(
        scheduler=Scheduler(),
        tokens=Tokens(),
        stats={
            "stock": {"latencies_ms": [float(ms) for ms in range(100, 1100, 10)], "pushed": 7},
            "orders": {"latency_ms": {"p50": 120, "p95": 900}},
        },
    )
    await control.services.db.execute_write(
        "INSERT INTO alerts (fingerprint, rule, summary, state, first_seen, last_seen)"
        " VALUES ('f1', 'dead_jobs', '3 dead jobs in orders', 'open', 1, 2)"
    )

    status = await control.client.status()

    assert status["schedules"][0]["name"] == "payouts"
    assert status["budgets"]["exact_auth"]["authorized"] is True
    assert status["budgets"]["shopify_bucket"] is None
    stock = next(f for f in status["flows"] if f["name"] == "stock")
    assert stock["stats"]["latency_ms"] == {"p50": 590.0, "p95": 1040.0, "samples": 100}
    assert stock["stats"]["pushed"] == 7 and "latencies_ms" not in stock["stats"]
    orders = next(f for f in status["flows"] if f["name"] == "orders")
    assert orders["stats"]["latency_ms"]["p95"] == 900
    assert [a["summary"] for a in status["alerts"]] == ["3 dead jobs in orders"]
    assert (await control.client.alerts())[0]["rule"] == "dead_jobs"

    ran = await control.client.run_now("payouts")
    assert (await control.client.job(ran["job_id"]))["kind"] == "payouts.import"
    with pytest.raises(ControlError, match="no schedule"):
        await control.client.run_now("nope")


async def test_jobs_filter_by_state_kind_and_text_and_page(control):
    for n in range(7):
        key, payload = f"stock:SKU-{n}:AMS", {"sku": f"SKU-{n}"}
        await control.services.queue.enqueue("stock.push", key, payload)
    await _run(control, "orders.export", "order:1001:AMS", {"name": "#1001"}, error="no item")
    await _run(control, "orders.export", "order:1002:AMS", {"name": "#1002"})

    dead = await control.client.jobs(state="dead")
    assert [j["key"] for j in dead["jobs"]] == ["order:1001:AMS"]
    assert (await control.client.jobs(kind="orders"))["total"] == 2
    assert (await control.client.jobs(kind="stock.push", q="SKU-3"))["total"] == 1
    assert [j["key"] for j in (await control.client.jobs(q="#1002"))["jobs"]] == ["order:1002:AMS"]
    assert (await control.client.jobs(q="100%"))["total"] == 0  # LIKE wildcards are literal

    first = await control.client.jobs(limit=4)
    second = await control.client.jobs(limit=4, offset=4)
    assert first["total"] == 9
    assert len(first["jobs"]) == 4 and len(second["jobs"]) == 4
    ids = [j["id"] for j in first["jobs"] + second["jobs"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 8

    with pytest.raises(ControlError, match="unknown state"):
        await control.client.jobs(state="exploded")


async def test_job_shows_payload_attempts_with_hint_and_links(control):
    job_id = await _run(
        control,
        "orders.export",
        "order:5551234:AMS",
        {"name": "#1001", "lines": [{"sku": "MUG-01", "price": "12.50"}]},
        error=str(PermanentError("Item MUG-01 does not exist", hint="create it")),
        hint="Create item MUG-01 in Exact, then retry",
    )
    await control.services.links.put(
        "sales_order", "5551234:AMS", "1b2c-guid", exact_ref="#1001-AMS"
    )

    job = await control.client.job(job_id)

    assert job["payload"]["lines"][0]["price"] == "12.50"
    assert job["hint"] == "Create item MUG-01 in Exact, then retry"
    (attempt,) = job["attempts_log"]
    assert attempt["outcome"] == "dead"
    assert "MUG-01" in attempt["error"]
    assert attempt["traceback"] == "Traceback: boom"
    assert attempt["duration_ms"] >= 0
    urls = [link["url"] for link in job["links"]]
    assert "https://admin.shopify.com/store/demo-store/orders/5551234" in urls
    assert any("SalesOrder.aspx?ID=1b2c-guid" in (u or "") for u in urls)
    with pytest.raises(ControlError, match="no job 999"):
        await control.client.job(999)


async def test_retry_cancel_and_retry_all_matching(control):
    dead = await _run(control, "orders.export", "order:1:AMS", error="boom")
    dead2 = await _run(control, "orders.export", "order:2:AMS", error="boom")
    other = await _run(control, "refunds.export", "refund:3", error="boom")
    running = await control.services.queue.enqueue("stock.push", "stock:A:AMS")
    await control.services.queue.claim(10)

    answer = await control.client.retry(dead)
    assert answer["job"]["state"] == "queued" and answer["job"]["attempts"] == 0
    with pytest.raises(ControlError, match="is running") as refused:
        await control.client.retry(running)
    assert refused.value.status == 409

    assert (await control.client.cancel(dead))["job"]["state"] == "cancelled"
    assert await control.client.retry_matching(state="dead", kind="orders.export") == 1
    assert (await control.client.job(dead2))["state"] == "queued"
    assert (await control.client.job(other))["state"] == "dead"
    with pytest.raises(ControlError, match="refusing to act on every job"):
        await control.client.retry_matching()
    assert await control.client.cancel_matching(key_prefix="refund:") == 1
    await _run(control, "orders.export", "order:4:AMS", error="boom")
    await _run(control, "orders.credit", "order:5:AMS", error="boom")
    assert await control.client.retry_matching(state="dead", flow="orders") == 2
    assert await control.client.retry_matching(state="dead", flow="orders") == 0


async def test_pause_and_resume_a_flow(control):
    await control.client.pause("orders", "Exact maintenance tonight")
    assert await control.services.flows.paused() == {"orders": "Exact maintenance tonight"}
    await control.client.resume("orders")
    assert await control.services.flows.paused() == {}
    with pytest.raises(ControlError, match="not a flow name"):
        await control.client.pause("Bad Name!")


async def test_event_stream_delivers_job_state_changes(control):
    import anyio

    seen = []
    subscribed = anyio.Event()
    async with anyio.create_task_group() as tg:

        async def listen():
            async for event in control.client.events():
                seen.append(event)
                subscribed.set()  # the hello event arrived
                if event.get("type") == "job" and event.get("state") == "dead":
                    tg.cancel_scope.cancel()

        tg.start_soon(listen)
        with anyio.fail_after(10):
            await subscribed.wait()
            await _run(control, "orders.export", "order:77:AMS", error="nope")
            await anyio.sleep(30)  # cancelled by the listener
    states = [e.get("state") for e in seen if e["type"] == "job"]
    assert states == ["enqueued", "running", "dead"]


async def test_log_lines_reach_the_stream_redacted(control):
    from daemon.logs import get_logger
    from tests.support.daemon_proc import SECRETS

    get_logger("shopsync.test").warning(
        "exact refused", detail=f"bad client {SECRETS['exact_client_secret']}", access_token="x"
    )
    (line,) = [ln for ln in await control.client.logs() if ln["message"] == "exact refused"]
    assert line["level"] == "warning"
    assert line["fields"]["access_token"] == "[redacted]"
    assert SECRETS["exact_client_secret"] not in str(line)


async def test_unknown_endpoints_and_wrong_methods_say_so(control):
    transport = httpx.AsyncHTTPTransport(uds=control.socket)
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as http:
        assert (await http.get("/nope")).status_code == 404
        assert (await http.get("/jobs/1/retry")).status_code == 405
        bad = await http.post("/jobs/retry", content=b"not json")
        assert bad.status_code == 400 and "not JSON" in bad.json()["error"]
