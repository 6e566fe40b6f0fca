"""The alert loop: every few seconds, judge the rules, update alert state, queue due digests."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import anyio

from daemon.alerts import store
from daemon.alerts.digest import plan_digest
from daemon.alerts.rules import evaluate, read_snapshot
from daemon.logs import get_logger

log = get_logger("shopsync.alerts")
HOUR = 3600.0


@dataclass(frozen=True)
class TickResult:
    opened: list[str]
    resolved: list[str]
    send_job: int | None  # the alerts.send job queued by this tick, if any


class SignatureWindow:
    """Webhook signature failures in the last hour, from the ingress's running total."""

    def __init__(self) -> None:
        self._samples: deque[tuple[float, int]] = deque()

    def count(self, now: float, total: int) -> int:
        self._samples.append((now, total))
        # Keep one sample at or before the hour's start: it is the baseline.
        while len(self._samples) > 1 and self._samples[1][0] <= now - HOUR:
            self._samples.popleft()
        start, baseline = self._samples[0]
        # Younger than an hour: the total counts from the process start (the counter's zero).
        return total - baseline if start <= now - HOUR else total


class AlertEvaluator:
    """Owns nothing but a signature window: all alert state lives in the database."""

    def __init__(self, services: Any):
        self.services = services
        self.settings = services.settings.alerts
        self.signatures = SignatureWindow()

    async def run(self) -> None:
        """Evaluate until cancelled; a failed evaluation is logged and tried again."""
        while True:
            try:
                await self.tick()
            except Exception as exc:  # the supervisor's task group must not die of an alert
                log.error("alert evaluation failed", exc_info=exc)
            await anyio.sleep(self.settings.evaluate_interval)

    async def tick(self, now: float | None = None) -> TickResult:
        """One evaluation; `now` is for tests that need time to pass."""
        now = time.time() if now is None else now
        services = self.services
        snapshot = await read_snapshot(
            services.db,
            now,
            paused=await services.flows.paused(),
            exact_auth_problem=self._exact_problem(),
            shopify_auth=self._shopify_auth(),
            signature_failures_last_hour=self._signature_failures(now),
            exact_webhooks_refused=services.extras.get("exact_webhooks_refused"),
        )
        findings = evaluate(snapshot, self.settings)
        job_id = None
        async with services.db.transaction() as conn:
            flying = await store.in_flight(conn, now, self.settings.repeat_interval)
            changes = await store.reconcile(conn, findings, now, flying)
            plan = plan_digest(
                await store.pending_rows(conn),
                flying,
                now,
                repeat_interval=self.settings.repeat_interval,
                group_wait=self.settings.group_wait,
            )
            await store.close_never_mailed(conn, plan.never_mailed)
            if plan.notices:
                payload = {"notices": [n.to_json() for n in plan.notices], "created_at": now}
                job_id = await services.queue.enqueue_in(conn, store.SEND_KIND, plan.key, payload)
        for finding in changes.opened:
            log.warning("alert opened", fingerprint=finding.fingerprint, summary=finding.summary)
            services.events.publish("alert", state="open", **_public(finding))
        for fingerprint in changes.resolved:
            log.info("alert resolved", fingerprint=fingerprint)
            services.events.publish("alert", state="resolved", fingerprint=fingerprint)
        if job_id is not None:
            # Wakes the worker, exactly as Queue.enqueue would after its own commit.
            services.queue.emit("enqueued", id=job_id, kind=store.SEND_KIND, key=plan.key)
        return TickResult([f.fingerprint for f in changes.opened], changes.resolved, job_id)

    def _exact_problem(self) -> str | None:
        tokens = self.services.extras.get("tokens")
        if tokens is None:
            return None
        try:
            return tokens.status().get("problem")
        except Exception as exc:  # the other rules must still run
            log.warning("Exact token status unreadable", error=str(exc))
            return None

    def _shopify_auth(self) -> dict[str, Any] | None:
        source = self.services.extras.get("shopify_auth")
        if source is None:
            return None
        try:
            return source.status()
        except Exception as exc:  # the other rules must still run
            log.warning("Shopify token status unreadable", error=str(exc))
            return None

    def _signature_failures(self, now: float) -> int | None:
        ingress = self.services.extras.get("ingress")
        if ingress is None:
            return None
        return self.signatures.count(now, int(ingress.rejected))


def _public(finding: Any) -> dict[str, str]:
    return {"fingerprint": finding.fingerprint, "rule": finding.rule, "summary": finding.summary}
