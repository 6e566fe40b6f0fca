"""CCV credit invoices (returns) as Exact credit notes against the order's booked invoice.

Plan (pure): each credited row goes back on the item and at the VAT code the order was booked
with (the export link's lines), net of the VAT CCV charged on it; credited shipping goes on the
shipping item; any cent Exact's VAT arithmetic lands off CCV's credited total goes on a rounding
line, within `orders.max_rounding`. Apply: link (`ccv_credit`, the credit invoice) → else the
YourRef search → else create, so a retried job never credits twice. Returned goods come back
into the invoice's warehouse through a direct credit note (Type 8024), as the Shopify refunds
flow does; a credit for shipping alone is a normal credit note (8021).

The sign CCV writes credit amounts with is unpublished; magnitudes are used either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.ccvshop.models import Invoice, InvoiceRow
from connectors.errors import PermanentError
from daemon.flows.orders.apply import DIRECT_CREDIT_NOTE, SALES_INVOICES
from daemon.flows.orders.lookups import first_id, item_ids
from daemon.flows.orders.money import ZERO, exact_total
from daemon.flows.refunds.plan import credit_line_body
from daemon.logs import get_logger

log = get_logger("shopsync.ccvshop")

CREDIT_ENTITY = "ccv_credit"  # links: "ccvshop:invoice:{id}" → the Exact credit note
CENT = Decimal("0.01")


@dataclass(frozen=True)
class CreditLine:
    kind: str  # product | shipping | rounding
    item_code: str
    sku: str | None
    description: str
    quantity: Decimal
    net: Decimal
    vat_code: str
    vat_rate: Decimal

    def exact_body(self, item_id: str) -> dict[str, Any]:
        return credit_line_body(item_id, self.description, self.quantity, self.net, self.vat_code)


@dataclass(frozen=True)
class CreditPlan:
    link_id: str
    your_ref: str
    order_name: str
    original_ref: str
    lines: tuple[CreditLine, ...]
    credited: Decimal  # CCV's credited total, a positive amount

    @property
    def returns_goods(self) -> bool:
        return any(ln.kind == "product" for ln in self.lines)

    @property
    def total(self) -> Decimal:
        return sum((exact_total(ln.net, ln.vat_rate) for ln in self.lines), ZERO)


def plan_ccv_credit(
    credit: Invoice, rows: list[InvoiceRow], booked: dict[str, Any], settings: Any
) -> CreditPlan:
    """The credit note for `credit` against the export link data `booked` of its order."""
    name = booked.get("order_name") or str(credit.ordernumber)
    number = credit.invoicenumber_full or str(credit.invoicenumber or credit.id)
    booked_lines = booked.get("lines") or []
    by_sku = {ln["sku"]: ln for ln in booked_lines if ln.get("kind") == "product" and ln["sku"]}
    shipping = next((ln for ln in booked_lines if ln.get("kind") == "shipping"), None)
    lines = []
    for row in rows:
        line = by_sku.get(row.sku)
        if line is None:
            raise PermanentError(
                f"credit invoice {number} returns {row.sku or row.product_name}, which is not "
                f"on the booked invoice of order {name}",
                hint="Credit it in Exact by hand and cancel this job.",
            )
        net = _net(abs(row.total_price), row.tax, gross=credit.invoice_row_taxes_included)
        lines.append(
            CreditLine(
                "product",
                line["item"],
                row.sku,
                row.product_name or str(row.sku),
                abs(row.count),
                net,
                line["vat_code"],
                Decimal(line["vat_rate"]),
            )
        )
    if credit.total_shipping:
        if shipping is None:
            raise PermanentError(
                f"credit invoice {number} credits shipping, but order {name} was booked "
                "without a shipping line",
                hint="Credit it in Exact by hand and cancel this job.",
            )
        rate = ZERO if credit.is_intra_community_order else credit.shipping_tax_percentage
        net = _net(abs(credit.total_shipping), rate, gross=credit.shipping_taxes_included)
        lines.append(
            CreditLine(
                "shipping",
                shipping["item"],
                None,
                "Shipping",
                Decimal(1),
                net,
                shipping["vat_code"],
                Decimal(shipping["vat_rate"]),
            )
        )
    if not lines:
        raise PermanentError(f"credit invoice {number} credits nothing shopsync can book")
    plan = CreditPlan(
        link_id=f"ccvshop:invoice:{credit.id}",
        your_ref=f"{name}/{number}",
        order_name=name,
        original_ref=f"{name}/{booked.get('warehouse')}" if booked.get("warehouse") else name,
        lines=tuple(lines),
        credited=credit.credited_amount,
    )
    diff = plan.credited - plan.total
    if not diff:
        return plan
    if abs(diff) > max(settings.max_rounding, CENT * len(lines)):
        raise PermanentError(
            f"credit invoice {number}: Exact's VAT would credit {plan.total} where CCV "
            f"credited {plan.credited}",
            hint="Check the VAT on the credit invoice against the booked order; credit it in "
            "Exact by hand and cancel this job.",
        )
    rounding = CreditLine(
        "rounding",
        settings.items.rounding,
        None,
        "Rounding difference",
        Decimal(1),
        diff,
        settings.vat.rounding,
        ZERO,
    )
    return CreditPlan(**{**plan.__dict__, "lines": (*plan.lines, rounding)})


def _net(amount: Decimal, rate: Decimal, *, gross: bool) -> Decimal:
    if not gross:
        return amount
    return amount - (amount * rate / (100 + rate)).quantize(CENT, rounding=ROUND_HALF_UP)


async def apply_ccv_credit(services: Any, plan: CreditPlan, invoice_link: Any) -> str:
    """Create the credit note once; answer "created", "found" or "linked"."""
    if await services.links.get(CREDIT_ENTITY, plan.link_id) is not None:
        return "linked"
    found = await first_id(services, SALES_INVOICES, "InvoiceID", "YourRef", plan.your_ref)
    outcome = "found"
    if found is None:
        original = await services.exact.get_one(
            SALES_INVOICES, invoice_link.exact_id, key="InvoiceID"
        )
        if original is None:
            raise PermanentError(
                f"Exact invoice {invoice_link.exact_ref} is gone; cannot credit it",
                hint="Check the invoice in Exact; credit by hand and cancel this job.",
            )
        items = await item_ids(services, services.settings.orders, plan.lines)
        body: dict[str, Any] = {
            "Journal": original["Journal"],
            "OrderedBy": original["OrderedBy"],
            "YourRef": plan.your_ref,
            "Description": f"CCV Shop credit invoice {plan.your_ref}",
            "Remarks": f"Credits {plan.original_ref} (invoice {original.get('InvoiceNumber')})",
            "Currency": original.get("Currency") or "EUR",
            "SalesInvoiceLines": [ln.exact_body(items[ln.item_code]) for ln in plan.lines],
        }
        if plan.returns_goods and original.get("Warehouse"):
            body |= {"Type": DIRECT_CREDIT_NOTE, "Warehouse": original["Warehouse"]}
        else:
            body["Type"] = 8021
        made = await services.exact.post(SALES_INVOICES, body)
        found = str(made["InvoiceID"])
        outcome = "created"
        log.info("ccvshop.credit_note_created", your_ref=plan.your_ref, total=str(plan.total))
    await services.links.put(
        CREDIT_ENTITY,
        plan.link_id,
        found,
        exact_ref=plan.your_ref,
        data={"order_name": plan.order_name, "total": str(plan.total)},
    )
    return outcome
