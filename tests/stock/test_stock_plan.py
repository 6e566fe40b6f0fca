"""Stock arithmetic: which figure, buffers, holds, never negative, only differences."""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.flows.stock.plan import (
    Push,
    batches,
    figure_of,
    level_from_exact,
    locations_of,
    pushes_needed,
    target_available,
)

ROW = {
    "ItemCode": "SKU-00001",
    "WarehouseCode": "AMS",
    "FreeStock": 7.5,
    "CurrentStock": 10,
    "PlanningIn": 5,
    "PlanningOut": 3,
    "Timestamp": "123456",
}


def test_each_exact_figure_is_read_from_a_stock_position():
    level = level_from_exact(ROW)
    assert figure_of(level, "sellable") == Decimal("7")  # 10 on the shelf − 3 open orders take
    assert figure_of(level, "free") == Decimal("7.5")
    assert figure_of(level, "in_stock") == Decimal("10")
    assert figure_of(level, "planned") == Decimal("12")  # 10 + 5 incoming − 3 outgoing
    with_projection = level_from_exact({**ROW, "ProjectedStock": 14})
    assert figure_of(with_projection, "planned") == Decimal("14")  # Exact's own figure wins
    assert level.exact_ts == 123456
    with pytest.raises(ValueError):
        figure_of(level, "on_hand")


@pytest.mark.parametrize(
    ("figure", "buffer", "held", "expected"),
    [
        (Decimal("10"), 0, 0, 10),
        (Decimal("7.9"), 0, 0, 7),  # whole units only
        (Decimal("10"), 2, 0, 8),  # safety buffer held back
        (Decimal("3"), 5, 0, 0),  # never negative
        (Decimal("-4"), 0, 0, 0),  # Exact can go negative; Shopify must not
        (Decimal("10"), 1, 3, 6),  # sold in Shopify, not yet in Exact
    ],
)
def test_target_available(figure, buffer, held, expected):
    assert target_available(figure, buffer=buffer, held=held) == expected


def test_an_exported_order_is_not_subtracted_twice():
    # Exact free 10; a Shopify order of 3 is not exported yet: hold it back.
    before_export = target_available(Decimal("10"), held=3)
    # Exported: Exact's sales order reserves 3 (free 7) and the hold is released.
    after_export = target_available(Decimal("7"), held=0)
    assert before_export == after_export == 7


def test_unlisted_locations_take_the_default_warehouse():
    mapping = {"Rotterdam store": "RTM"}
    names = ["Amsterdam warehouse", "Rotterdam store", "Antwerp warehouse"]
    assert locations_of("RTM", names, mapping, "AMS") == ["Rotterdam store"]
    assert locations_of("AMS", names, mapping, "AMS") == [
        "Amsterdam warehouse",
        "Antwerp warehouse",
    ]


def test_only_differences_are_pushed_with_the_known_value_as_compare_base():
    targets = {("A", "X"): 5, ("B", "X"): 3, ("C", "X"): 0}
    shopify = {("A", "X"): 5, ("B", "X"): 4}
    assert pushes_needed(targets, shopify) == [Push("B", "X", 3, 4), Push("C", "X", 0, None)]


def test_batches_respect_shopifys_250_quantities_per_call():
    items = [Push(f"S{i}", "X", i, None) for i in range(1001)]
    sizes = [len(b) for b in batches(items)]
    assert sizes == [250, 250, 250, 250, 1]
