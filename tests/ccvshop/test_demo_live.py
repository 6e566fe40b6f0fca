"""`shopsync demo --platform ccvshop --headless --json` ends in sync with no dead job."""

from __future__ import annotations

import json
import sys

import anyio
import pytest

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_ccv_demo_ends_in_sync_with_no_dead_jobs(tmp_path):
    result = await anyio.run_process(
        [
            sys.executable,
            "-m",
            "daemon.cli",
            "demo",
            "--platform",
            "ccvshop",
            "--headless",
            "--json",
            "--products",
            "8",
            "--dir",
            str(tmp_path),
        ],
        check=False,
    )
    report = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert result.returncode == 0, (report, result.stderr.decode()[-2000:])
    assert report["in_sync"] is True and report["dead"] == 0
    assert report["invoices"] == 8 and report["credit_notes"] == 2  # a cancel and a return
    assert 0 < report["calls"]["ccvshop"] < 100  # two reads an order, three lists a scan
