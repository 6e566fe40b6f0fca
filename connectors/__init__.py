"""Talking to Shopify and Exact Online; no business rules here."""
