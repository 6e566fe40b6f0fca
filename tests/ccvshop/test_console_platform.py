"""The console names the shop platform when the daemon serves a CCV shop."""

from __future__ import annotations

from typing import Any

import pytest

from console.app import ConsoleApp
from tests.console.fake_client import FakeControlClient
from tests.console.helpers import until

pytestmark = pytest.mark.anyio


class CcvStatusClient(FakeControlClient):
    async def status(self) -> dict[str, Any]:
        return await super().status() | {"platform": "ccvshop"}


@pytest.mark.parametrize(("client", "shown"), [(CcvStatusClient, True), (FakeControlClient, False)])
async def test_overview_subtitle_names_a_ccv_shop(client, shown):
    app = ConsoleApp(client())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "up " in (app.screen.sub_title or ""))
        assert ("CCV Shop" in app.screen.sub_title) is shown
