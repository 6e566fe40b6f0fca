"""A tile per flow on the overview: health, pending and dead jobs, last success, last error."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.markup import escape
from textual.widgets import Static

from console.format import HEALTH_STYLE, ago


class FlowTile(Static):
    """Shows one flow from the status answer; its CSS class follows the health.

    A click opens the jobs screen filtered to this flow."""

    flow_name = ""

    def on_click(self) -> None:
        show_jobs = getattr(self.app, "show_jobs", None)
        if show_jobs is not None and self.flow_name:
            show_jobs(kind=self.flow_name)

    def show(self, flow: dict[str, Any], now: datetime) -> None:
        self.flow_name = flow["name"]
        health = flow["health"]
        for name in HEALTH_STYLE:
            self.set_class(name == health, f"-{name}")
        style = HEALTH_STYLE.get(health, "white")
        note = flow.get("paused_reason") or flow.get("last_error") or ""
        lines = [
            f"[b]{escape(flow['name'])}[/b] [{style}]{health}[/]",
            f"pending {flow['pending']}  dead {flow['dead']}",
            f"ok {ago(flow.get('last_success'), now)}",
        ]
        self.tooltip = note or None  # the tile has room for three lines; the mouse shows more
        self.update("\n".join(lines))
