"""PUT on logistics/Items: what the products flow changes, and what the sandbox refuses."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def _item(run, code="SKU-00001"):
    r = await run.get("logistics/Items", **{"$filter": f"Code eq '{code}'"})
    return r.json()["d"]["results"][0]


async def _put(run, item_id, body):
    return await run.http.put(
        run.url(f"logistics/Items(guid'{item_id}')"), json=body, headers=run.auth
    )


async def test_price_description_vat_code_and_end_date_change(exact_sandbox):
    async with exact_sandbox() as run:
        item = await _item(run)
        r = await _put(
            run,
            item["ID"],
            {
                "StandardSalesPrice": "12.3456",
                "Description": "New name",
                "SalesVatCode": "1",
                "EndDate": "2026-12-05T00:00:00",
            },
        )
        assert r.status_code == 204
        after = await _item(run)
        assert str(after["StandardSalesPrice"]) == "12.3456"
        assert after["Description"] == "New name" and after["SalesVatCode"] == "1"
        assert after["EndDate"] is not None
        assert (await _put(run, item["ID"], {"EndDate": None})).status_code == 204
        assert (await _item(run))["EndDate"] is None


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"SalesVatCode": "NOPE"}, "Invalid VAT code"),
        ({"Description": ""}, "Mandatory: Description"),
        ({"Nmae": "typo"}, "Nmae"),  # not Exact's: the contract refuses it
        ({"Code": "OTHER"}, "Code"),  # Exact's, but a code change is not simulated
        ({"EndDate": "2026-12-05T00:00:00+01:00"}, "EndDate"),  # an offset: refused by default
    ],
)
async def test_wrong_item_updates_are_refused_and_change_nothing(exact_sandbox, body, words):
    async with exact_sandbox() as run:
        item = await _item(run)
        r = await _put(run, item["ID"], body)
        assert r.status_code in (400, 501)
        assert words in r.text
        after = await _item(run)
        assert after["Description"] == item["Description"]
        assert after["SalesVatCode"] == item["SalesVatCode"] and after["EndDate"] is None
