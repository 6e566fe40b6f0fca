"""GraphQL views of customers, store credit, gift cards and Shopify Payments payouts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from connectors.shopify.sandbox.records import (
    BalanceTxRec,
    CustomerRec,
    GiftCardRec,
    PayoutRec,
    StoreCreditAccountRec,
    StoreCreditTxRec,
)
from connectors.shopify.sandbox.search_syntax import filter_records
from connectors.shopify.sandbox.state import gid, iso
from connectors.shopify.sandbox.views_common import View, money, page
from connectors.shopify.sandbox.views_orders import TransactionView, address_view

# The payout's own line: what hideTransfers leaves out.
TRANSFER_TYPES = ("TRANSFER",)
# Orders the sandbox models; any other real sort key is refused rather than quietly ignored.
PAYOUT_SORT = {"ISSUED_AT": lambda p: (p.issued_at, p.id), "ID": lambda p: p.id}
BALANCE_SORT = {"PROCESSED_AT": lambda t: (t.created_at, t.id), "ID": lambda t: t.id}


def _sorter(sorts: dict[str, Any], sort_key: str) -> Any:
    if sort_key not in sorts:
        raise GraphQLError(f"The sandbox does not model sortKey {sort_key}")
    return sorts[sort_key]


class CustomerView(View):
    typename = "Customer"
    rec: CustomerRec

    id = property(lambda self: gid("Customer", self.rec.id))
    legacyResourceId = property(lambda self: str(self.rec.id))
    email = property(lambda self: self.rec.email)
    defaultEmailAddress = property(lambda self: {"emailAddress": self.rec.email})
    firstName = property(lambda self: self.rec.first_name)
    lastName = property(lambda self: self.rec.last_name)
    displayName = property(lambda self: f"{self.rec.first_name} {self.rec.last_name}")
    phone = None
    defaultPhoneNumber = None
    note = None
    tags: list[str] = []  # noqa: RUF012 - shared read-only default
    taxExempt = property(lambda self: bool(self.rec.vat_number))
    createdAt = property(lambda self: iso(self.rec.created_at))
    updatedAt = property(lambda self: iso(self.rec.updated_at))

    @property
    def defaultAddress(self) -> dict[str, Any] | None:
        if self.rec.default_address:
            return address_view(self.rec.default_address, self.rec.id)
        return address_view(
            {
                "first_name": self.rec.first_name,
                "last_name": self.rec.last_name,
                "company": self.rec.company,
                "country": self.rec.country,
            },
            self.rec.id,
        )

    @property
    def _orders(self) -> list[Any]:
        return [o for o in self.s.orders.values() if o.customer_id == self.rec.id]

    numberOfOrders = property(lambda self: str(len(self._orders)))

    @property
    def amountSpent(self) -> dict[str, Any]:
        from connectors.shopify.sandbox import order_math as om

        spent = sum((om.received(self.s, o) for o in self._orders), om.ZERO)
        return money(spent, self.cur)

    def storeCreditAccounts(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        acc_id = self.rec.store_credit_account_id
        views = [StoreCreditAccountView(self.s, self.s.store_credit[acc_id])] if acc_id else []
        return page(info, views, args, key=lambda v: v.rec.id)


class StoreCreditAccountView(View):
    typename = "StoreCreditAccount"
    rec: StoreCreditAccountRec

    id = property(lambda self: gid("StoreCreditAccount", self.rec.id))
    balance = property(lambda self: money(self.rec.balance, self.cur))
    owner = property(lambda self: CustomerView(self.s, self.s.customers[self.rec.customer_id]))

    def transactions(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        views = [StoreCreditTxView(self.s, (self.rec, t)) for t in self.rec.transactions]
        return page(info, views, args, key=lambda v: v.tx.id)


class StoreCreditTxView(View):
    def __init__(self, state: Any, rec: tuple[StoreCreditAccountRec, StoreCreditTxRec]) -> None:
        super().__init__(state, rec)
        self.account_rec, self.tx = rec
        credit = self.tx.amount > 0
        self.typename = (
            "StoreCreditAccountCreditTransaction"
            if credit
            else "StoreCreditAccountDebitTransaction"
        )

    id = property(lambda self: gid(self.typename, self.tx.id))
    account = property(lambda self: StoreCreditAccountView(self.s, self.account_rec))
    amount = property(lambda self: money(self.tx.amount, self.cur))
    balanceAfterTransaction = property(lambda self: money(self.tx.balance_after, self.cur))
    createdAt = property(lambda self: iso(self.tx.created_at))
    event = property(lambda self: self.tx.event)
    expiresAt = property(lambda self: iso(self.tx.expires_at))
    remainingAmount = property(lambda self: money(self.tx.amount, self.cur))

    @property
    def origin(self) -> Any:
        t = self.s.transactions.get(self.tx.origin_transaction_id)
        return TransactionView(self.s, t) if t else None


class GiftCardView(View):
    typename = "GiftCard"
    rec: GiftCardRec

    id = property(lambda self: gid("GiftCard", self.rec.id))
    initialValue = property(lambda self: money(self.rec.initial_value, self.cur))
    balance = property(lambda self: money(self.rec.balance, self.cur))
    createdAt = property(lambda self: iso(self.rec.created_at))
    updatedAt = property(lambda self: iso(self.rec.updated_at))
    expiresOn = property(
        lambda self: self.rec.expires_on.isoformat() if self.rec.expires_on else None
    )
    deactivatedAt = property(lambda self: iso(self.rec.deactivated_at))
    enabled = property(lambda self: self.rec.deactivated_at is None)
    lastCharacters = property(lambda self: self.rec.code[-4:])
    maskedCode = property(lambda self: f"•••• •••• •••• {self.rec.code[-4:]}")
    note = property(lambda self: self.rec.note)

    @property
    def order(self) -> Any:
        from connectors.shopify.sandbox.views_orders import OrderView

        o = self.s.orders.get(self.rec.order_id) if self.rec.order_id else None
        return OrderView(self.s, o) if o else None

    @property
    def customer(self) -> Any:
        c = self.s.customers.get(self.rec.customer_id) if self.rec.customer_id else None
        return CustomerView(self.s, c) if c else None

    def transactions(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        views = [
            {
                "__typename": "GiftCardCreditTransaction"
                if t["amount"] > 0
                else "GiftCardDebitTransaction",
                "id": gid("GiftCardTransaction", t["id"]),
                "key": t["id"],
                "amount": money(t["amount"], self.cur),
                "processedAt": iso(t["at"]),
                "note": t.get("note"),
                "giftCard": self,
            }
            for t in self.rec.transactions
        ]
        return page(info, views, args, key=lambda v: v["key"])


def gift_card_status(card: GiftCardRec) -> str:
    from datetime import date

    if card.deactivated_at is not None:
        return "disabled"
    if card.expires_on and card.expires_on < date.today():
        return "expired"
    return "enabled"


GIFT_CARD_FIELDS = {
    "id": lambda g: g.id,
    "created_at": lambda g: g.created_at,
    "updated_at": lambda g: g.updated_at,
    "status": gift_card_status,
    "balance_status": lambda g: (
        "full" if g.balance == g.initial_value else ("empty" if not g.balance else "partial")
    ),
    "initial_value": lambda g: g.initial_value,
    "expires_on": lambda g: g.expires_on.isoformat() if g.expires_on else None,
    "source": lambda g: "order" if g.order_id else "manual",
    "customer_id": lambda g: g.customer_id,
}


class PaymentsAccountView(View):
    typename = "ShopifyPaymentsAccount"

    id = property(lambda self: gid("ShopifyPaymentsAccount", 1))
    activated = True
    country = property(lambda self: self.s.catalogue.shop_country)
    defaultCurrency = property(lambda self: self.cur)

    @property
    def balance(self) -> list[dict[str, Any]]:
        """One MoneyV2 per currency the account holds (the shop's first)."""
        sums: dict[str, Any] = {self.cur: 0}
        for t in self.s.balance_txs.values():
            if t.payout_id is None:
                cur = t.currency or self.cur
                sums[cur] = sums.get(cur, 0) + t.net
        return [money(total, cur) for cur, total in sums.items()]

    def payouts(
        self,
        info: GraphQLResolveInfo,
        query: str | None = None,
        sortKey: str = "ISSUED_AT",
        **args: Any,
    ) -> Any:
        fields = {
            "id": lambda p: p.id,
            "status": lambda p: p.status.lower(),
            "issued_at": lambda p: p.issued_at,
            "date": lambda p: p.issued_at,
        }
        ordered = sorted(self.s.payouts.values(), key=_sorter(PAYOUT_SORT, sortKey))
        rows = filter_records(ordered, query, fields)
        return page(info, [PayoutView(self.s, p) for p in rows], args, key=lambda v: v.rec.id)

    def balanceTransactions(
        self,
        info: GraphQLResolveInfo,
        query: str | None = None,
        sortKey: str = "PROCESSED_AT",
        **args: Any,
    ) -> Any:
        fields = {
            "payout_id": lambda t: t.payout_id,
            "id": lambda t: t.id,
            "type": lambda t: t.type.lower(),
            "processed_at": lambda t: t.created_at,
            "payout_date": lambda t: self.s.payouts[t.payout_id].issued_at if t.payout_id else None,
        }
        rows = sorted(self.s.balance_txs.values(), key=_sorter(BALANCE_SORT, sortKey))
        if args.get("hideTransfers"):
            rows = [t for t in rows if t.type not in TRANSFER_TYPES]
        rows = filter_records(rows, query, fields)
        return page(info, [BalanceTxView(self.s, t) for t in rows], args, key=lambda v: v.rec.id)


# Balance transaction type -> payout summary category. Shopify documents the categories, not a
# per-type table: charges and refunds by name, disputes count as adjustments, failed payouts as
# retried payouts; every other non-transfer type is summed under adjustments.
_SUMMARY = {
    "CHARGE": "charges",
    "REFUND": "refunds",
    "REFUND_FAILURE": "refunds",
    "RESERVED_FUNDS": "reservedFunds",
    "RESERVED_FUNDS_REVERSAL": "reservedFunds",
    "RESERVED_FUNDS_WITHDRAWAL": "reservedFunds",
    "TRANSFER_FAILURE": "retriedPayouts",
    "TRANSFER_CANCEL": "retriedPayouts",
    "ADVANCE": "advance",
}
_SUMMARY_FIELDS = {  # category -> (gross field, fee field) of ShopifyPaymentsPayoutSummary
    "charges": ("chargesGross", "chargesFee"),
    "refunds": ("refundsFeeGross", "refundsFee"),
    "adjustments": ("adjustmentsGross", "adjustmentsFee"),
    "reservedFunds": ("reservedFundsGross", "reservedFundsFee"),
    "retriedPayouts": ("retriedPayoutsGross", "retriedPayoutsFee"),
    "advance": ("advanceGross", "advanceFees"),
}


class PayoutView(View):
    typename = "ShopifyPaymentsPayout"
    rec: PayoutRec

    id = property(lambda self: gid("ShopifyPaymentsPayout", self.rec.id))
    legacyResourceId = property(lambda self: str(self.rec.id))
    issuedAt = property(lambda self: iso(self.rec.issued_at))
    status = property(lambda self: self.rec.status)
    transactionType = "DEPOSIT"
    net = property(lambda self: money(self.rec.net, self.rec_cur))
    rec_cur = property(lambda self: self.rec.currency or self.cur)  # a payout's own currency

    @property
    def summary(self) -> dict[str, Any]:
        """Gross and fee per category; the sum of (gross - fee) over categories is `net`."""
        sums = {c: [Decimal(0), Decimal(0)] for c in _SUMMARY_FIELDS}
        for tid in self.rec.transaction_ids:
            t = self.s.balance_txs[tid]
            if t.type not in TRANSFER_TYPES:
                cat = sums[_SUMMARY.get(t.type, "adjustments")]
                cat[0] += t.amount
                cat[1] += t.fee
        cur = self.rec_cur
        out = {"usdcRebateCreditAmount": money(0, cur)}
        for cat, (gross_field, fee_field) in _SUMMARY_FIELDS.items():
            out[gross_field] = money(sums[cat][0], cur)
            out[fee_field] = money(sums[cat][1], cur)
        return out


class BalanceTxView(View):
    typename = "ShopifyPaymentsBalanceTransaction"
    rec: BalanceTxRec

    id = property(lambda self: gid("ShopifyPaymentsBalanceTransaction", self.rec.id))
    type = property(lambda self: self.rec.type)
    test = False
    amount = property(lambda self: money(self.rec.amount, self.rec_cur))
    fee = property(lambda self: money(self.rec.fee, self.rec_cur))
    net = property(lambda self: money(self.rec.net, self.rec_cur))
    rec_cur = property(lambda self: self.rec.currency or self.cur)
    transactionDate = property(lambda self: iso(self.rec.created_at))
    sourceId = property(lambda self: str(self.rec.order_transaction_id or self.rec.id))
    sourceType = property(lambda self: self.rec.source_type)
    adjustmentReason = property(lambda self: self.rec.adjustment_reason)

    @property
    def sourceOrderTransactionId(self) -> str | None:
        tid = self.rec.order_transaction_id
        return str(tid) if tid else None

    @property
    def associatedOrder(self) -> dict[str, Any] | None:
        o = self.s.orders.get(self.rec.order_id) if self.rec.order_id else None
        return {"id": gid("Order", o.id), "name": o.name} if o else None

    @property
    def associatedPayout(self) -> dict[str, Any]:
        p = self.s.payouts.get(self.rec.payout_id) if self.rec.payout_id else None
        if p is None:
            return {"id": None, "status": "PENDING"}
        return {"id": gid("ShopifyPaymentsPayout", p.id), "status": p.status}
