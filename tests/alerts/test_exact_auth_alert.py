"""Exact revokes the app: the flow pauses, one alert mail says `shopsync auth exact`, and the
all-clear follows once the operator re-authorizes and resumes the flow."""

from __future__ import annotations

import pytest

from tests.alerts.conftest import kit_for, make_settings
from tests.exact_client.conftest import authorization_code, exact_env

pytestmark = pytest.mark.anyio


async def test_a_revoked_exact_app_is_mailed_with_the_fix_and_cleared_after_it(tmp_path, smtp):
    inbox, port = smtp
    async with exact_env() as env, kit_for(tmp_path, make_settings(port)) as kit:

        async def list_warehouses(services, job) -> None:
            await env.client.get("inventory/Warehouses", select="ID,Code")

        kit.registry.register("stock.warehouses", list_warehouses)
        kit.services.exact = env.client
        kit.services.extras["tokens"] = env.tokens
        evaluator = kit.evaluator()

        await env.control("POST", "revoke")
        await kit.queue.enqueue("stock.warehouses", "stock:warehouses")
        await kit.run_jobs(lambda: kit.services.flows.paused())
        tick = await evaluator.tick()
        assert tick.opened == ["auth:exact"]
        await kit.run_jobs(lambda: inbox.messages)

        [mail] = inbox.messages
        assert mail["Subject"].startswith("[shopsync] ALERT: Exact Online access is refused")
        body = mail.get_payload()
        assert "Re-authorize in a browser with `shopsync auth exact`." in body
        assert "Paused flows: stock." in body
        assert "canary-client-secret" not in mail.as_string()

        # The operator runs `shopsync auth exact` (another process, same token store), resumes.
        async with env.manager() as cli:
            await cli.exchange_code(await authorization_code(env.app))
        await kit.services.flows.resume("stock")
        await kit.run_jobs(lambda: _succeeded(kit))
        assert env.tokens.status()["problem"] is None
        assert (await evaluator.tick()).resolved == ["auth:exact"]
        await kit.run_jobs(lambda: len(inbox.messages) == 2)
        assert inbox.messages[1]["Subject"].startswith("[shopsync] RESOLVED: Exact Online")


async def _succeeded(kit) -> bool:
    rows = await kit.db.fetchall("SELECT state FROM jobs WHERE kind = 'stock.warehouses'")
    return [r[0] for r in rows] == ["succeeded"]
