"""`privacy erase` and Shopify's customers/redact leave no trace of a customer in the file.

An order webhook (the sandbox's own payload: email, names, phone, addresses) goes through the
real ingress and worker into Exact; the customer also appears in a dead job's error and an
alert. After the erasure the raw bytes of the database and its WAL hold no trace of them, and
the order's bookings still resolve: its links lead to the same Exact document, and syncing it
again books nothing twice.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from connectors.shopify.sandbox import webhook_payloads
from daemon.flows import ingress_topics
from daemon.flows.orders.apply import order_links
from daemon.flows.orders.jobs import sync_order
from daemon.ingress import Ingress
from daemon.serving import running_server
from state.privacy import Subject, erase
from tests.orders.conftest import SHOPIFY_SECRET, order_env
from tests.support.webhooks import shopify_headers

pytestmark = pytest.mark.anyio
EMAIL = "Erika.Mustermann@Example.org"
FIRST, LAST = "Erika", "Mustermann-Zweig"
PHONE = "+31 6 9876 5432"


def traces(path: Path) -> list[str]:
    blob = b""
    for name in (path.name, path.name + "-wal"):
        if (path.parent / name).exists():
            blob += (path.parent / name).read_bytes()
    lowered = blob.lower()
    needles = [EMAIL.lower(), LAST.lower(), "9876 5432", "mustermann"]
    return [n for n in needles if n.encode() in lowered]


async def _order_with_customer(env) -> tuple[dict, bytes]:
    made = await env.shop_control(
        "POST",
        "/orders",
        {
            "lines": [{"sku": "SKU-00001", "quantity": 1}],
            "customer": {"email": EMAIL, "first_name": FIRST, "last_name": LAST, "phone": PHONE},
            "shipping_address": {
                "first_name": FIRST,
                "last_name": LAST,
                "address1": "Keizersgracht 1",
                "city": "Amsterdam",
                "zip": "1015 AA",
                "country_code": "NL",
                "phone": PHONE,
            },
        },
    )
    state = env.shop.state
    number = int(made["order_id"].rsplit("/", 1)[-1])
    body = json.dumps(webhook_payloads.order(state, state.orders[number])).encode()
    assert EMAIL.encode() in body and LAST.encode() in body
    return made, body


async def _deliver(env, topic: str, body: bytes) -> None:
    services = env.services
    ingress = Ingress(
        services.db,
        services.queue,
        shopify_secret=SHOPIFY_SECRET,
        exact_secret=None,
        topics=ingress_topics(),
    )
    async with running_server(ingress, lifespan="off") as url, httpx.AsyncClient() as http:
        answer = await http.post(
            url + "/webhooks/shopify",
            content=body,
            headers=shopify_headers(body, SHOPIFY_SECRET, topic),
        )
        assert answer.status_code == 200, answer.text
    await env.run_jobs()


async def _leave_traces_elsewhere(env, phone: str | None = None) -> None:
    """A dead job whose error names the customer and an alert quoting it: logs in the DB.

    The phone is only in the traceback: an erasure by email alone cannot know it unless a body
    does (the sandbox's order payload has none), so only the customers/redact test, whose
    payload names it, puts it there.
    """
    queue, db = env.services.queue, env.services.db
    job_id = await queue.enqueue("orders.export", "order:test-trace", {"note": EMAIL})
    (job,) = [j for j in await queue.claim(10) if j.id == job_id]
    await queue.bury(job, f"contact {FIRST} {LAST} <{EMAIL}> rejected", traceback=phone or EMAIL)
    now = time.time()
    await db.execute_write(
        "INSERT INTO alerts (fingerprint, rule, summary, detail, state, first_seen, last_seen)"
        " VALUES ('t', 'dead_jobs', ?, ?, 'open', ?, ?)",
        (f"1 dead job for {EMAIL}", f"{FIRST} {LAST}", now, now),
    )


async def _bookings_still_resolve(env, made: dict, before: dict) -> None:
    links = await order_links(env.services, made["order_id"])
    assert links, "the order's links to Exact survive the erasure"
    await sync_order(env.services, made["order_id"])  # looks again: finds its booking
    after = await env.exact_state()
    assert len(after["sales_orders"]) == len(before["sales_orders"])
    booked = {d["OrderID"] for d in after["sales_orders"]}
    assert {link.exact_id for link in links.values()} <= booked


async def test_erase_by_email_leaves_no_trace_in_the_file_and_bookings_resolve(tmp_path):
    async with order_env(tmp_path) as env:
        made, body = await _order_with_customer(env)
        await _deliver(env, "orders/create", body)
        await _leave_traces_elsewhere(env)
        exported = await env.exact_state()
        assert len(exported["sales_orders"]) == 1
        path = env.services.db.path
        assert await env.services.db.checkpoint()
        assert traces(path), "the test must see the customer in the file before erasing"

        counts = await erase(env.services.db, Subject(emails={EMAIL.lower()}))

        assert counts["receipts"] == 1 and counts["jobs"] >= 1 and counts["alerts"] == 1
        assert counts["job_attempts"] >= 1 and counts["wal_emptied"] is True
        assert traces(path) == []
        await _bookings_still_resolve(env, made, exported)
        await env.services.db.checkpoint()
        assert traces(path) == [], "re-syncing the order must not bring the data back"


async def test_customers_redact_webhook_erases_the_same_way(tmp_path):
    async with order_env(tmp_path) as env:
        made, body = await _order_with_customer(env)
        await _deliver(env, "orders/create", body)
        await _leave_traces_elsewhere(env, PHONE)
        exported = await env.exact_state()
        customer = json.loads(body)["customer"]
        redact = json.dumps(
            {
                "shop_id": 1,
                "shop_domain": "sandbox-shop.myshopify.com",
                "customer": {"id": customer["id"], "email": EMAIL, "phone": PHONE},
                "orders_to_redact": [json.loads(body)["id"]],
            }
        ).encode()
        await _deliver(env, "customers/redact", redact)

        rows = await env.services.db.fetchall(
            "SELECT state, outcome FROM jobs WHERE kind = 'privacy.erase_customer'"
        )
        assert [r[0] for r in rows] == ["succeeded"]
        assert rows[0][1].startswith("erased: receipts 2")  # the order's and the redact's own
        await env.services.db.checkpoint()
        assert traces(env.services.db.path) == []
        await _bookings_still_resolve(env, made, exported)
