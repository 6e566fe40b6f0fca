"""The sandbox schema is the real Admin schema cut down by one command, never invented."""

from __future__ import annotations

import graphql
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
)

from connectors.shopify.sandbox import schema_gen
from connectors.shopify.sandbox.schema import build_schema
from tests.shopify_sandbox.conftest import TOKEN


@pytest.fixture(scope="module")
def real() -> graphql.GraphQLSchema:
    text = schema_gen.REAL_SCHEMA.read_text(encoding="utf-8")
    return graphql.build_schema(text, assume_valid=True)


def _args(field) -> dict[str, tuple[str, str | None]]:
    return {
        name: (
            str(a.type),
            graphql.print_ast(a.ast_node.default_value) if a.ast_node.default_value else None,
        )
        for name, a in field.args.items()
    }


def test_the_committed_schema_is_what_the_generator_makes():
    committed = schema_gen.OUTPUT.read_text(encoding="utf-8")
    hint = "stale or edited by hand: run python -m connectors.shopify.sandbox.schema_gen"
    assert committed == schema_gen.render(), hint


def test_every_type_field_argument_and_value_the_sandbox_serves_is_real(real):
    served = build_schema()
    for name, t in served.type_map.items():
        if name.startswith("__"):
            continue
        r = real.type_map.get(name)
        assert r is not None, f"invented type {name}"
        assert type(r) is type(t), name
        if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType)):
            for fname, f in t.fields.items():
                assert fname in r.fields, f"invented field {name}.{fname}"
                assert str(f.type) == str(r.fields[fname].type), f"{name}.{fname}"
                assert _args(f) == _args(r.fields[fname]), f"{name}.{fname} arguments"
                assert f.deprecation_reason == r.fields[fname].deprecation_reason
        elif isinstance(t, GraphQLEnumType):
            assert set(t.values) == set(r.values), f"{name} is not the real enum"
        elif isinstance(t, GraphQLInputObjectType):
            assert {k: str(v.type) for k, v in t.fields.items()} == {
                k: str(v.type) for k, v in r.fields.items()
            }, name
        elif isinstance(t, GraphQLUnionType):
            assert {m.name for m in t.types} <= {m.name for m in r.types}, name


def test_the_defaults_the_sync_relies_on_are_shopifys(real):
    served = build_schema()
    account = served.type_map["ShopifyPaymentsAccount"].fields
    assert _args(account["payouts"])["sortKey"] == ("PayoutSortKeys", "ISSUED_AT")
    assert _args(account["balanceTransactions"])["sortKey"] == (
        "BalanceTransactionSortKeys",
        "PROCESSED_AT",
    )
    run = served.type_map["Mutation"].fields["bulkOperationRunQuery"]
    assert _args(run)["groupObjects"] == ("Boolean!", "false")
    assert "reverse" not in served.type_map["Customer"].fields["storeCreditAccounts"].args


def test_the_generator_refuses_a_field_the_real_schema_lacks(monkeypatch):
    served = dict(schema_gen.SERVED)
    served["GiftCard"] += " legacyResourceId"
    monkeypatch.setattr(schema_gen, "SERVED", served)
    with pytest.raises(schema_gen.SchemaCutError, match="GiftCard has no field legacyResourceId"):
        schema_gen.cut()


def test_the_generator_refuses_a_type_the_real_schema_lacks(monkeypatch):
    served = {**schema_gen.SERVED, "OrderAdjustmentKind": "reason"}
    monkeypatch.setattr(schema_gen, "SERVED", served)
    with pytest.raises(schema_gen.SchemaCutError, match="OrderAdjustmentKind"):
        schema_gen.cut()


def test_the_generator_refuses_a_reachable_type_it_has_no_fields_for(monkeypatch):
    served = {k: v for k, v in schema_gen.SERVED.items() if k != "MoneyV2"}
    monkeypatch.setattr(schema_gen, "SERVED", served)
    with pytest.raises(schema_gen.SchemaCutError, match="MoneyV2 is reachable"):
        schema_gen.cut()


def test_check_mode_reports_a_stale_file(monkeypatch, tmp_path, capsys):
    stale = tmp_path / "schema.graphql"
    stale.write_text("type QueryRoot { invented: Int }\n", encoding="utf-8")
    monkeypatch.setattr(schema_gen, "OUTPUT", stale)
    assert schema_gen.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err


@pytest.mark.anyio
async def test_the_sandbox_refuses_what_the_old_hand_written_schema_invented(shop):
    out = await shop.gql("{ giftCards(first: 1) { nodes { legacyResourceId } } }")
    assert "legacyResourceId" in out["errors"][0]["message"]
    out = await shop.gql(
        """mutation { webhookSubscriptionCreate(topic: GIFT_CARDS_CREATE,
        webhookSubscription: {uri: "https://example.com/h"}) { userErrors { message } } }"""
    )
    assert "GIFT_CARDS_CREATE" in out["errors"][0]["message"]
    out = await shop.gql(
        "{ shopifyPaymentsAccount { payouts(first: 1, sortKey: PAYOUT_DATE) { nodes { id } } } }"
    )
    assert "PAYOUT_DATE" in out["errors"][0]["message"]
    r = await shop.http.post(
        f"{shop.url}/_sandbox/shopify/payouts", json={"transactions": [{"type": "PAYOUT"}]}
    )
    assert r.status_code == 422 and "ShopifyPaymentsTransactionType" in r.text


@pytest.mark.anyio
async def test_a_real_sort_key_the_sandbox_does_not_model_is_refused(shop):
    out = await shop.gql(
        "{ shopifyPaymentsAccount { payouts(first: 1, sortKey: FEE_AMOUNT) { nodes { id } } } }"
    )
    assert "FEE_AMOUNT" in out["errors"][0]["message"]


@pytest.mark.anyio
async def test_only_the_modelled_versions_are_served(shop):
    query = {"query": "{ shop { name } }"}
    headers = {"X-Shopify-Access-Token": TOKEN}
    for version in ("2026-01", "2026-04"):
        r = await shop.http.post(
            f"{shop.url}/admin/api/{version}/graphql.json", json=query, headers=headers
        )
        assert r.status_code == 200 and r.headers["x-shopify-api-version"] == version
    for version in ("2026-10", "2025-07", "unstable"):
        r = await shop.http.post(
            f"{shop.url}/admin/api/{version}/graphql.json", json=query, headers=headers
        )
        assert r.status_code == 404, version
