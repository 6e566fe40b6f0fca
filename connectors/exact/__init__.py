"""Exact Online REST client, OAuth2 with refresh-token rotation, rate limits, models and sandbox.

Flows use `client.ExactClient` (built with an `oauth.TokenManager` over a `tokens.TokenStore`,
sharing one `limiter.RateBudget` and `limiter.ErrorBudget`), `odata` to build filters and
`models` to read rows; failures arrive as `connectors.errors` classes.
"""
