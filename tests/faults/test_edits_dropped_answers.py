"""Edits, a refund and a cancel while Exact loses half its answers after committing: once each."""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.flows.orders.jobs import sync_order
from daemon.flows.refunds.jobs import credit_refund
from tests.faults.test_dropped_answers import ORDER, _drop, _until_done
from tests.orders.conftest import order_env

pytestmark = pytest.mark.anyio
EDIT = {"lines": [{"sku": "SKU-00001", "quantity": 1}, {"sku": "SKU-00003", "quantity": 2}]}


@pytest.mark.parametrize("document", ["invoice", "salesorder"])
async def test_edit_refund_and_cancel_book_once_when_answers_are_lost(tmp_path, document):
    async with order_env(tmp_path, document=document) as env:
        made = await env.shop_control("POST", "/orders", ORDER)
        oid, name = made["order_id"], made["order_name"]
        await sync_order(env.services, oid)
        await _drop(env, 0.5)
        await env.shop_control("POST", f"/orders/{oid}/edit", EDIT)
        lost = await _until_done(env, lambda: sync_order(env.services, oid))
        refund = await env.shop_control(
            "POST", f"/orders/{oid}/refunds", {"lines": [{"sku": "SKU-00003", "quantity": 1}]}
        )
        lost += await _until_done(
            env, lambda: credit_refund(env.services, refund["refund_id"], oid)
        )
        cancelled = await env.shop_control("POST", f"/orders/{oid}/cancel", {"refund": True})
        lost += await _until_done(
            env, lambda: credit_refund(env.services, cancelled["refund_id"], oid)
        )
        lost += await _until_done(env, lambda: sync_order(env.services, oid))
        await _drop(env, 0)
        await sync_order(env.services, oid)
        state = await env.exact_state()
    assert state["dropped_after_commit"] > 0 and lost > 0
    refs = [d["YourRef"] for d in state["invoices"] + state["credit_notes"]]
    assert len(refs) == len(set(refs)), refs  # no document twice
    if document == "invoice":
        rid = refund["refund_id"].rsplit("/", 1)[-1]
        want = [f"{name}/AMS", f"{name}/AMS/E1+", f"{name}/AMS/E1-", f"{name}/AMS/C"]
        assert sorted(refs) == sorted([*want, f"{name}/R{rid}/AMS"])
        # Everything invoiced is credited: the cancel leaves nothing owed either way.
        total = sum((Decimal(str(d["AmountFC"])) for d in state["invoices"]), Decimal(0))
        total += sum((Decimal(str(d["AmountFC"])) for d in state["credit_notes"]), Decimal(0))
        assert total == 0
    else:
        assert state["sales_orders"] == []
    entries = [e["GeneralJournalEntryLines"][0]["Description"] for e in state["journal_entries"]]
    assert len(entries) == len(set(entries)), entries  # each payment and refund entry once
