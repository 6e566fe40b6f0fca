"""Per-minute and per-day limits with countdown headers, and the per-endpoint error budget."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.anyio


async def test_minute_limit_answers_429_exactly_past_the_limit_and_headers_count_down(
    exact_sandbox,
):
    async with exact_sandbox(minute_limit=60) as run:
        remaining = []
        for _ in range(60):
            r = await run.get("vat/VATCodes")
            assert r.status_code == 200
            remaining.append(int(r.headers["x-ratelimit-minutely-remaining"]))
        assert remaining == list(range(59, -1, -1))
        over = await run.get("vat/VATCodes")
        assert over.status_code == 429
        assert over.json()["error"]["message"]["value"]
        assert over.headers["x-ratelimit-minutely-remaining"] == "0"
        assert int(over.headers["x-ratelimit-minutely-reset"]) > 1_000_000_000_000
        # Past the minute limit Exact sends only the minutely headers (picqer README).
        assert not {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} & set(
            over.headers
        )
        await run.advance(60)
        assert (await run.get("vat/VATCodes")).status_code == 200


async def test_daily_limit_blocks_until_midnight(exact_sandbox):
    async with exact_sandbox(daily_limit=3) as run:
        for _ in range(3):
            assert (await run.get("financial/Journals")).status_code == 200
        blocked = await run.get("financial/Journals")
        assert blocked.status_code == 429
        assert blocked.headers["x-ratelimit-remaining"] == "0"
        assert int(blocked.headers["x-ratelimit-reset"]) > 1_000_000_000_000  # ms epoch
        await run.advance(86400)
        await run.renew()
        assert (await run.get("financial/Journals")).status_code == 200
        state = await run.control("state")
        assert state["calls_429"] == 1


async def test_error_budget_blocks_the_endpoint_after_ten_errors(exact_sandbox):
    async with exact_sandbox(error_budget=10) as run:
        for _ in range(10):
            missing = await run.get(f"logistics/Items(guid'{uuid.uuid4()}')")
            assert missing.status_code == 404
        blocked = await run.get("logistics/Items")
        assert blocked.status_code == 429
        assert "too many errors" in blocked.json()["error"]["message"]["value"]
        assert (await run.get("crm/Accounts")).status_code == 200  # other endpoints still work
        state = await run.control("state")
        assert state["errors"]["logistics/Items"] == 10
        await run.advance(3600)
        await run.renew()
        assert (await run.get("logistics/Items")).status_code == 200


async def test_a_burst_of_429s_can_be_injected(exact_sandbox):
    async with exact_sandbox() as run:
        await run.control("faults", {"burst_429": 2})
        answers = [await run.get("vat/VATCodes") for _ in range(3)]
        assert [a.status_code for a in answers] == [429, 429, 200]
        # Like a real 429: the minute window reads as spent, with its reset time.
        assert answers[0].headers["x-ratelimit-minutely-remaining"] == "0"
        assert int(answers[0].headers["x-ratelimit-minutely-reset"]) > 1_000_000_000_000


async def test_dropped_connections_surface_as_transport_errors(exact_sandbox):
    import httpx

    async with exact_sandbox() as run:
        await run.control("faults", {"drop_rate": 1.0})
        with pytest.raises(httpx.TransportError):
            await run.get("vat/VATCodes")
        await run.control("faults", {"drop_rate": 0.0})
        assert (await run.get("vat/VATCodes")).status_code == 200


async def test_injected_server_errors_use_exacts_error_body(exact_sandbox):
    async with exact_sandbox() as run:
        await run.control("faults", {"error_rate": 1.0})
        r = await run.get("vat/VATCodes")
        assert r.status_code == 500
        assert r.json()["error"]["message"]["value"]
        faults = await run.control("faults", {"error_rate": 0.0})
        assert faults["error_rate"] == 0.0
        assert (await run.get("vat/VATCodes")).status_code == 200


async def test_unauthorised_calls_count_against_the_error_budget(exact_sandbox):
    async with exact_sandbox(error_budget=3) as run:
        bad = {"authorization": "Bearer not-a-token"}
        for _ in range(3):
            r = await run.http.get(run.url("crm/Contacts"), headers=bad)
            assert r.status_code == 401
        assert (await run.get("crm/Contacts")).status_code == 429  # even with a good token now
        state = await run.control("state")
        assert state["errors"] == {"crm/Contacts": 3}
        assert "crm/Contacts" in state["blocked"]
