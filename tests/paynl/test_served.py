"""`shopsync sandbox` serves Pay. beside the others, over a real socket."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from connectors.paynl.client import PayClient
from connectors.sandbox import Sandboxes
from daemon.serving import running_server

pytestmark = pytest.mark.anyio


async def test_paynl_is_served_beside_the_others_with_its_credentials_listed():
    sandboxes = Sandboxes(products=5)
    creds = sandboxes.index()["paynl"]
    async with running_server(sandboxes.app, lifespan="on") as base:
        async with httpx.AsyncClient() as http:
            r = await http.post(
                f"{base}{creds['control']}transactions",
                json={"reference": "1001", "amount": "12.50", "date": "2026-11-30"},
            )
            assert r.status_code == 200, r.text
            r = await http.post(f"{base}{creds['control']}clear", json={"date": "2026-11-30"})
            assert r.status_code == 200, r.text
        async with PayClient(creds["at_code"], creds["api_token"], base_url=base) as client:
            [settlement] = await client.settlements_on(date(2026, 11, 30))
            detail = await client.settlement_detail(settlement)
        assert [r.reference for r in detail.records] == ["1001"]
