"""Splits never lose or invent a cent: allocation and whole order plans, under hypothesis."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.flows.orders.money import allocate
from daemon.flows.orders.plan import plan_order
from tests.orders.factory import MAPPING, facts, line, order
from tests.orders.factory import settings as orders_settings

cents = st.integers(min_value=-(10**7), max_value=10**7).map(lambda n: Decimal(n) / 100)
weights = st.lists(
    st.integers(min_value=0, max_value=10**6).map(lambda n: Decimal(n) / 100),
    min_size=1,
    max_size=8,
)


@given(cents, weights)
def test_allocated_parts_always_add_up_to_the_total(total, ws):
    parts = allocate(total, ws)
    assert sum(parts) == total
    assert len(parts) == len(ws)
    assert all(p == p.quantize(Decimal("0.01")) for p in parts)
    # Every part is within a cent of its exact share.
    whole = sum(ws) or len(ws)
    for p, w in zip(parts, ws if sum(ws) else [1] * len(ws), strict=True):
        assert abs(p - total * w / whole) < Decimal("0.01")


LOCATIONS = ["Amsterdam warehouse", "Rotterdam store", "Antwerp warehouse"]

line_specs = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=7),  # quantity
        st.integers(min_value=1, max_value=25_000),  # unit price in cents
        st.sampled_from(["0.21", "0.09", "0"]),
        st.integers(min_value=0, max_value=30),  # discount percent
        st.lists(st.sampled_from(LOCATIONS), min_size=1, max_size=3),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(
    line_specs,
    st.integers(min_value=0, max_value=2_000),
    st.booleans(),
    st.integers(min_value=0, max_value=500),
)
def test_documents_of_a_split_order_always_sum_to_shopifys_total(specs, ship, incl, tip):
    lines = []
    places = {}
    for i, (qty, unit, rate, pct, locs) in enumerate(specs):
        unit_d = Decimal(unit) / 100
        discount = (unit_d * qty * pct / 100).quantize(Decimal("0.01"))
        lines.append(line(f"SKU-{i:05d}", qty, str(unit_d), rate, discount=str(discount)))
        # Spread the quantity over the chosen locations, one unit at a time.
        counts: dict[str, int] = {}
        for n in range(qty):
            loc = locs[n % len(locs)]
            counts[loc] = counts.get(loc, 0) + 1
        places[i] = list(counts.items())
    tip_s = str(Decimal(tip) / 100)
    o = order(lines, shipping=str(Decimal(ship) / 100), taxes_included=incl, tip=tip_s)
    plan = plan_order(
        o, facts(o, places=places, tip=tip_s), orders_settings(multi_location=True), MAPPING
    )
    assert plan.total == o.total_price_set.shop_money.amount
    for doc in plan.documents:
        assert doc.total == doc.shopify_total
        assert all(ln.quantity > 0 for ln in doc.lines)
    # Every unit ordered is on exactly one document.
    for i, spec in enumerate(specs):
        sku = f"SKU-{i:05d}"
        booked = sum(ln.quantity for d in plan.documents for ln in d.lines if ln.sku == sku)
        assert booked == spec[0]
