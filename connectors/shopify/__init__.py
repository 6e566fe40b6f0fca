"""Shopify GraphQL Admin API client, webhook verification and sandbox."""
