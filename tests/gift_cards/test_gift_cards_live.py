"""Gift cards end to end: sandbox cards become Exact liability entries, once, over real sockets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.flows.gift_cards.apply import ENTITY
from daemon.flows.orders.jobs import EXPORT_KIND
from tests.payouts.sandboxes import Env, ledger_env

pytestmark = pytest.mark.anyio
D = Decimal


async def import_cards(env: Env) -> dict:
    await env.services.queue.enqueue("gift_cards.import", "gift_cards:test", {})
    return await env.run_jobs()


async def journal(env: Env) -> list[tuple[str, list[tuple[str, Decimal]]]]:
    """Each journal entry as (reference, [(GL code, amount)])."""
    out = []
    for e in (await env.exact_state())["journal_entries"]:
        lines = e["GeneralJournalEntryLines"]
        ref = lines[0]["Description"].split(" ", 1)[0]
        out.append((ref, [(ln["GLAccountCode"], D(str(ln["AmountFC"]))) for ln in lines]))
    return out


def number(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


async def test_issued_card_is_booked_once_and_its_rest_released_once_when_disabled(tmp_path):
    async with ledger_env(tmp_path) as env:
        issued = await env.shopify_control("POST", "/gift_cards", {"amount": "40.00"})
        card = number(issued["gift_card_id"])
        jobs = await import_cards(env)
        assert set(jobs) == {"succeeded"}, jobs
        assert await journal(env) == [
            (f"GC{card}I:", [("4600", D("40.00")), ("1800", D("-40.00"))])
        ]

        # Spent 15.00 of it on an order, then the merchant disables it: 25.00 is released.
        sku = env.shopify_sandbox.state.catalogue.products[0].sku
        await env.shopify_control(
            "POST",
            "/orders",
            {
                "lines": [{"sku": sku, "quantity": 1, "price": "15.00"}],
                "gift_card_payment": {"gift_card_id": issued["gift_card_id"], "amount": "15.00"},
            },
        )
        await env.shopify_control("POST", f"/gift_cards/{card}/disable")
        await import_cards(env)
        await import_cards(env)  # and again: nothing new
        entries = await journal(env)
        assert len(entries) == 2
        assert entries[1] == (f"GC{card}X:", [("1800", D("25.00")), ("8900", D("-25.00"))])
        link = await env.services.links.get(ENTITY, issued["gift_card_id"])
        assert (link.data["redeemed"], link.data["released"]) == ("15.00", "25.00")

        # Crash between posting and linking: Exact's entries are found by reference instead.
        await env.services.db.execute_write("DELETE FROM links")
        await env.services.db.execute_write("DELETE FROM cursors")
        await import_cards(env)
        assert len(await journal(env)) == 2


async def test_a_card_sold_in_an_order_is_linked_to_the_orders_booking_when_it_appears(tmp_path):
    async with ledger_env(tmp_path) as env:
        made = await env.shopify_control(
            "POST", "/orders", {"lines": [{"gift_card": True, "amount": "25.00"}]}
        )
        [card_gid] = made["gift_card_ids"]
        await import_cards(env)  # the orders flow has not exported the order yet
        link = await env.services.links.get(ENTITY, card_gid)
        assert link.data["origin"] == "order" and "order_link" not in link.data
        assert await journal(env) == []  # the order's invoice carries the liability

        order_data = {"lines": [{"kind": "gift_card", "gross": "25.00", "item": "GIFTCARD"}]}
        await env.services.links.put("order", f"{made['order_id']}:AMS", "so-guid", data=order_data)
        await env.services.queue.enqueue(
            "gift_cards.sync", f"gift_card:{number(card_gid)}:sync", {"id": card_gid}
        )
        await env.run_jobs()
        link = await env.services.links.get(ENTITY, card_gid)
        assert link.data["order_link"] == ["so-guid"] and link.exact_id == "so-guid"
        assert await journal(env) == []


async def test_a_sold_card_the_order_booked_too_little_for_goes_dead_with_the_reason(tmp_path):
    async with ledger_env(tmp_path) as env:
        made = await env.shopify_control(
            "POST", "/orders", {"lines": [{"gift_card": True, "amount": "25.00"}]}
        )
        order_data = {"lines": [{"kind": "gift_card", "gross": "20.00"}]}
        await env.services.links.put("order", f"{made['order_id']}:AMS", "so-guid", data=order_data)
        jobs = await import_cards(env)
        [dead] = jobs["dead"]
        assert "booked 20.00 EUR of gift cards, less than this card's 25.00 EUR" in dead.last_error
        assert dead.hint


async def test_cards_older_than_the_integration_are_left_alone(tmp_path):
    async with ledger_env(tmp_path, gift_cards={"start_date": "2099-01-01"}) as env:
        await env.shopify_control("POST", "/gift_cards", {"amount": "40.00"})
        jobs = await import_cards(env)
        assert [j.kind for j in jobs["succeeded"]] == ["gift_cards.import", "gift_cards.reconcile"]
        assert await journal(env) == []


async def test_a_sold_card_whose_order_is_still_being_exported_waits_instead_of_dying(tmp_path):
    # A multi-location order books one document per location: between the first and the last
    # the card's order shows too little gift card. That is timing, not a wrong booking.
    async with ledger_env(tmp_path) as env:
        made = await env.shopify_control(
            "POST", "/orders", {"lines": [{"gift_card": True, "amount": "25.00"}]}
        )
        [card_gid] = made["gift_card_ids"]
        order_data = {"lines": [{"kind": "gift_card", "gross": "20.00"}]}
        await env.services.links.put("order", f"{made['order_id']}:AMS", "so-guid", data=order_data)
        await env.services.queue.enqueue(
            EXPORT_KIND, f"order:{number(made['order_id'])}", {}, delay=3600
        )
        jobs = await import_cards(env)
        assert "dead" not in jobs, [j.last_error for j in jobs["dead"]]
        link = await env.services.links.get(ENTITY, card_gid)
        assert "order_link" not in link.data  # checked again on the next run
