"""What every live screen shares: the app's client, its clock, and daemon events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.css.query import NoMatches
from textual.screen import Screen

if TYPE_CHECKING:
    from console.app import ConsoleApp


class LiveScreen(Screen[None]):
    """A screen that hears the daemon's live events while it is mounted."""

    _loading = False
    _dirty = False

    def reload(self) -> None:
        """Load again soon. Never cancels a request in flight (a cancelled read on a Unix
        socket can trip anyio); a burst of events coalesces into one more load."""
        if self._loading:
            self._dirty = True
            return
        self._loading = True
        self.run_worker(self._reload_until_clean, group="load")

    async def _reload_until_clean(self) -> None:
        try:
            while True:
                self._dirty = False
                try:
                    await self.load()
                except NoMatches:
                    if self.is_current:
                        raise  # a widget this screen should have: a bug, not timing
                    # The answer came back after the operator moved to another screen and
                    # this one's widgets were taken down: nothing is left to show it in.
                    return
                if not self._dirty:
                    return
        finally:
            self._loading = False

    async def load(self) -> None:
        """Fetch and show this screen's data."""

    @property
    def console(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    def on_mount(self) -> None:
        self.console.listeners.add(self)

    def on_unmount(self) -> None:
        self.console.listeners.discard(self)

    def daemon_event(self, event: dict[str, Any]) -> None:
        """Called for each event of the stream; screens refresh what it changes."""

    def connection_changed(self, connected: bool) -> None:
        """Called when the daemon goes away or comes back."""
