"""The sandbox refuses what Exact's contract (contract/exact-contract.json) does not allow.

One test per rule, each showing the refusal with Exact's error body, that it counts against the
error budget like Exact's own 400s, and that it lands in the refusal log a conformance run reads.
"""

from __future__ import annotations

import pytest

from connectors.exact.sandbox.contract_check import load_contract
from connectors.exact.sandbox.entities import build_registry

from .test_documents import _ids

pytestmark = pytest.mark.anyio


def _message(r) -> str:
    body = r.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == ""
    return body["error"]["message"]["value"]


async def _order_line(run, ids) -> str:
    r = await run.post(
        "salesorder/SalesOrders",
        {"OrderedBy": ids["account"], "SalesOrderLines": [{"Item": ids["item"], "Quantity": 3}]},
    )
    assert r.status_code == 201, r.text
    return r.json()["d"]["SalesOrderLines"]["results"][0]["ID"]


def test_the_vendored_contract_is_whole():
    contract = load_contract()
    assert len(contract) == 451
    deliveries = contract.require("SALESORDER/goodsdeliveries")  # Exact's paths ignore case
    assert "YourRef" not in deliveries.fields
    assert set(deliveries.mandatory) == {"DeliveryDate", "GoodsDeliveryLines"}


def test_every_served_set_and_field_is_in_the_contract():
    from connectors.exact.sandbox.clock import SandboxClock
    from connectors.exact.sandbox.store import Store
    from connectors.sandbox_catalogue import build_catalogue

    contract = load_contract()
    store = Store(build_catalogue(seed=1, products=3), 1, SandboxClock(1.0))
    for es in build_registry(store, "client").values():
        ep = contract.require(es.path)
        assert set(es.fields) <= ep.fields, es.path
        if es.lines:
            assert set(es.line_fields) <= contract.require(ep.inline[es.lines]).fields
    # The sandbox's old invention is gone from what it serves.
    assert "YourRef" not in build_registry(store, "client")["salesorder/goodsdeliveries"].fields


async def test_unknown_endpoint_is_not_found_and_counted(exact_sandbox):
    async with exact_sandbox() as run:
        r = await run.get("salesorder/Shipments")
        assert r.status_code == 404
        assert "Shipments" in _message(r)
        state = await run.control("state")
        assert state["errors"]["salesorder/Shipments"] == 1
        assert state["refused"][0]["status"] == 404
        assert state["refused_total"] == 1


async def test_a_method_exact_does_not_allow_is_refused(exact_sandbox):
    async with exact_sandbox() as run:
        r = await run.post("logistics/ItemGroups", {"Code": "X", "Description": "X"})
        assert r.status_code == 400
        assert "POST" in _message(r)
        groups = (await run.get("logistics/ItemGroups", **{"$select": "ID"})).json()["d"]
        key = groups["results"][0]["ID"]
        r = await run.http.delete(run.url(f"logistics/ItemGroups(guid'{key}')"), headers=run.auth)
        assert r.status_code == 400
        r = await run.http.patch(run.url("crm/Accounts"), json={}, headers=run.auth)
        assert r.status_code == 400
        state = await run.control("state")
        assert state["errors"]["logistics/ItemGroups"] == 2


