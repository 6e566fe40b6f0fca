"""Thin apply: create each planned document in Exact at most once (links, intents, create).

A crash between Exact's answer and our link is healed by the intent journal (state/intents.py):
the recorded answer, or a YourRef search when the answer never came, so a retried job never
books an order twice. Links (entity "order", shopify_id
"{order gid}:{warehouse}") carry what later flows need: the Exact document, its kind and lines.

Stock leaves Exact exactly once per sold unit: in sales-order mode by the goods delivery the
fulfilment flow books; in invoice mode by the invoice itself, a direct sales invoice (Type 8023
with `Warehouse`), because a normal invoice (8020) moves no stock and refuses a warehouse
(SalesInvoice.php; the contract's salesinvoice/SalesInvoices `conditional` rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.exact.odata import eq
from daemon.flows.orders.customers import resolve_account
from daemon.flows.orders.lookups import item_ids, warehouse_id
from daemon.flows.orders.plan import OrderPlan, PlannedDocument
from daemon.logs import get_logger
from state.intents import create_once

log = get_logger("shopsync.orders")

ORDER_ENTITY = "order"  # links: one per Exact document, "{order gid}:{warehouse code}"
EXPORTED_ENTITY = "order_export"  # links: one per order once every document exists
SALES_ORDERS = "salesorder/SalesOrders"
SALES_INVOICES = "salesinvoice/SalesInvoices"
DIRECT_INVOICE, DIRECT_CREDIT_NOTE = 8023, 8024  # both move stock through their Warehouse


@dataclass
class ExportResult:
    order_name: str
    created: list[str] = field(default_factory=list)  # YourRefs created now
    found: list[str] = field(default_factory=list)  # YourRefs already in Exact (healed links)
    linked: list[str] = field(default_factory=list)  # YourRefs already linked


def _entity(doc: PlannedDocument) -> tuple[str, str, str]:
    """(entity set, key field, number field) of the document's kind."""
    if doc.kind == "invoice":
        return SALES_INVOICES, "InvoiceID", "InvoiceNumber"
    return SALES_ORDERS, "OrderID", "OrderNumber"


def document_body(
    doc: PlannedDocument, account_id: str, warehouse: str, items: dict[str, str]
) -> dict[str, Any]:
    lines = [ln.exact_body(items[ln.item_code]) for ln in doc.lines]
    body: dict[str, Any] = {
        "OrderedBy": account_id,
        "YourRef": doc.your_ref,
        "Description": f"{doc.shop} order {doc.order_name}"
        + (f" (paid {doc.paid_in})" if doc.paid_in else ""),
        "Currency": doc.currency,
    }
    if doc.kind == "invoice":
        body |= {
            "Type": DIRECT_INVOICE,
            "Journal": doc.journal,
            "InvoiceDate": doc.order_date,
            "Warehouse": warehouse,
            "SalesInvoiceLines": lines,
        }
    else:
        body |= {"OrderDate": doc.order_date, "WarehouseID": warehouse, "SalesOrderLines": lines}
    return body


async def order_links(services: Any, order_id: str) -> dict[str, Any]:
    """Warehouse code → link of every document already exported for this order."""
    rows = await services.db.fetchall(
        "SELECT shopify_id FROM links WHERE entity = ? AND shopify_id >= ? AND shopify_id < ?",
        (ORDER_ENTITY, f"{order_id}:", f"{order_id};"),  # ';' sorts right after ':'
    )
    links = {}
    for (shopify_id,) in rows:
        link = await services.links.get(ORDER_ENTITY, shopify_id)
        if link is not None:
            links[shopify_id.rsplit(":", 1)[1]] = link
    return links


async def is_exported(services: Any, order_id: str) -> bool:
    return await services.links.get(EXPORTED_ENTITY, order_id) is not None


async def export_plan(services: Any, plan: OrderPlan) -> ExportResult:
    """Create what is missing of `plan` in Exact; answer what was created, found or linked."""
    result = ExportResult(plan.order_name)
    account_id = await resolve_account(services, plan.customer)
    for doc in plan.documents:
        if await services.links.get(ORDER_ENTITY, doc.link_id) is not None:
            result.linked.append(doc.your_ref)
            continue
        entity, key, number = _entity(doc)

        async def search(entity=entity, key=key, number=number, doc=doc) -> Any:
            rows = await services.exact.get(
                entity, filter=eq("YourRef", doc.your_ref), select=f"{key},{number}", top=1
            )
            return rows[0] if rows else None

        async def create(entity=entity, doc=doc) -> Any:
            items = await item_ids(services, services.settings.orders, doc.lines)
            warehouse = await warehouse_id(services, doc.location_code)
            return await services.exact.post(
                entity, document_body(doc, account_id, warehouse, items)
            )

        found, existed = await create_once(
            services.intents, f"{entity}:{doc.your_ref}", (key, number), search, create
        )
        if existed:
            result.found.append(doc.your_ref)
            log.info("orders.document_found", your_ref=doc.your_ref, exact_id=found[key])
        else:
            result.created.append(doc.your_ref)
            log.info("orders.document_created", your_ref=doc.your_ref, exact_id=found[key])
        data = doc.link_data() | {"account": account_id, "number": found.get(number)}
        await services.links.put(
            ORDER_ENTITY, doc.link_id, str(found[key]), exact_ref=doc.your_ref, data=data
        )
    await services.links.put(
        EXPORTED_ENTITY,
        plan.order_id,
        plan.order_id,
        exact_ref=plan.order_name,
        data={"documents": [d.link_id for d in plan.documents]},
    )
    return result
