"""GraphQL views of the app's own objects: webhook subscriptions and bulk operations."""

from __future__ import annotations

from typing import Any

from connectors.shopify.sandbox.records import BulkOperationRec, SubscriptionRec
from connectors.shopify.sandbox.state import gid, iso
from connectors.shopify.sandbox.views_common import View


class SubscriptionView(View):
    typename = "WebhookSubscription"
    rec: SubscriptionRec

    def __init__(self, state: Any, rec: SubscriptionRec, api_version: str) -> None:
        super().__init__(state, rec)
        self.api_version = api_version

    id = property(lambda self: gid("WebhookSubscription", self.rec.id))
    legacyResourceId = property(lambda self: str(self.rec.id))
    topic = property(lambda self: self.rec.topic)
    format = property(lambda self: self.rec.format)
    uri = property(lambda self: self.rec.uri)
    callbackUrl = property(lambda self: self.rec.uri)
    endpoint = property(
        lambda self: {"__typename": "WebhookHttpEndpoint", "callbackUrl": self.rec.uri}
    )
    includeFields = property(lambda self: self.rec.include_fields)
    metafieldNamespaces: list[str] = []  # noqa: RUF012 - shared read-only default
    filter = property(lambda self: self.rec.filter)
    createdAt = property(lambda self: iso(self.rec.created_at))
    updatedAt = property(lambda self: iso(self.rec.updated_at))

    @property
    def apiVersion(self) -> dict[str, Any]:
        return {"handle": self.api_version, "displayName": self.api_version, "supported": True}


class BulkOperationView(View):
    typename = "BulkOperation"
    rec: BulkOperationRec

    def __init__(self, state: Any, rec: BulkOperationRec, base_url: str) -> None:
        super().__init__(state, rec)
        self.base_url = base_url

    id = property(lambda self: gid("BulkOperation", self.rec.id))
    type = "QUERY"
    status = property(lambda self: self.rec.status)
    errorCode = property(lambda self: self.rec.error_code)
    query = property(lambda self: self.rec.query)
    createdAt = property(lambda self: iso(self.rec.created_at))
    completedAt = property(lambda self: iso(self.rec.completed_at))
    objectCount = property(lambda self: str(self.rec.object_count))
    rootObjectCount = property(lambda self: str(self.rec.root_object_count))
    fileSize = property(lambda self: str(self.rec.file_size) if self.rec.file_size else None)
    partialDataUrl = None

    @property
    def url(self) -> str | None:
        if self.rec.status != "COMPLETED" or not self.rec.object_count:
            return None  # Shopify gives no url when the result is empty
        return f"{self.base_url}/_sandbox/shopify/bulk/{self.rec.id}.jsonl"
