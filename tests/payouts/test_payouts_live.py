"""Payouts end to end: sandbox payouts become Exact bank entries, once, over real sockets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.exact.odata import eq
from daemon.flows.payouts.apply import ENTITY
from tests.payouts.sandboxes import Env, ledger_env

pytestmark = pytest.mark.anyio
D = Decimal


async def open_invoice(env: Env, your_ref: str, amount: Decimal) -> int:
    """An open sales invoice in Exact, as the orders flow leaves it (VAT-free for easy sums)."""
    exact = env.services.exact
    account = (await exact.get("crm/Accounts", filter=eq("Code", "1".rjust(18)), select=["ID"]))[0][
        "ID"
    ]
    item = (await exact.get("logistics/Items", filter=eq("Code", "SHIPPING"), select=["ID"]))[0]
    invoice = await exact.post(
        "salesinvoice/SalesInvoices",
        {
            "Journal": "70",
            "OrderedBy": account,
            "YourRef": your_ref,
            "SalesInvoiceLines": [
                {"Item": item["ID"], "Quantity": 1, "NetPrice": amount, "VATCode": "0"}
            ],
        },
    )
    return int(invoice["InvoiceNumber"])


async def paid_order(env: Env) -> tuple[str, Decimal]:
    sku = env.shopify_sandbox.state.catalogue.products[0].sku
    made = await env.shopify_control(
        "POST", "/orders", {"lines": [{"sku": sku, "quantity": 2}], "email": "ann@example.com"}
    )
    order = env.shopify_sandbox.state.orders[int(made["order_id"].rsplit("/", 1)[-1])]
    charge = next(
        t for t in env.shopify_sandbox.state.balance_txs.values() if t.order_id == order.id
    )
    return made["order_name"], charge.amount


async def import_payouts(env: Env) -> dict:
    await env.services.queue.enqueue("payouts.import", "payouts:test", {})
    return await env.run_jobs()


async def bank_entries(env: Env) -> list[dict]:
    return (await env.exact_state())["bank_entries"]


async def test_a_payout_becomes_one_bank_entry_matching_the_invoice_and_is_never_booked_twice(
    tmp_path,
):
    # Without the orders flow's prepayments the payout is what pays the invoice.
    async with ledger_env(tmp_path, orders={"prepayments": False}) as env:
        name, charged = await paid_order(env)
        invoice = await open_invoice(env, f"{name}/AMS", charged)
        other, _ = await paid_order(env)  # no invoice in Exact: unassigned
        made = await env.shopify_control(
            "POST",
            "/payouts",
            {
                "transactions": [
                    {"type": "DISPUTE_WITHDRAWAL", "amount": "-25.00"},
                    {"type": "RESERVED_FUNDS", "amount": "-10.00"},
                    {"type": "ADJUSTMENT", "amount": "-0.37", "reason": "rounding"},
                ]
            },
        )
        jobs = await import_payouts(env)
        assert set(jobs) == {"succeeded"}, jobs

        [entry] = await bank_entries(env)
        lines = entry["BankEntryLines"]
        assert entry["JournalCode"] == "20"
        assert sum(D(str(ln["AmountFC"])) for ln in lines) == D(made["net"])
        receipt = next(ln for ln in lines if ln["OurRef"] == invoice)
        assert D(str(receipt["AmountFC"])) == charged and receipt["AccountCode"] is not None
        by_gl = {ln["GLAccountCode"] for ln in lines}
        assert by_gl == {"1300", "1990", "1960", "1950", "8990", "4500"}
        assert any(other in (ln["Description"] or "") for ln in lines)
        receivables = await env.services.exact.get("read/financial/ReceivablesList")
        assert invoice not in [r["InvoiceNumber"] for r in receivables]  # paid in full

        # Again: the link says booked, nothing is even enqueued.
        again = await import_payouts(env)
        assert [j.kind for j in again["succeeded"]].count("payouts.book") == 1
        assert len(await bank_entries(env)) == 1

        # Crash between "posted" and "linked": the link is gone, Exact's lines are found.
        await env.services.db.execute_write("DELETE FROM links WHERE entity = ?", (ENTITY,))
        await env.services.db.execute_write("DELETE FROM cursors")
        await import_payouts(env)
        assert len(await bank_entries(env)) == 1
        link = await env.services.links.get(ENTITY, made["payout_id"])
        assert link is not None and link.exact_id == entry["EntryID"]


async def test_a_booked_payout_that_fails_is_reversed_once(tmp_path):
    async with ledger_env(tmp_path, payouts={"statuses": ["PAID", "IN_TRANSIT"]}) as env:
        await paid_order(env)
        made = await env.shopify_control("POST", "/payouts", {"status": "IN_TRANSIT"})
        await import_payouts(env)
        assert len(await bank_entries(env)) == 1

        payout_id = int(made["payout_id"].rsplit("/", 1)[-1])
        env.shopify_sandbox.state.payouts[payout_id].status = "FAILED"
        await import_payouts(env)
        await import_payouts(env)
        booked, reversal = await bank_entries(env)
        # The reversal opens where the payout's entry closed (Exact chains bank statements).
        assert D(str(reversal["OpeningBalanceFC"])) == D(str(booked["ClosingBalanceFC"]))
        assert D(str(reversal["ClosingBalanceFC"])) == D(str(booked["ClosingBalanceFC"])) - D(
            made["net"]
        )
        [line] = reversal["BankEntryLines"]
        assert line["GLAccountCode"] == "1950" and line["Description"].startswith("SP")
        link = await env.services.links.get(ENTITY, made["payout_id"])
        assert link.data["reversal_id"] == reversal["EntryID"]


async def test_with_prepayments_the_payout_clears_the_clearing_account_instead(tmp_path):
    async with ledger_env(tmp_path) as env:  # orders.prepayments is on by default
        name, charged = await paid_order(env)
        invoice = await open_invoice(env, f"{name}/AMS", charged)
        await env.shopify_control("POST", "/payouts", {})
        await import_payouts(env)
        [entry] = await bank_entries(env)
        assert {ln["GLAccountCode"] for ln in entry["BankEntryLines"]} == {"1990", "4500"}
        assert all(ln["OurRef"] != invoice for ln in entry["BankEntryLines"])


async def test_payouts_in_other_currencies_or_not_yet_paid_are_left_alone(tmp_path):
    async with ledger_env(tmp_path, payouts={"currencies": ["USD"]}) as env:
        await paid_order(env)
        await env.shopify_control("POST", "/payouts", {})
        await import_payouts(env)
        assert await bank_entries(env) == []
    async with ledger_env(tmp_path / "b") as env:
        await paid_order(env)
        await env.shopify_control("POST", "/payouts", {"status": "IN_TRANSIT"})
        await import_payouts(env)
        assert await bank_entries(env) == []


async def test_a_payout_that_does_not_add_up_goes_dead_with_the_difference(tmp_path):
    async with ledger_env(tmp_path) as env:
        await paid_order(env)
        made = await env.shopify_control("POST", "/payouts", {})
        payout_id = int(made["payout_id"].rsplit("/", 1)[-1])
        env.shopify_sandbox.state.payouts[payout_id].net += D("1.00")  # Shopify disagrees
        jobs = await import_payouts(env)
        [dead] = jobs["dead"]
        assert dead.kind == "payouts.book"
        assert "off by 1.00 EUR" in dead.last_error and "CHARGE" in dead.last_error
        assert await bank_entries(env) == []


async def test_payouts_booked_at_once_chain_their_balances_without_a_refused_call(tmp_path):
    """Each bank entry opens at the journal's last closing balance. Three payout jobs run
    together (worker concurrency 4, every Exact call slowed so reads and posts interleave):
    the per-journal lock keeps them from reading the same balance, so Exact refuses none."""
    async with ledger_env(tmp_path) as env:
        made = []
        for _ in range(3):
            await paid_order(env)
            made.append(await env.shopify_control("POST", "/payouts", {}))
        env.exact_sandbox.faults.update({"latency_ms": 40})
        jobs = await import_payouts(env)
        assert set(jobs) == {"succeeded"}, jobs
        entries = sorted(await bank_entries(env), key=lambda e: e["EntryNumber"])
        assert len(entries) == 3
        balance = D(0)
        for entry in entries:
            assert D(str(entry["OpeningBalanceFC"])) == balance
            balance = D(str(entry["ClosingBalanceFC"]))
        assert balance == sum(D(m["net"]) for m in made)
        state = await env.exact_state()
        assert state["errors"].get("financialtransaction/BankEntries", 0) == 0, state["errors"]
