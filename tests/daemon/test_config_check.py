"""`shopsync config check` against live (sandbox) APIs: every named code must exist."""

from __future__ import annotations

import subprocess
import sys

import anyio
import pytest

from daemon.config import load_settings
from daemon.config_check import missing, references
from daemon.demo import demo_stack

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def _check(config) -> subprocess.CompletedProcess[str]:
    return await anyio.to_thread.run_sync(
        lambda: subprocess.run(
            [sys.executable, "-m", "daemon.cli", "config", "check", "-c", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    )


async def test_a_config_that_matches_both_apis_passes_and_a_wrong_one_names_its_keys(tmp_path):
    async with demo_stack(tmp_path / "demo", products=5) as stack:
        good = await _check(stack.config)
        assert good.returncode == 0, good.stderr
        assert "live check ok" in good.stdout
        text = stack.config.read_text().replace(
            'default_warehouse = "AMS"', 'default_warehouse = "XYZ"'
        )
        text += '\n[payouts]\npayment_costs_account = "4599"\n'
        bad_config = tmp_path / "bad.toml"
        bad_config.write_text(text)
        bad = await _check(bad_config)
        assert bad.returncode == 1
        assert "mapping.default_warehouse: warehouse 'XYZ' does not exist in Exact" in bad.stderr
        assert "payouts.payment_costs_account: gl account '4599'" in bad.stderr


def test_references_name_the_key_of_every_code(tmp_path):
    from tests.support.daemon_proc import write_config

    settings = load_settings(
        write_config(tmp_path, mapping={"default_warehouse": "AMS", "locations": {"Shop": "RTM"}})
    )
    refs = references(settings)
    assert refs["warehouse"] == {
        "AMS": ["mapping.default_warehouse"],
        "RTM": ['mapping.locations."Shop"'],
    }
    assert refs["shopify_location"] == {"Shop": ['mapping.locations."Shop"']}
    assert missing(refs, {"warehouse": {"AMS"}}) == [
        "mapping.locations.\"Shop\": warehouse 'RTM' does not exist in Exact"
    ]
