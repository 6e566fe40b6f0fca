"""Refresh-token rotation against the live sandbox: one refresh at a time, saved before use."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
import httpx
import pytest

from connectors.errors import AuthError
from connectors.exact.tokens import FileTokenStore, MemoryTokenStore, TokenSet

# At 600× a 600 s access token lives 1 s on the wall and may be refreshed after 0.95 s.
FAST = {"time_scale": 600.0, "refresh_margin": 0.04}


async def _expire_access_token() -> None:
    await anyio.sleep(1.05)


@pytest.mark.anyio
async def test_twenty_callers_with_an_expired_token_cause_exactly_one_refresh(make_exact):
    async with make_exact(**FAST) as env:
        await env.client.division()
        before = env.tokens.refreshes
        old_refresh = env.store.tokens.refresh_token
        await _expire_access_token()
        results: list[int] = []

        async def worker() -> None:
            results.append(len(await env.client.get("inventory/Warehouses", select="ID,Code")))

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(worker)

        assert results == [3] * 20
        assert env.tokens.refreshes - before == 1
        exact = (await env.control("GET", "state"))["tokens"]
        assert exact["refreshes"] == 1 and exact["refused"] == 0  # Exact's own count agrees
        refresh_tokens = [t.refresh_token for t in env.store.saved]
        # The old token was sent once; every later save carries the rotated one, never the old.
        assert env.store.tokens.refresh_token != old_refresh
        assert refresh_tokens.count(env.store.tokens.refresh_token) == 1
        assert env.store.tokens.refresh_started_at is None


@pytest.mark.anyio
async def test_rotated_pair_is_saved_before_it_is_first_used(make_exact):
    events: list[tuple[str, str]] = []

    class RecordingStore(MemoryTokenStore):
        async def save(self, tokens: TokenSet) -> None:
            await super().save(tokens)
            events.append(("saved", tokens.access_token))

    class RecordingTransport(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            events.append(("used", request.headers["authorization"].removeprefix("Bearer ")))
            return await super().handle_async_request(request)

    async with make_exact(**FAST) as env:
        store = RecordingStore(env.store.tokens)
        manager = env.manager(store)
        client = type(env.client)(env.base_url, None, manager, transport=RecordingTransport())
        async with manager, client:
            await client.division()
            await _expire_access_token()
            await client.get("inventory/Warehouses", select="ID")
    used = [token for kind, token in events if kind == "used"]
    first, refreshed = dict.fromkeys(used)  # the stored token, then the rotated one
    assert first != refreshed
    assert events.index(("saved", refreshed)) < events.index(("used", refreshed))


@pytest.mark.anyio
async def test_crash_after_exact_answered_but_before_save_asks_for_reauthorization(
    make_exact, tmp_path
):
    async with make_exact(**FAST) as env:
        path = tmp_path / "exact-tokens.json"
        await _expire_access_token()
        # The dying process: marker written, Exact rotates the token, the answer is never saved.
        await FileTokenStore(path).save(env.store.tokens.marked_in_flight(datetime.now(UTC)))
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                env.app.token_url,
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": env.store.tokens.refresh_token,
                    "client_id": env.app.client_id,
                    "client_secret": env.app.client_secret,
                },
            )
        assert answer.status_code == 200

        restarted = env.manager(FileTokenStore(path))
        async with restarted:
            with pytest.raises(AuthError) as err:
                await restarted.access_token()
            assert "interrupted" in err.value.hint
            assert "shopsync auth exact" in err.value.hint
            assert env.app.client_secret not in str(err.value) + err.value.hint
            # It does not keep hammering the token endpoint with a spent token.
            with pytest.raises(AuthError):
                await restarted.access_token()
            assert restarted.refreshes == 1
            assert restarted.status()["authorized"] is False


@pytest.mark.anyio
async def test_crash_before_the_refresh_left_recovers_without_an_operator(make_exact, tmp_path):
    async with make_exact(**FAST) as env:
        path = tmp_path / "exact-tokens.json"
        await _expire_access_token()
        await FileTokenStore(path).save(env.store.tokens.marked_in_flight(datetime.now(UTC)))

        restarted = env.manager(FileTokenStore(path))
        async with restarted:
            token = await restarted.access_token()
        stored = await FileTokenStore(path).load()
        assert stored.access_token == token
        assert stored.refresh_started_at is None


@pytest.mark.anyio
async def test_default_refresh_margin_suits_short_lived_tokens_of_a_sped_up_sandbox(make_exact):
    async with make_exact(time_scale=600.0) as env:  # production default margin of 30 s
        await env.client.division()
        before = env.tokens.refreshes
        await _expire_access_token()
        assert len(await env.client.get("inventory/Warehouses", select="ID")) == 3
        assert env.tokens.refreshes - before == 1
