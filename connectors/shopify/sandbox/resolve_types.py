"""Tells graphql-core which object type an interface or union value is (views carry `typename`)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLInterfaceType, GraphQLSchema, GraphQLUnionType


def _resolve(value: Any, info: Any, abstract_type: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("__typename")
    return getattr(value, "typename", None) or None


def attach_type_resolvers(schema: GraphQLSchema) -> None:
    for t in schema.type_map.values():
        if isinstance(t, (GraphQLInterfaceType, GraphQLUnionType)):
            t.resolve_type = _resolve
