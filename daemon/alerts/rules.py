"""The alert rules: read what the queue, flows and live counters say, then judge it (pure)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from daemon.config import AlertSettings
from state.db import Database

# Flow pauses whose reason says credentials are at fault (the worker pauses on AuthError).
AUTH_WORDS = re.compile(r"auth|token|credential|401|403|forbidden|revoked|expired", re.I)
RETRY_DEAD = "Then run it again: `shopsync jobs retry --state dead` (or Retry in the console)."


@dataclass(frozen=True)
class Finding:
    """One problem as it is now; its fingerprint stays the same for as long as it lasts."""

    fingerprint: str
    rule: str
    summary: str
    detail: str
    fix: str


@dataclass(frozen=True)
class DeadJob:
    id: int
    kind: str
    key: str
    attempts: int
    error: str
    hint: str
    retried: bool  # dead, then retried by an operator, and not yet succeeded


@dataclass(frozen=True)
class FlowFailures:
    """A flow's attempts since its last success (only flows with at least one failure)."""

    flow: str
    failures: int
    failing_since: float
    last_success: float | None
    last_error: str


@dataclass(frozen=True)
class DueJob:
    id: int
    kind: str
    key: str
    due_since: float
    due_count: int


@dataclass
class Snapshot:
    now: float
    dead_jobs: list[DeadJob] = field(default_factory=list)
    flows: list[FlowFailures] = field(default_factory=list)
    paused: dict[str, str] = field(default_factory=dict)
    exact_auth_problem: str | None = None
    # A Shopify token renewal that keeps failing (connectors/shopify/auth.py status "problem"),
    # reported before any flow is refused; `shopify_auth_fix` is what the operator should do.
    shopify_auth_problem: str | None = None
    shopify_auth_fix: str | None = None
    signature_failures_last_hour: int | None = None  # None: the ingress is not running
    oldest_due: DueJob | None = None
    exact_webhooks_refused: str | None = None  # Exact's refusal of our webhook subscription
    # The last daily tie-out (daemon/tieout/job.py) when it left unexplained differences.
    tieout_unexplained: dict[str, Any] | None = None


# -- reading ---------------------------------------------------------------------------------

_ALERTS_KIND = "alerts.%"  # a mail that cannot go out is not itself worth a mail

# Two index-friendly halves (one OR over both ran 7x slower on 100k jobs): dead jobs, and
# pending jobs whose last finished attempt was the one that died (retried, not yet fixed).
_DEAD_JOBS = """
SELECT j.id, j.kind, j.key, j.attempts, coalesce(j.last_error, ''), coalesce(j.hint, ''), 0
FROM jobs j WHERE j.state = 'dead' AND j.kind NOT LIKE ?1
UNION ALL
SELECT j.id, j.kind, j.key, j.attempts, coalesce(j.last_error, ''), coalesce(j.hint, ''), 1
FROM jobs j WHERE j.state IN ('queued', 'retrying', 'running') AND j.kind NOT LIKE ?1
  AND (SELECT a.outcome FROM job_attempts a WHERE a.job_id = j.id AND a.finished_at IS NOT NULL
       ORDER BY a.finished_at DESC, a.id DESC LIMIT 1) = 'dead'
"""

# Attempts since each flow's last success; 'interrupted' says nothing about the flow's health.
_FLOW_FAILURES = """
WITH a AS (
  SELECT substr(j.kind, 1, instr(j.kind, '.') - 1) AS flow, a.id, a.outcome, a.finished_at,
         coalesce(a.error, '') AS error
  FROM job_attempts a JOIN jobs j ON j.id = a.job_id
  WHERE a.finished_at > ? AND a.outcome IN ('succeeded', 'retrying', 'dead')
    AND j.kind NOT LIKE ?
), ok AS (
  SELECT flow, max(CASE WHEN outcome = 'succeeded' THEN finished_at END) AS last_ok
  FROM a GROUP BY flow
)
SELECT a.flow, count(*), min(a.finished_at), ok.last_ok,
       (SELECT b.error FROM a b WHERE b.flow = a.flow AND b.outcome != 'succeeded'
        ORDER BY b.finished_at DESC, b.id DESC LIMIT 1)
FROM a JOIN ok ON ok.flow = a.flow
WHERE a.outcome != 'succeeded' AND a.finished_at > coalesce(ok.last_ok, 0)
GROUP BY a.flow
"""

# How far back the flow rules look: a failure streak older than this still shows (it has
# failures inside the window and no success), and the scan stays bounded.
FLOW_LOOKBACK = 7 * 86400.0


