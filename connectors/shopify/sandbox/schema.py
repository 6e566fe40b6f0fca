"""The Admin GraphQL schema the sandbox runs: cut from the real 2026-01 one by schema_gen."""

from __future__ import annotations

from functools import cache
from importlib import resources

import graphql

SDL_FILE = "schema.graphql"


def schema_sdl() -> str:
    """The SDL text shipped in this package (type, field and enum names are Shopify's)."""
    return resources.files(__package__).joinpath(SDL_FILE).read_text(encoding="utf-8")


@cache
def _parsed() -> graphql.GraphQLSchema:
    return graphql.build_schema(schema_sdl())


def build_schema() -> graphql.GraphQLSchema:
    """A fresh schema built from the SDL (clients validate their documents against it)."""
    return graphql.build_schema(schema_sdl())


def executable_schema() -> graphql.GraphQLSchema:
    """The one schema every sandbox executes with: resolvers live on the root values, so the
    schema holds no per-sandbox state and building it once saves a third of a second each."""
    from connectors.shopify.sandbox.resolve_types import attach_type_resolvers

    schema = _parsed()
    attach_type_resolvers(schema)
    return schema
