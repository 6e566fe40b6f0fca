"""Exact books a document and the answer is lost: the retry finds it, never posts it twice.

The Exact sandbox's `drop_after_commit_rate` fault commits the write, then cuts the connection
before the answer: to the client this looks exactly like a write that never arrived. Only the
intent journal (state/intents.py) tells the retry that the write may have landed.
"""

from __future__ import annotations

from collections import Counter

import pytest

from connectors.errors import TransientError
from daemon.flows.orders.facts import read_order
from daemon.flows.orders.jobs import run_fulfilment, sync_order
from daemon.flows.refunds.jobs import credit_refund
from tests.orders.conftest import order_env

pytestmark = pytest.mark.anyio
ORDER = {
    "lines": [{"sku": "SKU-00001", "quantity": 2}, {"sku": "SKU-00002", "quantity": 1}],
    "customer": {"email": "dropped@example.com", "first_name": "Dirk", "last_name": "Drop"},
    "shipping": {"title": "Standard", "price": "4.95"},
}


class Job:
    def __init__(self, payload: dict) -> None:
        self.payload = payload


async def _until_done(env, step, *, tries: int = 12) -> int:
    """Run `step` with every write's answer lost until it gets through; answer the failures."""
    failures = 0
    for _ in range(tries):
        try:
            await step()
            return failures
        except TransientError:
            failures += 1
    raise AssertionError(f"still failing after {tries} attempts")


async def _drop(env, rate: float) -> None:
    await env.exact_control("POST", "faults", {"drop_after_commit_rate": rate})


async def test_every_document_is_booked_once_when_exact_answers_are_lost_after_commit(tmp_path):
    async with order_env(tmp_path) as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        order_id = made["order_id"]
        await _drop(env, 0.5)  # half the writes: committed in Exact, answer lost
        lost = await _until_done(env, lambda: sync_order(env.services, order_id))
        await env.shop_control("POST", f"/orders/{order_id}/fulfil", {})
        _, facts = await read_order(env.services.shopify, order_id)
        job = Job(dict(facts.fulfillments[0]))
        lost += await _until_done(env, lambda: run_fulfilment(env.services, job))
        refund = await env.shop_control(
            "POST",
            f"/orders/{order_id}/refunds",
            {"lines": [{"sku": "SKU-00001", "quantity": 1, "restock": True}]},
        )
        lost += await _until_done(
            env, lambda: credit_refund(env.services, refund["refund_id"], order_id)
        )
        await _drop(env, 0)
        # Nothing is left to do: a second run of each books nothing more.
        await sync_order(env.services, order_id)
        await run_fulfilment(env.services, job)
        await credit_refund(env.services, refund["refund_id"], order_id)
        state = await env.exact_state()
        open_intents = await env.services.db.fetchone(
            "SELECT count(*) FROM intents WHERE outcome IS NULL"
        )

    assert state["dropped_after_commit"] > 0 and lost > 0  # the fault did strike
    assert len(state["accounts"]) == len({a["ID"] for a in state["accounts"]})
    assert Counter(a.get("Email") for a in state["accounts"])["dropped@example.com"] == 1
    assert [d["YourRef"] for d in state["sales_orders"]] == [f"{made['order_name']}/AMS"]
    assert len(state["goods_deliveries"]) == 1
    assert len(state["credit_notes"]) == 1
    descriptions = Counter(
        ln["Description"]
        for entry in state["journal_entries"]
        for ln in entry.get("GeneralJournalEntryLines") or []
    )
    assert len(state["journal_entries"]) == 2  # the payment and the refund, once each
    assert all(n == 2 for n in descriptions.values()), descriptions  # two lines per entry
    assert open_intents[0] == 0  # every doubt was settled by a search


async def test_without_a_lost_answer_no_reference_search_is_spent(tmp_path):
    async with order_env(tmp_path) as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        before = dict(env.exact_sandbox.store.calls)
        await sync_order(env.services, made["order_id"])
        calls = Counter(env.exact_sandbox.store.calls) - Counter(before)
        state = await env.exact_state()
    assert len(state["sales_orders"]) == 1
    # One POST each, no GET by YourRef/Description before it.
    assert calls["salesorder/SalesOrders"] == 1
    assert calls["generaljournalentry/GeneralJournalEntryLines"] == 0
    assert calls["generaljournalentry/GeneralJournalEntries"] == 1
