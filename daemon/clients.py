"""Builds the API clients from settings; one of each per process, shared by all workers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from connectors.ccvshop.client import CcvShopClient
from connectors.exact.client import ExactClient
from connectors.exact.limiter import RateBudget
from connectors.exact.oauth import OAuthApp, TokenManager
from connectors.paynl.client import PayClient
from connectors.shopify.api import ShopifyAPI
from connectors.shopify.auth import (
    ClientCredentials,
    ShopifyToken,
    StaticToken,
    StoredToken,
    TokenSource,
)
from connectors.shopify.client import ShopifyClient
from daemon.config import Settings
from daemon.logs import register_secret
from state.db import Database
from state.tokens import SqliteTokenStore


@dataclass
class Clients:
    shopify: ShopifyAPI | None  # None when the shop is a CCV Shop
    exact: ExactClient
    tokens: TokenManager
    ccvshop: CcvShopClient | None = None
    paynl: PayClient | None = None  # when [paynl] imports Pay.'s settlements

    async def aclose(self) -> None:
        if self.shopify is not None:
            await self.shopify.client.aclose()
        if self.ccvshop is not None:
            await self.ccvshop.aclose()
        if self.paynl is not None:
            await self.paynl.aclose()
        await self.exact.aclose()
        await self.tokens.aclose()


def shopify_auth(settings: Settings, db: Database) -> TokenSource:
    """The token source `[shopify] auth` names; tokens live in the state DB's token store."""
    s = settings.shopify
    assert s is not None  # only called for platform = "shopify"
    store = SqliteTokenStore(db, "shopify", ShopifyToken)
    if s.auth == "access_token":
        assert s.access_token is not None  # the settings validator requires it
        return StaticToken(s.access_token.get_secret_value())
    if s.auth == "authorization_code":
        return StoredToken(store, on_token=register_secret)
    assert s.client_id and s.client_secret
    return ClientCredentials(
        s.shop_url,
        s.client_id,
        s.client_secret.get_secret_value(),
        store,
        on_token=register_secret,  # a fresh token is scrubbed from logs like any secret
    )


def build_clients(settings: Settings, db: Database) -> Clients:
    shopify = ccvshop = None
    if settings.shopify is not None and settings.shop.platform == "shopify":
        shopify = ShopifyAPI(
            ShopifyClient(
                settings.shopify.shop_url,
                shopify_auth(settings, db),
                api_version=settings.shopify.api_version,
            )
        )
    if settings.ccvshop is not None and settings.shop.platform == "ccvshop":
        ccv = settings.ccvshop
        ccvshop = CcvShopClient(
            ccv.api_root, ccv.public_key, ccv.secret, total_per_minute=ccv.total_per_minute
        )
    app = OAuthApp(
        base_url=settings.exact.url,
        client_id=settings.exact.client_id,
        client_secret=settings.exact.client_secret.get_secret_value(),
        redirect_uri=settings.exact.redirect_uri,
    )
    tokens = TokenManager(app, SqliteTokenStore(db))
    # Wait briefly for Exact's budget inside a job; past that the job goes back to the queue
    # (RateLimited) so it does not hold a worker another flow could use. Each minute keeps
    # enough calls for the stock polls' cadence, so orders never push stock back a minute.
    reserve = 0
    if settings.stock.enabled:
        reserve = min(20, math.ceil(60 / max(settings.stock.min_poll_interval, 1.0)))
    budget = RateBudget(max_wait=5.0, minute_reserve=reserve)
    exact = ExactClient(settings.exact.url, settings.exact.division, tokens, budget=budget)
    if settings.schedules.timezone != "shop":  # "shop": the scheduler sets it once it knows
        exact.zone = ZoneInfo(settings.schedules.timezone)
    paynl = None
    if settings.paynl is not None and settings.paynl.enabled:
        p = settings.paynl
        paynl = PayClient(p.at_code, p.api_token, base_url=p.api_url)
    return Clients(shopify=shopify, exact=exact, tokens=tokens, ccvshop=ccvshop, paynl=paynl)
