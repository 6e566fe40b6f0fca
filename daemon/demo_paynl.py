"""`shopsync demo --psp paynl`: the demo's booked orders paid through the Pay. sandbox, the
morning's clearing imported, and a verdict that each settlement is one bank entry equal to the
transfer that closed the orders' invoices and credit notes.

The round runs with the CCV shop (`demo_ccvshop.py`): its orders are exported as invoices, the
open items Pay.'s payments settle in full (with Shopify's default prepayments a payment has
settled its invoice already, and Pay.'s receipts clear the clearing account instead).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx

from connectors.sandbox import Sandboxes
from daemon.flows.payouts.apply import RECEIVABLES, payout_zone
from daemon.flows.payouts.paynl_source import reference

CONTROL = "/_sandbox/paynl"
ZERO = Decimal(0)


def paynl_config(sb: Sandboxes, url: str, today: dt.date) -> str:
    """The `[paynl]` section of the demo's config; the daily schedule is off (the demo imports
    once, right after the clearing)."""
    c = sb.credentials
    return f"""
[paynl]
api_url = "{url}"
at_code = "{c.paynl_at_code}"
api_token = "{c.paynl_api_token}"  # a sandbox token; production reads the credential
start_date = "{today}"

[schedules]
paynl = "off"
"""


async def paynl_round(
    services: Any,
    http: httpx.AsyncClient,
    paid: list[dict[str, Any]],
    refunds: list[tuple[dict[str, Any], Decimal]],
    wait_quiet: Callable[[Any, float], Awaitable[None]],
) -> dict[str, Any]:
    """Pay each order in full through Pay. (`paid`: CCV orders), take back `refunds` (order,
    amount), clear the day, run `paynl.import` and check what Exact booked."""

    async def control(route: str, body: dict[str, Any]) -> Any:
        answer = await http.post(f"{CONTROL}/{route}", json=body)
        answer.raise_for_status()
        return answer.json(parse_float=Decimal)

    # Pay.'s day is the shop's local day, as the import reads it.
    day = dt.datetime.now(dt.UTC).astimezone(payout_zone(services)).date().isoformat()
    ids: dict[int, str] = {}
    methods = ["iDEAL", "Visa Mastercard", "Bancontact"]
    for n, order in enumerate(paid):
        made = await control(
            "transactions",
            {
                "reference": order["ordernumber_full"],
                "amount": str(order["total_price"]),
                "method": methods[n % len(methods)],
                "date": day,
            },
        )
        ids[order["id"]] = made["id"]
    for order, amount in refunds:
        await control(
            f"transactions/{ids[order['id']]}/refund", {"amount": str(amount), "date": day}
        )
    cleared = await control("clear", {"date": day})
    await services.queue.enqueue("paynl.import", f"paynl:demo:{day}", {})
    await wait_quiet(services, 120)
    exact = (await http.get("/_sandbox/exact/state")).json(parse_float=Decimal)
    # What is still open, as an operator would see it in Exact.
    receivables = await services.exact.get(RECEIVABLES, select=["Amount", "YourRef"])
    refs = {str(o["ordernumber_full"]) for o in paid}
    return settlements_verdict(cleared["settlements"], exact, receivables, refs, len(refunds))


def settlements_verdict(
    settlements: list[dict[str, Any]],
    exact: dict[str, Any],
    receivables: list[dict[str, Any]],
    orders: set[str],
    refunds: int,
) -> dict[str, Any]:
    """Each settlement is exactly one bank entry whose lines add up to the transfer; every paid
    order's invoice (and refunded credit note) is matched, and none is left open in Exact."""
    problems: list[str] = []
    checked = []
    matched = unassigned = 0
    for s in settlements:
        ref = reference(s["code"])
        entries = [
            e
            for e in exact.get("bank_entries", [])
            if any(str(ln.get("Description", "")).startswith(ref) for ln in e["BankEntryLines"])
        ]
        transfer = Decimal(s["cents"]).scaleb(-2)
        totals = [
            sum((Decimal(str(ln["AmountFC"])) for ln in e["BankEntryLines"]), ZERO) for e in entries
        ]
        lines = [ln for e in entries for ln in e["BankEntryLines"]]
        matched += sum(1 for ln in lines if ln.get("OurRef") is not None)
        unassigned += sum(1 for ln in lines if ln["GLAccountCode"] == "1990")
        checked.append(
            {
                "settlement": s["code"],
                "transfer": str(transfer),
                "bank_entries": [str(t) for t in totals],
                "lines": len(lines),
            }
        )
        if totals != [transfer]:
            problems.append(f"{s['code']}: transfer {transfer}, bank entries {totals}")
    open_refs = {
        str(r.get("YourRef") or "").split("/", 1)[0]
        for r in receivables
        if Decimal(str(r.get("Amount") or 0))
    }
    still_open = sorted(orders & open_refs)
    if still_open:
        problems.append(f"paid through Pay. but open in Exact: {still_open[:5]}")
    if matched != len(orders) + refunds:
        problems.append(f"{matched} lines matched, {len(orders)} payments + {refunds} refunds")
    if unassigned:
        problems.append(f"{unassigned} lines on the unassigned account")
    return {
        "settlements": checked,
        "matched_lines": matched,
        "unassigned_lines": unassigned,
        "problems": problems[:5],
        "paynl_in_sync": not problems and bool(checked),
    }
