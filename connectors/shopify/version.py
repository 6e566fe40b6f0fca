"""The one place that says which Shopify Admin API version shopsync speaks and checks against."""

from __future__ import annotations

# The version of the vendored real schema (connectors/shopify/schema/admin-2026-01.graphqls): every
# document shopsync sends is validated against it, and the sandbox schema is cut from it.
SCHEMA_VERSION = "2026-01"

# What the client asks for unless [shopify] api_version says otherwise: the version it was checked
# against. Shopify serves a sunset version as the oldest supported one (shopify.dev "About Shopify
# API versioning", fall forward), so a pinned version must be moved before it is retired.
DEFAULT_API_VERSION = SCHEMA_VERSION

# The versions the sandbox answers. 2026-01 is the vendored schema; 2026-04 is that schema with the
# one difference shopsync relies on modelled (inventorySetQuantities: changeFromQuantity and the
# @idempotent key mandatory, shopify.dev 2026-04 changelog). Any other version is refused: real
# Shopify would serve a sunset one as the oldest supported version, a contract nobody checked.
SANDBOX_VERSIONS = (SCHEMA_VERSION, "2026-04")