async def read_snapshot(
    db: Database,
    now: float,
    *,
    paused: dict[str, str],
    exact_auth_problem: str | None,
    signature_failures_last_hour: int | None,
    exact_webhooks_refused: str | None = None,
    shopify_auth: dict[str, Any] | None = None,
) -> Snapshot:
    """Everything the rules judge, read in a few short queries on the reader connection."""
    by_key: dict[str, DeadJob] = {}
    for r in await db.fetchall(_DEAD_JOBS, (_ALERTS_KIND,)):
        if r[2] not in by_key or by_key[r[2]].id < r[0]:
            by_key[r[2]] = DeadJob(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]))
    flows = [
        FlowFailures(r[0], r[1], r[2], r[3], r[4] or "")
        for r in await db.fetchall(_FLOW_FAILURES, (now - FLOW_LOOKBACK, _ALERTS_KIND))
        if r[0]
    ]
    oldest = await _oldest_due(db, now, paused)
    tieout = await _tieout_unexplained(db)
    return Snapshot(
        now=now,
        dead_jobs=sorted(by_key.values(), key=lambda j: j.id),
        flows=flows,
        paused=paused,
        exact_auth_problem=exact_auth_problem,
        shopify_auth_problem=(shopify_auth or {}).get("problem"),
        shopify_auth_fix=(shopify_auth or {}).get("fix"),
        signature_failures_last_hour=signature_failures_last_hour,
        oldest_due=oldest,
        exact_webhooks_refused=exact_webhooks_refused,
        tieout_unexplained=tieout,
    )


async def _tieout_unexplained(db: Database) -> dict[str, Any] | None:
    from daemon.tieout.job import LAST_REPORT

    row = await db.fetchone("SELECT value FROM cursors WHERE name = ?", (LAST_REPORT,))
    if row is None:
        return None
    try:
        report = json.loads(row[0])
    except ValueError:
        return None
    return report if report.get("unexplained") else None


async def _oldest_due(db: Database, now: float, paused: dict[str, str]) -> DueJob | None:
    # A paused flow's jobs wait on purpose; the pause has its own alert.
    skip = "".join(" AND kind NOT LIKE ?" for _ in paused)
    params = [now, *[f"{name}.%" for name in paused]]
    row = await db.fetchone(
        "SELECT id, kind, key, min(run_after), count(*) FROM jobs"
        f" WHERE state IN ('queued', 'retrying') AND run_after <= ?{skip}",
        params,
    )
    if row is None or row[3] is None:
        return None
    return DueJob(row[0], row[1], row[2], row[3], row[4])


# -- judging ---------------------------------------------------------------------------------


def evaluate(snapshot: Snapshot, rules: AlertSettings) -> list[Finding]:
    """Every problem the enabled rules see in `snapshot`, one Finding per fingerprint."""
    found: list[Finding] = []
    if rules.dead_jobs:
        found += [_dead_job(job) for job in snapshot.dead_jobs]
    for flow in snapshot.flows:
        n = rules.flow_failures_in_a_row
        if n and flow.failures >= n:
            found.append(_flow_failing(flow))
        hours = rules.flow_silent_hours
        if hours and snapshot.now - flow.failing_since >= hours * 3600:
            found.append(_flow_silent(flow, snapshot.now))
    found += _auth(snapshot)
    limit = rules.signature_failures_per_hour
    count = snapshot.signature_failures_last_hour
    if limit and count is not None and count >= limit:
        found.append(_signatures(count))
    if snapshot.exact_webhooks_refused:
        found.append(_webhooks_refused(snapshot.exact_webhooks_refused))
    if snapshot.tieout_unexplained:
        found.append(_tieout(snapshot.tieout_unexplained))
    due = snapshot.oldest_due
    minutes = rules.oldest_due_minutes
    if minutes and due is not None and snapshot.now - due.due_since >= minutes * 60:
        found.append(_backlog(due, snapshot.now))
    return found


def _tieout(report: dict[str, Any]) -> Finding:
    day = report.get("date", "?")
    lines = [
        f"{d['ref']}: {d['amount']} {d['currency']} ({d['detail']})"
        for d in report.get("differences", [])
        if d.get("reason") == "unexplained"
    ]
    return Finding(
        fingerprint=f"tieout:{day}",
        rule="tieout_unexplained",
        summary=f"the books of {day} do not tie out: {report.get('unexplained')} unexplained "
        f"difference(s), {report.get('unexplained_amount')} in all",
        detail=_short("; ".join(lines), 600),
        fix=f"compare them in `shopsync tieout --date {day}` or the console's tie-out screen; "
        "book or correct the document in Exact, then run the tie-out again",
    )


def _webhooks_refused(error: str) -> Finding:
    return Finding(
        fingerprint="webhooks:exact",
        rule="webhooks",
        summary=_short(error),
        detail=f"{error}\nStock is polled meanwhile; shopsync does not ask Exact again until "
        "the configuration changes (or after a week), to spare Exact's error budget.",
        fix="Exact calls only https callbacks on the host of the app's redirect URI: set "
        "[ingress] public_url and the app's redirect URI ([exact] redirect_uri, and in the "
        "Exact App Center) to one https host (`shopsync config check` says which), then restart.",
    )


