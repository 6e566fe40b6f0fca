"""Pure stock arithmetic: which Exact figure counts, what Shopify should show, what to send.

The quantity shopsync owns in Shopify is `available` (never `on_hand`):

    available = max(0, floor(Exact figure) − safety buffer − units held by Shopify orders
                       that are not yet in Exact)

The default figure is `sellable` = CurrentStock − PlanningOut: stock on the shelf less what
open sales orders will take. Exact's own FreeStock is CurrentStock − ReservedStock, and an open
sales order raises PlanningOut, not ReservedStock (Reserved is back-to-back only: ItemWarehouse.php
ReservedStock / PlannedStockOut texts), so FreeStock would show sold units until their goods
delivery. CurrentStock − PlanningOut is right under either reading: if an order did reserve, it
is in PlanningOut as well, so it is subtracted once. Orders not yet in Exact are held back
(`stock_holds`) until a poll has seen Exact's figure after the export; counting exported ones
again would be the double-count the Business Central connector's users report.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

FIGURES = ("sellable", "free", "in_stock", "planned")


@dataclass(frozen=True)
class Level:
    """One Exact stock position (item × warehouse) in the figures shopsync can use."""

    sku: str
    warehouse: str
    sellable: Decimal  # CurrentStock − PlanningOut
    free: Decimal
    in_stock: Decimal
    planned: Decimal
    exact_ts: int


def level_from_exact(row: Mapping[str, object]) -> Level:
    """A `sync/Inventory/StockPositions` row → Level.

    Fields as the sync endpoint names them (CurrentStock, FreeStock, ProjectedStock; see the
    Singer tap-exact StockPositionsStream). Planned = ProjectedStock, or current + in − out.
    """
    current = Decimal(str(row.get("CurrentStock") or 0))
    planning_out = Decimal(str(row.get("PlanningOut") or 0))
    projected = row.get("ProjectedStock")
    if projected is None:
        planned = current + Decimal(str(row.get("PlanningIn") or 0))
        planned -= planning_out
    else:
        planned = Decimal(str(projected))
    return Level(
        sku=str(row["ItemCode"]),
        warehouse=str(row["WarehouseCode"]),
        sellable=current - planning_out,
        free=Decimal(str(row.get("FreeStock") or 0)),
        in_stock=current,
        planned=planned,
        exact_ts=int(str(row.get("Timestamp") or 0)),
    )


def figure_of(level: Level, figure: str) -> Decimal:
    if figure not in FIGURES:
        raise ValueError(f"stock figure must be one of {FIGURES}, not {figure!r}")
    return getattr(level, figure)


def target_available(figure: Decimal, *, buffer: int = 0, held: int = 0) -> int:
    """What Shopify should offer: whole units only, never negative."""
    return max(0, math.floor(figure) - buffer - held)


def locations_of(
    warehouse: str, locations: Iterable[str], mapping: Mapping[str, str], default_warehouse: str
) -> list[str]:
    """Shopify locations fed by `warehouse` (unlisted locations take the default warehouse)."""
    return [loc for loc in locations if mapping.get(loc, default_warehouse) == warehouse]


def warehouse_of(location: str, mapping: Mapping[str, str], default_warehouse: str) -> str:
    return mapping.get(location, default_warehouse)


@dataclass(frozen=True)
class Push:
    sku: str
    location: str
    quantity: int
    change_from: int | None  # None: we don't know Shopify's number yet (read it first)


def pushes_needed(
    targets: Mapping[tuple[str, str], int], shopify: Mapping[tuple[str, str], int | None]
) -> list[Push]:
    """Only the differences: an equal number is not sent (diff against Shopify first)."""
    out = []
    for (sku, location), quantity in sorted(targets.items()):
        current = shopify.get((sku, location))
        if current != quantity:
            out.append(Push(sku, location, quantity, current))
    return out


def batches(items: list[Push], size: int = 250) -> list[list[Push]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
