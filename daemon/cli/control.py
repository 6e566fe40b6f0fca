"""`shopsync status | jobs … | flows … | run-now | console`: operator commands over the socket."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import anyio

from daemon.control.client import ControlClient, ControlError, find_socket

Action = Callable[[ControlClient, argparse.Namespace], Awaitable[Any]]


def _socket(args: argparse.Namespace) -> Any:
    """The control socket: --socket, --instance NAME (shopsync@NAME), or the config's."""
    return find_socket(args.socket, args.config, getattr(args, "instance", None))


def _call(args: argparse.Namespace, action: Action, show: Callable[[Any], str]) -> int:
    """Run one client call; print JSON with --json, else the readable rendering."""

    async def main() -> Any:
        async with ControlClient(_socket(args)) as client:
            return await action(client, args)

    try:
        result = anyio.run(main)
    except ControlError as exc:
        print(f"shopsync: {exc}", file=sys.stderr)
        return 1
    if getattr(args, "json", False):
        print(json.dumps(result, indent=2, default=str))
    else:
        print(show(result))
    return 0


# -- rendering -------------------------------------------------------------------------------
def ago(ts: str | None, now: datetime | None = None) -> str:
    """'3m ago' from an ISO timestamp; 'never' for None."""
    if not ts:
        return "never"
    seconds = ((now or datetime.now(UTC)) - datetime.fromisoformat(ts)).total_seconds()
    return f"{duration(abs(seconds))} {'ago' if seconds >= 0 else 'from now'}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]
    ]
    return "\n".join(line.rstrip() for line in lines)


def render_status(s: dict[str, Any]) -> str:
    q = s["queue"]
    out = [f"shopsync {s['version']}, up {duration(s['uptime_s'])}"]
    flows = [
        [
            f["name"],
            f["health"],
            str(f["pending"]),
            str(f["dead"]),
            ago(f["last_success"]),
            (f["paused_reason"] or f["last_error"] or "")[:60],
        ]
        for f in s["flows"]
    ]
    out += ["", _table(flows, ["FLOW", "HEALTH", "PENDING", "DEAD", "LAST SUCCESS", "NOTE"])]
    states = ", ".join(f"{n} {state}" for state, n in sorted(q["by_state"].items())) or "empty"
    out += ["", f"queue: {states}; oldest due job waits {duration(q['oldest_due_age_s'])}"]
    tp = s["throughput"]
    out.append(f"throughput: {tp['last_5_min_per_min']} jobs/min (last 5 min)")
    if s.get("schedules") is None:
        out.append("schedules: n/a")
    else:
        for sc in s["schedules"]:
            out.append(
                f"schedule {sc.get('name')}: last {ago(sc.get('last_run'))}, "
                f"next {ago(sc.get('next_run'))}"
            )
    stock = next((f for f in s["flows"] if f["name"] == "stock"), None)
    cadence = ((stock or {}).get("stats") or {}).get("poll_cadence")
    if cadence:
        out.append(f"stock poll: every {duration(cadence['interval_s'])} ({cadence['reason']})")
    out += _gift_card_liability(s)
    auth = (s.get("budgets") or {}).get("exact_auth") or {}
    out.append(f"exact access expires: {auth.get('expires_at') or 'n/a'}")
    shop = (s.get("budgets") or {}).get("shopify_auth") or {}
    if shop:
        line = f"shopify access ({shop.get('mode')}): expires {shop.get('expires_at') or 'never'}"
        out.append(line + (f"; PROBLEM: {shop['problem']}" if shop.get("problem") else ""))
    for alert in s.get("alerts", []):
        out.append(f"ALERT {alert['rule']}: {alert['summary']}")
    return "\n".join(out)


def _gift_card_liability(s: dict[str, Any]) -> list[str]:
    """The last gift card check, if one ran: agreement, timing named, or the difference."""
    flow = next((f for f in s["flows"] if f["name"] == "gift_cards"), None)
    stats = (flow or {}).get("stats") or {}
    check = stats.get("liability")
    if not check:
        return []
    line = (
        f"gift card liability: Shopify {check['shopify_outstanding']}, "
        f"Exact ledger {check['ledger_liability']}"
    )
    if check.get("not_in_ledger_yet") not in (None, "0", "0.00"):
        line += f", not in the ledger yet {check['not_in_ledger_yet']}"
    if check.get("difference") not in (None, "0", "0.00"):
        line += f"; DIFFERS by {check['difference']}"
    out = [line]
    if stats.get("liability_timing") not in (None, "none"):
        out.append(f"  timing: {stats['liability_timing']}")
    return out


def render_jobs(page: dict[str, Any]) -> str:
    rows = [
        [
            str(j["id"]),
            j["state"],
            j["kind"],
            j["key"],
            f"{j['attempts']}/{j['max_attempts']}",
            (j["last_error"] or j.get("outcome") or "")[:50],
        ]
        for j in page["jobs"]
    ]
    shown = f"{page['offset'] + 1}-{page['offset'] + len(rows)}" if rows else "none"
    table = _table(rows, ["ID", "STATE", "KIND", "KEY", "TRIES", "ERROR OR OUTCOME"])
    return f"{table}\n({shown} of {page['total']})"


