"""Exact money arithmetic the order and refund flows share: cents, tax parts, fair splits."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)


def cents(value: Decimal) -> Decimal:
    """Round half up to the cent, as Exact rounds line amounts and VAT."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def allocate(total: Decimal, weights: Sequence[Decimal], quantum: Decimal = CENT) -> list[Decimal]:
    """Split `total` over `weights` by largest remainder: the parts always add up to `total`.

    Each part is a multiple of `quantum`; `total` must be one too. Negative totals split the
    same way (a discount); when every weight is zero the split is equal.
    """
    if not weights:
        if total:
            raise ValueError(f"cannot allocate {total} over nothing")
        return []
    if total % quantum:
        raise ValueError(f"{total} is not a multiple of {quantum}")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    base = list(weights) if any(weights) else [Decimal(1)] * len(weights)
    units = int(total / quantum)
    sign = -1 if units < 0 else 1
    units = abs(units)
    whole = sum(base, ZERO)
    exact = [Decimal(units) * w / whole for w in base]
    floors = [int(x) for x in exact]  # exact >= 0, so int() floors
    left = units - sum(floors)
    # Largest remainder first; ties go to the earlier part so the split is deterministic.
    order = sorted(range(len(base)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(sign * n) * quantum for n in floors]


def split_included(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """A tax-included amount → (net, tax) at `rate` (a fraction, 0.21), tax rounded to cents."""
    tax = cents(gross * rate / (1 + rate)) if rate else ZERO
    return gross - tax, tax


def exact_total(net: Decimal, rate: Decimal) -> Decimal:
    """What Exact makes of a line booked at `net` with a VAT code of `rate`: net + its VAT."""
    net = cents(net)
    return net + cents(net * rate)
