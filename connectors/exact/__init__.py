"""Exact Online REST client, OAuth2 token rotation, rate limits and sandbox."""
