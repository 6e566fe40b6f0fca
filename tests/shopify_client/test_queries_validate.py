"""Every query file shopsync sends is valid against the sandbox's copy of Shopify's schema."""

import graphql
import pytest

from connectors.shopify.queries import load_query, query_names
from connectors.shopify.sandbox.schema import build_schema


def test_there_are_queries_to_check():
    assert {"order", "set_available", "webhook_subscriptions", "bulk_operation"} <= set(
        query_names()
    )


@pytest.fixture(scope="module")
def schema():
    return build_schema()


@pytest.mark.parametrize("name", query_names())
def test_query_file_is_valid_against_the_admin_schema(schema, name):
    errors = graphql.validate(schema, graphql.parse(load_query(name)))
    assert [e.message for e in errors] == []


def test_unknown_query_name_is_refused():
    with pytest.raises(KeyError):
        load_query("no_such_query")
