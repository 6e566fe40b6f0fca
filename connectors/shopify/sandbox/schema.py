"""The Shopify Admin GraphQL schema (2026-10 subset) the sandbox runs and clients validate with."""

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
    """A fresh executable schema; each sandbox attaches its own resolvers to its own copy."""
    return graphql.build_schema(schema_sdl())


def validation_schema() -> graphql.GraphQLSchema:
    """A shared, cached schema for validating documents (never attach resolvers to it)."""
    return _parsed()