def render_job(j: dict[str, Any]) -> str:
    out = [
        f"job {j['id']}  {j['kind']}  {j['key']}",
        f"state {j['state']}, attempt {j['attempts']} of {j['max_attempts']}, "
        f"created {ago(j['created_at'])}",
    ]
    if j.get("last_error"):
        out.append(f"error: {j['last_error']}")
    if j.get("hint"):
        out.append(f"hint:  {j['hint']}")
    if j.get("outcome"):
        out.append(f"outcome: {j['outcome']}")
    out += ["", "payload:", json.dumps(j["payload"], indent=2, default=str)]
    if j["attempts_log"]:
        out += ["", "attempts:"]
        for a in j["attempts_log"]:
            ms = "running" if a["duration_ms"] is None else f"{a['duration_ms']:.0f} ms"
            out.append(f"  #{a['attempt']} {a['started_at']} {a['outcome']} ({ms})")
            if a["error"]:
                out.append(f"     {a['error']}")
    for link in j.get("links", []):
        out.append(f"{link['label']}: {link['url'] or 'n/a'}")
    return "\n".join(out)


# -- commands --------------------------------------------------------------------------------
def cmd_status(args: argparse.Namespace) -> int:
    return _call(args, lambda c, a: c.status(), render_status)


def cmd_jobs_list(args: argparse.Namespace) -> int:
    async def action(c: ControlClient, a: argparse.Namespace) -> Any:
        return await c.jobs(state=a.state, kind=a.kind, q=a.search, limit=a.limit, offset=a.offset)

    return _call(args, action, render_jobs)


def cmd_jobs_show(args: argparse.Namespace) -> int:
    return _call(args, lambda c, a: c.job(a.id), render_job)


def _act(verb: str) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        # A kind without a dot names a flow: all of its kinds.
        kind_key = "kind" if args.kind and "." in args.kind else "flow"
        filters = {"state": args.state, kind_key: args.kind, "key_prefix": args.key_prefix}
        filters = {k: v for k, v in filters.items() if v}
        if not args.ids and not filters:
            print(f"shopsync: give job ids, or --state/--kind/--key-prefix to {verb} all matching")
            return 2

        async def action(c: ControlClient, a: argparse.Namespace) -> Any:
            if not filters:
                done = [await getattr(c, verb)(i) for i in a.ids]
                return {"count": sum(d["count"] for d in done), "jobs": [d["job"] for d in done]}
            return {"count": await getattr(c, f"{verb}_matching")(ids=a.ids, **filters)}

        past = "retried" if verb == "retry" else "cancelled"
        return _call(args, action, lambda r: f"{r['count']} job(s) {past}")

    return command


def cmd_flow_pause(args: argparse.Namespace) -> int:
    return _call(args, lambda c, a: c.pause(a.flow, a.reason), lambda r: f"{r['flow']} paused")


def cmd_flow_resume(args: argparse.Namespace) -> int:
    return _call(args, lambda c, a: c.resume(a.flow), lambda r: f"{r['flow']} resumed")


def cmd_run_now(args: argparse.Namespace) -> int:
    return _call(
        args, lambda c, a: c.run_now(a.name), lambda r: f"{r['schedule']}: job {r['job_id']}"
    )


def cmd_console(args: argparse.Namespace) -> int:
    from console.app import run_console  # Textual loads only here, never in the daemon

    try:
        socket = _socket(args)
    except ControlError as exc:
        print(f"shopsync: {exc}", file=sys.stderr)
        return 2
    return run_console(socket)


def add_control_commands(sub: Any) -> None:
    """Register the operator commands on the top-level `shopsync` subparsers."""

    def add(parent: Any, name: str, func: Any, help: str, json_flag: bool = True) -> Any:
        p = parent.add_parser(name, help=help, description=help)
        p.add_argument("--socket", help="the control socket (default: from the config)")
        p.add_argument("--config", "-c", help="TOML file (default: $SHOPSYNC_CONFIG)")
        p.add_argument("--instance", help="one shop of several: shopsync@NAME's socket")
        if json_flag:
            p.add_argument("--json", action="store_true", help="print JSON")
        p.set_defaults(func=func)
        return p

    add(sub, "status", cmd_status, "flows, queue, schedules and budgets of the running daemon")
    jobs = sub.add_parser("jobs", help="list, show, retry and cancel jobs").add_subparsers(
        dest="jobs_command", required=True, metavar="ACTION"
    )
    listing = add(jobs, "list", cmd_jobs_list, "list jobs, newest first")
    listing.add_argument("--state", help="queued, running, succeeded, retrying, dead, cancelled")
    listing.add_argument("--kind", help="a job kind (orders.export) or a flow (orders)")
    listing.add_argument("--search", "-s", help="text in the key, payload or webhook body")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--offset", type=int, default=0)
    add(jobs, "show", cmd_jobs_show, "one job with payload and attempts").add_argument(
        "id", type=int
    )
    for verb, help in (("retry", "run jobs again now"), ("cancel", "cancel waiting or dead jobs")):
        p = add(jobs, verb, _act(verb), f"{help}: by id, or all matching the filters")
        p.add_argument("ids", type=int, nargs="*")
        p.add_argument("--state")
        p.add_argument("--kind", help="a job kind (orders.export) or a flow (orders)")
        p.add_argument("--key-prefix")
    flows = sub.add_parser("flows", help="pause or resume a flow").add_subparsers(
        dest="flows_command", required=True, metavar="ACTION"
    )
    pause = add(flows, "pause", cmd_flow_pause, "stop claiming a flow's jobs (they wait)")
    pause.add_argument("flow")
    pause.add_argument("--reason", default="paused by operator")
    add(flows, "resume", cmd_flow_resume, "let a paused flow run again").add_argument("flow")
    add(sub, "run-now", cmd_run_now, "run a schedule now").add_argument("name")
    add(sub, "console", cmd_console, "the live operator console (Textual)", json_flag=False)
