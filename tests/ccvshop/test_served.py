"""`shopsync sandbox` serves CCV Shop beside Shopify and Exact, over a real socket."""

from __future__ import annotations

import httpx
import pytest

from connectors.ccvshop.client import CcvShopClient
from connectors.sandbox import Sandboxes
from daemon.serving import running_server

pytestmark = pytest.mark.anyio


async def test_ccvshop_is_served_beside_the_others_with_its_credentials_listed():
    sandboxes = Sandboxes(products=5)
    creds = sandboxes.index()["ccvshop"]
    async with running_server(sandboxes.app, lifespan="on") as base:
        client = CcvShopClient(base, creds["public_key"], creds["secret"])
        async with client:
            async with httpx.AsyncClient() as http:
                r = await http.post(
                    f"{base}{creds['control']}products",
                    json={"productnumber": "P-1", "name": "P", "price": 3.5},
                )
                assert r.status_code == 200, r.text
            products = [p async for p in client.products()]
            assert [p.productnumber for p in products] == ["P-1"]
            # Exact's API still answers on its own prefix (and asks for its own token).
            async with httpx.AsyncClient() as http:
                r = await http.get(f"{base}/api/v1/123456/current/Me")
                assert r.status_code == 401
