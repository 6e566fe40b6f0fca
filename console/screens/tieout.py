"""The tie-out screen: one day's books side by side, shop against Exact, and each difference
with its reason and the job or document to open. Reads only `GET /tieout` of the control API."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Footer, Header, Input, Static

from console.screens.base import LiveScreen
from daemon.control.client import ControlError

REASON_STYLE = {
    "unexplained": "bold red",
    "changed_in_exact": "yellow",
    "not_yet_booked": "cyan",
    "booked_on_another_day": "cyan",
    "rounding": "dim",
    "unmapped": "magenta",
}


class TieoutScreen(LiveScreen):
    BINDINGS: ClassVar[list[BindingType]] = [("d", "ask_date", "Day")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading the last tie-out…", id="tieout-summary")
        yield Input(placeholder="a day YYYY-MM-DD, enter to tie it out now", id="tieout-date")
        yield DataTable(id="tieout-totals", cursor_type="none")
        yield DataTable(id="tieout-differences", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.title = "shopsync · tie-out"
        totals = self.query_one("#tieout-totals", DataTable)
        totals.add_columns("currency", "", "shop", "Exact", "difference")
        diffs = self.query_one("#tieout-differences", DataTable)
        diffs.add_columns("reason", "document", "amount", "what to open / why")
        self.reload()

    async def load(self, day: str | None = None) -> None:
        try:
            report = await self.console.client.tieout(day)
        except ControlError as exc:
            self.query_one("#tieout-summary", Static).update(str(exc))
            return
        self.show(report)

    def show(self, report: dict[str, Any]) -> None:
        docs = report.get("documents", {})
        unexplained = report.get("unexplained", 0)
        verdict = (
            Text("ties out to the cent", style="green")
            if not report.get("differences")
            else Text(
                f"{unexplained} unexplained ({report.get('unexplained_amount', '0.00')})",
                style="bold red" if unexplained else "yellow",
            )
        )
        summary = Text(
            f"{report.get('date')} ({report.get('timezone', '?')}): "
            f"{docs.get('expected', 0)} documents expected, {docs.get('in_exact', 0)} in Exact — "
        )
        summary.append_text(verdict)
        self.query_one("#tieout-summary", Static).update(summary)
        totals = self.query_one("#tieout-totals", DataTable)
        totals.clear()
        for currency, t in report.get("currencies", {}).items():
            for name in ("gross", "net", "vat"):
                shop, exact = t["shop"][name], t["exact"][name]
                diff = f"{float(shop) - float(exact):.2f}"
                totals.add_row(currency, name, shop, exact, diff)
        for currency, t in (report.get("payouts") or {}).get("currencies", {}).items():
            totals.add_row(currency, "payouts", t["shop"], t["exact"], t["difference"])
        diffs = self.query_one("#tieout-differences", DataTable)
        diffs.clear()
        for d in report.get("differences", []):
            reason = Text(d["reason"], style=REASON_STYLE.get(d["reason"], ""))
            diffs.add_row(reason, d["ref"], f"{d['amount']} {d['currency']}", d["detail"])

    def action_ask_date(self) -> None:
        self.query_one("#tieout-date", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        try:
            day = dt.date.fromisoformat(text).isoformat()
        except ValueError:
            self.notify(f"{text!r} is not a day (YYYY-MM-DD)", severity="error")
            return
        self.query_one("#tieout-summary", Static).update(f"tying out {day}…")
        self.run_worker(self.load(day), group="load")
