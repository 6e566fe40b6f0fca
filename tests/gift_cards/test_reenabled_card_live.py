"""An expired card whose balance was released, then made valid again, is a liability again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from daemon.flows.gift_cards.liability import reconcile_liability
from tests.gift_cards.test_gift_cards_live import import_cards, journal, number
from tests.payouts.sandboxes import ledger_env

pytestmark = pytest.mark.anyio
D = Decimal


async def test_a_card_made_valid_again_books_its_released_balance_back_once(tmp_path):
    later = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    async with ledger_env(tmp_path) as env:
        issued = await env.shopify_control("POST", "/gift_cards", {"amount": "40.00"})
        card = number(issued["gift_card_id"])
        await import_cards(env)
        await env.shopify_control("POST", f"/gift_cards/{card}/expire")
        await import_cards(env)
        # The merchant moves the expiry date on (giftCardUpdate expiresOn): valid again.
        await env.shopify_control("POST", f"/gift_cards/{card}/extend", {"expires_on": later})
        await import_cards(env)
        await import_cards(env)  # nothing twice
        entries = await journal(env)
        assert [ref for ref, _ in entries] == [f"GC{card}I:", f"GC{card}X:", f"GC{card}E1:"]
        assert entries[2][1] == [("8900", D("40.00")), ("1800", D("-40.00"))]
        report = await reconcile_liability(env.services)
        assert (report["shopify_outstanding"], report["difference"]) == ("40.00", "0.00")

        # A crash that lost our record: the entries are found in Exact, nothing is booked again.
        await env.services.db.execute_write("DELETE FROM links")
        await env.services.db.execute_write("DELETE FROM cursors")
        await import_cards(env)
        assert len(await journal(env)) == 3

        # It expires again: released again, under its own reference.
        await env.shopify_control("POST", f"/gift_cards/{card}/expire")
        await import_cards(env)
        entries = await journal(env)
        assert [ref for ref, _ in entries][3:] == [f"GC{card}X2:"]
        report = await reconcile_liability(env.services)
        assert (report["shopify_outstanding"], report["difference"]) == ("0", "0.00")


async def test_the_sandbox_refuses_to_re_enable_a_deactivated_card(tmp_path):
    async with ledger_env(tmp_path) as env:
        issued = await env.shopify_control("POST", "/gift_cards", {"amount": "10.00"})
        card = number(issued["gift_card_id"])
        await env.shopify_control("POST", f"/gift_cards/{card}/disable")
        with pytest.raises(httpx.HTTPStatusError) as err:
            await env.shopify_control(
                "POST", f"/gift_cards/{card}/extend", {"expires_on": "2030-01-01"}
            )
    assert err.value.response.status_code == 422
    assert "cannot be re-enabled" in err.value.response.text
