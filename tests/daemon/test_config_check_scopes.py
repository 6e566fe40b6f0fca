"""`shopsync config check` reads the app's granted access scopes and names each missing one."""

from __future__ import annotations

import pytest

from daemon.demo import demo_stack
from tests.daemon.test_config_check import _check

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_config_check_names_each_missing_scope_with_the_flow_it_blocks(tmp_path):
    async with demo_stack(tmp_path / "demo", products=5) as stack:
        granted = [
            s
            for s in stack.sb.shopify.auth.scopes
            if s not in ("read_gift_cards", "read_shopify_payments_payouts")
        ]
        await stack.http.put("/_sandbox/shopify/auth", json={"scopes": granted})
        result = await _check(stack.config)
    assert result.returncode == 1
    assert (
        "shopify: access scope read_gift_cards is not granted; it blocks gift_cards"
        in result.stderr
    )
    assert (
        "shopify: access scope read_shopify_payments_payouts is not granted; it blocks payouts"
        in result.stderr
    )
    assert "Dev Dashboard" in result.stderr
    assert "read_orders" not in result.stderr  # granted: not named
