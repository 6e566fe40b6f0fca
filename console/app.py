"""The operator console: a Textual app that speaks only to the daemon's control socket."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Protocol

import anyio
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from console.format import utcnow
from console.screens.confirm import ConfirmScreen
from console.screens.help import HelpScreen
from console.screens.jobs import JobsScreen
from console.screens.logs import LogsScreen
from console.screens.overview import OverviewScreen
from console.screens.tieout import TieoutScreen
from daemon.control.client import ControlClient, ControlError

RECONNECT_S = 1.0


class Listener(Protocol):
    def daemon_event(self, event: dict[str, Any]) -> None: ...
    def connection_changed(self, connected: bool) -> None: ...


class ConsoleApp(App[int]):
    CSS_PATH = "console.tcss"
    TITLE = "shopsync"
    MODES: ClassVar[dict[str, Any]] = {
        "overview": OverviewScreen,
        "jobs": JobsScreen,
        "logs": LogsScreen,
        "tieout": TieoutScreen,
    }
    DEFAULT_MODE = "overview"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "switch_mode('overview')", "Overview"),
        Binding("j", "switch_mode('jobs')", "Jobs"),
        Binding("l", "switch_mode('logs')", "Logs"),
        Binding("t", "switch_mode('tieout')", "Tie-out", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit", show=False),
    ]

    def __init__(self, client: Any, *, clock: Callable[[], datetime] = utcnow):
        super().__init__()
        self.client = client
        self.now = clock
        self.listeners: set[Listener] = set()
        self.log_lines: deque[dict[str, Any]] = deque(maxlen=2000)
        self._seen_logs: set[tuple[Any, str]] = set()
        self.connected: bool | None = None  # None until the first answer
        self.last_status: dict[str, Any] = {}  # the overview's latest, for palette commands
        self.reconnects = 0

    def on_mount(self) -> None:
        self.run_worker(self._follow_daemon, name="events", group="events")

    # -- the live stream -------------------------------------------------------------------
    async def _follow_daemon(self) -> None:
        """Follow the event stream forever; when the daemon goes away, retry until it is back."""
        while True:
            try:
                async for event in self.client.events(replay=True):
                    if event.get("type") == "hello":
                        self._set_connected(True)
                    else:
                        self._dispatch(event)
            except ControlError:
                pass
            self._set_connected(False)
            await anyio.sleep(RECONNECT_S)

    def _set_connected(self, connected: bool) -> None:
        before, self.connected = self.connected, connected
        if before == connected:
            return
        if connected and before is False:
            self.reconnects += 1
            self.notify("Reconnected to the daemon", title="shopsync")
        elif not connected:
            self.notify("Lost the daemon; reconnecting…", severity="warning", timeout=5)
        self.sub_title = "" if connected else "disconnected — reconnecting"
        for listener in list(self.listeners):
            listener.connection_changed(connected)

    def _dispatch(self, event: dict[str, Any]) -> None:
        if event.get("type") == "log":
            mark = (event.get("ts"), str(event.get("message")))
            if mark in self._seen_logs:
                return  # replayed after a reconnect to the same daemon
            if len(self._seen_logs) > 5000:
                self._seen_logs = {(e.get("ts"), str(e.get("message"))) for e in self.log_lines}
            self._seen_logs.add(mark)
            self.log_lines.append(event)
        for listener in list(self.listeners):
            listener.daemon_event(event)

    # -- actions shared by screens ---------------------------------------------------------
    def confirm_and_act(self, question: str, verb: str, job_id: int) -> None:
        """Ask, then retry or cancel one job, and say what happened."""

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_action_call(verb, job_id)

        self.push_screen(ConfirmScreen(question), answered)

    def run_action_call(self, verb: str, *args: Any, **kw: Any) -> None:
        self.run_worker(partial(self._act, verb, *args, **kw), group="actions")

    async def _act(self, verb: str, *args: Any, **kw: Any) -> None:
        try:
            result = await getattr(self.client, verb)(*args, **kw)
        except ControlError as exc:
            self.notify(str(exc), title=f"{verb} refused", severity="error", timeout=8)
            return
        count = result if isinstance(result, int) else result.get("count", 1)
        past = {"retry": "retried", "cancel": "cancelled", "retry_matching": "retried"}
        self.notify(f"{count} job(s) {past.get(verb, verb)}", title="done")
        for listener in list(self.listeners):
            listener.daemon_event({"type": "job", "state": verb})

    def confirm_and_call(self, question: str, verb: str, *args: Any) -> None:
        """Ask, then make any client call (pause, resume, run_now) and say what happened."""

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(partial(self._call, verb, *args), group="actions")

        self.push_screen(ConfirmScreen(question), answered)

    async def _call(self, verb: str, *args: Any) -> None:
        try:
            result = await getattr(self.client, verb)(*args)
        except ControlError as exc:
            self.notify(str(exc), title=f"{verb} refused", severity="error", timeout=8)
            return
        if verb == "run_now":
            self.notify(f"{result['schedule']} enqueued as job {result['job_id']}", title="done")
        else:
            state = "paused" if result.get("paused") else "resumed"
            self.notify(f"flow {result['flow']} {state}", title="done")
        for listener in list(self.listeners):
            listener.daemon_event({"type": "flow"})

    def show_jobs(self, *, state: str = "", kind: str = "") -> None:
        self.switch_mode("jobs")
        screen = self.screen
        if isinstance(screen, JobsScreen):
            screen.set_filters(state=state, kind=kind)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Overview", "Flows, queue, budgets", lambda: self.switch_mode("overview")
        )
        yield SystemCommand("Jobs", "Find and act on jobs", lambda: self.switch_mode("jobs"))
        yield SystemCommand("Logs", "Live log tail", lambda: self.switch_mode("logs"))
        yield SystemCommand(
            "Tie-out", "A day's books, shop against Exact", lambda: self.switch_mode("tieout")
        )
        dead = partial(self.show_jobs, state="dead")
        yield SystemCommand("Dead jobs", "Jobs that need a fix", dead)
        yield SystemCommand("Help", "Keys on every screen", self.action_help)
        for flow in self.last_status.get("flows", []):
            name = flow["name"]
            yield SystemCommand(f"Jobs of {name}", "", partial(self.show_jobs, kind=name))
            if flow["health"] == "paused":
                question = f"Resume flow {name}?"
                yield SystemCommand(
                    f"Resume {name}",
                    flow.get("paused_reason") or "",
                    partial(self.confirm_and_call, question, "resume", name),
                )
            else:
                question = f"Pause flow {name}? Its jobs wait in the queue."
                yield SystemCommand(
                    f"Pause {name}",
                    "Stop claiming its jobs",
                    partial(self.confirm_and_call, question, "pause", name),
                )
        for schedule in self.last_status.get("schedules") or []:
            name = str(schedule.get("name"))
            yield SystemCommand(
                f"Run {name} now",
                "Enqueue the schedule's job",
                partial(self.confirm_and_call, f"Run schedule {name} now?", "run_now", name),
            )


def run_console(socket: Path) -> int:
    """`shopsync console`: run until the operator quits."""

    async def main() -> int:
        async with ControlClient(socket) as client:
            return await ConsoleApp(client).run_async() or 0

    return anyio.run(main)
