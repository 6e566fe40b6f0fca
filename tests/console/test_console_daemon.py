"""The console against a real `shopsync run` process: it survives the daemon restarting."""

from __future__ import annotations

import anyio
import pytest

from console.app import ConsoleApp
from console.widgets.flow_tile import FlowTile
from daemon.control.client import ControlClient
from tests.console.helpers import until
from tests.support.daemon_proc import DaemonProcess, write_config

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_console_says_when_the_daemon_goes_away_and_reconnects_when_it_is_back(tmp_path):
    config = write_config(tmp_path)
    daemon = await anyio.to_thread.run_sync(DaemonProcess(config).start)
    try:
        async with ControlClient(tmp_path / "shopsync.sock") as client:
            app = ConsoleApp(client)
            async with app.run_test(size=(80, 24)) as pilot:
                await until(pilot, lambda: app.connected is True)
                await until(pilot, lambda: len(app.screen.query(FlowTile)) > 0)

                await anyio.to_thread.run_sync(daemon.terminate)
                await until(pilot, lambda: app.connected is False)
                assert "reconnecting" in app.sub_title
                banner = app.screen.query_one("#banner")
                await until(pilot, lambda: banner.display)

                daemon = await anyio.to_thread.run_sync(DaemonProcess(config).start)
                await until(pilot, lambda: app.connected is True)
                assert app.reconnects == 1
                await until(
                    pilot, lambda: any("Reconnected" in n.message for n in app._notifications)
                )
                await until(pilot, lambda: not banner.display)
                await pilot.press("j")  # and it still works
                await until(pilot, lambda: app.screen.query_one("#page").render() != "")
    finally:
        await anyio.to_thread.run_sync(daemon.close)
