"""The merchant uninstalls the Dev Dashboard app: the flow pauses, one alert mail says what to do,
the job waits, and `shopsync auth shopify` after re-installing resumes it and clears the alert."""

from __future__ import annotations

import pytest

from connectors.shopify.api import ShopifyAPI
from connectors.shopify.auth import ClientCredentials, ShopifyToken
from connectors.shopify.client import ShopifyClient
from daemon.cli.auth_shopify import _main as auth_shopify
from daemon.config import load_settings
from state.tokens import SqliteTokenStore
from tests.alerts.conftest import kit_for, make_settings
from tests.shopify_auth.conftest import CLIENT_ID, CLIENT_SECRET, sandbox_app

pytestmark = pytest.mark.anyio


async def test_a_revoked_shopify_app_pauses_alerts_loses_nothing_and_resumes(tmp_path, smtp):
    inbox, port = smtp
    async with sandbox_app() as app, kit_for(tmp_path, make_settings(port)) as kit:
        store = SqliteTokenStore(kit.db, "shopify", ShopifyToken)
        source = ClientCredentials(app.url, CLIENT_ID, CLIENT_SECRET, store)
        client = ShopifyClient(app.url, source)
        kit.services.shopify = ShopifyAPI(client)
        kit.services.extras["shopify_auth"] = source
        seen: list[int] = []

        async def list_locations(services, job) -> None:
            seen.append(len(await services.shopify.list_locations()))

        kit.registry.register("stock.locations", list_locations)
        evaluator = kit.evaluator()
        await kit.queue.enqueue("stock.locations", "stock:locations:1")
        await kit.run_jobs(lambda: seen)
        stored = await store.load()
        assert stored is not None  # the token went through the state DB's token store

        await app.control("POST", "/revoke")  # the merchant uninstalls the app
        job_id = await kit.queue.enqueue("stock.locations", "stock:locations:2")
        await kit.run_jobs(lambda: kit.services.flows.paused())
        paused = await kit.services.flows.paused()
        assert "The app is not installed on this shop." in paused["stock"]
        job = await kit.queue.get(job_id)
        assert job is not None and job.state not in ("dead", "succeeded")  # it waits

        assert (await evaluator.tick()).opened == ["auth:shopify"]
        await kit.run_jobs(lambda: inbox.messages)
        [mail] = inbox.messages
        assert mail["Subject"].startswith("[shopsync] ALERT: Shopify access is refused")
        body = mail.get_payload(decode=True).decode()
        assert "still installed on the store" in body and "shopify_client_secret" in body
        assert "`shopsync auth shopify` resumes the paused flows (stock)" in body
        assert CLIENT_SECRET not in mail.as_string()
        assert stored.access_token not in mail.as_string()

        # The operator installs the app again and runs `shopsync auth shopify` (another
        # process on the same database): it gets a token and resumes the flow.
        await app.control("POST", "/install")
        cli_settings = load_settings(
            None,
            daemon={"state_dir": str(tmp_path), "database": str(kit.path)},
            shopify={"shop_url": app.url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
            exact={"client_id": "c", "client_secret": "alert-exact-secret"},
            mapping={"default_warehouse": "AMS"},
        )
        assert await auth_shopify(cli_settings) == 0
        assert await kit.services.flows.paused() == {}
        await kit.run_jobs(lambda: len(seen) == 2)
        assert (await kit.queue.get(job_id)).state == "succeeded"
        assert source.status()["problem"] is None  # the daemon picked up the stored token
        assert (await evaluator.tick()).resolved == ["auth:shopify"]
        await kit.run_jobs(lambda: len(inbox.messages) == 2)
        assert inbox.messages[1]["Subject"].startswith("[shopsync] RESOLVED: Shopify access")
        await client.aclose()
