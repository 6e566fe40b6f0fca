"""The sandbox's control surface: JSON routes under /_sandbox/shopify to act as shopper or merchant.

No auth (loopback only). Ids in paths and bodies may be numeric (`1001`) or gids. Every action
answers 200 with the ids it created; bad input gets 422 `{"error": "..."}`, unknown ids 404.

| Method | Path | Body (JSON) | Answer |
| --- | --- | --- | --- |
| GET | `/state` | - | inventory per sku+location, orders, refunds, returns, gift cards, payouts, subscriptions, webhook deliveries, request counts, faults, bucket |
| POST | `/orders` | `{lines: [{sku, quantity, location?, price?} or {gift_card: true, amount, quantity?}], customer?: {email, first_name?, last_name?, company?, vat_number?}, email?, shipping_address?: ADDRESS, billing_address?: ADDRESS, shipping_country?, billing_country?, shipping?: {title, price}, discount?: {amount, title?}, tip?, financial_status?: "paid" or "pending", gift_card_payment?: {gift_card_id, amount}, note?}` (1) | `{order_id, order_name, line_item_ids, customer_id, transaction_ids?, gift_card_ids?}` |
| POST | `/orders/{id}/pay` | `{gift_card_payment?}` | `{order_id, transaction_ids, gift_card_ids}` |
| POST | `/orders/{id}/fulfil` | `{location?, lines?: [{sku or line_item_id, quantity?}]}` (2) | `{order_id, fulfillment_ids}` |
| POST | `/orders/{id}/edit` (orderEditBegin/SetQuantity/AddVariant/Commit) | `{lines: [{sku, quantity}], restock?: true}` | `{order_id, order_edit_id, line_ids, total}` |
| POST | `/orders/{id}/cancel` | `{reason?: customer, refund?: true, restock?: true}` | `{order_id, refund_id?, transaction_ids?}` |
| POST | `/orders/{id}/refunds` | `{lines?: [{sku or line_item_id, quantity, restock?, location?}], shipping?: true or amount, amount?, to?: "original" or "store_credit", bonus?, restock?, note?, return_id?}` | `{order_id, refund_id, transaction_ids, store_credit_account_id?}` |
| POST | `/orders/{id}/returns` | `{lines: [{sku or line_item_id, quantity, reason?, note?}]}` | `{order_id, return_id, return_line_item_ids}` |
| POST | `/returns/{id}/approve`, `/close`, `/decline` | - | `{return_id, status}` |
| POST | `/gift_cards` | `{amount, customer_email?, expires_on?: "YYYY-MM-DD", note?}` | `{gift_card_id, code}` |
| POST | `/gift_cards/{id}/disable`, `/expire` | - | `{gift_card_id}` |
| POST | `/gift_cards/{id}/extend` (giftCardUpdate expiresOn; refused when deactivated) | `{expires_on}` | `{gift_card_id}` |
| POST | `/products` | `{title, product_type?, gift_card?: false, variants?: [{sku?, title?, price?, barcode?, taxable?}]}` (emits `products/create`) | `{product_id, variant_ids}` |
| POST | `/products/{id}` | `{title?, product_type?, variants?: [{id or sku, price?, title?, sku?, barcode?, taxable?}]}` (emits `products/update`) | `{product_id}` |
| DELETE | `/products/{id}` | - (emits `products/delete` with the id only) | `{product_id}` |
| POST | `/sales` | `{sku, location?, quantity}` | `{inventory_item_id, location_id, available}` |
| POST | `/payouts` | `{status?: PAID, date?, currency?, include_pending?: true, transactions?: [{type, amount, fee?, order_id?, reason?}]}` (3) | `{payout_id, net, currency, issued_at, balance_transaction_ids}` |
| PUT | `/faults` | `{error_rate?, latency_ms?, throttle_burst?, drop_rate?, timeout_rate?}` | the faults now in force |
| PUT | `/webhooks` | `{duplicates?: bool, shuffle?: bool}` | the webhook behaviour now in force |
| GET | `/bulk/{id}.jsonl` | - | a finished bulk operation's JSONL (the `url` it reports) |

(1) ADDRESS = `{first_name?, last_name?, name?, company?, address1, address2?, city, zip, province?, province_code?, country_code, phone?}` (the real MailingAddress's fields). The zip must fit the country's format (NL `1016 DV`, BE/AT 4 digits, DE/FR/ES/IT 5, US `94105[-1234]`, CA, GB, LU; others any) and US/CA/ES/IT need a province, else 422 naming the field ("Enter a valid postal code for Netherlands"). Without a billing address the billing is the shipping address; without either, a fixed street in `shipping_country`/`billing_country` (default the shop's country).

(2) Without `lines`: everything left, one fulfilment per location (only `location`'s, a code such as AMS, if given). With `lines`: only those lines and quantities (default: what is left of the line), one fulfilment; call again for the rest, as often as needed. Refused (422): more than is left to fulfil ("Invalid fulfillment order line item quantity requested"), lines of different locations in one call, a line not at `location`, gift card lines (fulfilled when paid).

(3) `date`: the payout's issue day in the shop's zone (`YYYY-MM-DD`, issued 06:00 local) or an ISO time with offset; default now. Pending transactions after it stay pending. `currency` (ISO 4217, default the shop's): a payout in a second currency takes only pending transactions in that currency, and its extra `transactions` are in it; every amount of the payout and its balance transactions reads in it over GraphQL. An extra transaction's `type` is any real ShopifyPaymentsTransactionType value but TRANSFER (the payout's own line, added by the sandbox), e.g. DISPUTE_WITHDRAWAL, CHARGEBACK_FEE, RESERVED_FUNDS, ADJUSTMENT; anything else is a 422.

POST works wherever PUT does. Faults and webhook behaviour apply to the GraphQL endpoint and to
deliveries only; the control surface itself never fails on purpose.
"""

