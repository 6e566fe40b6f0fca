"""CCV products new in the shop become Exact items once: code, name, EAN, VAT code, net price."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from connectors.ccvshop.models import Product
from connectors.errors import PermanentError
from connectors.exact.odata import eq
from daemon.config import CcvShopSettings
from daemon.flows.ccvshop_orders.products import item_body
from tests.ccvshop.test_export_live import ccv_env
from tests.orders.factory import settings

pytestmark = pytest.mark.anyio
D = Decimal


def ccv(**extra) -> CcvShopSettings:
    return CcvShopSettings(api_root="https://s.test", public_key="p", secret="s", **extra)


async def test_new_products_become_exact_items_once(tmp_path):
    async with ccv_env(tmp_path) as run:
        run.env.services.settings.ccvshop = ccv(sync_products=True)
        await run.control(
            "products",
            {
                "productnumber": "NEW-MUG",
                "name": "Mug",
                "price": 12.10,
                "eannumber": "8712345678906",
            },
        )
        await run.control(
            "products", {"productnumber": "NEW-BOOK", "name": "Book", "price": 21.80, "vatrate": 9}
        )
        assert await run.poll() == 5  # the 3 seeded (already items in Exact) and the 2 new
        await run.env.run_jobs()
        assert await run.poll() == 0
        await run.control("products", {"productnumber": "NEW-PEN", "name": "Pen", "price": 1})
        assert await run.poll() == 1
        await run.env.run_jobs()
        items = {}
        for code in ("NEW-MUG", "NEW-BOOK", "NEW-PEN"):
            rows = await run.env.services.exact.get(
                "logistics/Items",
                filter=eq("Code", code),
                select="Code,Description,SalesVatCode,Barcode,StandardSalesPrice",
            )
            items.update({r["Code"]: r for r in rows})
    mug, book = items["NEW-MUG"], items["NEW-BOOK"]
    assert (mug["Description"], mug["SalesVatCode"], mug["Barcode"]) == (
        "Mug",
        "1",
        "8712345678906",
    )
    assert D(str(mug["StandardSalesPrice"])) == D("10.0000")  # 12.10 incl. 21 % VAT
    assert (book["SalesVatCode"], D(str(book["StandardSalesPrice"]))) == ("2", D("20.0000"))
    assert "NEW-PEN" in items


def _product(**fields) -> Product:
    base = {
        "id": 1,
        "productnumber": "P-1",
        "name": "P",
        "price": D("12.10"),
        "vatrate": D(21),
        "createdate": dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
    }
    return Product.model_validate(base | fields)


def test_a_net_price_basis_is_taken_as_is():
    body = item_body(_product(), settings(), ccv(prices_include_vat=False), None)
    assert body["StandardSalesPrice"] == D("12.1000")


@pytest.mark.parametrize(
    ("fields", "words"),
    [({"productnumber": None}, "no product number"), ({"vatrate": D(13)}, "no domestic VAT code")],
)
def test_what_cannot_become_an_item_is_refused_plainly(fields, words):
    with pytest.raises(PermanentError, match=words):
        item_body(_product(**fields), settings(), ccv(), None)
