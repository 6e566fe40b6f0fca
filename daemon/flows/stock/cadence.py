"""How often the timed stock poll runs: a safety net while Exact's webhooks carry stock, fast else.

Each timed poll costs one of Exact's 5,000 calls a day; at 30 s that is 2,880, more than half the
day. While Exact's StockPositions webhooks are healthy they trigger a poll within seconds of
each change, so the timed poll is only a safety net and runs every `safety_poll_interval`.
It comes back to `poll_interval` when:
- Exact webhooks are not configured ([exact] webhook_secret unset) or switched off;
- the subscriptions keeper has not confirmed the StockPositions subscription (at start, or
  when Exact refused the check);
- a poll found changes that no StockPositions webhook announced since the previous poll (a
  subscription deleted in Exact, our public URL unreachable, Exact not sending). That lasts
  until a StockPositions webhook arrives again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from daemon.logs import get_logger

log = get_logger("shopsync.stock")

CURSOR = "exact:stock_positions"  # the stock poll's cursor (daemon/flows/stock/sync.py)
SUBSCRIPTION_OK = "exact_stock_subscription_ok"  # extras key the subscriptions keeper sets
# A webhook may land a moment after the poll that read its change: look back this far.
SLACK = 2.0


@dataclass
class CadenceState:
    interval: float = 0.0
    reason: str = "starting"
    since: float = 0.0
    missed_at: float | None = None  # a poll found changes no webhook announced
    missed_rows: int = 0
    last_poll_started: float | None = None


def choose(
    *,
    webhooks_configured: bool,
    subscription_ok: bool | None,
    missed: bool,
    fast: float,
    safety: float,
) -> tuple[float, str]:
    """The timed poll's interval and the reason, in words an operator reads in the status."""
    if not webhooks_configured:
        return fast, "Exact webhooks not configured: polling is the only source"
    if safety <= fast:
        return fast, "safety_poll_interval is not longer than poll_interval"
    if not subscription_ok:
        return fast, "Exact StockPositions subscription not confirmed yet"
    if missed:
        return fast, "a poll found stock changes no Exact webhook announced"
    return safety, "Exact stock webhooks healthy: the timed poll is a safety net"


def state_of(services: Any) -> CadenceState:
    state = services.extras.get("stock_cadence")
    if state is None:
        state = services.extras["stock_cadence"] = CadenceState()
    return state


async def webhook_since(db: Any, since: float) -> bool:
    """Did an Exact StockPositions webhook arrive after `since`? (a bounded index range)"""
    row = await db.fetchone(
        "SELECT 1 FROM receipts WHERE received_at > ? AND source = 'exact'"
        " AND instr(CAST(body AS TEXT), '\"StockPositions\"') > 0 LIMIT 1",
        (since,),
    )
    return row is not None


async def current(services: Any) -> tuple[float, str]:
    """The interval in force now (recorded in the stock flow's stats for status and console)."""
    s = services.settings
    state = state_of(services)
    if state.missed_at is not None and await webhook_since(services.db, state.missed_at - SLACK):
        log.info("exact stock webhooks arrive again; timed poll backs off")
        state.missed_at, state.missed_rows = None, 0
    configured = s.exact.webhook_secret is not None
    interval, reason = choose(
        webhooks_configured=configured,
        subscription_ok=services.extras.get(SUBSCRIPTION_OK),
        missed=state.missed_at is not None,
        fast=s.stock.poll_interval,
        safety=s.stock.safety_poll_interval,
    )
    if (interval, reason) != (state.interval, state.reason):
        state.interval, state.reason, state.since = interval, reason, time.time()
        log.info("stock poll cadence", interval_s=interval, reason=reason)
    stats = services.extras.setdefault("stats", {}).setdefault("stock", {})
    for key, empty in (("latencies_ms", []), ("pushed", 0), ("shopify_calls", 0)):
        stats.setdefault(key, empty)  # the stock flow's own counters (sync.py) share this dict
    stats["poll_cadence"] = {
        "interval_s": interval,
        "reason": reason,
        "since": datetime.fromtimestamp(state.since, UTC).isoformat(timespec="seconds"),
    }
    return interval, reason


def watched(poll: Any) -> Any:
    """Wrap the poll handler: a poll that finds changes no webhook announced means fast again."""

    async def run(services: Any, job: Any) -> None:
        state = state_of(services)
        previous, started = state.last_poll_started, time.time()
        before = await services.cursors.get(CURSOR)
        await poll(services, job)
        state.last_poll_started = started
        after = await services.cursors.get(CURSOR)
        # The first poll after a start reads what changed while we were down: no verdict.
        if previous is None or before is None or after == before:
            return
        if services.settings.exact.webhook_secret is None:
            return
        if not await webhook_since(services.db, previous - SLACK):
            if state.missed_at is None:
                log.warning(
                    "stock changed in Exact without a webhook; polling every poll_interval",
                    hint="Check the StockPositions subscription in Exact and that "
                    "[ingress] public_url reaches this daemon.",
                )
            state.missed_at = time.time()
            state.missed_rows += 1
            await current(services)

    return run
