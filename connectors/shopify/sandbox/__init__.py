"""A faithful simulator of the Shopify Admin GraphQL API, served over real HTTP on loopback."""

from connectors.shopify.sandbox.schema import build_schema

__all__ = ["build_schema"]
