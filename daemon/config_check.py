"""`shopsync config check`: does every code the config names exist in Shopify and Exact?

`references()` is pure (settings → what must exist, with the key that names it); `check_live()`
asks both APIs once per kind and answers one line per problem. `exact_webhook_warnings()` (pure)
says when Exact would refuse our webhook subscription.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from daemon.config import Settings

KINDS = {
    "warehouse": ("inventory/Warehouses", "Code"),
    "vat_code": ("vat/VATCodes", "Code"),
    "gl_account": ("financial/GLAccounts", "Code"),
    "journal": ("financial/Journals", "Code"),
    "item": ("logistics/Items", "Code"),
}


def references(s: Settings) -> dict[str, dict[str, list[str]]]:
    """kind → code → the config keys that name it."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))

    def add(kind: str, code: Any, key: str) -> None:
        if code not in (None, ""):
            out[kind][str(code).strip()].append(key)

    add("warehouse", s.mapping.default_warehouse, "mapping.default_warehouse")
    for name, code in s.mapping.locations.items():
        add("warehouse", code, f'mapping.locations."{name}"')
        add("shopify_location", name, f'mapping.locations."{name}"')
    for name in s.stock.buffers:
        add("shopify_location", name, f'stock.buffers."{name}"')
    orders = getattr(s, "orders", None)
    if orders is not None:
        vat = orders.vat
        for rate, code in vat.domestic.items():
            add("vat_code", code, f'orders.vat.domestic."{rate}"')
        for field in ("zero", "icp", "export", "gift_card", "tip", "rounding"):
            add("vat_code", getattr(vat, field), f"orders.vat.{field}")
        for country, rates in vat.oss.items():
            for rate, code in rates.items():
                add("vat_code", code, f'orders.vat.oss.{country}."{rate}"')
        for field in ("shipping", "gift_card", "tip", "rounding"):
            if field == "shipping" and orders.items.create_shipping:
                continue  # made on first use; `config check` prints its status line
            add("item", getattr(orders.items, field), f"orders.items.{field}")
        add("journal", orders.sales_journal, "orders.sales_journal")
        add("journal", orders.payment_journal, "orders.payment_journal")
        add("gl_account", orders.debtors_gl, "orders.debtors_gl")
        add("gl_account", orders.clearing_gl, "orders.clearing_gl")
    payouts = getattr(s, "payouts", None)
    if payouts is not None:
        add("journal", payouts.bank_journal, "payouts.bank_journal")
        for currency, code in payouts.currency_journals.items():
            add("journal", code, f"payouts.currency_journals.{currency}")
        for field in (
            "debtors_account",
            "unassigned_account",
            "payment_costs_account",
            "dispute_account",
            "reserve_account",
            "rounding_account",
            "failed_payout_account",
        ):
            add("gl_account", getattr(payouts, field), f"payouts.{field}")
    paynl = getattr(s, "paynl", None)
    if paynl is not None and paynl.enabled:
        add("journal", paynl.bank_journal, "paynl.bank_journal")
        for field in (
            "debtors_account",
            "unassigned_account",
            "payment_costs_account",
            "costs_vat_account",
            "rounding_account",
        ):
            add("gl_account", getattr(paynl, field), f"paynl.{field}")
    gift_cards = getattr(s, "gift_cards", None)
    if gift_cards is not None:
        add("journal", gift_cards.memorial_journal, "gift_cards.memorial_journal")
        for field in ("liability_account", "issue_account", "expiry_account"):
            add("gl_account", getattr(gift_cards, field), f"gift_cards.{field}")
    refunds = getattr(s, "refunds", None)
    if refunds is not None:
        add("journal", refunds.credit_journal, "refunds.credit_journal")
        for field in (
            "store_credit_gl",
            "bonus_gl",
            "gift_card_gl",
            "adjustments_gl",
            "rounding_gl",
        ):
            add("gl_account", getattr(refunds, field), f"refunds.{field}")
        for reason, code in refunds.adjustments.items():
            add("gl_account", code, f"refunds.adjustments.{reason}")
        add("item", refunds.no_restock_item, "refunds.no_restock_item")
    return {kind: dict(codes) for kind, codes in out.items()}


def exact_webhook_warnings(s: Settings) -> list[str]:
    """Why Exact would refuse the webhook subscription for this configuration, if it would.

    Exact calls only https callbacks (pionect.nl, "Using webhooks from Exact") on the host of
    the app's redirect URI (Exact's API notes). Refused, stock is still polled, only slower.
    """
    if s.exact.webhook_secret is None or not s.ingress.public_url:
        return []
    callback = urlsplit(s.ingress.public_url)
    redirect = urlsplit(s.exact.redirect_uri)
    out = []
    if callback.scheme != "https":
        out.append(
            f"ingress.public_url: Exact calls only https webhooks, not {s.ingress.public_url};"
            " Exact will refuse the subscription and stock falls back to polling"
        )
    if (callback.hostname or "").lower() != (redirect.hostname or "").lower():
        out.append(
            f"exact.redirect_uri: Exact calls webhooks only on the host of the app's redirect"
            f" URI ({redirect.hostname}), not {callback.hostname}; register a redirect URI on"
            f" {callback.hostname} in Exact's App Center and set it here"
        )
    return out


