"""Shopify's calculated query cost: requested (from page sizes) and actual (from the answer).

Rules from shopify.dev "GraphQL Admin API rate limits" (apps/build/apis/graphql-admin/rate-limits):
scalars and enums cost 0, objects 1, a connection 2 plus its page size times the cost of one node,
every mutation field 10; a single query may cost at most 1,000 and a page holds at most 250.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
)
from graphql.execution.values import get_argument_values

from connectors.shopify.sandbox.connections import MAX_PAGE_SIZE

MUTATION_COST = 10
MAX_QUERY_COST = 1000


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Any,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.errors: list[GraphQLError] = []

    def fields(
        self, parent: GraphQLNamedType, sel: SelectionSetNode | None
    ) -> Iterator[tuple[FieldNode, GraphQLField]]:
        """Every field selected, fragments flattened, each with its definition on the right type."""
        if sel is None:
            return
        for s in sel.selections:
            if isinstance(s, FieldNode):
                defs = getattr(parent, "fields", {})
                if s.name.value in defs:
                    yield s, defs[s.name.value]
            elif isinstance(s, InlineFragmentNode):
                t = self.schema.get_type(s.type_condition.name.value) if s.type_condition else None
                yield from self.fields(t or parent, s.selection_set)
            elif isinstance(s, FragmentSpreadNode) and s.name.value in self.fragments:
                frag = self.fragments[s.name.value]
                t = self.schema.get_type(frag.type_condition.name.value) or parent
                yield from self.fields(t, frag.selection_set)

    def args(self, fdef: GraphQLField, node: FieldNode) -> dict[str, Any]:
        try:
            return get_argument_values(fdef, node, self.variables)
        except GraphQLError:
            return {}  # validation reports bad arguments; cost just skips them

    def node_parts(self, conn_type: Any, node: FieldNode) -> Iterator[tuple[Any, FieldNode]]:
        """(node type, selection) pairs under `edges { node }` and `nodes` of a connection."""
        for f, fdef in self.fields(conn_type, node.selection_set):
            if f.name.value == "nodes":
                yield get_named_type(fdef.type), f
            elif f.name.value == "edges":
                edge_t = get_named_type(fdef.type)
                for g, gdef in self.fields(edge_t, f.selection_set):
                    if g.name.value == "node":
                        yield get_named_type(gdef.type), g

    # ------------------------------------------------------------------ requested

    def requested(self, parent: GraphQLNamedType, sel: SelectionSetNode | None) -> int:
        return sum(self.requested_field(f, d) for f, d in self.fields(parent, sel))

    def requested_field(self, node: FieldNode, fdef: GraphQLField) -> int:
        t = get_named_type(fdef.type)
        if is_leaf_type(t):
            return 0
        args = self.args(fdef, node)
        size = self.page_size(node, args)
        if t.name.endswith("Connection"):
            per_node = max(
                (1 + self.requested(nt, n.selection_set) for nt, n in self.node_parts(t, node)),
                default=0,
            )
            return 2 + size * per_node
        many = is_list_type(get_nullable_type(fdef.type)) and "first" in args
        return (size if many else 1) * (1 + self.requested(t, node.selection_set))

    def page_size(self, node: FieldNode, args: dict[str, Any]) -> int:
        size = 0
        for name in ("first", "last"):
            value = args.get(name)
            if isinstance(value, int):
                if value > MAX_PAGE_SIZE:
                    # The wording is unverified against a live shop; the limit itself is documented.
                    self.errors.append(
                        GraphQLError(
                            f"The {name} argument on field '{node.name.value}' must be less than"
                            f" or equal to {MAX_PAGE_SIZE}.",
                            node,
                            extensions={"code": "BAD_REQUEST"},
                        )
                    )
                size = max(size, value)
        return size

    # ------------------------------------------------------------------ actual

    def actual(self, parent: GraphQLNamedType, sel: SelectionSetNode | None, data: Any) -> int:
        if not isinstance(data, dict):
            return 0
        total = 0
        for f, fdef in self.fields(parent, sel):
            key = f.alias.value if f.alias else f.name.value
            if key in data:
                total += self.actual_field(f, fdef, data[key])
        return total

    def actual_field(self, node: FieldNode, fdef: GraphQLField, value: Any) -> int:
        t = get_named_type(fdef.type)
        if is_leaf_type(t) or value is None:
            return 0
        if isinstance(value, list):
            return sum(1 + self.actual(t, node.selection_set, v) for v in value if v is not None)
        if t.name.endswith("Connection"):
            cost = 2
            for f, fdef2 in self.fields(t, node.selection_set):
                key = f.alias.value if f.alias else f.name.value
                items = value.get(key) or []
                if f.name.value == "nodes":
                    nt = get_named_type(fdef2.type)
                    cost += sum(1 + self.actual(nt, f.selection_set, n) for n in items)
                elif f.name.value == "edges":
                    edge_t = get_named_type(fdef2.type)
                    cost += sum(self._edge(edge_t, f, e) for e in items)
            return cost
        return 1 + self.actual(t, node.selection_set, value)

    def _edge(self, edge_t: Any, edges_node: FieldNode, edge: Any) -> int:
        cost = 0
        for g, gdef in self.fields(edge_t, edges_node.selection_set):
            key = g.alias.value if g.alias else g.name.value
            if g.name.value == "node" and isinstance(edge, dict) and edge.get(key) is not None:
                cost += 1 + self.actual(get_named_type(gdef.type), g.selection_set, edge[key])
        return cost


def _fragments(document: Any) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def requested_cost(
    schema: GraphQLSchema,
    document: Any,
    operation: OperationDefinitionNode,
    variables: Any,
) -> tuple[int, list[GraphQLError]]:
    """The worst-case cost Shopify charges up front, and any page-size errors found on the way."""
    walk = _Walk(schema, _fragments(document), variables)
    if operation.operation == OperationType.MUTATION:
        fields = list(walk.fields(schema.mutation_type, operation.selection_set))
        return MUTATION_COST * len(fields), walk.errors
    return walk.requested(schema.query_type, operation.selection_set), walk.errors


def actual_cost(
    schema: GraphQLSchema,
    document: Any,
    operation: OperationDefinitionNode,
    variables: Any,
    data: dict[str, Any] | None,
) -> int:
    """What the answer really cost: connections counted by the nodes they returned."""
    walk = _Walk(schema, _fragments(document), variables)
    if operation.operation == OperationType.MUTATION:
        return MUTATION_COST * len(list(walk.fields(schema.mutation_type, operation.selection_set)))
    return walk.actual(schema.query_type, operation.selection_set, data)
