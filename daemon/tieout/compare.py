"""The tie-out's verdict: one shop-local day's planned documents against what Exact holds, each
difference with its reason. Pure: the collector (collect.py) hands in everything it read.

A reason is one of: not_yet_booked (a job will book it), booked_on_another_day, rounding (within
[orders] max_rounding), unmapped (a setting is missing), changed_in_exact (edited or deleted in
Exact after we booked it), unexplained. The goal is 0 unexplained cents.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ZERO = Decimal("0.00")
REASONS = (
    "not_yet_booked",
    "booked_on_another_day",
    "rounding",
    "unmapped",
    "changed_in_exact",
    "unexplained",
)


@dataclass(frozen=True)
class Expected:
    """One document the shop's day should have in Exact (from the order plan)."""

    your_ref: str
    order: str  # the shop's order name
    currency: str
    gross: Decimal
    net: Decimal
    shipping: Decimal = ZERO
    discounts: Decimal = ZERO
    vat_by_rate: dict[str, Decimal] = field(default_factory=dict)
    booked_id: str | None = None  # our link's Exact id, if we booked it
    booked_total: Decimal | None = None  # the total our link recorded at booking
    job: str | None = None  # a waiting job that will book it ("job 12 queued")
    # Documents that count with this one whatever day they carry: an edit's difference
    # documents ("/E1+", "/E1-"), and for a cancelled order its credit ("/C") and refund notes.
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class Found:
    """One document as Exact has it now."""

    your_ref: str
    exact_id: str
    day: dt.date
    currency: str
    gross: Decimal
    net: Decimal


@dataclass(frozen=True)
class Unmapped:
    order: str
    setting: str  # what to configure


@dataclass
class Difference:
    kind: str  # order document
    ref: str
    currency: str
    shop: Decimal | None
    exact: Decimal | None
    reason: str
    detail: str

    @property
    def amount(self) -> Decimal:
        return (self.shop or ZERO) - (self.exact or ZERO)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ref": self.ref,
            "currency": self.currency,
            "shop": None if self.shop is None else str(self.shop),
            "exact": None if self.exact is None else str(self.exact),
            "amount": str(self.amount),
            "reason": self.reason,
            "detail": self.detail,
        }


def _totals() -> dict[str, Decimal]:
    return {"gross": ZERO, "net": ZERO, "vat": ZERO, "shipping": ZERO, "discounts": ZERO}


def tie_out(
    day: dt.date,
    expected: list[Expected],
    found_on_day: list[Found],
    found_elsewhere: dict[str, Found],
    unmapped: list[Unmapped],
    *,
    rounding_cap: Decimal,
) -> dict[str, Any]:
    """Compare the day's expected documents with Exact's; every difference gets a reason.

    `found_on_day` are Exact's order documents dated `day`; `found_elsewhere` are expected
    documents Exact holds under another date (looked up by YourRef).
    """
    shop: dict[str, dict[str, Decimal]] = defaultdict(_totals)
    exact: dict[str, dict[str, Decimal]] = defaultdict(_totals)
    vat_rates: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    diffs: list[Difference] = []
    on_day = {f.your_ref: f for f in found_on_day}
    for f in found_on_day:
        t = exact[f.currency]
        t["gross"] += f.gross
        t["net"] += f.net
        t["vat"] += f.gross - f.net
    for e in expected:
        t = shop[e.currency]
        t["gross"] += e.gross
        t["net"] += e.net
        t["vat"] += e.gross - e.net
        t["shipping"] += e.shipping
        t["discounts"] += e.discounts
        for rate, vat in e.vat_by_rate.items():
            vat_rates[e.currency][rate] += vat
        diff = _document(e, on_day.pop(e.your_ref, None), found_elsewhere, day, rounding_cap)
        if diff is not None:
            diffs.append(diff)
    for f in on_day.values():  # dated this day in Exact, but no order of this day plans it
        diffs.append(
            Difference(
                "order document",
                f.your_ref,
                f.currency,
                None,
                f.gross,
                "booked_on_another_day",
                f"Exact dates it {day}; its order was placed on another shop day",
            )
        )
    for u in unmapped:
        diffs.append(Difference("order", u.order, "", None, None, "unmapped", f"set {u.setting}"))
    unexplained = [d for d in diffs if d.reason == "unexplained"]
    currencies = sorted(set(shop) | set(exact))
    return {
        "date": day.isoformat(),
        "currencies": {
            c: {
                "shop": {k: str(v) for k, v in shop[c].items()},
                "exact": {k: str(exact[c][k]) for k in ("gross", "net", "vat")},
                "vat_by_rate": {r: str(v) for r, v in sorted(vat_rates[c].items())},
                "difference": str(shop[c]["gross"] - exact[c]["gross"]),
            }
            for c in currencies
        },
        "documents": {"expected": len(expected), "in_exact": len(found_on_day)},
        "differences": [d.as_json() for d in diffs],
        "by_reason": {r: sum(1 for d in diffs if d.reason == r) for r in REASONS},
        "unexplained": len(unexplained),
        "unexplained_amount": str(sum((abs(d.amount) for d in unexplained), ZERO)),
    }


def _document(
    e: Expected,
    f: Found | None,
    elsewhere: dict[str, Found],
    day: dt.date,
    cap: Decimal,
) -> Difference | None:
    def diff(exact: Decimal | None, reason: str, detail: str) -> Difference:
        return Difference("order document", e.your_ref, e.currency, e.gross, exact, reason, detail)

    if f is None:
        other = elsewhere.get(e.your_ref)
        if other is not None:
            return diff(None, "booked_on_another_day", f"Exact dates it {other.day}, not {day}")
        if e.booked_id is not None:
            return diff(
                None,
                "changed_in_exact",
                f"deleted in Exact after booking (our link: {e.booked_id})",
            )
        if e.job is not None:
            return diff(None, "not_yet_booked", e.job)
        return diff(None, "unexplained", f"order {e.order} is not in Exact and no job books it")
    if f.currency != e.currency:
        return diff(f.gross, "unexplained", f"Exact books it in {f.currency}")
    delta = e.gross - f.gross
    if delta == 0:
        return None
    if abs(delta) <= cap:
        return diff(f.gross, "rounding", f"{delta} within the cap of {cap}")
    if e.booked_total is not None and e.booked_total != f.gross:
        return diff(
            f.gross,
            "changed_in_exact",
            f"booked at {e.booked_total}, Exact now says {f.gross} (document {f.exact_id})",
        )
    return diff(f.gross, "unexplained", f"Exact's total {f.gross}, the shop's {e.gross}")


def add_section(
    report: dict[str, Any], name: str, totals: dict[str, Any], diffs: list[Difference]
) -> None:
    """Fold another area's totals and differences (payouts, …) into the day's report."""
    report[name] = totals
    report.setdefault("covers", []).append(name)
    report["differences"] += [d.as_json() for d in diffs]
    every = report["differences"]
    report["by_reason"] = {r: sum(1 for d in every if d["reason"] == r) for r in REASONS}
    unexplained = [d for d in every if d["reason"] == "unexplained"]
    report["unexplained"] = len(unexplained)
    report["unexplained_amount"] = str(sum((abs(Decimal(d["amount"])) for d in unexplained), ZERO))
