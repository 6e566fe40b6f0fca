"""Every failure the sandbox can produce reaches the worker as the right kind of error."""

from __future__ import annotations

import pytest

from connectors.errors import AuthError, RateLimited, TransientError

from .conftest import authorization_code

NO_FAULTS = {"error_rate": 0, "burst_429": 0, "drop_rate": 0, "timeout_rate": 0}


async def _list_warehouses(env):
    return await env.client.get("inventory/Warehouses", select="ID,Code")


@pytest.mark.anyio
async def test_revoked_app_refreshes_once_then_needs_the_operator(make_exact):
    async with make_exact() as env:
        await _list_warehouses(env)
        before = env.tokens.refreshes
        await env.control("POST", "revoke")
        with pytest.raises(AuthError) as err:
            await _list_warehouses(env)
        assert env.tokens.refreshes - before == 1
        assert "shopsync auth exact" in err.value.hint
        with pytest.raises(AuthError):  # and it does not keep knocking on the token endpoint
            await _list_warehouses(env)
        assert env.tokens.refreshes - before == 1


@pytest.mark.anyio
async def test_running_daemon_resumes_once_the_operator_reauthorizes(make_exact):
    async with make_exact() as env:
        await env.control("POST", "revoke")
        with pytest.raises(AuthError):
            await _list_warehouses(env)
        # `shopsync auth exact` runs in another process and writes the same token store.
        async with env.manager() as cli:
            await cli.exchange_code(await authorization_code(env.app))
        assert len(await _list_warehouses(env)) == 3
        assert env.client.status()["tokens"]["authorized"] is True


@pytest.mark.anyio
async def test_429_is_rate_limited_and_later_calls_wait_for_the_reset(make_exact):
    async with make_exact(time_scale=60.0, refresh_margin=0.5) as env:
        await _list_warehouses(env)
        await env.control("POST", "faults", {"burst_429": 1})
        with pytest.raises(RateLimited) as err:
            await _list_warehouses(env)
        assert err.value.status == 429
        assert env.client.budget.refused == 1
        assert len(await _list_warehouses(env)) == 3


@pytest.mark.anyio
async def test_server_errors_are_transient(make_exact):
    async with make_exact() as env:
        await env.control("POST", "faults", {"error_rate": 1.0})
        with pytest.raises(TransientError) as err:
            await _list_warehouses(env)
        assert err.value.status == 500
        assert not isinstance(err.value, RateLimited)
        await env.control("POST", "faults", NO_FAULTS)
        assert len(await _list_warehouses(env)) == 3


@pytest.mark.anyio
async def test_dropped_connection_is_transient(make_exact):
    async with make_exact() as env:
        await _list_warehouses(env)
        await env.control("POST", "faults", {"drop_rate": 1.0})
        with pytest.raises(TransientError) as err:
            await _list_warehouses(env)
        assert "dropped" in err.value.message
        await env.control("POST", "faults", NO_FAULTS)
        assert len(await _list_warehouses(env)) == 3


@pytest.mark.anyio
async def test_hanging_call_times_out_as_transient(make_exact):
    async with make_exact(call_timeout=0.3) as env:
        await _list_warehouses(env)
        await env.control("POST", "faults", {"timeout_rate": 1.0, "timeout_s": 1.0})
        with pytest.raises(TransientError) as err:
            await _list_warehouses(env)
        assert "timed out" in err.value.message
        await env.control("POST", "faults", NO_FAULTS)


async def _calls(env, endpoint: str) -> int:
    return (await env.control("GET", "state"))["calls"].get(endpoint, 0)


@pytest.mark.anyio
async def test_a_read_that_fails_is_sent_three_times_a_write_once(make_exact):
    # A lost or failed GET is tried again at once; a POST never is (Exact could book it twice).
    async with make_exact() as env:
        await _list_warehouses(env)
        await env.control("POST", "faults", {"error_rate": 1.0})
        before = await _calls(env, "inventory/Warehouses")
        with pytest.raises(TransientError):
            await _list_warehouses(env)
        assert await _calls(env, "inventory/Warehouses") - before == 3
        before = await _calls(env, "crm/Accounts")
        with pytest.raises(TransientError):
            await env.client.post("crm/Accounts", {"Name": "Once Only BV", "Status": "C"})
        assert await _calls(env, "crm/Accounts") - before == 1
        await env.control("POST", "faults", NO_FAULTS)


@pytest.mark.anyio
async def test_a_429_with_only_the_minutely_headers_keeps_what_the_client_knows_of_the_day(
    make_exact,
):
    """Past the minute limit Exact sends only the three minutely headers (picqer README); the
    client must not read the missing daily headers as a spent day, and waits for the minute."""
    async with make_exact(time_scale=60.0, refresh_margin=0.5) as env:
        await _list_warehouses(env)
        day_left = env.client.budget.daily.remaining
        assert day_left is not None and day_left > 0
        await env.control("POST", "faults", {"burst_429": 1})
        with pytest.raises(RateLimited) as err:
            await _list_warehouses(env)
        assert err.value.retry_after is not None and err.value.retry_after <= 60
        assert env.client.budget.daily.remaining == day_left  # untouched by the 429
        assert env.client.budget.minutely.remaining == 0
        assert len(await _list_warehouses(env)) == 3
