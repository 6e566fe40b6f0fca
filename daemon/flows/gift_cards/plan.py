"""Pure plan: one Shopify gift card + what we booked for it so far → the Exact entries still due.

Liability per card, in the shop currency (Exact's positive AmountFC is a debit):
- sold in an order: the orders flow books the card's line to the GIFTCARD item (the liability,
  in the ledger once the document is an invoice: see liability.py); here we only link the card
  to that booking and check it holds the card's value;
- issued by the merchant (no order): issue account debit, liability credit, for the initial value;
- redeemed: an order paid with the card lowers the liability (the orders flow); Shopify's balance
  is what is left, and is recorded on every sync so the redeemed total is visible;
- expired or disabled with a balance: that balance leaves the liability for the expiry
  (breakage) account, once;
- expired, released, then valid again (the merchant moved `expiresOn` on with giftCardUpdate;
  a deactivated card "cannot be re-enabled", Shopify's giftCardDeactivate docs): what was
  released comes back onto the liability (expiry account debit, liability credit), once per
  time; a later expiry releases again under its own reference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connectors.shopify.models import GiftCard
from daemon.flows.gift_cards.config import GiftCardsSettings

ZERO = Decimal(0)


def card_number(card: GiftCard) -> str:
    return card.id.rsplit("/", 1)[-1]


def issue_reference(card: GiftCard) -> str:
    """Opens every line of the card's issue entry: the key to find it again in Exact."""
    return f"GC{card_number(card)}I:"


def release_reference(card: GiftCard, n: int = 1) -> str:
    """The n-th release of the card (the first keeps the plain `GC…X:` reference)."""
    return f"GC{card_number(card)}X:" if n == 1 else f"GC{card_number(card)}X{n}:"


def reinstate_reference(card: GiftCard, n: int = 1) -> str:
    return f"GC{card_number(card)}E{n}:"


@dataclass(frozen=True)
class OrderBooking:
    """What the orders flow booked for the order that sold the card (from its links)."""

    exact_ids: tuple[str, ...]
    gift_card_total: Decimal  # the order's gift card lines (liability), all cards together


@dataclass(frozen=True)
class Ledger:
    """What shopsync booked for this card before (the card's link data)."""

    issued_entry: str | None = None
    released_entry: str | None = None
    order_link: tuple[str, ...] = ()
    released: Decimal | None = None  # out of the liability now (releases − reinstatements)
    releases: int = 0  # release entries booked so far
    reinstates: int = 0  # reinstatement entries booked so far

    @property
    def out(self) -> bool:
        """Is a balance released and not booked back?"""
        if self.released is None:
            return self.released_entry is not None
        return self.released > 0

    @classmethod
    def from_link(cls, data: dict[str, Any] | None) -> Ledger:
        data = data or {}
        released = data.get("released")
        return cls(
            data.get("issued_entry"),
            data.get("released_entry"),
            tuple(data.get("order_link", ())),
            Decimal(str(released)) if released is not None else None,
            int(data.get("releases", 1 if data.get("released_entry") else 0)),
            int(data.get("reinstates", 0)),
        )


@dataclass(frozen=True)
class JournalLine:
    gl: str
    amount: Decimal  # positive: debit
    description: str
    account_id: str | None = None  # the customer, on a receivables line
    invoice_number: int | None = None  # Exact's OurRef: the invoice the line settles


@dataclass(frozen=True)
class JournalPlan:
    kind: str  # issue | release | reinstate | redeem
    reference: str
    journal: str
    currency: str
    date: dt.date
    lines: tuple[JournalLine, ...]

    def exact_body(self, gl_ids: dict[str, str]) -> dict[str, Any]:
        day = (
            self.date
        )  # a local date goes out zone-less (midnight UTC was a day early west of UTC)
        return {
            "JournalCode": self.journal,
            "Currency": self.currency,
            "GeneralJournalEntryLines": [_line_body(ln, day, gl_ids) for ln in self.lines],
        }


def _line_body(ln: JournalLine, day: dt.date, gl_ids: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Date": day,
        "AmountFC": ln.amount,
        "GLAccount": gl_ids[ln.gl],
        "Description": ln.description[:60],
    }
    if ln.account_id:
        body["Account"] = ln.account_id
    if ln.invoice_number is not None:
        body["OurRef"] = ln.invoice_number
    return body


