"""The Mutation root: inventory writes with compare-and-set, webhook subscriptions, bulk queries."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from graphql import GraphQLError, GraphQLResolveInfo, parse, validate

from connectors.shopify.sandbox.inventory_set import InventoryMutations, user_error
from connectors.shopify.sandbox.records import BulkOperationRec, StoreCreditTxRec, SubscriptionRec
from connectors.shopify.sandbox.state import ShopState, gid, parse_id, utcnow
from connectors.shopify.sandbox.views_admin import BulkOperationView, SubscriptionView
from connectors.shopify.sandbox.views_common import ctx
from connectors.shopify.sandbox.views_money import StoreCreditTxView


class MutationRoot(InventoryMutations):
    """Root value for mutations; each one records the webhooks its change sets off."""

    def __init__(self, state: ShopState, base_url: str = "") -> None:
        self.s = state
        self.base_url = base_url

    # ------------------------------------------------------------------ webhook subscriptions

    def webhookSubscriptionCreate(
        self, info: GraphQLResolveInfo, topic: str, webhookSubscription: dict[str, Any]
    ) -> dict[str, Any]:
        uri, errors = self._uri(webhookSubscription)
        if not errors and any(
            x.topic == topic and x.uri == uri for x in self.s.subscriptions.values()
        ):
            errors = [
                {
                    "field": ["webhookSubscription", "callbackUrl"],
                    "message": "Address for this topic has already been taken",
                }
            ]
        if errors:
            return {"webhookSubscription": None, "userErrors": errors}
        now = utcnow()
        sub = SubscriptionRec(
            self.s.new_id(),
            topic,
            uri,
            webhookSubscription.get("format") or "JSON",
            webhookSubscription.get("includeFields") or [],
            now,
            now,
            webhookSubscription.get("filter"),
        )
        self.s.subscriptions[sub.id] = sub
        return {
            "webhookSubscription": SubscriptionView(self.s, sub, ctx(info).api_version),
            "userErrors": [],
        }

    def webhookSubscriptionUpdate(
        self, info: GraphQLResolveInfo, id: str, webhookSubscription: dict[str, Any]
    ) -> dict[str, Any]:
        sub = self.s.subscriptions.get(parse_id(id))
        if sub is None:
            return {
                "webhookSubscription": None,
                "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}],
            }
        if "uri" in webhookSubscription or "callbackUrl" in webhookSubscription:
            uri, errors = self._uri(webhookSubscription)
            if errors:
                return {"webhookSubscription": None, "userErrors": errors}
            sub.uri = uri
        if webhookSubscription.get("format"):
            sub.format = webhookSubscription["format"]
        if webhookSubscription.get("includeFields") is not None:
            sub.include_fields = webhookSubscription["includeFields"]
        sub.updated_at = utcnow()
        return {
            "webhookSubscription": SubscriptionView(self.s, sub, ctx(info).api_version),
            "userErrors": [],
        }

    def webhookSubscriptionDelete(self, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
        sub = self.s.subscriptions.pop(parse_id(id), None)
        if sub is None:
            return {
                "deletedWebhookSubscriptionId": None,
                "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}],
            }
        return {
            "deletedWebhookSubscriptionId": gid("WebhookSubscription", sub.id),
            "userErrors": [],
        }

    @staticmethod
    def _uri(data: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        uri = data.get("uri") or data.get("callbackUrl") or ""
        field = ["webhookSubscription", "uri" if "uri" in data else "callbackUrl"]
        if not uri:
            return "", [{"field": field, "message": "Address can't be blank"}]
        parts = urlsplit(uri)
        # Shopify demands https; the sandbox also allows plain http to loopback receivers.
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            return "", [
                {"field": field, "message": f"Address protocol {parts.scheme}:// is not supported"}
            ]
        return uri, []

    # ------------------------------------------------------------------ bulk operations

    def bulkOperationRunQuery(
        self, info: GraphQLResolveInfo, query: str, groupObjects: bool = False
    ) -> dict[str, Any]:
        running = [b for b in self.s.bulk_operations.values() if b.status in ("CREATED", "RUNNING")]
        if running:
            return {
                "bulkOperation": None,
                "userErrors": [
                    {
                        "code": "OPERATION_IN_PROGRESS",
                        "field": ["query"],
                        "message": "A bulk query operation for this app and shop is already in"
                        " progress:"
                        f" {gid('BulkOperation', running[0].id)}.",
                    }
                ],
            }
        try:
            problems = [e.message for e in validate(info.schema, parse(query))]
        except GraphQLError as exc:
            problems = [exc.message]
        if problems:
            return {
                "bulkOperation": None,
                "userErrors": [
                    {"code": "INVALID", "field": ["query"], "message": "; ".join(problems)}
                ],
            }
        op = BulkOperationRec(self.s.new_id(), query, "CREATED", utcnow())
        self.s.bulk_operations[op.id] = op
        ctx(info).events.append(("__bulk__", {"id": op.id}))
        return {"bulkOperation": BulkOperationView(self.s, op, self.base_url), "userErrors": []}

    def bulkOperationCancel(self, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
        op = self.s.bulk_operations.get(parse_id(id))
        if op is None:
            return {
                "bulkOperation": None,
                "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}],
            }
        if op.status in ("CREATED", "RUNNING"):
            op.status = "CANCELED"
        return {"bulkOperation": BulkOperationView(self.s, op, self.base_url), "userErrors": []}

    # ------------------------------------------------------------------ store credit

    def storeCreditAccountCredit(
        self, info: GraphQLResolveInfo, id: str, creditInput: dict[str, Any]
    ) -> dict[str, Any]:
        def fail(code: str, field: list[str], message: str) -> dict[str, Any]:
            return {
                "storeCreditAccountTransaction": None,
                "userErrors": [user_error(code, field, message)],
            }

        num = parse_id(id)
        if "/Customer/" in id and num in self.s.customers:
            account = self.s.store_credit_account_for(self.s.customers[num])
        elif num in self.s.store_credit:
            account = self.s.store_credit[num]
        else:
            return fail("ACCOUNT_NOT_FOUND", ["id"], "Store credit account does not exist.")
        money = creditInput["creditAmount"]
        try:
            amount = Decimal(str(money["amount"]))
        except InvalidOperation:
            amount = Decimal(0)
        if amount <= 0:
            return fail(
                "NEGATIVE_OR_ZERO_AMOUNT",
                ["creditInput", "creditAmount", "amount"],
                "The amount must be greater than zero.",
            )
        if money["currencyCode"] != self.s.currency:
            return fail(
                "MISMATCHING_CURRENCY",
                ["creditInput", "creditAmount", "currencyCode"],
                "The currency does not match the account's currency.",
            )
        tx = StoreCreditTxRec(
            self.s.new_id(),
            amount,
            account.balance + amount,
            utcnow(),
            "ADJUSTMENT",
            expires_at=None,
        )
        account.transactions.append(tx)
        return {
            "storeCreditAccountTransaction": StoreCreditTxView(self.s, (account, tx)),
            "userErrors": [],
        }
