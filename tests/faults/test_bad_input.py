"""Forged, replayed, oversized, malformed and fuzzed webhooks against a real `shopsync run`.

The daemon must answer each with the right status, never crash, and end every stored bad one
as a dead job that says why (never a job retried as if the bug were the API's).
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.faults.support import query, size, wait_until
from tests.support.daemon_proc import SECRETS, DaemonProcess, write_config
from tests.support.webhooks import shopify_headers

pytestmark = pytest.mark.slow

SECRET = SECRETS["webhook_secret"]
TOPICS = [
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "fulfillments/create",
    "inventory_levels/update",
]
FIELDS = [
    "id",
    "admin_graphql_api_id",
    "inventory_item_id",
    "location_id",
    "available",
    "order_id",
    "line_items",
    "name",
    "total_price",
    "currency",
    "balance",
    "updated_at",
    "cancelled_at",
    "financial_status",
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Objects with the fields the routes read, holding values of any (wrong) type.
SHAPED = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), JSON, max_size=8)
BODY = SHAPED.map(json.dumps) | JSON.map(json.dumps) | st.binary(max_size=200).map(bytes.hex)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bad-input")
    proc = DaemonProcess(write_config(directory)).start()
    try:
        yield proc, directory / "state" / "shopsync.db"
    finally:
        proc.close()


def post(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(url + "/webhooks/shopify", content=body, headers=headers, timeout=10)


def test_forged_replayed_and_oversized_webhooks_get_the_right_answers(daemon):
    proc, db = daemon
    body = json.dumps({"inventory_item_id": 1, "location_id": 2, "available": 3}).encode()
    forged = shopify_headers(body, "not-the-secret", "inventory_levels/update")
    assert post(proc.ingress_url, body, forged).status_code == 401
    assert query(
        db, "SELECT count(*) FROM receipts WHERE delivery_id = ?", (forged["X-Shopify-Webhook-Id"],)
    ) == [(0,)]

    signed = shopify_headers(body, SECRET, "inventory_levels/update")
    answers = [post(proc.ingress_url, body, signed) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [r.json().get("duplicate", False) for r in answers] == [False, True, True]
    wid = signed["X-Shopify-Webhook-Id"]
    assert query(db, "SELECT count(*) FROM receipts WHERE delivery_id = ?", (wid,)) == [(1,)]

    huge = b'{"pad": "' + b"x" * 1_100_000 + b'"}'
    assert (
        post(proc.ingress_url, huge, shopify_headers(huge, SECRET, "orders/create")).status_code
        == 413
    )
    assert proc.proc.poll() is None


def test_malformed_bodies_end_as_dead_jobs_that_say_why(daemon):
    proc, db = daemon
    cases = {
        "not json": b"{not json",
        "array": b"[1, 2]",
        "no fields": b"{}",
        "deep": b'{"id": 1, "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        "utf-16": '{"inventory_item_id": 1}'.encode("utf-16-be"),
        "mistyped": b'{"inventory_item_id": "one", "location_id": 2}',
    }
    ids = {}
    for name, body in cases.items():
        headers = shopify_headers(body, SECRET, "inventory_levels/update")
        assert post(proc.ingress_url, body, headers).status_code == 200, name
        ids[name] = headers["X-Shopify-Webhook-Id"]

    def finished():
        rows = query(
            db,
            "SELECT r.delivery_id, j.state, j.last_error FROM receipts r JOIN jobs j"
            f" ON j.id = r.job_id WHERE r.delivery_id IN ({', '.join('?' for _ in ids)})"
            " AND j.state = 'dead' AND j.attempts = 1",
            tuple(ids.values()),
        )
        return rows if len(rows) == len(ids) else None

    rows = {d: e for d, _, e in wait_until(finished, 30, "each a dead job on its first attempt")}
    assert rows[ids["not json"]].startswith("body is not JSON")
    assert rows[ids["array"]] == "body is a JSON array, not an object"
    assert rows[ids["no fields"]] == "inventory item id is missing (inventory_item_id)"
    assert rows[ids["deep"]] == "body is nested deeper than 64 levels (5001)"
    assert rows[ids["utf-16"]].startswith("body is not UTF-8 text")
    assert rows[ids["mistyped"]].startswith("inventory item id is not a number")


@settings(
    max_examples=size(40, 400),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(topic=st.sampled_from(TOPICS), body=BODY)
def test_fuzzed_bodies_never_crash_the_daemon(daemon, topic, body):
    proc, _db = daemon
    raw = body.encode()
    answer = post(
        proc.ingress_url, raw, shopify_headers(raw, SECRET, topic, webhook_id=str(uuid.uuid4()))
    )
    assert answer.status_code == 200, answer.text
    assert proc.proc.poll() is None


def test_after_the_fuzz_every_webhook_job_is_done_or_dead_with_a_reason(daemon):
    # Runs after the fuzz in file order; on its own it checks the webhooks sent so far.
    proc, db = daemon

    def settled():
        rows = query(
            db,
            "SELECT state, count(*) FROM jobs WHERE kind = 'webhook.shopify' GROUP BY state",
        )
        states = dict(rows)
        return states if not set(states) & {"queued", "running", "retrying"} else None

    states = wait_until(settled, 60, "every webhook job finished")
    assert set(states) <= {"succeeded", "dead"}, states
    unexplained = query(
        db,
        "SELECT id, last_error FROM jobs WHERE state = 'dead' AND coalesce(last_error, '') = ''",
    )
    assert unexplained == []
    retried = query(
        db, "SELECT id, attempts FROM jobs WHERE kind = 'webhook.shopify' AND attempts > 1"
    )
    assert retried == [], "a bad body must be dead on its first attempt, never retried"
    bugs = [
        line for line in proc.lines if line.get("event") == "job failed with an unexpected error"
    ]
    assert bugs == [], bugs[:3]
    assert proc.proc.poll() is None
    assert httpx.get(proc.ingress_url + "/healthz", timeout=10).json()["db"] == "ok"
