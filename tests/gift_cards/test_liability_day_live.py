"""The mixed gift-card day of issue #23 through the control routes and a running daemon."""

from __future__ import annotations

from decimal import Decimal

import anyio
import pytest

from daemon.cli.control import render_status
from daemon.config import load_settings
from daemon.control.client import ControlClient
from daemon.demo import demo_stack, wait_settled
from daemon.flows.gift_cards.liability import REPORT
from tests.orders.conftest import complete_seeded_accounts

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
D = Decimal
# Exact's minute limit is not under test here; the orders poll stays out of the way.
FAST = {"exact_minute_limit": 100_000, "exact_daily_limit": 1_000_000}
HOURLY = {"poll_interval": 3600}


async def the_day(stack) -> dict:
    async def shop(path: str, body: dict | None = None) -> dict:
        r = await stack.http.post(f"/_sandbox/shopify{path}", json=body or {})
        assert r.status_code == 200, r.text
        return r.json()

    sku = stack.sb.catalogue.products[0].sku
    first = await shop("/gift_cards", {"amount": "35.00"})
    await shop(
        "/orders",
        {
            "lines": [{"sku": sku, "quantity": 1, "price": "60.00"}],
            "customer": {"email": "ann@example.com"},
            "gift_card_payment": {"gift_card_id": first["gift_card_id"], "amount": "20.00"},
        },
    )
    second = await shop("/gift_cards", {"amount": "17.50"})
    await shop(f"/gift_cards/{second['gift_card_id'].rsplit('/', 1)[-1]}/expire")
    sold = await shop(
        "/orders",
        {
            "lines": [{"gift_card": True, "amount": "50.00"}],
            "customer": {"email": "bob@example.com"},
        },
    )
    return sold


async def check_now(stack) -> dict:
    """`shopsync run-now gift_cards` and the check that follows once its card jobs are done."""
    await wait_settled(stack.services, 60)
    stack.services.extras.pop(REPORT, None)
    async with ControlClient(stack.settings.control.socket) as control:
        await control.run_now("gift_cards")
        with anyio.fail_after(60):
            while True:
                if REPORT in stack.services.extras:
                    break
                await anyio.sleep(0.1)
        status = await control.status()
    [flow] = [f for f in status["flows"] if f["name"] == "gift_cards"]
    rendered = render_status(status)
    return stack.services.extras[REPORT] | {"status": flow["stats"], "rendered": rendered}


async def restart_with(stack, **orders: str) -> None:
    text = stack.config.read_text()
    extra = "".join(f'{k} = "{v}"\n' for k, v in orders.items())
    stack.config.write_text(text.replace("[orders]\n", "[orders]\n" + extra, 1))
    await stack.stop_daemon()
    stack.settings = load_settings(stack.config)
    await stack.start_daemon()


def gl_balance(exact: dict, code: str) -> Decimal:
    total = D(0)
    for e in exact["journal_entries"]:
        for ln in e["GeneralJournalEntryLines"]:
            if ln["GLAccountCode"] == code:
                total += D(str(ln["AmountFC"]))
    return total


async def invoice_in_exact(stack, sales_order: dict) -> None:
    """The accountant invoices the sales order in Exact; YourRef comes along."""
    await stack.services.exact.post(
        "salesinvoice/SalesInvoices",
        {
            "Journal": "70",
            "OrderedBy": sales_order["OrderedBy"],
            "YourRef": sales_order["YourRef"],
            "SalesInvoiceLines": [
                {
                    "Item": ln["Item"],
                    "Quantity": D(str(ln["Quantity"])),
                    "NetPrice": D(str(ln["NetPrice"])),
                    "VATCode": ln["VATCode"],
                }
                for ln in sales_order["SalesOrderLines"]
            ],
        },
    )


def gift_card_lines(documents: list[dict], lines: str) -> Decimal:
    """Gift card lines on Exact documents: what their GIFTCARD item posts to the liability."""
    return sum(
        (
            D(str(ln["AmountFC"]))
            for doc in documents
            for ln in doc[lines]
            if ln.get("ItemCode") == "GIFTCARD"
        ),
        D(0),
    )


async def test_sales_order_mode_reports_the_sold_card_as_timing_until_exact_invoices_it(
    tmp_path,
):
    async with demo_stack(
        tmp_path, products=5, sandbox_options=FAST, config_options=HOURLY
    ) as stack:
        complete_seeded_accounts(stack.sb.exact)
        sold = await the_day(stack)
        report = await check_now(stack)
        exact = (await stack.http.get("/_sandbox/exact/state")).json()
        [so] = [
            s for s in exact["sales_orders"] if s["YourRef"].startswith(sold["order_name"] + "/")
        ]
        assert report["shopify_outstanding"] == "65.00"  # 15.00 left on one card, 50.00 sold
        assert D(report["ledger_liability"]) == D("15.00") == -gl_balance(exact, "1800")
        assert report["timing"] == [
            f"50.00 EUR on sales order {so['OrderNumber']} ({so['YourRef']}) not yet invoiced"
        ]
        assert D(report["difference"]) == 0
        assert "not yet invoiced" in report["status"]["liability_timing"]
        assert report["status"]["liability"]["difference"] == "0.00"
        assert (
            "gift card liability: Shopify 65.00, Exact ledger 15.00, not in the ledger yet 50.00\n"
            f"  timing: 50.00 EUR on sales order {so['OrderNumber']} ({so['YourRef']}) not yet "
            "invoiced"
        ) in report["rendered"]

        await invoice_in_exact(stack, so)
        report = await check_now(stack)
        exact = (await stack.http.get("/_sandbox/exact/state")).json()
        on_invoices = gift_card_lines(exact["invoices"], "SalesInvoiceLines")
        assert on_invoices == D("50.00")
        assert (
            D(report["ledger_liability"]) == D("65.00") == on_invoices - gl_balance(exact, "1800")
        )
        assert report["timing"] == [] and D(report["difference"]) == 0


async def test_invoice_mode_has_the_sold_card_in_the_ledger_at_once(tmp_path):
    async with demo_stack(
        tmp_path, products=5, sandbox_options=FAST, config_options=HOURLY
    ) as stack:
        complete_seeded_accounts(stack.sb.exact)
        await restart_with(stack, document="invoice")
        await the_day(stack)
        report = await check_now(stack)
        exact = (await stack.http.get("/_sandbox/exact/state")).json()
    on_invoices = gift_card_lines(exact["invoices"], "SalesInvoiceLines")
    assert report["shopify_outstanding"] == "65.00"
    assert D(report["ledger_liability"]) == D("65.00") == on_invoices - gl_balance(exact, "1800")
    assert report["timing"] == [] and D(report["difference"]) == 0
