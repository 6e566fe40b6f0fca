"""No answer of the control API carries a secret, wherever the secret hides."""

from __future__ import annotations

import anyio
import httpx
import pytest

from daemon.logs import get_logger
from tests.support.daemon_proc import SECRETS

pytestmark = pytest.mark.anyio


async def test_no_configured_secret_appears_in_any_answer(control):
    canary = SECRETS["access_token"]
    deep: dict = {"note": f"token was {canary}"}
    for _ in range(10):  # deeper than the log redaction walks
        deep = {"inner": deep}
    queue = control.services.queue
    job_id = await queue.enqueue("orders.export", "order:1:AMS", {"deep": deep, "hmac": "abc"})
    (job,) = await queue.claim(1)
    await queue.bury(job, f"401 with {SECRETS['webhook_secret']}", traceback=f"tb {canary}")
    await control.client.pause("stock", f"reason {SECRETS['exact_client_secret']}")
    await control.services.db.execute_write(
        "INSERT INTO alerts (fingerprint, rule, summary, detail, state, first_seen, last_seen)"
        " VALUES ('f', 'auth', 'auth failed', ?, 'open', 1, 2)",
        (f"Bearer {canary}",),
    )
    get_logger("shopsync.test").error("leak?", detail=f"secret {SECRETS['webhook_secret']}")

    bodies = []
    transport = httpx.AsyncHTTPTransport(uds=control.socket)
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as http:
        for path in ("/status", "/jobs", f"/jobs/{job_id}", "/alerts", "/logs", "/jobs?q=token"):
            response = await http.get(path)
            assert response.status_code == 200, path
            bodies.append(response.text)
        with anyio.fail_after(10):
            async with http.stream("GET", "/events?replay=1") as stream:
                async for chunk in stream.aiter_text():
                    bodies.append(chunk)
                    if "leak?" in chunk:  # the replay reached the log line
                        break

    everything = "\n".join(bodies)
    assert "leak?" in everything and "order:1:AMS" in everything  # we did look at real answers
    for name, secret in SECRETS.items():
        assert secret not in everything, name
