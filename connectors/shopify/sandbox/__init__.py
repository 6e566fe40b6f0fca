"""A faithful simulator of the Shopify Admin GraphQL API, served over real HTTP on loopback."""

from connectors.shopify.sandbox.app import ShopifySandbox
from connectors.shopify.sandbox.schema import build_schema, schema_sdl

__all__ = ["ShopifySandbox", "build_schema", "schema_sdl"]
