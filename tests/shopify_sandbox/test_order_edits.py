"""Order edits in the sandbox: the order's view after a commit, the webhooks, the refusals."""

import json

import pytest

from daemon.serving import running_server
from tests.shopify_sandbox.test_webhooks import Receiver, subscribe, wait_for

pytestmark = pytest.mark.anyio

VIEW = """query($id: ID!) { order(id: $id) { totalPriceSet { shopMoney { amount } }
  lineItems(first: 10) { nodes { sku quantity currentQuantity } } } }"""


async def view(shop, order_id: str) -> dict:
    out = await shop.gql(VIEW, {"id": order_id})
    return out["data"]["order"]


async def test_an_edit_keeps_removed_units_in_quantity_and_drops_them_from_current(shop):
    receiver = Receiver()
    async with running_server(receiver, port=0, lifespan="off") as url:
        await subscribe(shop, url + "/hooks", "ORDERS_EDITED")
        made = await shop.control(
            "POST", "/orders", {"lines": [{"sku": "SKU-00003", "quantity": 3}]}
        )
        before = await view(shop, made["order_id"])
        edited = await shop.control(
            "POST",
            f"/orders/{made['order_id']}/edit",
            {"lines": [{"sku": "SKU-00003", "quantity": 1}, {"sku": "SKU-00004", "quantity": 2}]},
        )
        after = await view(shop, made["order_id"])
        await wait_for(lambda: receiver.got)
    lines = {n["sku"]: (n["quantity"], n["currentQuantity"]) for n in after["lineItems"]["nodes"]}
    assert lines == {"SKU-00003": (3, 1), "SKU-00004": (2, 2)}
    total = after["totalPriceSet"]["shopMoney"]["amount"]
    assert total == edited["total"] != before["totalPriceSet"]["shopMoney"]["amount"]
    headers, body = receiver.got[0]
    assert headers["x-shopify-topic"] == "orders/edited"
    edit = json.loads(body)["order_edit"]
    assert f"gid://shopify/Order/{edit['order_id']}" == made["order_id"]
    assert [r["delta"] for r in edit["line_items"]["removals"]] == [2]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"lines": [{"sku": "SKU-00003", "quantity": 0}]}, "shipped or refunded"),
        ({"lines": [{"sku": "SKU-00003", "quantity": -1}]}, "cannot be negative"),
        ({"lines": []}, "needs lines"),
        ({"lines": [{"sku": "SKU-00009", "quantity": 0}]}, "is not on order"),
    ],
)
async def test_the_sandbox_refuses_edits_shopify_would_refuse(shop, body, words):
    made = await shop.control("POST", "/orders", {"lines": [{"sku": "SKU-00003", "quantity": 2}]})
    await shop.control("POST", f"/orders/{made['order_id']}/fulfil", {})
    r = await shop.http.post(
        f"{shop.url}/_sandbox/shopify/orders/{made['order_id']}/edit", json=body
    )
    assert r.status_code == 422 and words in r.text


async def test_a_cancelled_order_cannot_be_edited(shop):
    made = await shop.control("POST", "/orders", {"lines": [{"sku": "SKU-00003", "quantity": 2}]})
    await shop.control("POST", f"/orders/{made['order_id']}/cancel", {})
    r = await shop.http.post(
        f"{shop.url}/_sandbox/shopify/orders/{made['order_id']}/edit",
        json={"lines": [{"sku": "SKU-00003", "quantity": 1}]},
    )
    assert r.status_code == 422 and "cancelled" in r.text
