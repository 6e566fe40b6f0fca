"""CCV orders into Exact end to end: the scan finds them, the real worker books completed ones
as direct sales invoices in the Exact sandbox, once, and a cancel after export is credited."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from connectors.ccvshop.client import CcvShopClient
from connectors.ccvshop.sandbox import CcvShopSandbox
from daemon.flows.ccvshop_orders import (
    ScanState,
    credit_ccv_invoice,
    poll_ccv_orders_once,
    sync_ccv_order,
)
from tests.orders.conftest import CATALOGUE, Env, order_env

pytestmark = pytest.mark.anyio
D = Decimal
BASE = "http://shop.ccvshop.test"
NL = {
    "email": "anna@example.com",
    "first_name": "Anna",
    "last_name": "Jansen",
    "street": "Kerkstraat",
    "housenumber": 5,
    "zipcode": "1011 AB",
    "city": "Amsterdam",
    "country_code": "NL",
}


class CcvEnv:
    def __init__(self, env: Env, http: httpx.AsyncClient) -> None:
        self.env, self.http = env, http
        self.sandbox: Any = None

    async def control(self, route: str, body: dict[str, Any]) -> Any:
        r = await self.http.post(f"{BASE}/_sandbox/ccvshop/{route}", json=body)
        assert r.status_code == 200, r.text
        return r.json(parse_float=D)

    async def poll(self) -> int:
        return await poll_ccv_orders_once(self.env.services)


@contextlib.asynccontextmanager
async def ccv_env(tmp_path) -> AsyncIterator[CcvEnv]:
    today = dt.datetime.now(dt.UTC).date()
    async with order_env(tmp_path, start_date=today) as env:
        sandbox = CcvShopSandbox(public_key="pub", secret="sec")
        transport = httpx.ASGITransport(app=sandbox.app)
        async with (
            CcvShopClient(BASE, "pub", "sec", transport=transport) as client,
            httpx.AsyncClient(transport=transport) as http,
        ):
            env.services.ccvshop = client
            run = CcvEnv(env, http)
            run.sandbox = sandbox  # for tests that look behind the API (calls, stock)
            for product in CATALOGUE.products[:3]:
                await run.control(
                    "products", {"productnumber": product.sku, "name": product.title, "price": 10}
                )
            yield run


def _order(status: int, *skus: str, **extra: Any) -> dict[str, Any]:
    rows = [{"productnumber": sku, "count": 2, "price": 12.10} for sku in skus]
    return {"customer": NL, "rows": rows, "status": status, "paid": True, **extra}


async def test_completed_orders_become_invoices_and_status_changes_are_found(tmp_path):
    skus = [p.sku for p in CATALOGUE.products[:3]]
    async with ccv_env(tmp_path) as run:
        done = await run.control("orders", _order(7, skus[0], skus[1], total_shipping=4.95))
        later = await run.control("orders", _order(1, skus[2]))
        assert await run.poll() == 2
        await run.env.run_jobs()
        state = await run.env.exact_state()
        (invoice,) = state["invoices"]
        assert invoice["YourRef"] == f"{done['ordernumber_full']}/AMS"
        assert D(str(invoice["AmountFC"])) == D(str(done["total_price"])) == D("53.35")
        assert invoice["Type"] == 8023  # a direct invoice: stock leaves Exact with it
        assert invoice["Description"] == f"CCV Shop order {done['ordernumber_full']}"

        assert await run.poll() == 0  # nothing changed, nothing to do
        await run.control(f"orders/{later['id']}/status", {"status": 7})
        assert await run.poll() == 1
        await run.env.run_jobs()
        state = await run.env.exact_state()
        assert len(state["invoices"]) == 2

        await run.control(f"orders/{done['id']}/status", {"status": 8})
        assert await run.poll() == 1
        await run.env.run_jobs()
        state = await run.env.exact_state()
        (credit,) = state["credit_notes"]
        assert D(str(credit["AmountFC"])) == -D("53.35")
        dead = (await run.env.services.queue.counts()).get("dead", {})
        assert not sum(dead.values())


async def test_an_order_is_booked_once_however_often_it_is_looked_at(tmp_path):
    sku = CATALOGUE.products[0].sku
    async with ccv_env(tmp_path) as run:
        made = await run.control("orders", _order(7, sku))
        first = await sync_ccv_order(run.env.services, made["id"])
        again = await sync_ccv_order(run.env.services, made["id"])
        state = await run.env.exact_state()
    assert first == "created 1, found 0"
    assert again == "already exported"
    assert len(state["invoices"]) == 1


async def test_an_order_not_yet_completed_waits_and_an_unknown_one_is_said_so(tmp_path):
    sku = CATALOGUE.products[0].sku
    async with ccv_env(tmp_path) as run:
        made = await run.control("orders", _order(5, sku))
        assert "not an export status" in await sync_ccv_order(run.env.services, made["id"])
        assert await sync_ccv_order(run.env.services, 999999) == "unknown to CCV Shop"
        assert (await run.env.exact_state())["invoices"] == []


async def test_a_fresh_install_without_a_start_date_starts_from_now(tmp_path):
    sku = CATALOGUE.products[0].sku
    async with ccv_env(tmp_path) as run:
        run.env.services.settings.orders.start_date = None
        await run.control("orders", _order(7, sku))
        assert await run.poll() == 0  # history is for `backfill`, not the poller
        await run.control("orders", _order(7, sku))
        assert await run.poll() == 1


async def _credit(run: CcvEnv, order: dict[str, Any], sku: str, count: int, shipping=0) -> Any:
    rows = await run.env.services.ccvshop.order_rows(order["id"])
    row = next(r for r in rows if r.product_number == sku)
    return await run.control(
        f"orders/{order['id']}/credit_invoice",
        {"rows": [{"orderrow_id": row.id, "count": count}], "shipping": shipping},
    )


@pytest.mark.parametrize("sign", ["negative", "positive"])
@pytest.mark.parametrize("rows_gross", [True, False])
async def test_a_credit_invoice_becomes_one_credit_note_against_the_booked_invoice(
    tmp_path, sign, rows_gross
):
    a, b = (p.sku for p in CATALOGUE.products[:2])
    async with ccv_env(tmp_path) as run:
        await run.control("settings", {"credit_invoice_sign": sign})
        made = await run.control(
            "orders",
            _order(
                7,
                a,
                b,
                total_shipping=4.95,
                order_row_taxes_included=rows_gross,
                shipping_taxes_included=rows_gross,
            ),
        )
        assert await run.poll() == 1
        await run.env.run_jobs()
        credit = await _credit(run, made, a, 1, shipping=4.95)
        assert await run.poll() == 1  # the new credit invoice
        await run.env.run_jobs()
        assert await run.poll() == 0
        state = await run.env.exact_state()
        (invoice,) = state["invoices"]
        (note,) = state["credit_notes"]
        assert D(str(note["AmountFC"])) == -abs(D(str(credit["total_price"])))
        assert note["Type"] == 8024 and note["Warehouse"] == invoice["Warehouse"]
        assert (
            note["Remarks"]
            == f"Credits {made['ordernumber_full']}/AMS (invoice {invoice['InvoiceNumber']})"
        )
        quantities = sorted(ln["Quantity"] for ln in note["SalesInvoiceLines"] if ln["Quantity"])
        assert quantities == [-1, -1]  # one unit back, the shipping
        again = await credit_ccv_invoice(run.env.services, credit["id"])
        assert again == "already credited"


async def test_a_credit_for_an_order_never_booked_books_nothing(tmp_path):
    sku = CATALOGUE.products[0].sku
    async with ccv_env(tmp_path) as run:
        made = await run.control("orders", _order(5, sku))  # sent, not completed
        credit = await _credit(run, made, sku, 1)
        said = await credit_ccv_invoice(run.env.services, credit["id"])
        assert said == "order not booked in Exact: nothing to credit"
        assert (await run.env.exact_state())["credit_notes"] == []


async def test_a_credit_waits_for_its_completed_orders_export(tmp_path):
    sku = CATALOGUE.products[0].sku
    async with ccv_env(tmp_path) as run:
        made = await run.control("orders", _order(7, sku))
        await _credit(run, made, sku, 2)
        await run.env.services.cursors.set(
            "ccvshop.orders.scan",
            ScanState(last_id=made["id"], seen={made["id"]: (7, True)}, started=True).dumps(),
        )
        assert await run.poll() == 1  # only the credit: the order looked unchanged
        await run.env.run_jobs()
        state = await run.env.exact_state()
        (invoice,) = state["invoices"]
        (note,) = state["credit_notes"]
        assert D(str(note["AmountFC"])) == -D(str(invoice["AmountFC"]))


async def test_a_cancel_after_a_credited_return_is_left_to_an_operator(tmp_path):
    from connectors.errors import PermanentError

    sku = CATALOGUE.products[0].sku
    async with ccv_env(tmp_path) as run:
        made = await run.control("orders", _order(7, sku))
        await sync_ccv_order(run.env.services, made["id"])
        credit = await _credit(run, made, sku, 1)
        await credit_ccv_invoice(run.env.services, credit["id"])
        await run.control(f"orders/{made['id']}/status", {"status": 8})
        with pytest.raises(PermanentError, match="after a return was credited"):
            await sync_ccv_order(run.env.services, made["id"])
        state = await run.env.exact_state()
    assert len(state["credit_notes"]) == 1  # the return's, and no full credit on top
