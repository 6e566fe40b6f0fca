"""Webhook ingress over a real socket: verified, durable before 200, deduplicated."""

from __future__ import annotations

import json
import sqlite3
from types import SimpleNamespace

import httpx
import pytest

from connectors.errors import PermanentError
from daemon.flows.webhooks import route_shopify_webhook
from daemon.ingress import Ingress
from daemon.serving import running_server
from state.db import Database
from state.queue import Queue
from tests.support.webhooks import exact_body, shopify_headers

pytestmark = pytest.mark.anyio
SECRET = "shopify-secret-123"
EXACT_SECRET = "exact-secret-456"
ORDER = json.dumps({"id": 450789469, "name": "#1001", "updated_at": "2026-11-22T10:00:00Z"})


@pytest.fixture
async def ingress(tmp_path):
    db = await Database.open(tmp_path / "i.db")
    queue = Queue(db)
    app = Ingress(
        db,
        queue,
        shopify_secret=SECRET,
        exact_secret=EXACT_SECRET.encode(),
        topics=frozenset({"orders/create", "orders/paid"}),
        max_body=4096,
    )
    async with running_server(app, lifespan="off") as url, httpx.AsyncClient(base_url=url) as c:
        yield c, db
    await db.close()


async def _count(db: Database, table: str) -> int:
    return (await db.fetchone(f"SELECT count(*) FROM {table}"))[0]


async def test_signed_webhook_is_stored_with_its_job_before_the_200(ingress):
    client, db = ingress
    body = ORDER.encode()
    r = await client.post(
        "/webhooks/shopify", content=body, headers=shopify_headers(body, SECRET, "orders/create")
    )
    assert r.status_code == 200
    receipt = await db.fetchone("SELECT topic, body, job_id, headers FROM receipts")
    assert receipt[0] == "orders/create" and receipt[1] == body
    job = await db.fetchone("SELECT kind, state, payload FROM jobs WHERE id = ?", (receipt[2],))
    assert job[0] == "webhook.shopify" and job[1] == "queued"
    assert "x-shopify-hmac-sha256" not in json.loads(receipt[3])  # the HMAC is not kept


async def test_a_routing_job_whose_receipt_was_pruned_ends_dead_saying_so(ingress):
    client, db = ingress
    body = ORDER.encode()
    headers = shopify_headers(body, SECRET, "orders/create")
    assert (
        await client.post("/webhooks/shopify", content=body, headers=headers)
    ).status_code == 200
    [job] = await Queue(db).claim(1)
    await db.execute_write("DELETE FROM receipts")  # as retention would, had it been old
    with pytest.raises(PermanentError, match=r"receipt \d+ is gone"):
        await route_shopify_webhook(SimpleNamespace(db=db), job)


async def test_forged_signature_gets_401_and_stores_nothing(ingress):
    client, db = ingress
    body = ORDER.encode()
    headers = shopify_headers(body, "wrong-secret", "orders/create")
    r = await client.post("/webhooks/shopify", content=body, headers=headers)
    assert r.status_code == 401
    tampered = shopify_headers(body, SECRET, "orders/create")
    r = await client.post("/webhooks/shopify", content=body + b" ", headers=tampered)
    assert r.status_code == 401
    r = await client.post("/webhooks/shopify", content=body, headers={"X-Shopify-Topic": "x"})
    assert r.status_code == 401
    assert await _count(db, "receipts") == 0 and await _count(db, "jobs") == 0


async def test_a_redelivery_and_a_duplicate_event_are_acknowledged_once(ingress):
    client, db = ingress
    body = ORDER.encode()
    headers = shopify_headers(body, SECRET, "orders/create", webhook_id="w-1", event_id="e-1")
    for _ in range(3):
        r = await client.post("/webhooks/shopify", content=body, headers=headers)
        assert r.status_code == 200
    other_delivery = shopify_headers(
        body, SECRET, "orders/create", webhook_id="w-2", event_id="e-1"
    )
    assert (
        await client.post("/webhooks/shopify", content=body, headers=other_delivery)
    ).json() == {"duplicate": True}
    assert await _count(db, "receipts") == 1 and await _count(db, "jobs") == 1


async def test_oversized_body_gets_413_and_unknown_topic_is_ignored(ingress):
    client, db = ingress
    big = b"{" + b" " * 5000 + b"}"
    r = await client.post(
        "/webhooks/shopify", content=big, headers=shopify_headers(big, SECRET, "orders/create")
    )
    assert r.status_code == 413
    body = b"{}"
    r = await client.post(
        "/webhooks/shopify", content=body, headers=shopify_headers(body, SECRET, "carts/update")
    )
    assert r.status_code == 200 and r.json() == {"ignored": "carts/update"}
    assert await _count(db, "receipts") == 0


async def test_exact_webhook_is_verified_on_the_raw_content_text(ingress):
    client, db = ingress
    content = {"Topic": "StockPositions", "Division": 123456, "Key": "abc", "Action": "Update"}
    good = exact_body(content, EXACT_SECRET)
    assert (await client.post("/webhooks/exact", content=good)).status_code == 200
    # Same JSON re-serialised with other spacing: Exact signs the bytes, so this must fail.
    respaced = good.replace(b'","', b'", "', 1)
    assert (await client.post("/webhooks/exact", content=respaced)).status_code == 401
    bad = exact_body(content, "not-the-secret")
    assert (await client.post("/webhooks/exact", content=bad)).status_code == 401
    assert await _count(db, "receipts") == 1


async def test_database_that_cannot_take_the_webhook_answers_503(ingress, tmp_path):
    client, db = ingress
    blocker = sqlite3.connect(db.path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        body = ORDER.encode()
        r = await client.post(
            "/webhooks/shopify", content=body, headers=shopify_headers(body, SECRET, "orders/paid")
        )
        assert r.status_code == 503
    finally:
        blocker.rollback()
        blocker.close()
    r = await client.post(
        "/webhooks/shopify", content=body, headers=shopify_headers(body, SECRET, "orders/paid")
    )
    assert r.status_code == 200, "recovers once the database is free"


async def test_healthz_reports_database_and_queue(ingress):
    client, _db = ingress
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["db"] == "ok" and r.json()["queue_depth"] == 0