def _dead_job(job: DeadJob) -> Finding:
    attempts = f"{job.attempts} attempt" + ("" if job.attempts == 1 else "s")
    state = "was retried but has not succeeded yet" if job.retried else f"stopped after {attempts}"
    fix = f"{job.hint} {RETRY_DEAD}" if job.hint else f"Fix what the error names. {RETRY_DEAD}"
    return Finding(
        fingerprint=f"dead_job:{job.key}",
        rule="dead_job",
        summary=f"{job.kind} {job.key} failed: {_short(job.error)}",
        detail=f"Job {job.id} ({job.kind}, key {job.key}) {state}.\nError: {job.error}",
        fix=fix,
    )


def _flow_failing(flow: FlowFailures) -> Finding:
    return Finding(
        fingerprint=f"flow_failing:{flow.flow}",
        rule="flow_failing",
        summary=f"flow {flow.flow} failed {flow.failures} times in a row",
        detail=(
            f"The last {flow.failures} attempts of flow {flow.flow} all failed, the first at "
            f"{_iso(flow.failing_since)}.\nLast error: {flow.last_error}"
        ),
        fix=(
            "The queue keeps retrying with backoff. A network or API outage clears by itself; "
            "any other error needs the fix it names (see the flow's jobs in the console)."
        ),
    )


def _flow_silent(flow: FlowFailures, now: float) -> Finding:
    hours = (now - flow.failing_since) / 3600
    last_ok = _iso(flow.last_success) if flow.last_success else "not in the last 7 days"
    return Finding(
        fingerprint=f"flow_silent:{flow.flow}",
        rule="flow_silent",
        summary=f"flow {flow.flow} has not succeeded for {hours:.1f} hours",
        detail=(
            f"Flow {flow.flow} has been failing since {_iso(flow.failing_since)} "
            f"({flow.failures} failed attempts) and last succeeded {last_ok}.\n"
            f"Last error: {flow.last_error}"
        ),
        fix="Data is not reaching the other side. Fix what the last error names; "
        "the waiting jobs then run by themselves.",
    )


def _auth(snapshot: Snapshot) -> list[Finding]:
    paused, exact_problem = snapshot.paused, snapshot.exact_auth_problem
    shopify_problem = snapshot.shopify_auth_problem
    by_api: dict[str, list[tuple[str, str]]] = {}
    for flow, reason in sorted(paused.items()):
        if not AUTH_WORDS.search(reason):
            continue  # paused by an operator on purpose
        api = next((a for a in ("exact", "shopify") if a in reason.lower()), flow)
        by_api.setdefault(api, []).append((flow, reason))
    if exact_problem:
        by_api.setdefault("exact", [])
    if shopify_problem:
        by_api.setdefault("shopify", [])
    found = []
    for api, flows in sorted(by_api.items()):
        names = ", ".join(f for f, _ in flows)
        reason = flows[0][1] if flows else ""
        if api == "exact" and exact_problem:
            reason = exact_problem
        elif api == "shopify" and shopify_problem:
            reason = f"shopify: {shopify_problem}"
        resume = f" Then resume the paused flows ({names})." if flows else ""
        if api == "exact":
            title = "Exact Online access is refused"
            fix = "Re-authorize in a browser with `shopsync auth exact`." + resume
        elif api == "shopify":
            # The reason carries the token source's hint, which depends on [shopify] auth;
            # `shopsync auth shopify` checks access and resumes what the refusal paused.
            title = "Shopify access is refused"
            fix = (snapshot.shopify_auth_fix or "Do what the reason says.") + (
                f" `shopsync auth shopify` resumes the paused flows ({names}) once access works."
                if flows
                else ""
            )
        else:
            title = f"flow {api} lost its credentials"
            fix = "Renew the credentials the reason names and restart shopsync." + resume
        paused_line = f"\nPaused flows: {names}." if flows else ""
        found.append(
            Finding(
                fingerprint=f"auth:{api}",
                rule="auth",
                summary=f"{title}: {_short(reason)}",
                detail=f"{title}: {reason}{paused_line}\nJobs of paused flows wait in the queue.",
                fix=fix,
            )
        )
    return found


def _signatures(count: int) -> Finding:
    return Finding(
        fingerprint="webhook_signatures",
        rule="webhook_signatures",
        summary=f"{count} webhooks with an invalid signature in the last hour",
        detail=(
            f"{count} webhook deliveries were refused (401) because their signature did not "
            "verify. Either a webhook secret in the config does not match the app's, or "
            "someone is sending forged requests."
        ),
        fix=(
            "Compare shopify.webhook_secret (the app's client secret) and exact.webhook_secret "
            "with the apps' settings; if they match, find the sender in the proxy's access log."
        ),
    )


def _backlog(due: DueJob, now: float) -> Finding:
    minutes = (now - due.due_since) / 60
    return Finding(
        fingerprint="queue_backlog",
        rule="queue_backlog",
        summary=f"the oldest due job has waited {minutes:.0f} minutes",
        detail=(
            f"Job {due.id} ({due.kind}, key {due.key}) has been due since {_iso(due.due_since)}; "
            f"{due.due_count} jobs are due now. Jobs of paused flows are not counted."
        ),
        fix=(
            "Check whether the workers are stuck on slow calls (console: running jobs) or an "
            "API budget is exhausted; raise daemon.workers if the backlog stays."
        ),
    )


def _short(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
