"""The overview: flows as tiles, queue counts, throughput, schedules, budgets, alerts."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.widgets import Footer, Header, Sparkline, Static

from console.format import ago, duration
from console.screens.base import LiveScreen
from console.widgets.flow_tile import FlowTile
from daemon.control.client import ControlError

REFRESH_S = 2.0


class OverviewScreen(LiveScreen):
    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="overview"):
            yield Static("", id="banner")
            yield Static("", id="alerts")
            yield Grid(id="tiles")
            yield Static("", id="queue")
            yield Static("", id="budgets")
            yield Static("", id="rates")
            yield Sparkline([0], id="throughput")
            yield Static("", id="schedules")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.title = "shopsync · overview"
        self.reload()
        self.set_interval(REFRESH_S, self.reload)

    def daemon_event(self, event: dict[str, Any]) -> None:
        if event.get("type") in ("job", "flow"):
            self.reload()

    def connection_changed(self, connected: bool) -> None:
        self.reload()

    async def load(self) -> None:
        banner = self.query_one("#banner", Static)
        try:
            status = await self.console.client.status()
        except ControlError as exc:
            banner.update(f"[b red]daemon unreachable:[/] {escape(str(exc))} — reconnecting…")
            banner.display = True
            return
        banner.display = False
        self.console.last_status = status
        await self.show(status)

    async def show(self, s: dict[str, Any]) -> None:
        now = self.console.now()
        grid = self.query_one("#tiles", Grid)
        tiles = {t.id: t for t in grid.query(FlowTile)}
        for flow in s["flows"]:
            tile_id = f"flow-{flow['name']}"
            if tile_id not in tiles:
                tiles[tile_id] = FlowTile(id=tile_id, classes="tile")
                await grid.mount(tiles[tile_id])
            tiles[tile_id].show(flow, now)
        q = s["queue"]
        counts = "  ".join(
            f"{state} [b]{q['by_state'].get(state, 0)}[/]"
            for state in ("queued", "running", "retrying", "dead", "succeeded")
        )
        self.query_one("#queue", Static).update(
            f"[b]Queue[/]  {counts}\noldest due job waits {duration(q['oldest_due_age_s'])}"
        )
        tp = s["throughput"]
        self.query_one("#throughput", Sparkline).data = tp["per_minute"]
        self.query_one("#rates", Static).update(
            f"[b]Throughput[/] {tp['last_5_min_per_min']} jobs/min (last 5 min; 30 min below)"
        )
        self.query_one("#schedules", Static).update(_schedules(s.get("schedules"), now))
        self.query_one("#budgets", Static).update(_budgets(s, now))
        alerts = s.get("alerts") or []
        self.query_one("#alerts", Static).update(
            "\n".join(f"[b red]ALERT[/] {escape(a['summary'])}" for a in alerts)
        )
        self.query_one("#alerts", Static).display = bool(alerts)
        shop = "CCV Shop · " if s.get("platform") == "ccvshop" else ""  # Shopify: the default
        self.sub_title = f"{shop}v{s['version']} · up {duration(s['uptime_s'])}"


def _schedules(schedules: list[dict[str, Any]] | None, now: Any) -> str:
    if schedules is None:
        return "[b]Schedules[/] n/a"
    lines = ["[b]Schedules[/]"]
    for sc in schedules:
        if sc.get("error"):
            lines.append(f"  {escape(str(sc['error']))}")
            continue
        lines.append(
            f"  {escape(str(sc.get('name')))}: last {ago(sc.get('last_run'), now)}"
            f" ({sc.get('last_state') or 'n/a'}), next {ago(sc.get('next_run'), now)}"
        )
    return "\n".join(lines)


def _budgets(s: dict[str, Any], now: Any) -> str:
    b = s.get("budgets") or {}
    bucket = b.get("shopify_bucket") or {}
    shopify = (
        f"{bucket.get('available', 0):.0f}/{bucket.get('maximum', 0):.0f} points"
        if bucket.get("known")
        else "n/a"
    )
    rate = b.get("exact_rate") or {}
    minute = (rate.get("minutely") or {}).get("remaining")
    day = (rate.get("daily") or {}).get("remaining")
    auth = b.get("exact_auth") or {}
    expires = ago(auth["expires_at"], now) if auth.get("expires_at") else "n/a"
    if auth.get("problem"):
        expires = f"[b red]{escape(str(auth['problem']))}[/]"
    elif auth and not auth.get("authorized"):
        expires = "[b yellow]never: not authorized (shopsync auth exact)[/]"
    stock = next((f for f in s["flows"] if f["name"] == "stock"), None)
    p95 = ((stock or {}).get("stats") or {}).get("latency_ms", {}).get("p95")
    cadence = ((stock or {}).get("stats") or {}).get("poll_cadence")
    poll = (
        f"\nStock poll every {cadence['interval_s']:.0f} s: {escape(str(cadence['reason']))}"
        if cadence
        else ""
    )
    return (
        f"[b]Budgets[/] Shopify {shopify} · Exact left: minute {_na(minute)}, day {_na(day)}\n"
        f"Exact access expires {expires} · stock latency p95 "
        f"{'n/a' if p95 is None else f'{p95:.0f} ms'}{poll}"
    )


def _na(value: Any) -> str:
    return "n/a" if value is None else str(value)