@dataclass(frozen=True)
class GiftCardPlan:
    card_id: str
    origin: str  # order | issued
    state: str  # enabled | expired | disabled
    balance: Decimal
    redeemed: Decimal
    entries: tuple[JournalPlan, ...] = ()
    link_order: tuple[str, ...] = ()  # the order bookings to link the card to (sold cards)
    waiting_for_order: bool = False  # sold, but the order is not in Exact yet: next run
    problems: tuple[str, ...] = field(default=())


def card_state(card: GiftCard, today: dt.date) -> str:
    if not card.enabled or card.deactivated_at is not None:
        return "disabled"
    if card.expires_on is not None and card.expires_on < today:
        return "expired"
    return "enabled"


def plan_gift_card(
    card: GiftCard,
    ledger: Ledger,
    order: OrderBooking | None,
    settings: GiftCardsSettings,
    *,
    today: dt.date,
) -> GiftCardPlan:
    """The entries still due for `card`, given what `ledger` says was booked already."""
    currency = card.initial_value.currency_code
    initial, balance = card.initial_value.amount, card.balance.amount
    state = card_state(card, today)
    origin = "order" if card.order is not None else "issued"
    label = f"gift card …{card.last_characters or card_number(card)}"
    entries: list[JournalPlan] = []
    problems: list[str] = []
    link_order: tuple[str, ...] = ()
    waiting = False

    if origin == "issued" and ledger.issued_entry is None and initial:
        ref = issue_reference(card)
        entries.append(
            JournalPlan(
                "issue",
                ref,
                settings.memorial_journal,
                currency,
                card.created_at.date(),
                (
                    JournalLine(settings.issue_account, initial, f"{ref} {label} issued"),
                    JournalLine(settings.liability_account, -initial, f"{ref} {label} issued"),
                ),
            )
        )
    if origin == "order" and not ledger.order_link:
        if order is None:
            waiting = True
        else:
            link_order = order.exact_ids
            if order.gift_card_total < initial:
                problems.append(
                    f"order {card.order.name if card.order else ''} booked "
                    f"{order.gift_card_total} {currency} of gift cards, less than this card's "
                    f"{initial} {currency}"
                )
    if state == "enabled" and ledger.out:
        amount = ledger.released if ledger.released is not None else balance
        ref = reinstate_reference(card, ledger.reinstates + 1)
        entries.append(
            JournalPlan(
                "reinstate",
                ref,
                settings.memorial_journal,
                currency,
                today,
                (
                    JournalLine(settings.expiry_account, amount, f"{ref} {label} valid again"),
                    JournalLine(settings.liability_account, -amount, f"{ref} {label} valid again"),
                ),
            )
        )
    if state != "enabled" and balance > 0 and not ledger.out:
        ref = release_reference(card, ledger.releases + 1)
        when = (card.deactivated_at.date() if card.deactivated_at else None) or today
        entries.append(
            JournalPlan(
                "release",
                ref,
                settings.memorial_journal,
                currency,
                when,
                (
                    JournalLine(settings.liability_account, balance, f"{ref} {label} {state}"),
                    JournalLine(settings.expiry_account, -balance, f"{ref} {label} {state}"),
                ),
            )
        )
    if balance < 0 or balance > initial:
        problems.append(f"balance {balance} {currency} outside 0 … {initial} {currency}")
    return GiftCardPlan(
        card_id=card.id,
        origin=origin,
        state=state,
        balance=balance,
        redeemed=initial - balance,
        entries=tuple(entries),
        link_order=link_order,
        waiting_for_order=waiting,
        problems=tuple(problems),
    )


def redemption_reference(transaction_id: str) -> str:
    return f"GCR{transaction_id.rsplit('/', 1)[-1]}:"


def plan_redemption(
    *,
    order_name: str,
    transaction_id: str,
    parts: list[tuple[Decimal, int | None]],
    currency: str,
    account_id: str,
    when: dt.date,
    settings: GiftCardsSettings,
    debtors_gl: str,
) -> JournalPlan:
    """An order paid (partly) with a gift card: that part of the customer's debt is settled
    from the liability — debit the liability, credit the customer (on each invoice's share, so
    Exact sees the invoice paid by card and gift card together; revenue stays the invoice's)."""
    ref = redemption_reference(transaction_id)
    amount = sum((p for p, _ in parts), ZERO)
    what = f"{ref} gift card paid {order_name}"
    lines = [JournalLine(settings.liability_account, amount, what)]
    lines += [
        JournalLine(debtors_gl, -part, what, account_id=account_id, invoice_number=number)
        for part, number in parts
    ]
    return JournalPlan("redeem", ref, settings.memorial_journal, currency, when, tuple(lines))
