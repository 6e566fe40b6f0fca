"""POST /admin/api/{version}/graphql.json: auth, cost and throttle, then real GraphQL execution."""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from connectors.shopify.sandbox.cost import MAX_QUERY_COST, actual_cost, requested_cost
from connectors.shopify.sandbox.root_mutation import MutationRoot
from connectors.shopify.sandbox.root_query import QueryRoot
from connectors.shopify.sandbox.schema import executable_schema
from connectors.shopify.sandbox.scopes import ScopeMiddleware, any_denied
from connectors.shopify.sandbox.views_common import Context

if TYPE_CHECKING:
    from connectors.shopify.sandbox.app import ShopifySandbox

DOCS = "https://shopify.dev/api/usage/rate-limits"


def max_cost_message(cost: int) -> str:
    return (
        f"Query cost is {cost}, which exceeds the single query max cost limit"
        f" ({MAX_QUERY_COST}).\n\nSee {DOCS} for more information on how the\n"
        "cost of a query is calculated.\n\nTo query larger amounts of data with fewer"
        " limits, bulk operations should be used instead."
    )


@functools.lru_cache(maxsize=512)
def checked_document(query: str) -> tuple[Any, list[dict[str, Any]]]:
    """Parse and validate once per distinct query text (clients repeat the same few); every
    sandbox executes the same schema, so the answer holds for all of them."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        return None, [exc.formatted]
    return document, [e.formatted for e in validate(executable_schema(), document)]


class GraphQLEndpoint:
    """Runs one GraphQL request against the sandbox's state; returns (status, body)."""

    def __init__(self, sandbox: ShopifySandbox, schema: GraphQLSchema) -> None:
        self.sb = sandbox
        self.schema = schema

    def cost_extension(self, requested: int | None, actual: int | None) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": self.sb.bucket.status(),
            }
        }

    def throttled(self, requested: int) -> dict[str, Any]:
        return {
            "errors": [
                {"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": DOCS}}
            ],
            "extensions": self.cost_extension(requested, None),
        }

    def run(
        self,
        raw: bytes,
        api_version: str,
        base_url: str,
        forced_throttle: bool = False,
        granted: frozenset[str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """`granted`: the token's access scopes, enforced per field (None: all, for tools)."""
        try:
            body = json.loads(raw or b"{}")
            query = body["query"]
            variables = body.get("variables") or {}
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return 400, {"errors": {"query": "Required parameter missing or invalid"}}
        document, problems = checked_document(query)
        if problems:
            return 200, {"errors": problems}
        operation = get_operation_ast(document, body.get("operationName"))
        if operation is None:
            return 200, {"errors": [{"message": "An operation name is required"}]}
        return 200, self._execute(
            document, operation, variables, api_version, base_url, forced_throttle, granted
        )

    def _execute(
        self,
        document: Any,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        api_version: str,
        base_url: str,
        forced_throttle: bool,
        granted: frozenset[str] | None = None,
    ) -> dict[str, Any]:
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), variables)
        if isinstance(coerced, list):  # variables that do not fit their declared types
            return {"errors": [e.formatted for e in coerced]}
        requested, page_errors = requested_cost(self.schema, document, operation, coerced)
        if page_errors:
            return {
                "errors": [e.formatted for e in page_errors],
                "extensions": self.cost_extension(requested, None),
            }
        if requested > MAX_QUERY_COST:
            return {
                "errors": [
                    {
                        "message": max_cost_message(requested),
                        "extensions": {
                            "code": "MAX_COST_EXCEEDED",
                            "cost": requested,
                            "maxCost": MAX_QUERY_COST,
                        },
                    }
                ],
                "extensions": self.cost_extension(requested, None),
            }
        if forced_throttle:
            self.sb.bucket.drain()
            return self.throttled(requested)
        if not self.sb.bucket.try_spend(requested):
            return self.throttled(requested)
        is_mutation = operation.operation == OperationType.MUTATION
        root_cls = MutationRoot if is_mutation else QueryRoot
        context = Context(self.sb.state, api_version)
        root = root_cls(self.sb.state, base_url)
        scopes = self.sb.auth.scopes if granted is None else granted
        root.currentAppInstallation = lambda info: self.sb.auth.installation(scopes)
        # Scope checks per field only when the document needs one (the common case is free).
        denied = granted is not None and any_denied(self.schema, document, granted)
        result = execute_sync(
            self.schema,
            document,
            root_value=root,
            context_value=context,
            variable_values=variables,
            operation_name=operation.name.value if operation.name else None,
            middleware=[ScopeMiddleware(granted)] if denied and granted is not None else None,
        )
        actual = actual_cost(self.schema, document, operation, coerced, result.data)
        actual = min(actual, requested)
        self.sb.bucket.refund(requested - actual)
        out: dict[str, Any] = {}
        if result.errors:
            out["errors"] = [e.formatted for e in result.errors]
        out["data"] = result.data
        out["extensions"] = self.cost_extension(requested, actual)
        for topic, payload in context.events:
            if topic == "__bulk__":
                self.sb.run_bulk(payload["id"])
            else:
                self.sb.webhooks.emit(topic, payload)
        return out