# ruff: noqa: E501 - the route table above is Markdown for the README; its rows cannot wrap.
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connectors.shopify.sandbox import (
    actions_edits,
    actions_misc,
    actions_orders,
    actions_products,
    actions_refunds,
)
from connectors.shopify.sandbox import asgi_util as http
from connectors.shopify.sandbox.actions_common import ActionError
from connectors.shopify.sandbox.state_report import report

if TYPE_CHECKING:
    from connectors.shopify.sandbox.app import ShopifySandbox

Handler = Callable[[dict[str, Any], dict[str, Any]], Any]


class ControlSurface:
    def __init__(self, sandbox: ShopifySandbox) -> None:
        self.sb = sandbox
        s, emit = sandbox.state, sandbox.webhooks.emit
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"^/state$"), lambda m, b: report(sandbox)),
            (
                "POST",
                re.compile(r"^/orders$"),
                lambda m, b: actions_orders.create_order(s, emit, b),
            ),
            (
                "POST",
                re.compile(r"^/orders/(?P<id>.+)/pay$"),
                lambda m, b: actions_orders.mark_paid(s, emit, m["id"], b),
            ),
            (
                "POST",
                re.compile(r"^/orders/(?P<id>.+)/fulfil{1,2}$"),
                lambda m, b: actions_orders.fulfil(s, emit, m["id"], b),
            ),
            (
                "POST",
                re.compile(r"^/orders/(?P<id>.+)/edit$"),
                lambda m, b: actions_edits.edit_order(s, emit, m["id"], b),
            ),
            (
                "POST",
                re.compile(r"^/orders/(?P<id>.+)/cancel$"),
                lambda m, b: actions_orders.cancel(s, emit, m["id"], b),
            ),
            (
                "POST",
                re.compile(r"^/orders/(?P<id>.+)/refunds$"),
                lambda m, b: actions_refunds.refund(s, emit, m["id"], b),
            ),
            (
                "POST",
                re.compile(r"^/orders/(?P<id>.+)/returns$"),
                lambda m, b: actions_refunds.request_return(s, emit, m["id"], b),
            ),
            (
                "POST",
                re.compile(r"^/returns/(?P<id>.+)/(?P<action>approve|close|decline)$"),
                lambda m, b: actions_refunds.move_return(s, emit, m["id"], m["action"]),
            ),
            (
                "POST",
                re.compile(r"^/gift_cards$"),
                lambda m, b: actions_misc.issue_gift_card(s, emit, b),
            ),
            (
                "POST",
                re.compile(r"^/gift_cards/(?P<id>.+)/(?P<action>disable|expire|extend)$"),
                lambda m, b: actions_misc.change_gift_card(s, emit, m["id"], m["action"], b),
            ),
            (
                "POST",
                re.compile(r"^/products$"),
                lambda m, b: actions_products.create_product(s, emit, b),
            ),
            (
                "POST",
                re.compile(r"^/products/(?P<id>.+)$"),
                lambda m, b: actions_products.update_product(s, emit, m["id"], b),
            ),
            (
                "DELETE",
                re.compile(r"^/products/(?P<id>.+)$"),
                lambda m, b: actions_products.delete_product(s, emit, m["id"]),
            ),
            ("POST", re.compile(r"^/sales$"), lambda m, b: actions_misc.shop_sale(s, emit, b)),
            (
                "POST",
                re.compile(r"^/payouts$"),
                lambda m, b: actions_misc.create_payout(s, emit, b),
            ),
            ("PUT", re.compile(r"^/faults$"), self._faults),
            ("PUT", re.compile(r"^/webhooks$"), lambda m, b: sandbox.webhooks.configure(b)),
        ]

    def _faults(self, match: Any, body: dict[str, Any]) -> dict[str, Any]:
        self.sb.faults.update(body)
        return self.sb.faults.as_dict()

    async def handle(self, method: str, path: str, raw: bytes, send: http.Send) -> None:
        bulk = re.match(r"^/bulk/(\d+)\.jsonl$", path)
        if method == "GET" and bulk:
            op = self.sb.state.bulk_operations.get(int(bulk[1]))
            if op is None or op.body is None:
                await http.send_json(send, 404, {"error": "no such bulk result"})
            else:
                await http.send_bytes(send, 200, op.body, b"application/jsonl")
            return
        try:
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            await http.send_json(send, 400, {"error": "body must be a JSON object"})
            return
        for verb, pattern, handler in self.routes:
            match = pattern.match(path)
            if match and (method == verb or (verb == "PUT" and method == "POST")):
                try:
                    await http.send_json(send, 200, handler(match, body))
                except ActionError as exc:
                    await http.send_json(send, exc.status, {"error": str(exc)})
                except (KeyError, TypeError, ValueError) as exc:
                    await http.send_json(send, 422, {"error": f"bad input: {exc!r}"})
                return
        await http.send_json(send, 404, {"error": f"no route {method} {path}"})
