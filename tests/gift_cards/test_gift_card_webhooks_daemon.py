"""A signed gift_cards/update webhook to a real daemon becomes that card's sync job."""

from __future__ import annotations

import json
import sqlite3
import time

import httpx
import pytest

from tests.support.daemon_proc import SECRETS, DaemonProcess, write_config
from tests.support.webhooks import shopify_headers


@pytest.mark.slow
def test_gift_card_webhooks_are_accepted_and_routed_to_one_sync_job_per_card(tmp_path):
    daemon = DaemonProcess(write_config(tmp_path)).start()
    try:
        for topic in ("gift_cards/create", "gift_cards/update"):
            body = json.dumps(
                {"id": 5501, "admin_graphql_api_id": "gid://shopify/GiftCard/5501"}
            ).encode()
            answer = httpx.post(
                f"{daemon.ingress_url}/webhooks/shopify",
                content=body,
                headers=shopify_headers(body, SECRETS["webhook_secret"], topic),
            )
            assert answer.status_code == 200, answer.text
        deadline = time.monotonic() + 15
        rows: list = []
        while time.monotonic() < deadline and not rows:
            with sqlite3.connect(tmp_path / "state" / "shopsync.db") as conn:
                rows = conn.execute(
                    "SELECT DISTINCT key FROM jobs WHERE kind = 'gift_cards.sync'"
                ).fetchall()
            time.sleep(0.05)
        assert rows == [("gift_card:5501:sync",)]
    finally:
        daemon.terminate()
