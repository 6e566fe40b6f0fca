"""Unusable webhook bodies through the real ingress and worker: 200 once durable, then dead at once.

Hypothesis builds bodies that are signed correctly but cannot be used (not UTF-8, not JSON, not
an object, nested past 64 levels, over the size limit, ids missing or of the wrong type). Each
must be stored before its 200, end as a dead job on its first attempt with a reason an operator
understands, write nothing else, and leave the ingress serving.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.flows import build_registry
from daemon.ingress import Ingress
from daemon.serving import running_server
from daemon.worker import Worker
from state.db import Database
from state.queue import Queue
from tests.support.webhooks import shopify_headers

SECRET = "hostile-secret"
INGRESS_LIMIT = 65_536
ROUTING_LIMIT = 32_768  # as if [ingress] max_body_bytes was lowered after these were stored


@dataclass
class Served:
    url: str
    path: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    path = tmp_path_factory.mktemp("hostile") / "h.db"
    ready: dict[str, Any] = {}

    async def serve(started: anyio.Event, stop: anyio.Event) -> None:
        db = await Database.open(path)
        queue = Queue(db)
        services = SimpleNamespace(
            db=db,
            queue=queue,
            settings=SimpleNamespace(ingress=SimpleNamespace(max_body_bytes=ROUTING_LIMIT)),
        )
        app = Ingress(
            db,
            queue,
            shopify_secret=SECRET,
            exact_secret=None,
            topics=frozenset(TOPICS),
            max_body=INGRESS_LIMIT,
        )
        worker = Worker(queue, build_registry(), services, concurrency=2, idle_poll=0.05)
        try:
            async with running_server(app, lifespan="off") as url, anyio.create_task_group() as tg:
                await tg.start(worker.run)
                ready["url"] = url
                started.set()
                await stop.wait()
                worker.stop_claiming()
        finally:
            await db.close()

    with start_blocking_portal() as portal:
        started, stop = portal.call(anyio.Event), portal.call(anyio.Event)
        future = portal.start_task_soon(serve, started, stop)
        portal.call(started.wait)
        try:
            yield Served(ready["url"], path)
        finally:
            portal.call(stop.set)
            future.result(timeout=30)


def _query(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _counts(path: Path) -> dict[str, int]:
    tables = ("jobs", "receipts", "links", "cursors", "stock_dirty", "stock_holds")
    return {t: _query(path, f"SELECT count(*) FROM {t}")[0][0] for t in tables}


# -- what an unusable body looks like, and the words its dead job must use --------------------
TOPICS = {
    "orders/create": ("id", "order id"),
    "orders/paid": ("id", "order id"),
    "refunds/create": ("order_id", "order id"),
    "fulfillments/create": ("order_id", "order id"),
    "inventory_levels/update": ("inventory_item_id", "inventory item id"),
}
OBJECT = st.dictionaries(st.text(max_size=6), st.integers() | st.text(max_size=6), max_size=3)
NOT_OBJECT = (
    st.lists(st.integers(), max_size=3) | st.text(max_size=10) | st.integers() | st.none()
).map(json.dumps)
WRONG_ID = (
    st.text(max_size=8).filter(lambda s: not (s.isascii() and s.isdigit()))
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer())
    | st.lists(st.integers(), max_size=2)
    | st.integers(max_value=0)
    | st.just({})
)


@st.composite
def unusable(draw: Any) -> tuple[str, bytes, str]:
    """(topic, body, a phrase the dead job's reason must contain)."""
    topic = draw(st.sampled_from(sorted(TOPICS)))
    field, what = TOPICS[topic]
    kind = draw(st.sampled_from(["utf8", "json", "object", "deep", "size", "missing", "mistyped"]))
    if kind == "utf8":
        text = json.dumps(draw(OBJECT)).encode()
        cut = draw(st.integers(0, len(text)))
        bad = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe9"]))
        return topic, text[:cut] + bad + text[cut:], "body is not UTF-8 text"
    if kind == "json":
        text = json.dumps(draw(OBJECT))
        broken = draw(st.sampled_from(["{" + text, text[:-1], text + "}", "{'id': 1}", "NaN"]))
        return topic, broken.encode(), "body is not JSON"
    if kind == "object":
        return topic, draw(NOT_OBJECT).encode(), "not an object"
    if kind == "deep":
        depth = draw(st.integers(65, 5_000))  # 5,000 levels stay under ROUTING_LIMIT
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        inner = opener * depth + "1" + closer * draw(st.sampled_from([depth, 0]))
        return topic, ('{"id": 1, "x": ' + inner + "}").encode(), "nested deeper than 64 levels"
    if kind == "size":
        pad = "x" * draw(st.integers(ROUTING_LIMIT, INGRESS_LIMIT - 100))
        return topic, json.dumps({field: 1, "pad": pad}).encode(), "over the 32,768 limit"
    body = draw(OBJECT)
    body.pop(field, None)
    body.pop("admin_graphql_api_id", None)
    if field == "order_id":  # the refund or fulfilment's own id is fine: its order's is not
        body["id"] = draw(st.integers(1, 2**40))
    if kind == "missing":
        return topic, json.dumps(body).encode(), f"{what} is missing"
    body[field] = draw(WRONG_ID)
    return topic, json.dumps(body).encode(), what


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=unusable())
def test_an_unusable_body_is_stored_then_dead_at_once_saying_why(served, case):
    topic, body, reason = case
    before = _counts(served.path)
    webhook_id = str(uuid.uuid4())
    answer = httpx.post(
        served.url + "/webhooks/shopify",
        content=body,
        headers=shopify_headers(body, SECRET, topic, webhook_id=webhook_id),
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    # Durable before the 200: another connection sees the receipt and its job at once.
    [(receipt_body, job_id)] = _query(
        served.path, "SELECT body, job_id FROM receipts WHERE delivery_id = ?", (webhook_id,)
    )
    assert receipt_body == body and job_id is not None

    deadline = time.monotonic() + 30
    while True:
        [(state, attempts, error)] = _query(
            served.path, "SELECT state, attempts, last_error FROM jobs WHERE id = ?", (job_id,)
        )
        if state not in ("queued", "running") or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert (state, attempts) == ("dead", 1), (state, attempts, error)
    assert reason in error, error
    assert "Error:" not in error and "codec" not in error  # words, not a Python exception
    [(outcome, traceback)] = _query(
        served.path, "SELECT outcome, traceback FROM job_attempts WHERE job_id = ?", (job_id,)
    )
    assert outcome == "dead" and "RecursionError" not in (traceback or "")
    after = _counts(served.path)
    assert after == {**before, "jobs": before["jobs"] + 1, "receipts": before["receipts"] + 1}
    assert httpx.get(served.url + "/healthz", timeout=10).json()["db"] == "ok"
