"""The client against the live sandbox: division, paging, escaping, writes, sync cursor, errors."""

from __future__ import annotations

import uuid

import httpx
import pytest

from connectors.errors import PermanentError
from connectors.exact.errors import EndpointPaused
from connectors.exact.limiter import ErrorBudget
from connectors.exact.models import Item, StockPosition
from connectors.exact.odata import eq

from .conftest import CATALOGUE, DIVISION


@pytest.mark.anyio
async def test_division_comes_from_current_me_when_not_configured(make_exact):
    async with make_exact() as env:
        assert await env.client.division() == DIVISION


@pytest.mark.anyio
async def test_listing_follows_next_links_across_pages(make_exact):
    async with make_exact() as env:
        pages = [
            page async for page in env.client.iter_pages("logistics/Items", select=Item.select())
        ]
        items = [Item.model_validate(row) for page in pages for row in page]
    assert len(pages) > 1
    codes = {item.Code for item in items}
    assert {p.sku for p in CATALOGUE.products} <= codes
    assert len(codes) == len(items)


@pytest.mark.anyio
async def test_quotes_in_filter_values_are_escaped_not_injected(make_exact):
    async with make_exact() as env:
        created = await env.client.post("crm/Accounts", {"Name": "O'Brien & Sons", "Code": "OB1"})
        found = await env.client.get("crm/Accounts", filter=eq("Name", "O'Brien & Sons"))
        assert [row["ID"] for row in found] == [created["ID"]]
        assert await env.client.get("crm/Accounts", filter=eq("Name", "x' or Name ne 'y")) == []


@pytest.mark.anyio
async def test_created_account_can_be_read_updated_and_deleted(make_exact):
    async with make_exact() as env:
        created = await env.client.post("crm/Accounts", {"Name": "Acme BV", "Code": "AC1"})
        assert created["Name"] == "Acme BV"
        await env.client.put("crm/Accounts", created["ID"], {"Name": "Acme Holding BV"})
        row = await env.client.get_one("crm/Accounts", created["ID"], select="ID,Name")
        assert row["Name"] == "Acme Holding BV"
        await env.client.delete("crm/Accounts", created["ID"])
        assert await env.client.get_one("crm/Accounts", created["ID"]) is None


@pytest.mark.anyio
async def test_sync_returns_changes_once_and_advances_the_cursor(make_exact):
    async with make_exact() as env:
        rows, cursor = await env.client.sync(
            "Inventory/StockPositions", 1, select=StockPosition.select()
        )
        positions = [StockPosition.model_validate(r) for r in rows]
        assert len(positions) >= len(CATALOGUE.products)
        assert cursor == max(p.Timestamp for p in positions)
        again, same = await env.client.sync("Inventory/StockPositions", cursor, select="ID")
        assert again == [] and same == cursor


@pytest.mark.anyio
async def test_validation_error_keeps_exacts_own_message(make_exact):
    async with make_exact() as env:
        with pytest.raises(PermanentError) as err:
            await env.client.post("crm/Accounts", {"Code": "NONAME"})
        token = await env.tokens.access_token()
        async with httpx.AsyncClient() as http:
            raw = await http.post(
                f"{env.base_url}/api/v1/{DIVISION}/crm/Accounts",
                json={"Code": "NONAME2"},
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            )
        assert err.value.status == raw.status_code == 400
        assert err.value.message == raw.json()["error"]["message"]["value"]
        assert token not in str(err.value) + err.value.hint


@pytest.mark.anyio
async def test_unknown_id_is_a_permanent_not_found(make_exact):
    async with make_exact() as env:
        with pytest.raises(PermanentError) as err:
            await env.client.delete("crm/Accounts", str(uuid.uuid4()))
        assert err.value.status == 404


@pytest.mark.anyio
async def test_failing_endpoint_pauses_before_exact_would_block_the_app(make_exact):
    async with make_exact(errors=ErrorBudget(threshold=8)) as env:
        for _ in range(8):
            with pytest.raises(PermanentError):
                await env.client.delete("crm/Accounts", str(uuid.uuid4()))
        with pytest.raises(EndpointPaused) as paused:
            await env.client.delete("crm/Accounts", str(uuid.uuid4()))
        assert paused.value.retry_after > 3500
        assert env.client.error_budget.snapshot()["crm/Accounts"]["paused"] is True
        # Other endpoints carry on, and Exact itself never blocked us.
        assert len(await env.client.get("inventory/Warehouses", select="ID")) == 3
        exact = await env.control("GET", "state")
        assert exact["errors"] == {"crm/Accounts": 8}
        assert exact["blocked"] == {}


@pytest.mark.anyio
async def test_status_for_the_control_api_shows_budgets_but_no_secrets(make_exact):
    async with make_exact(errors=ErrorBudget(threshold=8)) as env:
        await env.client.keep_alive()
        with pytest.raises(PermanentError):
            await env.client.delete("crm/Accounts", str(uuid.uuid4()))
        status = env.client.status()
        text = repr(status)
    assert status["division"] == DIVISION
    assert status["tokens"]["authorized"] is True
    assert status["rate"]["minutely"]["limit"] == 600
    assert status["endpoints"]["crm/Accounts"]["errors"] == 1
    assert env.store.tokens.access_token not in text
    assert env.store.tokens.refresh_token not in text
    assert env.app.client_secret not in text
