"""The jobs screen: a filterable, searchable table of jobs that follows the daemon live."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Static

from console.format import STATE_STYLE, ago
from console.screens.base import LiveScreen
from console.screens.confirm import ConfirmScreen
from daemon.control.client import ControlError

STATES = ["", "dead", "retrying", "queued", "running", "succeeded", "cancelled"]
PAGE = 50


class JobsScreen(LiveScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search"),
        Binding("s", "cycle_state", "State"),
        Binding("enter", "open", "Open", show=False),
        Binding("r", "retry", "Retry"),
        Binding("c", "cancel", "Cancel"),
        Binding("R", "retry_matching", "Retry all"),
        Binding("x", "clear_filters", "Clear", show=False),
        Binding("n", "page(1)", "Next", show=False),
        Binding("p", "page(-1)", "Prev", show=False),
        Binding("escape", "focus_table", "Table", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.state_filter = ""
        self.kind_filter = ""
        self.page_offset = 0
        self.total = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Input(placeholder="search key, order name, SKU…  (/)", id="search")
            yield Static("", id="state-filter")
        yield DataTable(id="jobs", cursor_type="row", zebra_stripes=True)
        yield Static("", id="page")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.title = "shopsync · jobs"
        table = self.query_one(DataTable)
        table.add_column("ID", key="id", width=6)
        table.add_column("State", key="state", width=9)
        table.add_column("Kind", key="kind", width=16)
        table.add_column("Key", key="key", width=22)
        table.add_column("Try", key="try", width=5)
        table.add_column("Error", key="error")
        self._show_filter()
        table.focus()
        self.reload()

    # -- loading ---------------------------------------------------------------------------
    async def load(self) -> None:
        search = self.query_one("#search", Input).value
        try:
            page = await self.console.client.jobs(
                state=self.state_filter or None,
                kind=self.kind_filter or None,
                q=search or None,
                limit=PAGE,
                offset=self.page_offset,
            )
        except ControlError as exc:
            self.query_one("#page", Static).update(f"[red]{exc}[/]")
            return
        self.show_page(page)

    def show_page(self, page: dict[str, Any]) -> None:
        table = self.query_one(DataTable)
        selected = self.selected_id()
        table.clear()
        for job in page["jobs"]:
            table.add_row(
                str(job["id"]),
                Text(job["state"], style=STATE_STYLE.get(job["state"], "")),
                job["kind"],
                job["key"],
                f"{job['attempts']}/{job['max_attempts']}",
                (job["last_error"] or job.get("outcome") or "").replace("\n", " "),
                key=str(job["id"]),
            )
        if selected is not None and str(selected) in table.rows:
            table.move_cursor(row=table.get_row_index(str(selected)))
        self.total = page["total"]
        first = page["offset"] + 1 if page["jobs"] else 0
        updated = ago(page["jobs"][0]["updated_at"], self.console.now()) if page["jobs"] else ""
        self.query_one("#page", Static).update(
            f"{first}-{page['offset'] + len(page['jobs'])} of {page['total']}"
            + (f" · newest changed {updated}" if updated else "")
        )

    def selected_id(self) -> int | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(row_key.value) if row_key.value else None

    def daemon_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "job":
            self.reload()

    def connection_changed(self, connected: bool) -> None:
        if connected:
            self.reload()

    # -- filters ---------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        self.page_offset = 0
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one(DataTable).focus()

    def action_cycle_state(self) -> None:
        self.state_filter = STATES[(STATES.index(self.state_filter) + 1) % len(STATES)]
        self.page_offset = 0
        self._show_filter()
        self.reload()

    def set_filters(self, *, state: str = "", kind: str = "") -> None:
        """Show jobs in `state` of flow or kind `kind` ("" = any)."""
        self.state_filter, self.kind_filter = state, kind
        self.page_offset = 0
        if not self.is_mounted:
            return  # just switched to: on_mount shows the filter and loads
        self._show_filter()
        self.reload()

    def action_clear_filters(self) -> None:
        self.query_one("#search", Input).value = ""
        self.set_filters()

    def _show_filter(self) -> None:
        text = f"state: {self.state_filter or 'all'} (s)"
        if self.kind_filter:
            text = f"{self.state_filter or 'all'} · {self.kind_filter} (x)"
        self.query_one("#state-filter", Static).update(text)

    def action_page(self, step: int) -> None:
        offset = self.page_offset + step * PAGE
        if 0 <= offset < max(self.total, 1):
            self.page_offset = offset
            self.reload()

    # -- acting ----------------------------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        from console.screens.job import JobScreen

        job_id = self.selected_id()
        if job_id is not None:
            self.app.push_screen(JobScreen(job_id))

    def action_retry(self) -> None:
        job_id = self.selected_id()
        if job_id is not None:
            self.console.confirm_and_act(f"Retry job {job_id} now?", "retry", job_id)

    def action_cancel(self) -> None:
        job_id = self.selected_id()
        if job_id is not None:
            self.console.confirm_and_act(f"Cancel job {job_id}?", "cancel", job_id)

    def action_retry_matching(self) -> None:
        if not self.state_filter:
            self.notify("Pick a state first (s): retry-all acts on a filter", severity="warning")
            return
        scope = f" of {self.kind_filter}" if self.kind_filter else ""
        question = f"Retry every {self.state_filter} job{scope}?"
        self.app.push_screen(ConfirmScreen(question), self._retry_matching)

    def _retry_matching(self, yes: bool | None) -> None:
        if yes:
            filters = {"state": self.state_filter}
            if self.kind_filter:
                filters["kind" if "." in self.kind_filter else "flow"] = self.kind_filter
            self.console.run_action_call("retry_matching", **filters)
