"""Every document and enum value shopsync sends is valid in the real Admin schema."""

from __future__ import annotations

from pathlib import Path

import graphql
import pytest

from connectors.shopify.sandbox.schema_gen import REAL_SCHEMA
from connectors.shopify.webhooks import REQUIRED_TOPICS
from tests.support.shopify_documents import problems

REPO = Path(__file__).resolve().parents[2]
ROOTS = [REPO / "connectors", REPO / "daemon"]


@pytest.fixture(scope="module")
def real() -> graphql.GraphQLSchema:
    # Shopify's SDL breaks a newer spec rule graphql-core enforces (deprecated implementations
    # of non-deprecated interface fields); it is the real API all the same.
    return graphql.build_schema(REAL_SCHEMA.read_text(encoding="utf-8"), assume_valid=True)


def test_every_document_and_enum_literal_is_valid_and_not_deprecated(real):
    count, found = problems(real, ROOTS, REPO)
    assert count >= 20  # the query files and the inline documents in daemon/ and connectors/
    assert found == []


def test_the_webhook_topics_we_subscribe_to_are_real(real):
    topics = real.type_map["WebhookSubscriptionTopic"].values
    assert [t for t in REQUIRED_TOPICS if t not in topics] == []


def test_an_invented_field_or_topic_makes_the_check_fail(real, tmp_path):
    (tmp_path / "q.graphql").write_text(
        "query { giftCards(first: 1) { nodes { id legacyResourceId } } }", encoding="utf-8"
    )
    (tmp_path / "flow.py").write_text(
        'DOC = """query($t: WebhookSubscriptionTopic!) { webhookSubscriptions(first: 1,\n'
        '  topics: [$t]) { nodes { id } } }"""\n'
        'TOPICS = ("ORDERS_CREATE", "ORDERS_PAID", "GIFT_CARDS_CREATE")\n'
        'OLD = """query { shop { billingAddress { city } } }"""\n',
        encoding="utf-8",
    )
    count, found = problems(real, [tmp_path], tmp_path)
    assert count == 3
    text = "\n".join(found)
    assert "q.graphql:1: invalid: Cannot query field 'legacyResourceId' on type 'GiftCard'" in text
    assert "flow.py:3: 'GIFT_CARDS_CREATE' is not a WebhookSubscriptionTopic value" in text
    assert "flow.py:4: deprecated" in text and "billingAddress" in text


def test_every_webhook_route_is_for_a_topic_shopify_has(real):
    import daemon.app  # noqa: F401 - registers every flow's routes
    from connectors.shopify.webhooks import PRIVACY_TOPICS, enum_topic
    from daemon.flows.webhooks import SHOPIFY_ROUTES

    topics = real.type_map["WebhookSubscriptionTopic"].values
    routed = [t for t in SHOPIFY_ROUTES if t not in PRIVACY_TOPICS]
    assert routed and [t for t in routed if enum_topic(t) not in topics] == []
