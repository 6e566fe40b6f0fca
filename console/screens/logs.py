"""The logs screen: a live tail of the daemon's (already redacted) log lines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Footer, Header, RichLog

from console.screens.base import LiveScreen

LEVEL_STYLE = {"debug": "dim", "info": "cyan", "warning": "yellow", "error": "bold red"}


def render_line(event: dict[str, Any]) -> str:
    ts = datetime.fromtimestamp(event.get("ts", 0), UTC).strftime("%H:%M:%S")
    level = str(event.get("level", "info"))
    fields = " ".join(f"{k}={v}" for k, v in (event.get("fields") or {}).items())
    style = LEVEL_STYLE.get(level, "white")
    return (
        f"[dim]{ts}[/] [{style}]{level[:4]:4}[/] {escape(str(event.get('message', '')))}"
        f" [dim]{escape(fields)}[/]"
    )


class LogsScreen(LiveScreen):
    BINDINGS: ClassVar[list[BindingType]] = [("end", "follow", "Follow")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield RichLog(id="log", markup=True, wrap=True, max_lines=5000)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.title = "shopsync · logs"
        log = self.query_one(RichLog)
        for event in self.console.log_lines:
            log.write(render_line(event))

    def daemon_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "log":
            self.query_one(RichLog).write(render_line(event))

    def connection_changed(self, connected: bool) -> None:
        note = "reconnected to the daemon" if connected else "lost the daemon; reconnecting…"
        self.query_one(RichLog).write(f"[b magenta]— {note} —[/]")

    def action_follow(self) -> None:
        self.query_one(RichLog).scroll_end(animate=False)
