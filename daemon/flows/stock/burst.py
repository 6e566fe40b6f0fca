"""During a burst of stock changes, push only full Shopify calls until the burst has waited enough.

`inventorySetQuantities` takes 250 changes a call. A burst (1,000 changes within 10 s) reaches
us as one poll's worth of dirty pairs every `min_poll_interval`; pushing each poll's share on
its own spends a call per share plus a part-filled call at each end. While the dirty pairs
number at least `BURST_MIN`, a push sends whole calls of 250 only and leaves the rest for the
next poll's share, but never holds a pair longer than `MAX_HOLD` seconds. Fewer pairs than
`BURST_MIN` (steady traffic, 10 changes a second) are sent at once, as before.
"""

from __future__ import annotations

FULL = 250  # changes per inventorySetQuantities call
BURST_MIN = 100  # dirty pairs from which a push waits to fill its calls
MAX_HOLD = 3.0  # seconds the oldest dirty pair may wait for others to share its call


def hold(
    batch: list[tuple[str, str, float]], now: float
) -> tuple[list[tuple[str, str, float]], float | None]:
    """(the pairs to push now, seconds until the rest must go, or None when nothing waits).

    `batch` is ordered oldest change first, as store.dirty_batch answers.
    """
    if len(batch) < BURST_MIN:
        return batch, None
    waited = now - batch[0][2]
    if waited >= MAX_HOLD:
        return batch, None
    whole = len(batch) // FULL * FULL
    if whole == len(batch):
        return batch, None
    rest = batch[whole:]
    return batch[:whole], max(0.05, MAX_HOLD - (now - rest[0][2]))
