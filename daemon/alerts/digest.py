"""Which alert notices are due, bundled into one digest with a deterministic key (pure)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

NoticeKind = Literal["new", "repeat", "resolved"]

# A digest lists at most this many notices in full; the rest get one line each.
FULL_ENTRIES = 20
MAX_ENTRIES = 200


@dataclass(frozen=True)
class AlertRow:
    """One row of the `alerts` table."""

    fingerprint: str
    rule: str
    summary: str
    detail: str
    state: str  # open | resolved
    first_seen: float
    last_seen: float
    last_sent: float | None
    resolved_at: float | None
    resolved_sent: bool


@dataclass(frozen=True)
class Notice:
    """One line of news in a digest: an alert is new, still open, or resolved."""

    fingerprint: str
    kind: NoticeKind
    rule: str
    summary: str
    detail: str
    first_seen: float
    stamp: float  # what makes this notice unique: first_seen, last_sent or resolved_at

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DigestPlan:
    notices: list[Notice]  # empty: nothing to send yet
    key: str
    never_mailed: list[str]  # resolved before anyone was told: close without a mail


def plan_digest(
    rows: Iterable[AlertRow],
    in_flight: set[str],
    now: float,
    *,
    repeat_interval: float,
    group_wait: float,
) -> DigestPlan:
    """Gather every pending notice; send them once the oldest has waited `group_wait`.

    Alerts already carried by a send job still in the queue are left alone, so an evaluation
    (or a restart) while a mail is on its way never sends it twice.
    """
    pending: list[tuple[float, Notice]] = []
    never_mailed: list[str] = []
    for row in rows:
        if row.fingerprint in in_flight:
            continue
        if row.state == "open" and row.last_sent is None:
            pending.append((row.first_seen, _notice(row, "new", row.first_seen)))
        elif row.state == "open" and row.last_sent + repeat_interval <= now:
            since = row.last_sent + repeat_interval
            pending.append((since, _notice(row, "repeat", row.last_sent)))
        elif row.state == "resolved" and not row.resolved_sent:
            if row.last_sent is None:
                never_mailed.append(row.fingerprint)  # it came and went inside the group wait
            else:
                resolved_at = row.resolved_at or now
                pending.append((resolved_at, _notice(row, "resolved", resolved_at)))
    if not pending or min(since for since, _ in pending) > now - group_wait:
        return DigestPlan([], "", never_mailed)
    order = {"new": 0, "repeat": 1, "resolved": 2}
    notices = sorted(
        (n for _, n in pending), key=lambda n: (order[n.kind], n.first_seen, n.fingerprint)
    )
    notices = notices[:MAX_ENTRIES]  # the rest go in the next digest
    return DigestPlan(notices, digest_key(notices), never_mailed)


def digest_key(notices: Iterable[Notice]) -> str:
    """The same notices always give the same job key (the queue coalesces on it)."""
    text = "\n".join(f"{n.fingerprint}|{n.kind}|{n.stamp!r}" for n in notices)
    return "alerts.digest:" + hashlib.sha256(text.encode()).hexdigest()[:24]


def _notice(row: AlertRow, kind: NoticeKind, stamp: float) -> Notice:
    return Notice(row.fingerprint, kind, row.rule, row.summary, row.detail, row.first_seen, stamp)


# -- text ------------------------------------------------------------------------------------

_HEADINGS = {
    "new": "NEW",
    "repeat": "STILL OPEN",
    "resolved": "RESOLVED",
}


# "Subject: " plus this fits one 78-character line: longer ones get folded onto a second line,
# which some phones show with a leading blank or cut off. The body has the whole summary.
SUBJECT_LIMIT = 69


def subject(notices: list[Notice]) -> str:
    if len(notices) == 1:
        n = notices[0]
        label = {"new": "ALERT", "repeat": "STILL OPEN", "resolved": "RESOLVED"}[n.kind]
        text = " ".join(f"[shopsync] {label}: {n.summary}".split())
        return text if len(text) <= SUBJECT_LIMIT else text[: SUBJECT_LIMIT - 3] + "..."
    counts = {kind: sum(1 for n in notices if n.kind == kind) for kind in _HEADINGS}
    parts = [f"{counts['new']} new", f"{counts['repeat']} still open"]
    parts.append(f"{counts['resolved']} resolved")
    return "[shopsync] alerts: " + ", ".join(p for p in parts if not p.startswith("0 "))


def body(notices: list[Notice], *, host: str) -> str:
    lines = [f"shopsync on {host} reports {len(notices)} change(s) in its alerts.", ""]
    shown = 0
    for kind, heading in _HEADINGS.items():
        group = [n for n in notices if n.kind == kind]
        if not group:
            continue
        lines += [f"== {heading} ({len(group)}) ==", ""]
        for n in group:
            shown += 1
            if shown > FULL_ENTRIES:
                lines.append(f"- {n.summary}")
                continue
            lines.append(f"* {n.summary}")
            if kind == "resolved":
                lines.append(f"  Open since {_iso(n.first_seen)}, resolved {_iso(n.stamp)}.")
            else:
                lines.append(f"  Open since {_iso(n.first_seen)}.")
                lines += [f"  {line}" for line in n.detail.splitlines()]
            lines.append("")
        lines.append("")
    lines.append("Open alerts are mailed again while they last; you get a mail when they clear.")
    return "\n".join(lines).rstrip() + "\n"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
