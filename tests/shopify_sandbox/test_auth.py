"""The sandbox's token endpoint, token expiry and access scopes refuse as Shopify does."""

from __future__ import annotations

import httpx
import pytest

from connectors.errors import AuthError
from connectors.shopify.version import DEFAULT_API_VERSION
from tests.shopify_auth.conftest import CLIENT_ID, CLIENT_SECRET, sandbox_app

pytestmark = pytest.mark.anyio

INVALID = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
GRAPHQL = f"/admin/api/{DEFAULT_API_VERSION}/graphql.json"


async def _token(http: httpx.AsyncClient, **form: str) -> httpx.Response:
    return await http.post("/admin/oauth/access_token", data=form)


async def test_the_token_endpoint_serves_the_client_credentials_grant_and_refuses_the_rest():
    async with sandbox_app() as app, httpx.AsyncClient(base_url=app.url) as http:
        ok = await _token(
            http, grant_type="client_credentials", client_id=CLIENT_ID, client_secret=CLIENT_SECRET
        )
        assert ok.status_code == 200
        body = ok.json()
        assert set(body) == {"access_token", "scope", "expires_in"}
        assert body["expires_in"] == 86399
        # Shopify's own Node library sends the same fields as JSON.
        as_json = await http.post(
            "/admin/oauth/access_token",
            json={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        )
        assert as_json.status_code == 200

        wrong = await _token(
            http, grant_type="client_credentials", client_id=CLIENT_ID, client_secret="nope"
        )
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "invalid_client"
        odd = await _token(
            http, grant_type="password", client_id=CLIENT_ID, client_secret=CLIENT_SECRET
        )
        assert (odd.status_code, odd.json()["error"]) == (400, "unsupported_grant_type")
        no_code = await _token(http, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code="x")
        assert (no_code.status_code, no_code.json()["error"]) == (400, "invalid_request")
        assert (await http.get("/admin/oauth/access_token")).status_code == 405

        await app.control("POST", "/revoke")
        refused = await _token(
            http, grant_type="client_credentials", client_id=CLIENT_ID, client_secret=CLIENT_SECRET
        )
        assert refused.status_code == 400
        # The token issued before the uninstall is dead too.
        query = {"query": "{ shop { name } }"}
        gone = await http.post(
            GRAPHQL, json=query, headers={"X-Shopify-Access-Token": body["access_token"]}
        )
        assert (gone.status_code, gone.json()) == (401, INVALID)


async def test_an_expired_token_gets_shopifys_401_body():
    async with sandbox_app() as app, httpx.AsyncClient(base_url=app.url) as http:
        await app.control("PUT", json={"token_lifetime_s": 30})
        token = (
            await _token(
                http,
                grant_type="client_credentials",
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
            )
        ).json()
        assert token["expires_in"] == 30
        headers = {"X-Shopify-Access-Token": token["access_token"]}
        query = {"query": "{ shop { name } }"}
        assert (await http.post(GRAPHQL, json=query, headers=headers)).status_code == 200
        await app.control("POST", "/expire")
        expired = await http.post(GRAPHQL, json=query, headers=headers)
        assert (expired.status_code, expired.json()) == (401, INVALID)
        bad = await app.sandbox.auth.control("PUT", "", b'{"token_lifetime_s": 0}', _sink())
        assert bad is None  # answered 422 through the sink


def _sink():
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    return send


async def test_a_field_outside_the_grant_gets_access_denied_and_the_rest_still_answers():
    async with sandbox_app() as app:
        await app.control("PUT", json={"scopes": ["read_orders", "read_inventory"]})
        async with httpx.AsyncClient(base_url=app.url) as http:
            answer = await http.post(
                GRAPHQL,
                json={"query": '{ shop { name } giftCard(id: "gid://shopify/GiftCard/1") { id } }'},
                headers={"X-Shopify-Access-Token": "shpat_legacy_static_token_0123456"},
            )
        body = answer.json()
        assert answer.status_code == 200
        assert body["data"]["shop"]["name"]
        assert body["data"]["giftCard"] is None
        [error] = body["errors"]
        assert error["message"] == (
            "Access denied for giftCard field. Required access: `read_gift_cards` access scope."
        )
        assert error["path"] == ["giftCard"]
        assert error["extensions"] == {
            "code": "ACCESS_DENIED",
            "documentation": "https://shopify.dev/api/usage/access-scopes",
            "requiredAccess": "`read_gift_cards` access scope.",
        }


async def test_scopes_are_enforced_per_field_mutations_need_write_and_write_includes_read():
    async with sandbox_app() as app:
        await app.control("PUT", json={"scopes": ["read_products", "read_inventory"]})
        source = app.credentials()
        async with app.client(source) as client:
            # Nested: a variant is readable, its inventory item too.
            data = await client.execute(
                "{ productVariants(first: 1) { nodes { sku inventoryItem { id } } } }"
            )
            assert data["productVariants"]["nodes"][0]["inventoryItem"]["id"]
            with pytest.raises(AuthError) as caught:
                await client.execute("{ locations(first: 1) { nodes { id } } }")
            assert "`read_locations` access scope" in str(caught.value)
            assert "Dev Dashboard" in caught.value.hint
            mutation = (
                "mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities("
                'input: $input) @idempotent(key: "k1") { userErrors { message } } }'
            )
            variables = {
                "input": {
                    "name": "available",
                    "reason": "correction",
                    "quantities": [
                        {
                            "inventoryItemId": "gid://shopify/InventoryItem/1",
                            "locationId": "gid://shopify/Location/1",
                            "quantity": 1,
                            "changeFromQuantity": None,
                        }
                    ],
                }
            }
            with pytest.raises(AuthError, match="`write_inventory` access scope"):
                await client.execute(mutation, variables)
            # write_inventory alone also reads inventory (Shopify: write includes read).
            await app.control(
                "PUT", json={"scopes": ["read_products", "write_inventory", "read_locations"]}
            )
            data = await client.execute(
                "{ productVariants(first: 1) { nodes { inventoryItem { id } } } }"
            )
            assert data["productVariants"]["nodes"][0]["inventoryItem"]["id"]


async def test_current_app_installation_lists_the_granted_scopes():
    async with sandbox_app() as app:
        await app.control("PUT", json={"scopes": ["read_orders", "write_inventory"]})
        async with app.client(app.credentials()) as client:
            from connectors.shopify.api import ShopifyAPI

            assert await ShopifyAPI(client).granted_scopes() == {"read_orders", "write_inventory"}


async def test_a_bulk_query_outside_the_grant_fails_access_denied_and_the_client_pauses():
    import anyio

    from connectors.shopify.api import ShopifyAPI

    async with sandbox_app() as app:
        await app.control("PUT", json={"scopes": ["read_products", "read_locations"]})
        async with app.client(app.credentials()) as client:
            with anyio.fail_after(30), pytest.raises(AuthError) as caught:
                async for _ in ShopifyAPI(client).bulk_inventory_levels(poll_interval=0.05):
                    pass
        assert "ACCESS_DENIED" in str(caught.value)
        assert "Dev Dashboard" in caught.value.hint
        [op] = app.sandbox.state.bulk_operations.values()
        assert (op.status, op.error_code) == ("FAILED", "ACCESS_DENIED")
