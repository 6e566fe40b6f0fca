"""CCV products → Exact items: a product new in the shop becomes an Exact item, once.

Item code = the product number (the SKU orders are booked with), description = the name,
barcode = the EAN, sales VAT code = the domestic code of the product's rate, standard sales
price = the price net of that VAT unless `[ccvshop] prices_include_vat = false` (whether CCV
product prices include VAT is unpublished, ../shared/api/ccv-pay.md §1.6), item group from
`[ccvshop] item_group`. An item that exists already is left as it is: changes made in CCV
later are not carried to Exact yet (the Exact sandbox does not simulate item updates).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.ccvshop.client import CcvShopClient
from connectors.errors import PermanentError
from daemon.flows.orders.lookups import first_id
from daemon.flows.orders.vat import rate_key
from daemon.logs import get_logger

log = get_logger("shopsync.ccvshop")

PRODUCT_KIND = "ccvshop.product"
ITEMS = "logistics/Items"
PRICE = Decimal("0.0001")


def product_job(product_id: int) -> tuple[str, str, dict[str, Any]]:
    return PRODUCT_KIND, f"ccvshop-product:{product_id}", {"product_id": product_id}


async def new_products(client: CcvShopClient, last_id: int) -> list[int]:
    """Ids of products above `last_id`, oldest first (newest-first pages, stop at a seen id)."""
    found = []
    async for product in client.products(orderby="id_desc"):
        if product.id <= last_id:
            break
        found.append(product.id)
    return sorted(found)


def item_body(product: Any, orders: Any, ccv: Any, group_id: str | None) -> dict[str, Any]:
    """The Exact item for a CCV product (pure)."""
    if not product.productnumber:
        raise PermanentError(
            f"CCV product {product.name or product.id} has no product number",
            hint="Give it a product number (the Exact item code), then retry the job.",
        )
    rate = product.vatrate if product.vatrate is not None else Decimal(21)
    vat_code = orders.vat.zero if not rate else None
    for key, code in orders.vat.domestic.items():
        if rate_key(Decimal(key) / 100) == rate_key(rate / 100):
            vat_code = code
    if vat_code is None:
        raise PermanentError(
            f"no domestic VAT code for {rate_key(rate / 100)}% (CCV product "
            f"{product.productnumber})",
            hint=f'Add "{rate_key(rate / 100)}" = "<Exact VAT code>" under '
            "[orders.vat.domestic], then retry the job.",
        )
    price = product.price - product.discount
    if ccv is None or ccv.prices_include_vat:
        price = price * 100 / (100 + rate)
    body: dict[str, Any] = {
        "Code": product.productnumber,
        "Description": (product.name or product.productnumber)[:60],
        "IsSalesItem": True,
        "IsStockItem": True,
        "SalesVatCode": vat_code,
        "StandardSalesPrice": price.quantize(PRICE, rounding=ROUND_HALF_UP),
    }
    if product.eannumber:
        body["Barcode"] = product.eannumber
    if group_id:
        body["ItemGroup"] = group_id
    return body


async def sync_ccv_product(services: Any, product_id: int) -> str:
    """Create the Exact item of one CCV product unless it exists; answer what was done."""
    product = await services.ccvshop.product(product_id)
    code = product.productnumber
    if code and await first_id(services, ITEMS, "ID", "Code", code):
        return f"item {code} exists in Exact"
    ccv = getattr(services.settings, "ccvshop", None)
    group_id = None
    if ccv is not None and ccv.item_group:
        group_id = await first_id(services, "logistics/ItemGroups", "ID", "Code", ccv.item_group)
        if group_id is None:
            raise PermanentError(
                f"Exact has no item group {ccv.item_group!r}",
                hint="Fix ccvshop.item_group to an existing Exact item group code.",
            )
    body = item_body(product, services.settings.orders, ccv, group_id)
    await services.exact.post(ITEMS, body)
    log.info("ccvshop.item_created", code=code)
    return f"item {code} created"