async def test_lines_cannot_be_posted_on_their_own(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        line_id = await _order_line(run, ids)
        r = await run.post(
            "salesorder/GoodsDeliveryLines",
            {"SalesOrderLineID": line_id, "QuantityDelivered": 1},
        )
        assert r.status_code == 400
        assert "inside its document" in _message(r)


async def test_a_body_property_the_entity_lacks_is_refused(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        line_id = await _order_line(run, ids)
        r = await run.post(
            "salesorder/GoodsDeliveries",
            {
                "YourRef": "#1001",  # what shopsync used to send: Exact has no such property
                "DeliveryDate": "2026-05-04",
                "GoodsDeliveryLines": [{"SalesOrderLineID": line_id, "QuantityDelivered": 1}],
            },
        )
        assert r.status_code == 400
        message = _message(r)
        assert "'YourRef' does not exist" in message
        assert "GoodsDelivery'" in message
        state = await run.control("state")
        assert state["goods_deliveries"] == []
        assert state["errors"]["salesorder/GoodsDeliveries"] == 1


async def test_an_inline_line_property_the_line_lacks_is_refused(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        r = await run.post(
            "salesorder/SalesOrders",
            {
                "OrderedBy": ids["account"],
                "SalesOrderLines": [{"Item": ids["item"], "Quantity": 1, "Warehouse": "AMS"}],
            },
        )
        assert r.status_code == 400
        assert "'Warehouse' does not exist on type 'Exact.Web.Api.Models.SalesOrderLine'" in (
            _message(r)
        )


async def test_a_post_without_a_mandatory_field_is_refused(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        line_id = await _order_line(run, ids)
        r = await run.post(
            "salesorder/GoodsDeliveries",
            {"GoodsDeliveryLines": [{"SalesOrderLineID": line_id, "QuantityDelivered": 1}]},
        )
        assert r.status_code == 400
        assert _message(r) == "Mandatory: DeliveryDate"
        r = await run.post(
            "salesorder/GoodsDeliveries", {"DeliveryDate": "2026-05-04", "GoodsDeliveryLines": []}
        )
        assert r.status_code == 400
        assert _message(r) == "Mandatory: GoodsDeliveryLines"
        r = await run.post("logistics/Items", {"Code": "NEW-1"})
        assert r.status_code == 400
        assert _message(r) == "Mandatory: Description"


async def test_an_inline_line_without_its_mandatory_field_is_refused(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        r = await run.post(
            "salesorder/SalesOrders",
            {"OrderedBy": ids["account"], "SalesOrderLines": [{"Quantity": 1}]},
        )
        assert r.status_code == 400
        assert _message(r) == "Mandatory: Item"  # mandatory_inline: OrderID comes from the header
        line_id = await _order_line(run, ids)
        r = await run.post(
            "salesorder/GoodsDeliveries",
            {"DeliveryDate": "2026-05-04", "GoodsDeliveryLines": [{"SalesOrderLineID": line_id}]},
        )
        assert r.status_code == 400
        assert _message(r) == "Mandatory: QuantityDelivered"


async def test_a_contact_needs_an_account_and_one_name(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        r = await run.post("crm/Contacts", {"Account": ids["account"], "Email": "a@example.com"})
        assert r.status_code == 400
        assert _message(r) == "Mandatory: FirstName or LastName"
        r = await run.post("crm/Contacts", {"LastName": "Jansen"})
        assert r.status_code == 400
        assert _message(r) == "Mandatory: Account"
        # Either name is enough: a guest with only a last name, a company contact by first name.
        for name in ({"LastName": "Jansen"}, {"FirstName": "Eva"}):
            r = await run.post("crm/Contacts", {"Account": ids["account"], **name})
            assert r.status_code == 201, r.text


async def test_query_options_may_only_name_the_entitys_properties(exact_sandbox):
    async with exact_sandbox() as run:
        for option, value in (
            ("$filter", "YourRef eq '#1001/AMS/F1'"),
            ("$filter", "substringof('x', Remarks) and Colour eq 'red'"),
            ("$select", "EntryID,YourRef"),
            ("$orderby", "YourRef desc"),
        ):
            r = await run.get("salesorder/GoodsDeliveries", **{option: value})
            assert r.status_code == 400, (option, value)
            assert "No property" in _message(r)
        # The properties the contract has are fine, functions and literals are not properties.
        ok = await run.get(
            "salesorder/GoodsDeliveries",
            **{
                "$filter": "substringof('x', Description) and trim(Remarks) eq 'y'",
                "$select": "EntryID,Description",
                "$orderby": "DeliveryDate desc",
            },
        )
        assert ok.status_code == 200, ok.text
        state = await run.control("state")
        assert state["errors"]["salesorder/GoodsDeliveries"] == 4


async def test_unknown_query_options_and_expansions_are_refused(exact_sandbox):
    async with exact_sandbox() as run:
        r = await run.get("salesorder/SalesOrders", **{"$count": "true", "$select": "OrderID"})
        assert r.status_code == 400
        assert "'$count' begins with a system-reserved '$'" in _message(r)
        r = await run.get("salesorder/SalesOrders", **{"$expand": "Lines", "$select": "OrderID"})
        assert r.status_code == 400
        assert "No property 'Lines'" in _message(r)
        ok = await run.get(
            "salesorder/SalesOrders",
            **{"$expand": "SalesOrderLines", "$select": "OrderID", "$inlinecount": "allpages"},
        )
        assert ok.status_code == 200, ok.text


async def test_sync_endpoints_filter_on_timestamp_only(exact_sandbox):
    async with exact_sandbox() as run:
        path = "sync/Inventory/StockPositions"
        r = await run.get(path, **{"$select": "ID,ItemCode", "$filter": "ItemCode eq 'SKU-1'"})
        assert r.status_code == 400
        assert "Only Timestamp" in _message(r)
        r = await run.get(
            path, **{"$select": "ID", "$filter": "Timestamp gt 1 and ItemCode eq 'SKU-1'"}
        )
        assert r.status_code == 400
        r = await run.get(path, **{"$select": "ID,Timestamp", "$filter": "Timestamp gt 1"})
        assert r.status_code == 200, r.text


async def test_select_star_is_refused_on_sync_and_select_is_required(exact_sandbox):
    async with exact_sandbox() as run:
        for path in ("sync/Inventory/StockPositions", "sync/Logistics/Items"):
            r = await run.get(path, **{"$select": "*", "$filter": "Timestamp gt 1"})
            assert r.status_code == 400, path
            assert "$select=*" in _message(r)
            r = await run.get(path, **{"$filter": "Timestamp gt 1"})
            assert r.status_code == 400, path
            assert "$select is mandatory" in _message(r)
        r = await run.get("bulk/Logistics/Items")
        assert r.status_code == 400
        assert "$select is mandatory" in _message(r)


async def test_contract_refusals_spend_the_error_budget(exact_sandbox):
    async with exact_sandbox(error_budget=3) as run:
        for _ in range(3):
            r = await run.get("salesorder/GoodsDeliveries", **{"$filter": "YourRef eq 'x'"})
            assert r.status_code == 400
        # Blocked now, even for a good call, as Exact blocks an endpoint after its errors.
        r = await run.get("salesorder/GoodsDeliveries", **{"$select": "EntryID"})
        assert r.status_code == 429
        state = await run.control("state")
        assert "salesorder/GoodsDeliveries" in state["blocked"]


async def test_what_exact_has_but_the_sandbox_does_not_model_is_not_simulated(exact_sandbox):
    async with exact_sandbox() as run:
        r = await run.get("project/Projects", **{"$select": "ID"})
        assert r.status_code == 501
        assert "Not simulated" in _message(r)
        # Exact's contract still comes first: an unknown property there is Exact's 400.
        r = await run.get("project/Projects", **{"$select": "Colour"})
        assert r.status_code == 400
        ids = await _ids(run)
        r = await run.http.put(
            run.url(f"logistics/Items(guid'{ids['item']}')"),
            json={"Code": "renamed"},  # Exact's property; an item's code change is not modelled
            headers=run.auth,
        )
        assert r.status_code == 501
        state = await run.control("state")
        assert [x["status"] for x in state["refused"]] == [501, 400, 501]
