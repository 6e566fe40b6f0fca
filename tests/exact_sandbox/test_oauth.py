"""Tokens behave as Exact's do: single-use refresh tokens, the 570-second rule, 30-day expiry."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def test_token_answer_has_exacts_shape(exact_sandbox):
    async with exact_sandbox() as run:
        assert set(run.tokens) == {"access_token", "token_type", "expires_in", "refresh_token"}
        assert run.tokens["token_type"] == "bearer"
        assert run.tokens["expires_in"] == "600"  # a string, as Exact sends it
        me = await run.http.get(f"{run.base_url}/api/v1/current/Me", headers=run.auth)
        assert me.status_code == 200
        assert me.json()["d"]["results"][0]["CurrentDivision"] == 123456


async def test_a_used_refresh_token_fails_and_its_successor_works(exact_sandbox):
    async with exact_sandbox() as run:
        await run.advance(571)
        first = await run.refresh(run.tokens["refresh_token"])
        assert first.status_code == 200
        again = await run.refresh(run.tokens["refresh_token"])
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_grant"
        await run.advance(571)
        assert (await run.refresh(first.json()["refresh_token"])).status_code == 200


async def test_refresh_before_570_seconds_is_refused_without_burning_the_token(exact_sandbox):
    async with exact_sandbox() as run:
        await run.advance(500)
        early = await run.refresh(run.tokens["refresh_token"])
        assert early.status_code == 400
        assert "570" in early.json()["error_description"]
        await run.advance(71)
        assert (await run.refresh(run.tokens["refresh_token"])).status_code == 200


async def test_refresh_token_unused_for_thirty_days_expires(exact_sandbox):
    async with exact_sandbox() as run:
        await run.advance(31 * 86400)
        late = await run.refresh(run.tokens["refresh_token"])
        assert late.status_code == 400
        assert late.json()["error"] == "invalid_grant"


async def test_expired_access_token_gets_401_with_exacts_error_body(exact_sandbox):
    async with exact_sandbox() as run:
        await run.advance(601)
        r = await run.get("logistics/Items")
        assert r.status_code == 401
        assert r.json()["error"]["message"]["value"] == "Access token expired."
        assert "x-ratelimit-minutely-remaining" in r.headers


async def test_revoking_the_app_kills_access_and_refresh_tokens(exact_sandbox):
    async with exact_sandbox() as run:
        await run.control("revoke")
        assert (await run.get("crm/Accounts")).status_code == 401
        await run.advance(571)
        refused = await run.refresh(run.tokens["refresh_token"])
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"


async def test_time_scale_shortens_the_token_lifetime_it_reports(exact_sandbox):
    async with exact_sandbox(time_scale=100) as run:
        assert run.tokens["expires_in"] == "6"


async def test_wrong_client_secret_is_refused(exact_sandbox):
    async with exact_sandbox() as run:
        r = await run.http.post(
            f"{run.base_url}/api/oauth2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": run.tokens["refresh_token"],
                "client_id": "3f8a6c1e-sandbox-client",
                "client_secret": "wrong",
            },
        )
        assert r.status_code == 400
        assert "sandbox-client-secret" not in r.text
