"""Client-credentials tokens expire; under load the client renews once and no request fails."""

from __future__ import annotations

import anyio
import pytest

from tests.shopify_auth.conftest import sandbox_app

pytestmark = pytest.mark.anyio


async def _load(client, workers: int, until) -> tuple[int, list[Exception]]:
    """`workers` callers in a loop until `until()`; answers (count, failures)."""
    done, failures = 0, []

    async def one() -> None:
        nonlocal done
        while not until():
            try:
                await client.execute("shop_info")
                done += 1
            except Exception as exc:  # any failure is what this test is about
                failures.append(exc)
                return

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for _ in range(workers):
                tg.start_soon(one)
    return done, failures


async def test_tokens_are_renewed_before_they_expire_under_load_exactly_once():
    async with sandbox_app() as app:
        # A 6-second "day": the client renews in its last 10 %, before Shopify would refuse.
        await app.control("PUT", json={"token_lifetime_s": 6})
        source = app.credentials()
        async with app.client(source) as client:
            await client.execute("shop_info")
            first_expiry = source.status()["expires_at"]
            grants = lambda: app.counts().get("grant_client_credentials", 0)  # noqa: E731
            after: list[int] = []

            def until() -> bool:
                # Keep going a little past the renewal, so requests use the new token too.
                if grants() >= 2:
                    after.append(1)
                return len(after) > 40

            done, failures = await _load(client, 8, until)
        assert failures == []
        assert done > 40
        assert grants() == 2  # the first token and exactly one renewal
        assert source.status()["expires_at"] > first_expiry
        assert app.counts().get("expired_token_used", 0) == 0  # renewed in time, not on a 401


async def test_an_expired_token_meets_a_401_and_one_renewal_serves_every_waiting_request():
    async with sandbox_app() as app:
        source = app.credentials()
        async with app.client(source) as client:
            await client.execute("shop_info")
            await app.control("POST", "/expire")  # Shopify says the token is over, early
            results: list[dict] = []

            async def one() -> None:
                results.append(await client.execute("shop_info"))

            with anyio.fail_after(30):
                async with anyio.create_task_group() as tg:
                    for _ in range(30):
                        tg.start_soon(one)
        assert len(results) == 30  # none failed
        assert app.counts()["grant_client_credentials"] == 2  # single-flight: one renewal
        assert app.sandbox.requests["graphql_unauthorised"] >= 1


async def test_a_renewal_that_keeps_failing_becomes_a_problem_for_the_operator():
    import httpx

    from connectors.errors import TransientError
    from connectors.shopify.auth import ClientCredentials
    from daemon.alerts.rules import Snapshot, evaluate
    from daemon.config import AlertSettings

    calls: list[bytes] = []

    def down(request: httpx.Request) -> httpx.Response:
        calls.append(request.content)
        return httpx.Response(503, json={"errors": "Service Unavailable"})

    source = ClientCredentials(
        "https://my-shop.myshopify.com",
        "cid",
        "shpss_secret_not_in_errors",
        transport=httpx.MockTransport(down),
    )
    for attempt in range(3):
        with pytest.raises(TransientError) as caught:
            await source.token()
        assert "shpss_secret_not_in_errors" not in str(caught.value)
        problem = source.status()["problem"]
        assert (problem is None) == (attempt < 2)  # two blips are no news; the third is
    assert b"grant_type=client_credentials" in calls[0]  # form-encoded, as Shopify documents
    status = source.status()
    assert "failed 3 times" in status["problem"]
    [alert] = evaluate(
        Snapshot(0.0, shopify_auth_problem=status["problem"], shopify_auth_fix=status["fix"]),
        AlertSettings(),
    )
    assert alert.fingerprint == "auth:shopify"
    assert "Dev Dashboard" in alert.fix
    await source.aclose()
