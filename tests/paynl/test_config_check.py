"""`shopsync config check` asks Pay. whether the token reads clearings and the groups exist."""

from __future__ import annotations

import pytest

from daemon.config_check import paynl_problems
from daemon.flows.payouts.config import PaynlSettings

pytestmark = pytest.mark.anyio


def settings(**more) -> PaynlSettings:
    return PaynlSettings(at_code="AT-1234-5678", api_token="t", **more)


async def test_a_token_without_the_clearing_permission_is_named_with_the_fix(paynl):
    async with paynl(clearing_permission=False) as run:
        [problem] = await paynl_problems(settings(), run.client)
    assert problem.startswith("paynl: cannot read settlements")
    assert "permission group" in problem


async def test_a_revenue_group_the_merchant_lacks_is_named(paynl):
    async with paynl() as run:
        real = (await run.control("turnover_groups", {"name": "Webshop NL"}))["code"]
        problems = await paynl_problems(
            settings(merchant="M-1234-5678", turnover_groups=[real, "CT-9999-0000"]), run.client
        )
    assert problems == ["paynl.turnover_groups: CT-9999-0000 is not a revenue group of M-1234-5678"]


def test_revenue_groups_need_the_merchant_code():
    with pytest.raises(ValueError, match="merchant"):
        settings(turnover_groups=["CT-1000-0001"])