def shopify_version_warnings(s: Settings) -> list[str]:
    """A Shopify API version other than the vendored schema's: nothing checked it."""
    from connectors.shopify.version import SCHEMA_VERSION

    if s.shopify is None or s.shopify.api_version == SCHEMA_VERSION:
        return []
    return [
        f"shopify.api_version: {s.shopify.api_version} is not {SCHEMA_VERSION}, the Admin API"
        " version shopsync's documents are validated against (connectors/shopify/schema/);"
        " vendor that version's schema and re-run the tests before relying on it"
    ]


def missing(wanted: dict[str, dict[str, list[str]]], found: dict[str, set[str]]) -> list[str]:
    """One line per code the config names that the API does not have."""
    lines = []
    for kind, codes in sorted(wanted.items()):
        have = found.get(kind)
        if have is None:
            continue
        for code, keys in sorted(codes.items()):
            if code not in have:
                where = "Shopify" if kind == "shopify_location" else "Exact"
                lines.append(
                    f"{keys[0]}: {kind.replace('_', ' ')} {code!r} does not exist in {where}"
                    + (f" (also named by {', '.join(keys[1:])})" if len(keys) > 1 else "")
                )
    return lines


async def check_live(
    s: Settings, shopify: Any, exact: Any, ccvshop: Any = None, paynl: Any = None
) -> tuple[list[str], dict[str, int]]:
    """Ask the APIs what exists; answer the problems and how many codes were checked."""
    from connectors.errors import ConnectorError

    wanted = references(s)
    found: dict[str, set[str]] = {}
    problems: list[str] = []
    from daemon.shopify_scopes import missing_scopes

    try:
        granted = await shopify.granted_scopes() if shopify is not None else None
    except ConnectorError as exc:
        problems.append(f"shopify: cannot read the granted access scopes: {exc}")
    else:
        lacking = missing_scopes(granted, s) if granted is not None else []
        problems += lacking
        if lacking:
            problems.append(
                "shopify: add the scopes above to the app's version in the Dev Dashboard and "
                'install that version on the store (README "Access scopes")'
            )
    if shopify is not None:
        try:
            found["shopify_location"] = {loc.name for loc in await shopify.list_locations()}
        except ConnectorError as exc:
            problems.append(f"shopify: cannot list locations: {exc}")
    if ccvshop is not None:
        try:  # the key pair, the clock and the orders permission in one read
            await ccvshop.get("orders/", {"start": 0, "size": 1})
        except ConnectorError as exc:
            problems.append(
                f"ccvshop: cannot read orders: {exc}" + (f" ({exc.hint})" if exc.hint else "")
            )
    if paynl is not None and s.paynl is not None:
        problems += await paynl_problems(s.paynl, paynl)
    if s.paynl is not None and s.paynl.enabled and s.paynl.standard_debtor:
        problems += await standard_debtor_problems(s.paynl.standard_debtor, exact)
    for kind, (entity, field) in KINDS.items():
        if kind not in wanted:
            continue
        try:
            if kind == "item":  # the catalogue may be huge: ask only for the codes we need
                rows = []
                for code in wanted[kind]:
                    from connectors.exact.odata import eq

                    rows += await exact.get(entity, filter=eq(field, code), select=field)
            else:
                rows = await exact.get(entity, select=field)
        except ConnectorError as exc:
            problems.append(f"exact: cannot read {entity}: {exc}")
            continue
        found[kind] = {str(r.get(field) or "").strip() for r in rows}
    problems += missing(wanted, found)
    return problems, {kind: len(codes) for kind, codes in wanted.items()}


async def standard_debtor_problems(code: str, exact: Any) -> list[str]:
    """The account every unmatched Pay. line books against exists (asked by its code only:
    the accounts list may be huge)."""
    from connectors.errors import ConnectorError
    from connectors.exact.odata import Filter, literal

    try:  # Exact keeps account codes right-aligned in 18 characters: compare trimmed
        query = Filter(f"trim(Code) eq {literal(code.strip())}")
        rows = await exact.get("crm/Accounts", filter=query, select="ID", top=1)
    except ConnectorError as exc:
        return [f"exact: cannot read crm/Accounts: {exc}"]
    return [] if rows else [f"paynl.standard_debtor: account {code!r} does not exist in Exact"]


async def paynl_problems(settings: Any, paynl: Any) -> list[str]:
    """Pay.: the token reads clearings (a permission group Pay. activates), and every revenue
    group the config names is one of the merchant's."""
    import datetime as dt

    from connectors.errors import ConnectorError

    problems = []
    try:
        await paynl.settlements_on(dt.date.today())
    except ConnectorError as exc:
        problems.append(
            f"paynl: cannot read settlements: {exc}" + (f" ({exc.hint})" if exc.hint else "")
        )
    if settings.turnover_groups:
        try:
            known = {g.get("code") for g in await paynl.turnover_groups(settings.merchant)}
        except ConnectorError as exc:
            problems.append(f"paynl: cannot list revenue groups of {settings.merchant}: {exc}")
        else:
            problems += [
                f"paynl.turnover_groups: {code} is not a revenue group of {settings.merchant}"
                for code in settings.turnover_groups
                if code not in known
            ]
    return problems
