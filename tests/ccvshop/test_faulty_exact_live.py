"""CCV orders of every VAT scenario, and a return, reach Exact exactly once through the real
worker while Exact fails 30 % of calls and CCV 20 %, each order announced twice."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from daemon.flows.ccvshop_orders.export import credit_job, export_job
from tests.ccvshop.test_export_live import NL, ccv_env
from tests.orders.conftest import CATALOGUE

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
D = Decimal
SKUS = [p.sku for p in CATALOGUE.products[:3]]
ORDERS = {
    "domestic": {
        "customer": NL,
        "total_shipping": 4.95,
        "rows": [
            {"productnumber": SKUS[0], "count": 3, "discount": 1},
            {"productnumber": SKUS[1], "count": 1, "tax": 9},
        ],
    },
    "icp": {
        "customer": {**NL, "company": "Peeters BV", "country_code": "BE", "btw": "BE0123456789"},
        "is_intra_community_order": True,
        "order_row_taxes_included": False,
        "rows": [{"productnumber": SKUS[2], "count": 5}],
    },
    "oss": {
        "customer": {**NL, "country_code": "DE"},
        "shipping_tax_percentage": 19,
        "total_shipping": 5.95,
        "rows": [{"productnumber": SKUS[0], "count": 1, "tax": 19}],
    },
    "export": {
        "customer": {**NL, "country_code": "US"},
        "shipping_tax_percentage": 0,
        "total_shipping": 25,
        "rows": [{"productnumber": SKUS[1], "count": 2, "tax": 0}],
    },
}
CODES = {"domestic": {"1", "2"}, "icp": {"ICP"}, "oss": {"OSS-DE-19"}, "export": {"EXP"}}


async def test_every_kind_of_ccv_order_is_booked_once_when_both_apis_fail(tmp_path):
    async with ccv_env(tmp_path) as run:
        made = {
            kind: await run.control("orders", {**body, "status": 7, "paid": True})
            for kind, body in ORDERS.items()
        }
        rows = await run.env.services.ccvshop.order_rows(made["domestic"]["id"])
        credit = await run.control(
            f"orders/{made['domestic']['id']}/credit_invoice",
            {"rows": [{"orderrow_id": rows[0].id, "count": 1}]},
        )
        await run.env.exact_control("POST", "faults", {"error_rate": 0.3})
        await run.control("faults", {"error_rate": 0.2})
        queue = run.env.services.queue
        for _ in range(2):
            for order in made.values():
                await queue.enqueue(*export_job(order["id"]))
            await queue.enqueue(*credit_job(credit["id"]))
        await run.env.run_jobs(limit=100)
        counts = await queue.counts()
        await run.env.exact_control("POST", "faults", {"error_rate": 0})
        state = await run.env.exact_state()

    assert "dead" not in counts, counts
    refs = Counter(d["YourRef"] for d in state["invoices"])
    assert refs == Counter({f"{m['ordernumber_full']}/AMS": 1 for m in made.values()})
    by_ref = {d["YourRef"]: d for d in state["invoices"]}
    for kind, codes in CODES.items():
        invoice = by_ref[f"{made[kind]['ordernumber_full']}/AMS"]
        assert D(str(invoice["AmountFC"])) == D(str(made[kind]["total_price"]))
        got = {ln["VATCode"] for ln in invoice["SalesInvoiceLines"] if ln["ItemCode"] != "ROUNDING"}
        assert got == codes, (kind, got)
    (note,) = state["credit_notes"]
    assert D(str(note["AmountFC"])) == -abs(D(str(credit["total_price"])))
