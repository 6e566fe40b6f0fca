"""An order paid partly with a gift card, through the real orders flow, redemption and payout."""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.flows.gift_cards.liability import REPORT
from daemon.flows.orders.jobs import export_job
from tests.payouts.sandboxes import ledger_env

pytestmark = pytest.mark.anyio
D = Decimal


def gl_totals(state: dict) -> dict[str, Decimal]:
    """Balance per GL code over every journal and bank entry (debit positive)."""
    out: dict[str, Decimal] = {}
    for e in state["journal_entries"]:
        for ln in e["GeneralJournalEntryLines"]:
            out[ln["GLAccountCode"]] = out.get(ln["GLAccountCode"], D(0)) + D(str(ln["AmountFC"]))
    for e in state["bank_entries"]:
        for ln in e["BankEntryLines"]:  # a bank line is the contra of the bank account
            out[ln["GLAccountCode"]] = out.get(ln["GLAccountCode"], D(0)) - D(str(ln["AmountFC"]))
    return {k: v for k, v in out.items() if v}


def open_amount(state: dict, invoice_number: int) -> Decimal:
    [invoice] = [i for i in state["invoices"] if i["InvoiceNumber"] == invoice_number]
    paid = D(0)
    for e in state["journal_entries"]:
        for ln in e["GeneralJournalEntryLines"]:
            if ln["OurRef"] == invoice_number:
                paid -= D(str(ln["AmountFC"]))  # a credit on the customer pays the invoice
    for e in state["bank_entries"]:
        for ln in e["BankEntryLines"]:
            if ln["OurRef"] == invoice_number:
                paid += D(str(ln["AmountFC"]))
    return D(str(invoice["AmountFC"])) - paid


async def test_the_gift_card_part_settles_the_invoice_from_the_liability_and_the_rest_clears(
    tmp_path,
):
    # Every order to the standard debtor: the orders flow's customer match is not under test.
    orders = {
        "document": "invoice",
        "export_on": "paid",
        "customers": {"mode": "standard_debtor", "standard_debtor": "1"},
    }
    async with ledger_env(tmp_path, orders=orders) as env:
        card = await env.shopify_control("POST", "/gift_cards", {"amount": "40.00"})
        sku = env.shopify_sandbox.state.catalogue.products[0].sku
        order = await env.shopify_control(
            "POST",
            "/orders",
            {
                "lines": [{"sku": sku, "quantity": 1, "price": "60.50"}],
                "email": "bea@example.com",
                "gift_card_payment": {"gift_card_id": card["gift_card_id"], "amount": "40.00"},
            },
        )
        await env.services.queue.enqueue(*export_job(order["order_id"]))
        await env.run_jobs()
        await env.services.queue.enqueue("gift_cards.import", "gift_cards:1", {})
        jobs = await env.run_jobs()
        assert set(jobs) == {"succeeded"}, {k: [j.last_error for j in v] for k, v in jobs.items()}
        await env.shopify_control("POST", "/payouts", {})
        await env.services.queue.enqueue("payouts.import", "payouts:1", {})
        jobs = await env.run_jobs()
        assert set(jobs) == {"succeeded"}, {k: [j.last_error for j in v] for k, v in jobs.items()}

        state = await env.exact_state()
        [invoice] = state["invoices"]
        assert D(str(invoice["AmountFC"])) == D("60.50")
        # Paid: 40.00 by gift card, 20.50 by card. (Counted here from every line naming the
        # invoice: the sandbox's ReceivablesList only counts bank lines, not journal lines.)
        assert open_amount(state, invoice["InvoiceNumber"]) == D("60.50") - D("60.50")
        totals = gl_totals(state)
        assert "1800" not in totals  # issued 40.00, redeemed 40.00: no liability left
        assert "1990" not in totals  # the card payment's clearing is emptied by the payout
        redemption = next(
            e
            for e in state["journal_entries"]
            if e["GeneralJournalEntryLines"][0]["Description"].startswith("GCR")
        )
        credit = redemption["GeneralJournalEntryLines"][1]
        assert (credit["GLAccountCode"], D(str(credit["AmountFC"]))) == ("1300", D("-40.00"))
        assert credit["OurRef"] is not None
        # The orders flow sees the gift card part as one of the order's payments, applied.
        shared = [
            link.data
            for link in await env.services.links.all("order_payment")
            if link.data.get("gateway") == "gift_card"
        ]
        assert shared == [
            {
                "order": order["order_id"],
                "amount": "40.00",
                "account": credit["Account"],
                "applied": "40.00",
                "gateway": "gift_card",
            }
        ]

        # The next import reconciles: Shopify's outstanding balance equals what is booked.
        await env.services.queue.enqueue("gift_cards.import", "gift_cards:2", {})
        await env.run_jobs()
        report = env.services.extras[REPORT]
        assert report["shopify_outstanding"] == report["ledger_liability"]
        assert D(report["difference"]) == 0 and report["cards"] == 1
