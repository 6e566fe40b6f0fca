"""Helpers every GraphQL view uses: money shapes, pages over records, and the request context."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from graphql import GraphQLResolveInfo

from connectors.shopify.sandbox.connections import connection
from connectors.shopify.sandbox.state import ShopState, cents


@dataclass
class Context:
    """What resolvers see as `info.context`."""

    state: ShopState
    api_version: str
    bulk: bool = False  # bulk operations page through everything, no first/last needed
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def ctx(info: GraphQLResolveInfo) -> Context:
    return info.context


def amount_text(value: Decimal) -> str:
    """Money goes out as a decimal string with two places, as Shopify sends it."""
    return str(cents(Decimal(value)))


def money(value: Decimal, currency: str) -> dict[str, Any]:
    return {"__typename": "MoneyV2", "amount": amount_text(value), "currencyCode": currency}


class Cur(str):
    """The shop currency's code, carrying an order's presentment currency and rate."""

    presentment: str
    rate: Decimal

    def __new__(cls, shop: str, presentment: str, rate: Decimal) -> Cur:
        made = super().__new__(cls, shop)
        made.presentment, made.rate = presentment, rate
        return made


def order_cur(state: Any, order: Any) -> str:
    """The currency views of `order` price in: the shop's, with the buyer's when it differs."""
    if order is None or not getattr(order, "presentment_currency", None):
        return state.currency
    return Cur(state.currency, order.presentment_currency, order.presentment_rate)


def bag(value: Decimal, currency: str) -> dict[str, Any]:
    """A MoneyBag: shop money, and the buyer's currency (each amount converted and rounded on
    its own, as Shopify's are) for a multi-currency order, else the same amount twice."""
    m = money(value, currency)
    if isinstance(currency, Cur):
        other = money(cents(Decimal(value) * currency.rate), currency.presentment)
        return {"shopMoney": {**m, "currencyCode": str(currency)}, "presentmentMoney": other}
    return {"shopMoney": m, "presentmentMoney": dict(m)}


def page(
    info: GraphQLResolveInfo,
    items: Sequence[Any],
    args: dict[str, Any],
    key: Callable[[Any], Any] = lambda v: v.id,
) -> dict[str, Any]:
    """A connection over views (already filtered and sorted) using the field's paging args."""
    return connection(
        items,
        key=key,
        first=args.get("first"),
        after=args.get("after"),
        last=args.get("last"),
        before=args.get("before"),
        reverse=bool(args.get("reverse")),
        unbounded=ctx(info).bulk,
    )


def first_n(items: list[Any], first: int | None) -> list[Any]:
    """Plain lists with a `first` argument (Order.transactions, Order.refunds)."""
    return items if first is None else items[:first]


class View:
    """Base for views: `typename` names the GraphQL object type for interfaces and unions."""

    typename = ""

    def __init__(self, state: ShopState, rec: Any) -> None:
        self.s = state
        self.rec = rec

    @property
    def cur(self) -> str:
        return self.s.currency
