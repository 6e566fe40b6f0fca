"""Thin apply: each credit note and the refund's entry made in Exact at most once.

Per credit note: link (`refund`, "{refund gid}:{warehouse}") → else search SalesInvoices by
YourRef (`#1001/R123/AMS`) → else create → link. The entry: link (`refund_entry`, refund gid) →
else search journal lines by Description (`Shopify refund #1001 R123`) → else create → link.

A credit note that returns goods Shopify restocked is a direct credit note (Type 8024 with
`Warehouse`): it books the units back into that warehouse, once. One that returns nothing is a
normal credit note (8021), which moves no stock and may not name a warehouse (SalesInvoice.php:
Warehouse "cannot be set for normal sales invoice/credit note").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import PermanentError
from connectors.exact.odata import eq
from daemon.flows.orders.apply import DIRECT_CREDIT_NOTE, SALES_INVOICES
from daemon.flows.orders.lookups import gl_account_id, item_ids, warehouse_id
from daemon.flows.orders.payments import JOURNAL_ENTRIES, JOURNAL_LINES
from daemon.flows.refunds.plan import CreditNote, RefundPlan
from daemon.logs import get_logger
from state.intents import create_once

log = get_logger("shopsync.refunds")

REFUND_ENTITY = "refund"  # links: one per credit note, "{refund gid}:{warehouse}"
ENTRY_ENTITY = "refund_entry"  # links: refund gid → the memorial entry (money side)


@dataclass
class ApplyResult:
    created: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)


def returns_goods(note: CreditNote) -> bool:
    """Does the note put units back on the shelf (a restocked product line)?"""
    return any(ln.kind == "product" and ln.restocked for ln in note.lines)


def credit_note_body(
    note: CreditNote, warehouse: str | None, items: dict[str, str], when: dt.datetime
) -> dict[str, Any]:
    """The SalesInvoices body: 8024 with `warehouse` when given (goods come back), else 8021."""
    remark = f"Credits {note.original_ref}"
    if note.invoice_number:
        remark += f" (invoice {note.invoice_number})"
    body: dict[str, Any] = {
        "Type": DIRECT_CREDIT_NOTE if warehouse else 8021,
        "Journal": note.journal,
        "OrderedBy": note.account,
        "YourRef": note.your_ref,
        "Description": f"Shopify refund {note.order_name} R{note.refund_number}"
        + (f" (paid {note.paid_in})" if note.paid_in else ""),
        "Remarks": remark,
        "Currency": note.currency,
        "InvoiceDate": when,
        "SalesInvoiceLines": [ln.exact_body(items[ln.item_code]) for ln in note.lines],
    }
    if warehouse:
        body["Warehouse"] = warehouse
    return body


async def apply_refund(services: Any, plan: RefundPlan) -> ApplyResult:
    result = ApplyResult()
    orders = services.settings.orders
    for note in plan.credit_notes:
        if await services.links.get(REFUND_ENTITY, note.link_id) is not None:
            result.linked.append(note.your_ref)
            continue

        async def search(note=note) -> Any:
            rows = await services.exact.get(
                SALES_INVOICES,
                filter=eq("YourRef", note.your_ref),
                select="InvoiceID,InvoiceNumber",
                top=1,
            )
            return rows[0] if rows else None

        async def create(note=note) -> Any:
            items = await item_ids(services, orders, note.lines)
            warehouse = (
                await warehouse_id(services, note.warehouse) if returns_goods(note) else None
            )
            body = credit_note_body(note, warehouse, items, plan.date)
            return await services.exact.post(SALES_INVOICES, body)

        ref = f"{SALES_INVOICES}:{note.your_ref}"
        found, existed = await create_once(
            services.intents, ref, ("InvoiceID", "InvoiceNumber"), search, create
        )
        if existed:
            result.found.append(note.your_ref)
        else:
            result.created.append(note.your_ref)
            log.info("refunds.credit_note_created", your_ref=note.your_ref, total=str(note.total))
        await services.links.put(
            REFUND_ENTITY,
            note.link_id,
            str(found["InvoiceID"]),
            exact_ref=note.your_ref,
            data={
                "order_name": note.order_name,
                "warehouse": note.warehouse,
                "number": found.get("InvoiceNumber"),
                "credits": note.original_ref,
                "invoice": note.invoice_number,
                "total": str(note.total),
                "lines": [
                    {
                        "kind": ln.kind,
                        "sku": ln.sku,
                        "item": ln.item_code,
                        "quantity": str(ln.quantity),
                        "net": str(ln.net),
                        "vat_code": ln.vat_code,
                        "restocked": ln.restocked,
                    }
                    for ln in note.lines
                ],
            },
        )
    await _book_entry(services, plan, result)
    return result


async def _gl(services: Any, code: str) -> str:
    try:
        return await gl_account_id(services, code)
    except PermanentError:
        raise PermanentError(
            f"Exact has no GL account {code!r} (needed to book a refund)",
            hint="Fix the GL codes in [refunds] (store_credit_gl, bonus_gl, gift_card_gl, "
            "adjustments, rounding_gl) or [orders] (debtors_gl, clearing_gl), then retry.",
        ) from None


async def _book_entry(services: Any, plan: RefundPlan, result: ApplyResult) -> None:
    if not plan.entry or await services.links.get(ENTRY_ENTITY, plan.refund_id) is not None:
        return

    async def search() -> Any:
        rows = await services.exact.get(
            JOURNAL_LINES, filter=eq("Description", plan.reference), select="EntryID", top=1
        )
        return rows[0] if rows else None

    async def create() -> Any:
        lines = []
        for ln in plan.entry:
            line: dict[str, Any] = {
                "Date": plan.date.astimezone(dt.UTC),
                "AmountFC": ln.amount,
                "GLAccount": await _gl(services, ln.gl),
                "Description": plan.reference,
            }
            if ln.customer:
                line["Account"] = plan.account
            lines.append(line)
        body = {
            "JournalCode": services.settings.orders.payment_journal,
            "Currency": plan.currency,
            "GeneralJournalEntryLines": lines,
        }
        return await services.exact.post(JOURNAL_ENTRIES, body)

    ref = f"{JOURNAL_ENTRIES}:{plan.reference}"
    found, existed = await create_once(services.intents, ref, ("EntryID",), search, create)
    entry_id = str(found["EntryID"])
    if existed:
        result.found.append(plan.reference)
    else:
        result.created.append(plan.reference)
        log.info("refunds.entry_booked", reference=plan.reference)
    await services.links.put(
        ENTRY_ENTITY,
        plan.refund_id,
        entry_id,
        exact_ref=plan.reference,
        data={
            "order_name": plan.order_name,
            "lines": [
                {"gl": ln.gl, "amount": str(ln.amount), "note": ln.note} for ln in plan.entry
            ],
        },
    )
