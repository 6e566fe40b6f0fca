"""Reading like a client does: `__next` paging, the Sync API's Timestamp, OData filters."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = pytest.mark.anyio


async def _all_pages(run, path, **params):
    pages = []
    r = await run.get(path, **params)
    while True:
        assert r.status_code == 200, r.text
        d = r.json(parse_float=Decimal)["d"]
        pages.append(d["results"])
        if "__next" not in d:
            return pages
        r = await run.http.get(d["__next"], headers=run.auth)


async def test_item_pages_hold_60_rows_and_the_last_has_no_next(exact_sandbox):
    async with exact_sandbox() as run:
        pages = await _all_pages(run, "logistics/Items", **{"$select": "ID,Code"})
        assert [len(p) for p in pages] == [60, 60, 60, 60, 60, 4]  # 300 products + 4 services
        ids = [row["ID"] for page in pages for row in page]
        assert len(set(ids)) == 304


async def test_top_limits_a_list_to_one_page(exact_sandbox):
    async with exact_sandbox() as run:
        d = (await run.get("logistics/Items", **{"$top": "5"})).json()["d"]
        assert len(d["results"]) == 5
        assert "__next" not in d


async def test_sync_stock_returns_only_rows_changed_after_the_timestamp(exact_sandbox):
    async with exact_sandbox() as run:
        select = "Timestamp,ItemCode,WarehouseCode,CurrentStock,FreeStock"
        pages = await _all_pages(
            run,
            "sync/Inventory/StockPositions",
            **{"$select": select, "$filter": "Timestamp gt 1L"},
        )
        rows = [r for p in pages for r in p]
        assert len(rows) == 900 and len(pages) == 1  # 300 items x 3 warehouses, 1000 a page
        high = max(r["Timestamp"] for r in rows)
        await run.control("stock", {"sku": "SKU-00007", "warehouse": "RTM", "quantity": 13})
        changed = (
            await run.get(
                "sync/Inventory/StockPositions",
                **{"$select": select, "$filter": f"Timestamp gt {high}L"},
            )
        ).json()["d"]["results"]
        assert [(r["ItemCode"], r["WarehouseCode"], r["FreeStock"]) for r in changed] == [
            ("SKU-00007", "RTM", 13)
        ]
        assert changed[0]["Timestamp"] > high


async def test_sync_and_bulk_endpoints_insist_on_select(exact_sandbox):
    async with exact_sandbox() as run:
        r = await run.get("sync/Inventory/StockPositions", **{"$filter": "Timestamp gt 1L"})
        assert r.status_code == 400
        assert "$select" in r.json()["error"]["message"]["value"]


async def test_filters_understand_quotes_guids_and_substringof(exact_sandbox):
    async with exact_sandbox() as run:
        created = await run.post("crm/Accounts", {"Name": "O'Brien Interiors", "Country": "IE"})
        assert created.status_code == 201
        account_id = created.json()["d"]["ID"]
        by_name = (
            await run.get("crm/Accounts", **{"$filter": "Name eq 'O''Brien Interiors'"})
        ).json()["d"]["results"]
        by_guid = (
            await run.get(
                "crm/Accounts",
                **{"$filter": f"ID eq guid'{account_id.upper()}' and Country ne 'NL'"},
            )
        ).json()["d"]
        by_part = (
            await run.get(
                "crm/Accounts", **{"$filter": "substringof('brien', Name) or Code eq 'nope'"}
            )
        ).json()["d"]
        assert [a["ID"] for a in by_name] == [account_id]
        assert [a["ID"] for a in by_guid["results"]] == [account_id]
        assert [a["ID"] for a in by_part["results"]] == [account_id]
        bad = await run.get("crm/Accounts", **{"$filter": "Name eq 'unterminated"})
        assert bad.status_code == 400


async def test_single_entity_answers_d_object_and_unknown_guid_404(exact_sandbox):
    async with exact_sandbox() as run:
        first = (await run.get("inventory/Warehouses", **{"$orderby": "Code"})).json()
        wh = first["d"]["results"][0]
        assert wh["Code"] == "AMS"
        one = (await run.get(f"inventory/Warehouses(guid'{wh['ID']}')")).json()
        assert one["d"]["Code"] == "AMS"
        missing = await run.get("inventory/Warehouses(guid'00000000-0000-0000-0000-000000000000')")
        assert missing.status_code == 404
        assert set(missing.json()["error"]) == {"code", "message"}


async def test_sync_pages_of_1000_continue_by_timestamp_until_no_next(exact_sandbox):
    async with exact_sandbox(products=400) as run:
        pages = await _all_pages(
            run,
            "sync/Inventory/StockPositions",
            **{"$select": "ID,Timestamp", "$filter": "Timestamp gt 0L"},
        )
        assert [len(p) for p in pages] == [1000, 200]
        stamps = [r["Timestamp"] for p in pages for r in p]
        assert stamps == sorted(stamps) and len(set(stamps)) == 1200


async def test_account_codes_are_padded_to_18_and_filters_must_match_or_trim(exact_sandbox):
    async with exact_sandbox() as run:
        created = await run.post("crm/Accounts", {"Name": "Smit Interiors", "Code": "4711"})
        assert created.json()["d"]["Code"] == "4711".rjust(18)
        unpadded = await run.get("crm/Accounts", **{"$filter": "Code eq '4711'"})
        assert unpadded.json()["d"]["results"] == []
        trimmed = await run.get("crm/Accounts", **{"$filter": "trim(Code) eq '4711'"})
        assert [a["Name"] for a in trimmed.json()["d"]["results"]] == ["Smit Interiors"]


async def test_an_unknown_sku_can_be_created_as_an_item(exact_sandbox):
    async with exact_sandbox() as run:
        r = await run.post(
            "logistics/Items",
            {
                "Code": "NEW-1",
                "Description": "New mug",
                "IsSalesItem": True,
                "StandardSalesPrice": "9.95",
            },
        )
        assert r.status_code == 201, r.text
        again = await run.post("logistics/Items", {"Code": "NEW-1", "Description": "Dup"})
        assert again.status_code == 400
        found = await run.get("logistics/Items", **{"$filter": "Code eq 'NEW-1'"})
        assert found.json()["d"]["results"][0]["Description"] == "New mug"
