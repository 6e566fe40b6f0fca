"""`shopsync privacy erase` and shop/redact on a database: counts, what stays, raw bytes after."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import anyio
import pytest

from connectors.errors import PermanentError
from daemon.cli import main as cli
from daemon.flows import ingress_topics, shopify_topics
from daemon.flows.privacy import route_customer_redact
from state.db import Database
from state.privacy import Subject, erase, redacted_body
from tests.support.daemon_proc import write_config

pytestmark = pytest.mark.anyio
EMAIL = "jan.jansen@example.nl"
ORDER = {
    "id": 5001,
    "admin_graphql_api_id": "gid://shopify/Order/5001",
    "name": "#1001",
    "email": EMAIL,
    "customer": {"id": 77, "email": EMAIL, "first_name": "Jan", "last_name": "Jansen"},
    "billing_address": {"name": "Jan Jansen", "address1": "Dorpsstraat 9", "phone": "0612345678"},
    "line_items": [{"id": 9, "quantity": 1, "title": "Mug", "properties": [{"note": "Jan"}]}],
    "note_attributes": [{"gift_message": "For Jan"}],
    "a_field_shopify_adds_next_year": {"email": EMAIL},
}
OTHER = {"id": 5002, "email": "someone.else@example.nl", "customer": {"id": 78}}
GUEST = {"id": 5003, "email": "Someone.Else@example.nl", "customer": None}


def raw(path: Path) -> bytes:
    return b"".join(
        (path.parent / n).read_bytes()
        for n in (path.name, path.name + "-wal")
        if (path.parent / n).exists()
    )


def seed(path: Path) -> None:
    async def main() -> None:
        db = await Database.open(path)
        now = time.time()
        for i, body in enumerate((ORDER, OTHER, GUEST)):
            await db.execute_write(
                "INSERT INTO receipts (source, delivery_id, topic, received_at, body)"
                " VALUES ('shopify', ?, 'orders/create', ?, ?)",
                (f"d{i}", now, json.dumps(body).encode()),
            )
        await db.execute_write(
            "INSERT INTO links (entity, shopify_id, exact_id, exact_ref, data, created_at)"
            " VALUES ('order', 'gid://shopify/Order/5001:AMS', 'SO-1', '#1001/AMS', '{}', ?),"
            " ('customer', 'email:jan.jansen@example.nl', 'ACC-1', ?, '{}', ?),"
            " ('customer', 'gid://shopify/Customer/77', 'ACC-1', ?, '{}', ?)",
            (now, EMAIL, now, EMAIL, now),
        )
        await db.close()

    anyio.run(main)


def test_erase_command_reports_counts_and_leaves_no_byte_of_the_customer(tmp_path, capsys):
    config = write_config(tmp_path)
    path = tmp_path / "state" / "shopsync.db"
    seed(path)
    assert EMAIL.encode() in raw(path)
    assert cli(["privacy", "erase", "--email", EMAIL.upper(), "-c", str(config)]) == 0
    out = capsys.readouterr().out
    assert "erased: receipts 1, jobs 0, job_attempts 0, alerts 0, links 2" in out
    blob = raw(path)
    for trace in (EMAIL, "Jansen", "Dorpsstraat", "0612345678", "For Jan"):
        assert trace.encode() not in blob, trace
    conn = sqlite3.connect(path)
    bodies = dict(conn.execute("SELECT delivery_id, body FROM receipts").fetchall())
    assert json.loads(bodies["d0"]) == {
        "erased": True,
        "id": 5001,
        "admin_graphql_api_id": "gid://shopify/Order/5001",
        "name": "#1001",
        "line_items": [{"erased": True, "id": 9, "quantity": 1}],
    }
    assert json.loads(bodies["d1"]) == OTHER  # someone else's receipt is untouched
    links = conn.execute("SELECT entity, shopify_id, exact_id, exact_ref FROM links").fetchall()
    assert ("order", "gid://shopify/Order/5001:AMS", "SO-1", "#1001/AMS") in links
    assert ("customer", "gid://shopify/Customer/77", "ACC-1", "[erased]") in links
    assert not any(s.startswith("email:") for _, s, _, _ in links)


def test_erase_by_customer_id_finds_the_bodies_that_name_no_email(tmp_path):
    path = tmp_path / "p.db"
    seed(path)

    async def main() -> dict:
        db = await Database.open(path)
        try:
            return await erase(db, Subject(customer_ids={78}))
        finally:
            await db.close()

    counts = anyio.run(main)
    assert counts["receipts"] == 2  # its order, and a guest order found by the email it held
    assert b"someone.else@example.nl" not in raw(path).lower() and EMAIL.encode() in raw(path)


def test_erase_needs_someone_to_erase(tmp_path, capsys):
    assert cli(["privacy", "erase", "-c", str(write_config(tmp_path))]) == 2


async def test_shop_redact_redacts_every_body(tmp_path):
    path = tmp_path / "s.db"
    await anyio.to_thread.run_sync(seed, path)
    db = await Database.open(path)
    counts = await erase(db, Subject(), everything=True)
    await db.close()
    assert counts["receipts"] == 3
    assert b"@example.nl" not in raw(path)


def test_a_redacted_body_keeps_ids_only_whatever_shopify_adds():
    assert redacted_body({"id": 1, "new_field": {"id": 2, "email": "x@y.z"}, "name": "Jan"}) == {
        "erased": True,
        "id": 1,
    }
    assert redacted_body([1, 2]) == {"erased": True}


def test_compliance_topics_are_accepted_but_never_subscribed_by_api():
    assert {"customers/redact", "shop/redact"} <= ingress_topics()
    assert not {"customers/redact", "shop/redact"} & shopify_topics()


def test_customers_redact_route_checks_its_payload():
    body = {"customer": {"id": 7, "email": "a@b.nl"}, "orders_to_redact": [1, "2"]}
    [(kind, key, payload)] = route_customer_redact(body)
    assert (kind, key) == ("privacy.erase_customer", "privacy:customer:7")
    assert payload["orders"] == [1, 2]
    with pytest.raises(PermanentError, match="customer id is not a number"):
        route_customer_redact({"customer": {"id": "x"}})
    with pytest.raises(PermanentError, match="no customer object"):
        route_customer_redact({"customer": None})
