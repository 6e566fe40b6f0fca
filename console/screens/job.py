"""One job: summary, the error with its hint, links, pretty payload and the attempts timeline."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.markup import escape
from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Collapsible, Footer, Header, Static

from console.format import ago, state_text
from console.screens.base import LiveScreen
from daemon.control.client import ControlError


class JobScreen(LiveScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("r", "retry", "Retry"),
        Binding("c", "cancel", "Cancel"),
    ]

    def __init__(self, job_id: int):
        super().__init__()
        self.job_id = job_id
        self.job: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="job"):
            yield Static("loading…", id="summary")
            yield Static("", id="problem")
            yield Static("", id="links")
            yield Static("[b]Attempts[/]", classes="section")
            yield Static("", id="attempts")
            with Collapsible(title="Last traceback", collapsed=True, id="traceback-box"):
                yield Static("", id="traceback")
            yield Static("[b]Payload[/]", classes="section")
            yield Static("", id="payload")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.title = f"shopsync · job {self.job_id}"
        self.reload()

    async def load(self) -> None:
        try:
            job = await self.console.client.job(self.job_id)
        except ControlError as exc:
            self.query_one("#summary", Static).update(f"[red]{escape(str(exc))}[/]")
            return
        self.show(job)

    def daemon_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "job" and event.get("id") in (self.job_id, None):
            self.reload()

    def connection_changed(self, connected: bool) -> None:
        if connected:
            self.reload()

    def show(self, job: dict[str, Any]) -> None:
        self.job = job
        now = self.console.now()
        self.query_one("#summary", Static).update(
            f"[b]{escape(job['kind'])}[/]  {escape(job['key'])}\n"
            f"{state_text(job['state'])} · attempt {job['attempts']} of {job['max_attempts']}"
            f" · created {ago(job['created_at'], now)} · updated {ago(job['updated_at'], now)}"
        )
        problem = self.query_one("#problem", Static)
        lines = []
        if job.get("last_error"):
            lines.append(f"[b red]Error[/] {escape(job['last_error'])}")
        if job.get("hint"):
            lines.append(f"[b green]Fix[/]   {escape(job['hint'])}")
        if job.get("outcome"):
            lines.append(f"[b]Outcome[/] {escape(job['outcome'])}")
        problem.update("\n".join(lines))
        problem.display = bool(lines)
        links = self.query_one("#links", Static)
        links.update(
            "\n".join(
                f"[b]{escape(link['label'])}[/] {escape(link['url'] or 'n/a')}"
                for link in job.get("links", [])
            )
        )
        links.display = bool(job.get("links"))
        attempts = job.get("attempts_log", [])
        self.query_one("#attempts", Static).update(
            "\n".join(_attempt(a, now) for a in attempts) or "[dim]not run yet[/]"
        )
        last_tb = next((a["traceback"] for a in reversed(attempts) if a.get("traceback")), None)
        self.query_one("#traceback-box").display = last_tb is not None
        self.query_one("#traceback", Static).update(escape(last_tb or ""))
        payload = json.dumps(job.get("payload", {}), indent=2, ensure_ascii=False)
        self.query_one("#payload", Static).update(
            Syntax(payload, "json", theme="ansi_dark", word_wrap=True)
        )

    def action_retry(self) -> None:
        self.console.confirm_and_act(f"Retry job {self.job_id} now?", "retry", self.job_id)

    def action_cancel(self) -> None:
        self.console.confirm_and_act(f"Cancel job {self.job_id}?", "cancel", self.job_id)


def _attempt(a: dict[str, Any], now: Any) -> str:
    took = "running" if a["duration_ms"] is None else f"{a['duration_ms']:.0f} ms"
    line = f"#{a['attempt']} {ago(a['started_at'], now)} {state_text(a['outcome'])} ({took})"
    if a.get("error"):
        line += f"\n   [dim]{escape(a['error'])}[/]"
    return line
